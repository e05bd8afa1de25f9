#!/bin/sh
# Creates Temporal's two PostgreSQL databases (history and visibility) and
# brings their schemas up to the version shipped in this temporalio/admin-tools
# image. Run once per `docker compose up` by the temporal-schema service,
# before the Temporal server starts. Every step is idempotent: create-database
# ignores an existing database, setup-schema -v 0.0 leaves an initialised
# schema alone, and update-schema applies only the versions not yet applied,
# so the same script also upgrades the schema after the image tags are bumped.
#
# Connection settings come from temporal-sql-tool's own environment variables:
# SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu

: "${SQL_PLUGIN:?SQL_PLUGIN must be set (postgres12)}"
: "${SQL_HOST:?SQL_HOST must be set}"
: "${SQL_USER:?SQL_USER must be set}"
: "${SQL_PASSWORD:?SQL_PASSWORD must be set}"

schema_root=${TEMPORAL_SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}

# setup DATABASE SCHEMA creates DATABASE and migrates it with the versioned
# schema under $schema_root/SCHEMA.
setup() {
	echo "temporal-schema: database $1 (schema $2)"
	temporal-sql-tool --db "$1" create-database
	temporal-sql-tool --db "$1" setup-schema -v 0.0
	temporal-sql-tool --db "$1" update-schema -d "$schema_root/$2/versioned"
}

setup "${TEMPORAL_DB:-temporal}" temporal
setup "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" visibility
echo "temporal-schema: done"
