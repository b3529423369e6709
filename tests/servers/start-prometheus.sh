#!/usr/bin/env bash
# Starts a scratch Prometheus on 127.0.0.1 that scrapes TARGET (host:port) every second, and
# waits until the first scrape of it is in.
#   tests/servers/start-prometheus.sh DIR TARGET   -> PROMETHEUS_PID, PROMETHEUS_PORT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-prometheus.sh DIR TARGET}" && cd "$1" && pwd)
target=${2:?usage: start-prometheus.sh DIR TARGET}
port=$(free_port)
cat > "$dir/prometheus.yml" <<CONF
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: campus-probe
    static_configs: [{targets: ['$target']}]
CONF
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=1h \
  > "$dir/prometheus.log" 2>&1 &
pid=$!
wait_for_port "$port" 20
# The scrape manager applies its targets about 5 s after start.
for _ in $(seq 300); do
  if curl -sf "http://127.0.0.1:$port/api/v1/query?query=up" | grep -q '"value"'; then
    echo "PROMETHEUS_PID=$pid"
    echo "PROMETHEUS_PORT=$port"
    exit 0
  fi
  sleep 0.1
done
echo "prometheus did not scrape $target within 30s" >&2
kill "$pid"
exit 1
