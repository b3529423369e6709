#!/usr/bin/env bash
# Starts tests/servers/rtsp-server.py (GStreamer's RTSP server) in the background.
#   tests/servers/start-rtsp.sh DIR   -> RTSP_PID, RTSP_PORT, RTSP_AUTH_PORT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "${1:?usage: start-rtsp.sh DIR}" && cd "$1" && pwd)
/usr/bin/python3 "$here/rtsp-server.py" > "$dir/ports" 2> "$dir/rtsp.log" &
pid=$!
for _ in $(seq 200); do
  grep -q RTSP_AUTH_PORT= "$dir/ports" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
grep -q RTSP_AUTH_PORT= "$dir/ports" || { echo "the RTSP server did not start; see $dir/rtsp.log" >&2; cat "$dir/rtsp.log" >&2; exit 1; }
echo "RTSP_PID=$pid"
cat "$dir/ports"
