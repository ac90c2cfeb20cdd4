"""What the jobs domains (employment, posts, training) share: the schema, the rollup readers, the
registry look-ups and the input checks. Each domain keeps its own tables in ``<domain>/models.py``."""

SCHEMA = "jobs"
