#!/usr/bin/env bash
# Starts a scratch PostgreSQL 15 on 127.0.0.1 for the sql probe, its cluster in DIR/data, with
# TLS (certificate from the test CA in DIR/certs) and scram-sha-256 logins over TCP. Database
# `campus` owned by the test user probe (probepw), so that the user could write if the probe's
# read-only transaction did not stop it:
#   pos_transactions        one-card payments, one row inserted now() at start (fresh)
#   pos_transactions_stale  the same, newest row three days old
#   empty_events            no rows
#   door_events             ten door swipes within the last 20 minutes
#   slow_query(seconds)     sleeps (pg_sleep), then returns 1; for statement timeouts
#   tests/servers/start-postgres.sh DIR   -> POSTGRES_PID, POSTGRES_PORT, POSTGRES_CA
# POSTGRES_PORT=N in the environment fixes the port (default: a free one).
#
# Running from a temp dir: initdb and postgres refuse to run as root, so as root the cluster
# belongs to the `postgres` system user (runuser), and DIR and its parents must be traversable by
# it. The server's key must be owned by that user with mode 0600, so the certificates are copied
# into the data directory. The Unix socket goes to DIR, not /var/run/postgresql (which belongs to
# the packaged instance). pg_ctl stays in the foreground until the server accepts connections;
# the postmaster's pid is the first line of DIR/data/postmaster.pid, and SIGTERM (stop-all.sh)
# is a "smart" shutdown, which waits for open sessions to end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-postgres.sh DIR}" && cd "$1" && pwd)
bin=/usr/lib/postgresql/15/bin
port=${POSTGRES_PORT:-$(free_port)}
"$here/make-certs.sh" "$dir/certs"

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(runuser -u postgres --)
  chown postgres: "$dir"
fi

# A server left running from an earlier start holds the cluster: stop it first.
if [ -f "$dir/data/postmaster.pid" ]; then
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
  rm -rf "$dir/data"
  "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  cp "$dir/certs/valid.crt" "$dir/data/server.crt"
  cp "$dir/certs/valid.key" "$dir/data/server.key"
  [ "${#as_owner[@]}" -eq 0 ] || chown postgres: "$dir/data/server.crt" "$dir/data/server.key"
  chmod 0600 "$dir/data/server.key"
fi
cat > "$dir/data/postgresql.auto.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
fsync = off
log_min_messages = warning
CONF
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 start >/dev/null
pid=$(head -1 "$dir/data/postmaster.pid")
wait_for_port "$port"

psql_as() {  # user db: runs stdin
  "${as_owner[@]}" "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$1" -d "$2" >/dev/null
}
psql_as postgres postgres <<'SQL'
SELECT 'CREATE ROLE probe LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'probe')
\gexec
ALTER ROLE probe PASSWORD 'probepw';
SELECT 'CREATE DATABASE campus OWNER probe' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'campus')
\gexec
SQL
psql_as probe campus <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS pos_transactions, pos_transactions_stale, empty_events, door_events;
CREATE TABLE pos_transactions (id serial PRIMARY KEY, card_no text NOT NULL,
                               amount numeric(10,2) NOT NULL, tx_time timestamptz NOT NULL);
INSERT INTO pos_transactions (card_no, amount, tx_time) VALUES
  ('20230001', 12.50, now() - interval '2 hours'), ('20230002', 8.00, now());
CREATE TABLE pos_transactions_stale (LIKE pos_transactions INCLUDING ALL);
INSERT INTO pos_transactions_stale (card_no, amount, tx_time) VALUES
  ('20230003', 6.00, now() - interval '3 days');
CREATE TABLE empty_events (id serial PRIMARY KEY, happened timestamptz NOT NULL);
CREATE TABLE door_events (id serial PRIMARY KEY, door text NOT NULL, granted boolean NOT NULL,
                          event_time timestamptz NOT NULL);
INSERT INTO door_events (door, granted, event_time)
  SELECT 'east-gate', i % 5 <> 0, now() - i * interval '2 minutes' FROM generate_series(1, 10) i;
CREATE OR REPLACE FUNCTION slow_query(seconds float8) RETURNS int LANGUAGE sql
  AS 'SELECT 1 FROM pg_sleep(seconds)';
SQL
echo "POSTGRES_PID=$pid"
echo "POSTGRES_PORT=$port"
echo "POSTGRES_CA=$dir/certs/ca.crt"
