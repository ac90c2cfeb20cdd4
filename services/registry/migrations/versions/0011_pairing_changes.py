"""cadre pairings in the change log: other services learn of every pairing and its end

Monitoring keeps visit compliance as a rollup of its own (visits are its rows), so it needs the
pairings (帮扶结对): each one's cadre, household, start and end. They now go through the change log like
households and people, as entity ``pairing``, logged with the household's village at that moment (the
trigger is the sql layer's: sql/020_change_log.sql). The pairings made before this migration are logged
once as created, so a subscriber starting now learns all of those still counted (those of deleted
households are not: they count nowhere).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

S = "registry"
# Every field as [null, value]; the village comes from the household (it follows moves), the rest is
# bookkeeping.
UPGRADE = f"""
INSERT INTO {S}.record_changes (entity_type, entity_id, action, area_code, changes, reason)
SELECT 'pairing', n.id, 'created', h.area_code,
       (SELECT jsonb_object_agg(key, jsonb_build_array(NULL, value))
          FROM jsonb_each(to_jsonb(n) - ARRAY['id','area_code','created_at','created_by'])
         WHERE value <> 'null'::jsonb),
       'pairings published to other services'
FROM {S}.cadre_assignments n JOIN {S}.households h ON h.id = n.household_id
WHERE h.deleted_at IS NULL
ORDER BY n.created_at, n.id
"""  # noqa: S608 - our own constants, no input


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS cadre_assignments_log_created ON {S}.cadre_assignments")
    op.execute(f"DROP TRIGGER IF EXISTS cadre_assignments_log_changed ON {S}.cadre_assignments")
    op.execute(f"DROP FUNCTION IF EXISTS {S}.log_pairings()")
    op.execute(f"DELETE FROM {S}.record_changes WHERE entity_type = 'pairing'")  # noqa: S608
