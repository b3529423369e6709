#!/usr/bin/env bash
# Starts a scratch vmagent (Debian's victoria-metrics package) on 127.0.0.1 that scrapes as
# SCRAPE_CONFIG says and remote-writes to REMOTE_WRITE_URL, buffering in DIR/buffer while that is
# down (flushed every second), and waits until it answers /health.
#   tests/servers/start-vmagent.sh DIR SCRAPE_CONFIG REMOTE_WRITE_URL   -> VMAGENT_PID, VMAGENT_PORT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
usage="usage: start-vmagent.sh DIR SCRAPE_CONFIG REMOTE_WRITE_URL"
dir=$(mkdir -p "${1:?$usage}" && cd "$1" && pwd)
config=${2:?$usage}
url=${3:?$usage}
port=$(free_port)
vmagent -promscrape.config="$config" -remoteWrite.url="$url" \
  -remoteWrite.tmpDataPath="$dir/buffer" -remoteWrite.flushInterval=1s \
  -httpListenAddr="127.0.0.1:$port" >> "$dir/vmagent.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  if [ "$(curl -s --max-time 2 "http://127.0.0.1:$port/health")" = OK ]; then
    echo "VMAGENT_PID=$pid"
    echo "VMAGENT_PORT=$port"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
echo "vmagent did not answer on 127.0.0.1:$port within 60s (see $dir/vmagent.log)" >&2
kill "$pid" 2>/dev/null
exit 1
