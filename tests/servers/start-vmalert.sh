#!/usr/bin/env bash
# Starts a scratch vmalert (Debian's victoria-metrics package) on 127.0.0.1 that evaluates RULES
# every 2 s against DATASOURCE_URL (a VictoriaMetrics or Prometheus) and sends alerts to
# NOTIFIER_URL (an Alertmanager), and waits until it answers /health. Its queries look back 5 s
# for a series' latest sample (-datasource.queryStep; by default 5 minutes, Prometheus' lookback),
# so that with the tests' 1 s scrapes a series that stops arriving is gone within seconds.
#   tests/servers/start-vmalert.sh DIR RULES DATASOURCE_URL NOTIFIER_URL   -> VMALERT_PID, VMALERT_PORT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
usage="usage: start-vmalert.sh DIR RULES DATASOURCE_URL NOTIFIER_URL"
dir=$(mkdir -p "${1:?$usage}" && cd "$1" && pwd)
rules=${2:?$usage}
datasource=${3:?$usage}
notifier=${4:?$usage}
port=$(free_port)
vmalert -rule="$rules" -datasource.url="$datasource" -notifier.url="$notifier" \
  -evaluationInterval=2s -datasource.queryStep=5s -httpListenAddr="127.0.0.1:$port" >> "$dir/vmalert.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  if [ "$(curl -s --max-time 2 "http://127.0.0.1:$port/health")" = OK ]; then
    echo "VMALERT_PID=$pid"
    echo "VMALERT_PORT=$port"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
echo "vmalert did not answer on 127.0.0.1:$port within 60s (see $dir/vmalert.log)" >&2
kill "$pid" 2>/dev/null
exit 1
