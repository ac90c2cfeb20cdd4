"""What each public-welfare post contributes to the post figures (the rollups' raw-row definition).

A post counts, at its own area, on the days it is in force (``starts_on`` to ``ends_on``, inclusive):
one post and ``capacity`` places. An assignment fills one place on the days it is held while the post
is in force (the overlap of the two periods), as ``repository.recount_filled_by_kind`` counts them.
Each figure is kept twice, by funding source and by type: ``posts_by_source`` / ``posts_by_type``,
``places_by_…`` and ``filled_by_…`` (key: the source or the type code).
"""

from __future__ import annotations

from services.common.rollups.ddl import Feeds

BY_SOURCE, BY_TYPE = "_by_source", "_by_type"
POSTS, PLACES, FILLED = "posts", "places", "filled"


def _stop(ends_on: str) -> str:
    """The day after an inclusive end; none after 9999-12-31 (no date one can ask about is later, and
    the day after it could not be read back into a Python date)."""
    return f"CASE WHEN {ends_on} < date '9999-12-31' THEN {ends_on} + 1 END"


DELTAS_SQL = f"""
CREATE FUNCTION jobs.post_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH posts AS MATERIALIZED (
    SELECT p.id, p.area_code, p.funding_source, p.post_type, p.capacity, p.starts_on,
           {_stop("p.ends_on")} AS stops_on
    FROM jobs.welfare_posts AS p WHERE p.id = ANY(ids)
),
-- Each figure from the day it starts until the day it stops (none: still counts); least() skips nulls.
spans AS MATERIALIZED (
    SELECT id, area_code, funding_source, post_type, starts_on AS day, stops_on AS next_day,
           '{POSTS}' AS what, 1 AS value
    FROM posts
    UNION ALL
    SELECT id, area_code, funding_source, post_type, starts_on, stops_on, '{PLACES}', capacity FROM posts
    UNION ALL
    SELECT held.* FROM (
        SELECT p.id, p.area_code, p.funding_source, p.post_type, greatest(a.starts_on, p.starts_on) AS day,
               least({_stop("a.ends_on")}, p.stops_on) AS next_day, '{FILLED}' AS what, 1 AS value
        FROM posts AS p JOIN jobs.post_assignments AS a ON a.post_id = p.id
    ) AS held
    WHERE held.next_day IS NULL OR held.next_day > held.day
),
figures AS (
    SELECT id, area_code, day, next_day, what || '{BY_SOURCE}' AS measure, funding_source AS key, value
    FROM spans
    UNION ALL
    SELECT id, area_code, day, next_day, what || '{BY_TYPE}', post_type, value FROM spans
)
SELECT id, area_code, measure, key, day, sum(delta)::integer
FROM (
    SELECT id, area_code, measure, key, day, value AS delta FROM figures
    UNION ALL
    SELECT id, area_code, measure, key, next_day, -value FROM figures WHERE next_day IS NOT NULL
) AS d
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
$$;
"""  # noqa: S608 - our own constants

DROP_DELTAS_SQL = "DROP FUNCTION jobs.post_deltas_of(uuid[]);"

SUBJECTS_SQL = "SELECT id FROM jobs.welfare_posts"

FEEDS = [
    Feeds(
        "welfare_posts",
        "SELECT r.id FROM {rows}",
        ("area_code", "funding_source", "post_type", "capacity", "starts_on", "ends_on"),
    ),
    Feeds("post_assignments", "SELECT r.post_id FROM {rows}", ("post_id", "starts_on", "ends_on")),
]
