#!/bin/sh
# One database per Ideapaja service, each owned by its own login role, so that no service can read
# another's tables (DESIGN: database per service).
#
# The postgres image runs this once, when its data volume is empty (/docker-entrypoint-initdb.d).
# It is idempotent: after adding a service, run it again in the running container —
#   docker compose exec -e SERVICE_DATABASES=portal postgres \
#       sh /docker-entrypoint-initdb.d/10-ideapaja-databases.sh
#
# Environment:
#   SERVICE_DATABASES     names, space separated; each becomes a role and a database of that name
#   SERVICE_DB_PASSWORD   password of those roles; <NAME>_DB_PASSWORD overrides it for one service
#   POSTGRES_USER, POSTGRES_DB   the administrator connection (set by the postgres image)
#
# Local use only takes the compose defaults; production uses a managed PostgreSQL whose roles and
# passwords come from the platform's secret store (deploy/README.md).
set -eu

: "${SERVICE_DATABASES:=intake review reward notification privacy portal}"
: "${SERVICE_DB_PASSWORD:?set SERVICE_DB_PASSWORD (or <NAME>_DB_PASSWORD for every service)}"

for name in $SERVICE_DATABASES; do
    case "$name" in
        *[!a-z0-9_]* | "")
            echo "invalid database name: '$name' (use a-z, 0-9, _)" >&2
            exit 1
            ;;
    esac
    upper=$(printf '%s' "$name" | tr 'a-z' 'A-Z')
    password=$(printenv "${upper}_DB_PASSWORD" || printf '%s' "$SERVICE_DB_PASSWORD")
    echo "ideapaja: role and database '$name'"
    psql -v ON_ERROR_STOP=1 --no-psqlrc \
        --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
        -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
ALTER ROLE :"name" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
GRANT ALL ON DATABASE :"name" TO :"name";
SQL
done
