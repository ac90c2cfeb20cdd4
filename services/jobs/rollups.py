"""The jobs service's rollups (schema ``jobs``): employment, public-welfare posts and training.

Three kinds of subject share the tables: a person (their employment records), a post (with its
assignments) and an enrolment. Each domain defines its own ``<kind>_deltas_of(ids)``; the rollups'
``rollup_deltas_of`` is their union, so a subject's contributions are whatever its id means in each
(ids are UUIDs, so in practice one). Keys here are longer than elsewhere (a destination or a job's
place in words, up to 100 characters, after a course id), so the jobs schema widens the key column.
"""

from __future__ import annotations

from services.common.rollups.ddl import (
    CONTRIBUTIONS,
    TOTALS,
)
from services.common.rollups.install import install_statements, uninstall_statements
from services.jobs.employment import rollups as employment
from services.jobs.posts import rollups as posts
from services.jobs.shared import SCHEMA
from services.jobs.training import rollups as training

KEY_LENGTH = 160
DOMAINS = (employment, posts, training)
FEEDS = [feeds for domain in DOMAINS for feeds in domain.FEEDS]

DELTAS_SQL = f"""
CREATE FUNCTION jobs.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM jobs.employment_deltas_of(ids)
    UNION ALL SELECT * FROM jobs.post_deltas_of(ids)
    UNION ALL SELECT * FROM jobs.enrolment_deltas_of(ids)
$$;

CREATE FUNCTION jobs.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    {employment.SUBJECTS_SQL} UNION {posts.SUBJECTS_SQL} UNION {training.SUBJECTS_SQL}
$$;
"""  # noqa: S608 - our own constants
DROP_DELTAS_SQL = """
DROP FUNCTION jobs.rollup_all_subjects();
DROP FUNCTION jobs.rollup_deltas_of(uuid[]);
"""
WIDEN_KEYS_SQL = f"""
ALTER TABLE jobs.{CONTRIBUTIONS} ALTER COLUMN key TYPE varchar({KEY_LENGTH});
ALTER TABLE jobs.{TOTALS} ALTER COLUMN key TYPE varchar({KEY_LENGTH});
"""


def upgrade_statements() -> list[str]:
    """The tables (with longer keys), the functions, the triggers, then the first fill."""
    functions = "".join(domain.DELTAS_SQL for domain in DOMAINS) + DELTAS_SQL
    return install_statements(SCHEMA, functions, FEEDS, tables_sql=WIDEN_KEYS_SQL)


def downgrade_statements() -> list[str]:
    drops = DROP_DELTAS_SQL + "".join(domain.DROP_DELTAS_SQL for domain in DOMAINS)
    return uninstall_statements(SCHEMA, drops, FEEDS)
