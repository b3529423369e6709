#!/usr/bin/env bash
# The integration tests' shared servers: nginx, the misbehaving targets, a Pushgateway,
# LemonLDAP::NG (CAS and OpenID Connect) with an app behind its CAS, OpenLDAP slapd, FreeRADIUS,
# mosquitto, GStreamer's RTSP server, PostgreSQL, MariaDB, Request Tracker 5, the CAS and SIP2
# simulators, and the campus product simulators (Moodle, one-card, GLPI, network portals, doors,
# Chaoxing, ZFSoft jwglxt, the 汇文 OPAC), and a time-stamping authority (RFC 3161).
# Writes their addresses to DIR/servers.env (KEY=VALUE lines) for the tests to read.
#   tests/servers/start-all.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "${1:?usage: start-all.sh DIR}" && cd "$1" && pwd)
"$here/stop-all.sh" "$dir" 2>/dev/null || true
{
  "$here/start-nginx.sh" "$dir/nginx"
  "$here/start-misbehaving.sh" "$dir/misbehave"
  "$here/start-pushgateway.sh" "$dir/pushgateway"
  # The CAS app's port first: LemonLDAP::NG must know its service URL.
  app_port=$(. "$here/lib.sh" && free_port)
  CAS_APP_PORT=$app_port "$here/start-llng.sh" "$dir/llng" | tee "$dir/llng.env"
  CAS_APP_PORT=$app_port "$here/start-cas-app.sh" "$dir/cas-app" \
    "$(sed -n 's/^LLNG_PORT=//p' "$dir/llng.env")"
  echo "LLNG_DIR=$dir/llng"
  "$here/start-slapd.sh" "$dir/slapd"
  "$here/start-cas-sim.sh" "$dir/cas-sim"
  "$here/start-sip2-sim.sh" "$dir/sip2-sim"
  "$here/start-campus-sims.sh" "$dir/campus-sims"
  "$here/start-mosquitto.sh" "$dir/mosquitto"
  "$here/start-rtsp.sh" "$dir/rtsp"
  "$here/start-freeradius.sh" "$dir/radius"
  # A server whose replies lack Message-Authenticator, as Debian's FreeRADIUS sends by default.
  REPLY_MA=no "$here/start-freeradius.sh" "$dir/radius-noma" | sed 's/^RADIUS/RADIUS_NOMA/'
  "$here/start-postgres.sh" "$dir/postgres"
  "$here/start-mariadb.sh" "$dir/mariadb"
  "$here/start-rt.sh" "$dir/rt"
  "$here/start-tsa.sh" "$dir/tsa"
  echo "SERVERS_DIR=$dir"
} > "$dir/servers.env.tmp"
mv "$dir/servers.env.tmp" "$dir/servers.env"
cat "$dir/servers.env"
