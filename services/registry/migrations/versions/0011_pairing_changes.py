"""cadre pairings in the change log: other services learn of every pairing and its end

Monitoring keeps visit compliance as a rollup of its own (visits are its rows), so it needs the
pairings (帮扶结对): each one's cadre, household, start and end. They now go through the change log like
households and people, as entity ``pairing``, logged with the household's village at that moment. The
pairings made before this migration are logged once as created, so a subscriber starting now learns all
of those still counted (those of deleted households are not: they count nowhere).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from alembic import op

from services.common.migrations import sql_statements as statements

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

S = "registry"
# The village comes from the household (it follows moves); the rest is bookkeeping.
UNTRACKED = "ARRAY['id','area_code','created_at','created_by']"
# Every field as [null, value].
CREATED = f"""(SELECT jsonb_object_agg(key, jsonb_build_array(NULL, value))
    FROM jsonb_each(to_jsonb(n) - {UNTRACKED}) WHERE value <> 'null'::jsonb)"""  # noqa: S608 - constants

UPGRADE = f"""
CREATE FUNCTION {S}.log_pairings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {S}.record_changes
            (entity_type, entity_id, action, area_code, changes, actor, actor_name, reason)
        SELECT 'pairing', n.id, 'created', h.area_code, {CREATED},
               current_setting('fangpin.actor', true), current_setting('fangpin.actor_name', true),
               nullif(current_setting('fangpin.reason', true), '')
        FROM new_rows n JOIN {S}.households h ON h.id = n.household_id;
    ELSE
        INSERT INTO {S}.record_changes
            (entity_type, entity_id, action, area_code, changes, actor, actor_name, reason)
        SELECT 'pairing', n.id, 'changed', h.area_code, d.changes,
               current_setting('fangpin.actor', true), current_setting('fangpin.actor_name', true),
               nullif(current_setting('fangpin.reason', true), '')
        FROM new_rows n JOIN old_rows o USING (id) JOIN {S}.households h ON h.id = n.household_id
        CROSS JOIN LATERAL (
            SELECT jsonb_object_agg(nk.key, jsonb_build_array(ok.value, nk.value)) AS changes
            FROM jsonb_each(to_jsonb(n) - {UNTRACKED}) nk
            JOIN jsonb_each(to_jsonb(o) - {UNTRACKED}) ok USING (key)
            WHERE nk.value IS DISTINCT FROM ok.value
        ) d
        WHERE d.changes IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER cadre_assignments_log_created AFTER INSERT ON {S}.cadre_assignments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {S}.log_pairings();
CREATE TRIGGER cadre_assignments_log_changed AFTER UPDATE ON {S}.cadre_assignments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {S}.log_pairings();

INSERT INTO {S}.record_changes (entity_type, entity_id, action, area_code, changes, reason)
SELECT 'pairing', n.id, 'created', h.area_code, {CREATED}, 'pairings published to other services'
FROM {S}.cadre_assignments n JOIN {S}.households h ON h.id = n.household_id
WHERE h.deleted_at IS NULL
ORDER BY n.created_at, n.id;
"""  # noqa: S608 - our own constants, no input

DOWNGRADE = f"""
DROP TRIGGER cadre_assignments_log_created ON {S}.cadre_assignments;
DROP TRIGGER cadre_assignments_log_changed ON {S}.cadre_assignments;
DROP FUNCTION {S}.log_pairings();
DELETE FROM {S}.record_changes WHERE entity_type = 'pairing';
"""  # noqa: S608 - our own constants, no input


def upgrade() -> None:
    for statement in statements(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in statements(DOWNGRADE):
        op.execute(statement)
