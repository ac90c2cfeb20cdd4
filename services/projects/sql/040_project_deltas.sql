-- What each project contributes to the project figures (see services/projects/stats/service.py).
--
-- A project counts at its own area, by sector, from the day it entered the library (入库) until the day
-- it was cancelled; its budget likewise, by sector and by funding source. Money received (到位) and
-- paid (支付) counts from the day it moved, by sector and by source, and is never taken back (money
-- that moved stays moved, even on a cancelled project). Its state counts from each step's day to the
-- next step's. Counterpart support (对口支援/援疆) received is also kept as a whole and for grassroots and
-- livelihood projects: 篇4's rule that at least 80% of it goes to both.
CREATE OR REPLACE FUNCTION projects.project_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta bigint)
LANGUAGE sql STABLE AS $$
WITH p AS MATERIALIZED (
    SELECT id, area_code, sector, entered_on, cancelled_on, grassroots, livelihood,
           approved_on, started_on, completed_on, accepted_on, handed_over_on
    FROM projects.projects WHERE id = ANY(ids)
),
budgets AS (
    SELECT f.project_id, f.source, f.budget_fen FROM projects.project_funds AS f
    WHERE f.project_id = ANY(ids) AND f.budget_fen <> 0
),
-- Figures that start on one day and stop on another (none: still counts).
spans AS (
    SELECT id, area_code, 'projects' AS measure, sector AS key, entered_on AS day,
           cancelled_on AS next_day, 1::bigint AS value FROM p
    UNION ALL
    SELECT p.id, p.area_code, 'budget', p.sector, p.entered_on, p.cancelled_on, b.budget_fen
    FROM p JOIN budgets AS b ON b.project_id = p.id
    UNION ALL
    SELECT p.id, p.area_code, 'budget_by_source', b.source, p.entered_on, p.cancelled_on, b.budget_fen
    FROM p JOIN budgets AS b ON b.project_id = p.id
    UNION ALL
    SELECT id, area_code, 'state', state, day, next_day, 1 FROM (
        SELECT s.id, s.area_code, s.state, s.day,
               lead(s.day) OVER (PARTITION BY s.id ORDER BY s.day, s.stage) AS next_day
        FROM (
            SELECT p.id, p.area_code, st.state, st.day, st.stage
            FROM p CROSS JOIN LATERAL (VALUES
                ('in_library', p.entered_on, 0), ('approved', p.approved_on, 1),
                ('started', p.started_on, 2), ('completed', p.completed_on, 3),
                ('accepted', p.accepted_on, 4), ('handed_over', p.handed_over_on, 5),
                ('cancelled', p.cancelled_on, 6)
            ) AS st (state, day, stage)
            WHERE st.day IS NOT NULL
        ) AS s
    ) AS states
    WHERE next_day IS NULL OR next_day > day
),
moved AS (
    SELECT p.id, p.area_code, p.sector, p.grassroots, p.livelihood, m.source, m.kind, m.moved_on,
           m.amount_fen
    FROM p JOIN projects.fund_movements AS m ON m.project_id = p.id
),
points AS (
    SELECT id, area_code, kind AS measure, sector AS key, moved_on AS day, amount_fen AS delta FROM moved
    UNION ALL
    SELECT id, area_code, kind || '_by_source', source, moved_on, amount_fen FROM moved
    UNION ALL
    SELECT id, area_code, 'counterpart_received', k.key, moved_on, amount_fen
    FROM moved CROSS JOIN LATERAL (VALUES ('all', true), ('grassroots', grassroots), ('livelihood', livelihood))
        AS k (key, counts)
    WHERE source = 'counterpart' AND kind = 'received' AND k.counts
)
SELECT id, area_code, measure, key, day, sum(delta)::bigint
FROM (
    SELECT id, area_code, measure, key, day, value AS delta FROM spans
    UNION ALL
    SELECT id, area_code, measure, key, next_day, -value FROM spans WHERE next_day IS NOT NULL
    UNION ALL
    SELECT id, area_code, measure, key, day, delta FROM points
) AS d
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
$$;
