"""The export jobs of a service and their files, in the service's own schema."""

from __future__ import annotations

JOBS = "export_jobs"
CHUNKS = "export_chunks"

EXPORTS_DDL = """
CREATE TABLE {s}.{jobs} (
    id uuid PRIMARY KEY,
    resource varchar(32) NOT NULL,
    file_name varchar(120) NOT NULL,
    media_type varchar(100) NOT NULL,
    requested_by text NOT NULL,
    status varchar(16) NOT NULL,
    rows_total bigint NOT NULL,
    rows_done bigint NOT NULL DEFAULT 0,
    bytes bigint NOT NULL DEFAULT 0,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX ix_{jobs}_created ON {s}.{jobs} (created_at);
CREATE TABLE {s}.{chunks} (
    job_id uuid NOT NULL REFERENCES {s}.{jobs} (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (job_id, seq)
);
"""


def exports_ddl(schema: str) -> str:
    return EXPORTS_DDL.format(s=schema, jobs=JOBS, chunks=CHUNKS)


def drop_exports_ddl(schema: str) -> str:
    return f"DROP TABLE {schema}.{CHUNKS}; DROP TABLE {schema}.{JOBS};"
