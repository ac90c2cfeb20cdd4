#!/usr/bin/env bash
# Runs once, when the PostgreSQL container starts on an empty data volume (docker-entrypoint-initdb.d).
# Creates the serving role fangpin_app: it may log in and nothing else. `fangpin migrate`, run as the
# owner (POSTGRES_USER), grants it data rights on each schema, and only insert and read on the audit logs.
set -euo pipefail
: "${POSTGRES_APP_PASSWORD:?set POSTGRES_APP_PASSWORD in fangpin.env}"

# psql variables (:'name', :"name") quote the values, so a password needs no escaping here.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="$POSTGRES_APP_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE fangpin_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_password';
-- Only the two fangpin roles may connect to the database; nobody may create objects in public.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO fangpin_app;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
