#!/usr/bin/env bash
# Starts a scratch MariaDB on 127.0.0.1 for the sql probe, its datadir in DIR/data, with TLS
# (certificate from the test CA in DIR/certs). Database `campus`, on which the test user
# probe (probepw) has every privilege, so that the user could write if the probe's read-only
# transaction did not stop it:
#   pos_transactions        one-card payments, one row inserted NOW() at start (fresh)
#   pos_transactions_stale  the same, newest row three days old
#   empty_events            no rows
#   door_events             ten door swipes within the last 20 minutes
#   slow_query(seconds)     sleeps (SLEEP()), then returns 1; for statement timeouts
#   tests/servers/start-mariadb.sh DIR   -> MARIADB_PID, MARIADB_PORT, MARIADB_CA
#
# Running from a temp dir: --no-defaults keeps /etc/mysql/my.cnf (the packaged instance's
# datadir, socket and port) out of both mariadb-install-db and mariadbd; mariadbd refuses to run
# as root unless told --user=root; the socket lives in DIR (mind the 107-byte limit of a socket
# path); --auth-root-authentication-method=normal gives root@localhost an empty password instead
# of unix_socket authentication (which would need the OS user root), used here over the socket
# for the setup only. --skip-name-resolve: logins from 127.0.0.1 match 'probe'@'%' without DNS.
# mariadbd runs in the foreground, so $! is its pid; SIGTERM (stop-all.sh) shuts it down and it
# removes its pid file when done.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-mariadb.sh DIR}" && cd "$1" && pwd)
port=$(free_port)
"$here/make-certs.sh" "$dir/certs"
socket="$dir/mariadb.sock"

user=()
[ "$(id -u)" -ne 0 ] || user=(--user=root)
# A server left running from an earlier start holds the datadir's locks: stop it first.
if [ -f "$dir/mariadb.pid" ] && kill "$(cat "$dir/mariadb.pid")" 2>/dev/null; then
  for _ in $(seq 100); do [ -f "$dir/mariadb.pid" ] || break; sleep 0.1; done
fi
if [ ! -d "$dir/data/mysql" ]; then
  rm -rf "$dir/data"
  mariadb-install-db --no-defaults "${user[@]}" --datadir="$dir/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$dir/install-db.log" 2>&1
fi
mariadbd --no-defaults "${user[@]}" --datadir="$dir/data" --socket="$socket" --port="$port" \
  --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$dir/mariadb.pid" \
  --log-error="$dir/mariadb.log" --innodb-buffer-pool-size=16M --innodb-log-file-size=8M \
  --ssl-ca="$dir/certs/ca.crt" --ssl-cert="$dir/certs/valid.crt" --ssl-key="$dir/certs/valid.key" \
  >/dev/null 2>&1 &
pid=$!
wait_for_port "$port" 30
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done

swipes=""
for i in $(seq 1 10); do
  swipes+="${swipes:+, }('east-gate', $((i % 5 != 0)), NOW() - INTERVAL $((i * 2)) MINUTE)"
done
mariadb --no-defaults -S "$socket" -u root <<SQL
CREATE DATABASE IF NOT EXISTS campus;
CREATE USER IF NOT EXISTS 'probe'@'%' IDENTIFIED BY 'probepw';
GRANT ALL ON campus.* TO 'probe'@'%';
USE campus;
DROP TABLE IF EXISTS pos_transactions, pos_transactions_stale, empty_events, door_events;
CREATE TABLE pos_transactions (id INT AUTO_INCREMENT PRIMARY KEY, card_no VARCHAR(20) NOT NULL,
                               amount DECIMAL(10,2) NOT NULL, tx_time TIMESTAMP(6) NOT NULL);
INSERT INTO pos_transactions (card_no, amount, tx_time) VALUES
  ('20230001', 12.50, NOW(6) - INTERVAL 2 HOUR), ('20230002', 8.00, NOW(6));
CREATE TABLE pos_transactions_stale LIKE pos_transactions;
INSERT INTO pos_transactions_stale (card_no, amount, tx_time) VALUES
  ('20230003', 6.00, NOW(6) - INTERVAL 3 DAY);
CREATE TABLE empty_events (id INT AUTO_INCREMENT PRIMARY KEY, happened TIMESTAMP NOT NULL);
CREATE TABLE door_events (id INT AUTO_INCREMENT PRIMARY KEY, door VARCHAR(40) NOT NULL,
                          granted BOOLEAN NOT NULL, event_time TIMESTAMP NOT NULL);
INSERT INTO door_events (door, granted, event_time) VALUES $swipes;
DROP FUNCTION IF EXISTS slow_query;
CREATE FUNCTION slow_query(seconds DOUBLE) RETURNS INT NOT DETERMINISTIC NO SQL
  RETURN SLEEP(seconds) + 1;
SQL
echo "MARIADB_PID=$pid"
echo "MARIADB_PORT=$port"
echo "MARIADB_CA=$dir/certs/ca.crt"
