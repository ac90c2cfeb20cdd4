"""request_digests_placements: the digest of each create request, and a placed person leaving the job

A retry of a create (same client id) is answered by comparing its digest with the one kept here: the
same request is a duplicate however the row changed since (a post edited, an assignment ended), another
body with the id is a conflict. Rows created before this revision have none (NULL) and are compared as
they were before. An enrolment's placement may now end (``left_on``, ``leave_reason``): the person left
the job found after the course.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("welfare_posts", "post_assignments", "training_courses", "training_enrolments")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE jobs.{table} ADD COLUMN request_sha256 bytea NULL")
    op.execute("ALTER TABLE jobs.training_enrolments ADD COLUMN left_on date NULL")
    op.execute("ALTER TABLE jobs.training_enrolments ADD COLUMN leave_reason varchar(200) NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE jobs.training_enrolments DROP COLUMN leave_reason")
    op.execute("ALTER TABLE jobs.training_enrolments DROP COLUMN left_on")
    for table in TABLES:
        op.execute(f"ALTER TABLE jobs.{table} DROP COLUMN request_sha256")
