"""projects: photovoltaic stations (光伏扶贫电站), their generation readings, alarms (运行告警, 低效运行,
故障损毁), the expected output per kW an area's months are judged by, and revenue with its allocation

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE projects.stations (
    id uuid PRIMARY KEY,
    asset_id uuid NOT NULL UNIQUE REFERENCES projects.assets (id),
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$' AND area_code !~ '000$'),
    name varchar(200) NOT NULL,
    capacity_kw integer NOT NULL CHECK (capacity_kw > 0),
    grid_connected_on date NOT NULL,
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX ix_stations_area ON projects.stations (area_code text_pattern_ops, id);

-- A reading is kept once by the record id its sender gave it (a partner's feed, or a county office's
-- entry), and a station has one reading a day and one a month: a second for the same day is refused.
CREATE TABLE projects.station_readings (
    id uuid PRIMARY KEY,
    sender_id varchar(64) NOT NULL,
    record_id varchar(64) NOT NULL,
    content_sha256 bytea NOT NULL,
    station_id uuid NOT NULL REFERENCES projects.stations (id),
    area_code varchar(12) NOT NULL,
    period varchar(8) NOT NULL CHECK (period IN ('day', 'month')),
    day date NOT NULL,
    kwh integer NOT NULL CHECK (kwh >= 0),
    alarm_code varchar(32),
    alarm_text varchar(500),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sender_id, record_id),
    UNIQUE (station_id, period, day),
    CONSTRAINT a_month_reading_is_on_the_first CHECK (period = 'day' OR extract(day FROM day) = 1),
    CONSTRAINT an_alarm_has_a_code CHECK ((alarm_code IS NULL) = (alarm_text IS NULL))
);
CREATE INDEX ix_station_readings_month ON projects.station_readings (station_id, day);

-- Expected output (kWh per kW) of each month of the year in an area and below it, and the share of it
-- under which a month's output is low (低效运行). The most specific area's row decides.
CREATE TABLE projects.station_expectations (
    area_code varchar(12) PRIMARY KEY CHECK (area_code ~ '^[0-9]{12}$'),
    kwh_per_kw smallint[] NOT NULL CHECK (
        cardinality(kwh_per_kw) = 12 AND 0 < ALL (kwh_per_kw) AND 1000 > ALL (kwh_per_kw)),
    low_share_pct smallint NOT NULL CHECK (low_share_pct BETWEEN 1 AND 100),
    updated_by varchar(64) NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Each station-month is judged once, the first time its output is whole (every day read, or its month
-- reading): the key keeps a second judgement (a feed sent again, a recompute) from raising twice.
CREATE TABLE projects.station_months (
    station_id uuid NOT NULL REFERENCES projects.stations (id),
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    area_code varchar(12) NOT NULL,
    output_kwh bigint NOT NULL CHECK (output_kwh >= 0),
    expected_kwh bigint NOT NULL CHECK (expected_kwh > 0),
    low_share_pct smallint NOT NULL,
    low boolean NOT NULL,
    judged_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, month)
);
CREATE INDEX ix_station_months_area ON projects.station_months (area_code text_pattern_ops, month);

CREATE TABLE projects.station_alarms (
    id uuid PRIMARY KEY,
    station_id uuid NOT NULL REFERENCES projects.stations (id),
    area_code varchar(12) NOT NULL,
    kind varchar(16) NOT NULL CHECK (kind IN ('operation', 'low_output', 'damage')),
    state varchar(8) NOT NULL CHECK (state IN ('open', 'fixing', 'fixed')),
    raised_on date NOT NULL,
    due_on date NOT NULL CHECK (due_on >= raised_on),
    code varchar(32),
    text varchar(1000) NOT NULL,
    month date,
    reading_id uuid REFERENCES projects.station_readings (id),
    photo_refs varchar(200)[],
    request_sha256 bytea,
    fixing_on date CHECK (fixing_on >= raised_on),
    fixed_on date CHECK (fixed_on >= raised_on),
    note varchar(500),
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT operation_from_a_reading CHECK ((kind = 'operation') = (reading_id IS NOT NULL)),
    CONSTRAINT low_output_of_a_month CHECK ((kind = 'low_output') = (month IS NOT NULL)),
    CONSTRAINT damage_reported_with_photos CHECK ((kind = 'damage') = (photo_refs IS NOT NULL)),
    CONSTRAINT fixed_with_a_day CHECK ((state = 'fixed') = (fixed_on IS NOT NULL)),
    CONSTRAINT fixing_with_a_day CHECK (state = 'open' OR fixing_on IS NOT NULL)
);
CREATE UNIQUE INDEX ux_station_alarms_low_month ON projects.station_alarms (station_id, month)
    WHERE kind = 'low_output';
CREATE UNIQUE INDEX ux_station_alarms_reading ON projects.station_alarms (reading_id)
    WHERE kind = 'operation';
CREATE INDEX ix_station_alarms_area ON projects.station_alarms (area_code text_pattern_ops, id);
CREATE INDEX ix_station_alarms_station ON projects.station_alarms (station_id, raised_on);

-- Revenue by station and month and where it went; the CHECK refuses an allocation beyond it.
CREATE TABLE projects.station_revenues (
    station_id uuid NOT NULL REFERENCES projects.stations (id),
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    area_code varchar(12) NOT NULL,
    revenue_fen bigint NOT NULL CHECK (revenue_fen >= 0),
    to_posts_fen bigint NOT NULL DEFAULT 0 CHECK (to_posts_fen >= 0),
    to_households_fen bigint NOT NULL DEFAULT 0 CHECK (to_households_fen >= 0),
    to_village_fen bigint NOT NULL DEFAULT 0 CHECK (to_village_fen >= 0),
    updated_by varchar(64) NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, month),
    CONSTRAINT allocated_within_revenue CHECK (
        to_posts_fen + to_households_fen + to_village_fen <= revenue_fen)
)
"""


def upgrade() -> None:
    # One statement at a time: the driver prepares each, and a prepared statement holds only one.
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in (
        "station_revenues",
        "station_alarms",
        "station_months",
        "station_expectations",
        "station_readings",
        "stations",
    ):
        op.execute(f"DROP TABLE projects.{table}")
