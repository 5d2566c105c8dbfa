#!/usr/bin/env bash
# Runs once, when the primary's data directory is first initialised (the official image runs
# /docker-entrypoint-initdb.d/*.sh as the postgres user, with the server up on the local socket).
# Creates the replication role and the replica's physical slot, and lets that role connect for
# replication over the compose network.
set -euo pipefail
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=pw="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SELECT pg_create_physical_replication_slot('replica1');
SQL

# scram-sha-256 is the image's default password method for the networks it opens.
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
