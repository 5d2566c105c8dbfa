#!/usr/bin/env bash
# The streaming replica: on first start (an empty data directory) it clones the primary with
# pg_basebackup -R (which writes standby.signal and primary_conninfo), then hands over to the
# official image's entrypoint, which finds PG_VERSION, skips initdb and starts the standby.
set -euo pipefail
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
: "${PRIMARY_HOST:=db-primary}"
: "${PGDATA:=/var/lib/postgresql/data}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -p 5432 -q; do
    echo "replica: waiting for $PRIMARY_HOST"
    sleep 2
  done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  # -X stream: the WAL needed for consistency comes along; -S: the slot the primary made for us,
  # so the primary keeps WAL until this replica has it. -R puts the password in
  # postgresql.auto.conf's primary_conninfo (inside the replica's private volume).
  gosu postgres env PGPASSWORD="$REPLICATION_PASSWORD" \
    pg_basebackup -h "$PRIMARY_HOST" -p 5432 -U replicator -D "$PGDATA" -X stream -S replica1 -R
fi

exec docker-entrypoint.sh "$@"
