"""oversight: rectification figures as rollups — per area, source and day, items opened, closed, closed
on time and overdue (the sql layer's task_deltas_of, made at head, counts each write from now on)

This revision counts the items already there, with a frozen copy of those deltas (the sql layer's
functions are not there yet when a revision runs), so the totals equal a recount at once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = (
    """
INSERT INTO oversight.rollup_subjects SELECT id FROM oversight.rectifications ON CONFLICT DO NOTHING
""",
    """
WITH items AS (
    SELECT id, area_code, source, received_on, deadline, closed_on,
           greatest(received_on, deadline + 1) AS overdue_from
    FROM oversight.rectifications
)
INSERT INTO oversight.rollup_contributions (subject_id, area_code, measure, key, day, delta)
SELECT id, area_code, 'tasks_opened', source, received_on, 1 FROM items
UNION ALL
SELECT id, area_code, 'tasks_closed', source, closed_on, 1 FROM items WHERE closed_on IS NOT NULL
UNION ALL
SELECT id, area_code, 'tasks_closed_on_time', source, closed_on, 1
FROM items WHERE closed_on IS NOT NULL AND closed_on <= deadline
UNION ALL
SELECT id, area_code, 'tasks_overdue', source, overdue_from, 1
FROM items WHERE closed_on IS NULL OR closed_on > overdue_from
UNION ALL
SELECT id, area_code, 'tasks_overdue', source, closed_on, -1 FROM items WHERE closed_on > overdue_from
""",
    # Each contribution counts in its area and every area above it (sql/030's rollup_ancestors).
    """
INSERT INTO oversight.rollup_totals (area_code, parent_code, measure, key, day, delta)
SELECT rpad(substr(c.area_code, 1, l.n), 12, '0'),
       CASE WHEN l.p = 0 THEN NULL ELSE rpad(substr(c.area_code, 1, l.p), 12, '0') END,
       c.measure, c.key, c.day, sum(c.delta)
FROM oversight.rollup_contributions AS c
CROSS JOIN (VALUES (2, 0), (4, 2), (6, 4), (9, 6), (12, 9)) AS l (n, p)
WHERE left(c.measure, 6) = 'tasks_'
  AND l.n <= (SELECT min(m) FROM unnest(ARRAY[2, 4, 6, 9, 12]) AS m
              WHERE ltrim(substr(c.area_code, m + 1), '0') = '')
GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.delta) <> 0
""",
)

DOWNGRADE = (
    # The functions as they were before this revision (the presence figures alone).
    "DROP TRIGGER IF EXISTS rollup_rectifications_insert ON oversight.rectifications",
    "DROP TRIGGER IF EXISTS rollup_rectifications_update ON oversight.rectifications",
    """
CREATE OR REPLACE FUNCTION oversight.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta bigint)
LANGUAGE sql STABLE AS $$
    SELECT m.id, m.village_code, 'days_present'::varchar, m.duty, c.day, 1::bigint
    FROM oversight.team_members AS m
    JOIN (SELECT DISTINCT member_id, day FROM oversight.check_ins WHERE member_id = ANY(ids)) AS c
        ON c.member_id = m.id
    WHERE m.id = ANY(ids)
$$
""",
    """
CREATE OR REPLACE FUNCTION oversight.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM oversight.team_members
$$
""",
    "DROP FUNCTION IF EXISTS oversight.rollup_rectifications(), oversight.task_deltas_of(uuid[])",
    "DELETE FROM oversight.rollup_contributions WHERE left(measure, 6) = 'tasks_'",
    "DELETE FROM oversight.rollup_totals WHERE left(measure, 6) = 'tasks_'",
    "DELETE FROM oversight.rollup_subjects WHERE subject_id IN (SELECT id FROM oversight.rectifications)",
)


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
