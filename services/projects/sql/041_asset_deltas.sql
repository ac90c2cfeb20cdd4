-- What each asset contributes to the asset figures (see services/projects/stats/service.py).
--
-- An asset counts at its own area from the day it was formed until the day it was disposed of: by kind
-- (with its value) and by owner type as titled now ('untitled' before 确权). A yearly check counts on the
-- day it was done, by the year checked (and again if it found a problem). A year's income counts from the
-- year's last day (income has no day of its own); a distribution counts, by where it went, from the day
-- its notice took effect: a distribution still in notice, or withdrawn, is not counted.
CREATE OR REPLACE FUNCTION projects.asset_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta bigint)
LANGUAGE sql STABLE AS $$
WITH a AS MATERIALIZED (
    SELECT id, area_code, kind, coalesce(owner_type, 'untitled') AS owner, value_fen, formed_on, disposed_on
    FROM projects.assets WHERE id = ANY(ids)
),
spans AS (
    SELECT id, area_code, 'assets' AS measure, kind AS key, formed_on AS day, disposed_on AS next_day,
           1::bigint AS value FROM a
    UNION ALL
    SELECT id, area_code, 'assets_by_owner', owner, formed_on, disposed_on, 1 FROM a
    UNION ALL
    SELECT id, area_code, 'asset_value', kind, formed_on, disposed_on, value_fen FROM a WHERE value_fen <> 0
),
points AS (
    SELECT a.id, a.area_code, 'asset_checked' AS measure, c.year::text AS key, c.checked_on AS day,
           1::bigint AS delta
    FROM a JOIN projects.asset_checks AS c ON c.asset_id = a.id
    UNION ALL
    SELECT a.id, a.area_code, 'asset_check_problems', c.year::text, c.checked_on, 1
    FROM a JOIN projects.asset_checks AS c ON c.asset_id = a.id WHERE c.result = 'problem'
    UNION ALL
    SELECT a.id, a.area_code, 'asset_income', i.year::text, make_date(i.year, 12, 31), i.income_fen
    FROM a JOIN projects.asset_incomes AS i ON i.asset_id = a.id WHERE i.income_fen <> 0
    UNION ALL
    SELECT a.id, a.area_code, 'asset_distributed', d.key, n.concluded_on, d.fen
    FROM a JOIN projects.asset_notices AS n ON n.asset_id = a.id
    CROSS JOIN LATERAL (VALUES
        ('households', n.to_households_fen), ('posts', n.to_posts_fen),
        ('village', n.to_village_fen), ('other', n.to_other_fen)
    ) AS d (key, fen)
    WHERE n.subject = 'distribution' AND n.state = 'effective' AND d.fen <> 0
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
