#!/usr/bin/env bash
# Starts a scratch Prometheus Pushgateway on 127.0.0.1 without persistence.
#   tests/servers/start-pushgateway.sh DIR     -> PUSHGATEWAY_PID, PUSHGATEWAY_PORT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-pushgateway.sh DIR}" && cd "$1" && pwd)
port=$(free_port)
prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file= \
  > "$dir/pushgateway.log" 2>&1 &
pid=$!
wait_for_port "$port"
echo "PUSHGATEWAY_PID=$pid"
echo "PUSHGATEWAY_PORT=$port"
