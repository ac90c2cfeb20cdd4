"""welfare_posts, post_assignments, training_courses, training_enrolments: public-welfare posts (公益岗)
with who holds them, and skills training (技能培训) with placement into work

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE jobs.welfare_posts (
    id uuid PRIMARY KEY,
    area_code varchar(12) NOT NULL,
    title varchar(100) NOT NULL,
    post_type varchar(24) NOT NULL,
    funding_source varchar(16) NOT NULL,
    station varchar(100),
    monthly_subsidy numeric(12, 2) NOT NULL,
    capacity integer NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    note varchar(500),
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT ck_welfare_posts_capacity CHECK (capacity >= 1),
    CONSTRAINT ck_welfare_posts_subsidy CHECK (monthly_subsidy >= 0),
    CONSTRAINT ck_welfare_posts_dates CHECK (ends_on IS NULL OR ends_on >= starts_on),
    -- A post paid from photovoltaic revenue names its station (光伏电站), and only such a post does.
    CONSTRAINT ck_welfare_posts_station CHECK ((funding_source = 'photovoltaic') = (station IS NOT NULL))
);
CREATE INDEX ix_welfare_posts_area ON jobs.welfare_posts (area_code text_pattern_ops, starts_on);

CREATE TABLE jobs.post_assignments (
    id uuid PRIMARY KEY,
    post_id uuid NOT NULL REFERENCES jobs.welfare_posts (id),
    person_id uuid NOT NULL,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    end_reason varchar(200),
    ended_by varchar(64),
    ended_at timestamptz,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_post_assignments_dates CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX ix_post_assignments_post ON jobs.post_assignments (post_id, starts_on);
CREATE INDEX ix_post_assignments_person ON jobs.post_assignments (person_id, starts_on);
CREATE INDEX ix_post_assignments_area ON jobs.post_assignments (area_code text_pattern_ops, starts_on);

CREATE TABLE jobs.training_courses (
    id uuid PRIMARY KEY,
    area_code varchar(12) NOT NULL,
    title varchar(100) NOT NULL,
    provider varchar(100) NOT NULL,
    skill varchar(50) NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    capacity integer,
    note varchar(500),
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT ck_training_courses_capacity CHECK (capacity IS NULL OR capacity >= 1),
    CONSTRAINT ck_training_courses_dates CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX ix_training_courses_area ON jobs.training_courses (area_code text_pattern_ops, starts_on);

CREATE TABLE jobs.training_enrolments (
    id uuid PRIMARY KEY,
    course_id uuid NOT NULL REFERENCES jobs.training_courses (id),
    person_id uuid NOT NULL,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    enrolled_on date NOT NULL,
    state varchar(16) NOT NULL,
    completed_on date,
    certificate_no varchar(64),
    dropped_on date,
    drop_reason varchar(200),
    employer varchar(100),
    place varchar(100),
    place_code varchar(12),
    placed_on date,
    monthly_income numeric(12, 2),
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT uq_training_enrolments_person UNIQUE (course_id, person_id),
    CONSTRAINT ck_training_enrolments_income CHECK (monthly_income IS NULL OR monthly_income >= 0)
);
CREATE INDEX ix_training_enrolments_person ON jobs.training_enrolments (person_id);
CREATE INDEX ix_training_enrolments_area
    ON jobs.training_enrolments (area_code text_pattern_ops, enrolled_on);
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE jobs.training_enrolments")
    op.execute("DROP TABLE jobs.training_courses")
    op.execute("DROP TABLE jobs.post_assignments")
    op.execute("DROP TABLE jobs.welfare_posts")
