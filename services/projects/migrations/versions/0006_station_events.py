"""projects: the stations registered before jobs subscribed, and their months' allocation to post
wages, published once to the outbox so jobs' new subscription learns them

From this revision on, registering or correcting a station publishes ``station.registered`` /
``station.changed`` and setting a month's share for post wages ``station.revenue_allocated`` (the
service writes them). The stations and revenues already there were never published: this writes one
event for each, as of now, so photovoltaic posts can name the stations that exist today.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BACKFILL = (
    """
INSERT INTO projects.outbox_events (event_type, area_code, subject_id, payload)
SELECT 'station.registered', s.area_code, s.id, jsonb_build_object(
    'station_id', s.id::text, 'name', s.name, 'area_code', s.area_code, 'asset_id', s.asset_id::text,
    'capacity_kw', s.capacity_kw, 'version', s.version)
FROM projects.stations s ORDER BY s.created_at, s.id
""",
    """
INSERT INTO projects.outbox_events (event_type, area_code, subject_id, payload)
SELECT 'station.revenue_allocated', r.area_code, r.station_id, jsonb_build_object(
    'station_id', r.station_id::text, 'month', to_char(r.month, 'YYYY-MM-DD'), 'posts_fen', r.to_posts_fen)
FROM projects.station_revenues r ORDER BY r.station_id, r.month
""",
)


def upgrade() -> None:
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    pass  # the events stay published: jobs may have taken them in already
