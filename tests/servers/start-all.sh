#!/usr/bin/env bash
# The integration tests' shared servers: nginx, the misbehaving targets and a Pushgateway.
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
  echo "SERVERS_DIR=$dir"
} > "$dir/servers.env.tmp"
mv "$dir/servers.env.tmp" "$dir/servers.env"
cat "$dir/servers.env"
