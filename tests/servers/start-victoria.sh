#!/usr/bin/env bash
# Starts a scratch VictoriaMetrics (single node, Debian's victoria-metrics) on 127.0.0.1 with its
# data in DIR/data, and waits until it answers /health. Given PORT, it listens there: a restart on
# the same data and port, as after an outage.
#   tests/servers/start-victoria.sh DIR [PORT]   -> VICTORIA_PID, VICTORIA_PORT
# Fresh samples are visible to queries after 1 s (-search.latencyOffset, default 30 s), and no
# query result is cached, so that samples written late (a vmagent's backlog) show at once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-victoria.sh DIR [PORT]}" && cd "$1" && pwd)
port=${2:-$(free_port)}
victoria-metrics -storageDataPath="$dir/data" -httpListenAddr="127.0.0.1:$port" \
  -retentionPeriod=1d -search.latencyOffset=1s -search.disableCache \
  >> "$dir/victoria-metrics.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  if [ "$(curl -s --max-time 2 "http://127.0.0.1:$port/health")" = OK ]; then
    echo "VICTORIA_PID=$pid"
    echo "VICTORIA_PORT=$port"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
echo "victoria-metrics did not answer on 127.0.0.1:$port within 60s (see $dir/victoria-metrics.log)" >&2
kill "$pid" 2>/dev/null
exit 1
