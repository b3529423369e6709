#!/usr/bin/env bash
# Starts the test time-stamping authority (tests/servers/tsa.py: RFC 3161 through `openssl ts
# -reply`, its own CA and a timeStamping certificate) in the background.
#   tests/servers/start-tsa.sh DIR     -> TSA_PID, TSA_PORT, TSA_CA (the CA to verify tokens with)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "${1:?usage: start-tsa.sh DIR}" && cd "$1" && pwd)
python3 "$here/tsa.py" "$dir" > "$dir/port" 2> "$dir/tsa.log" &
pid=$!
for _ in $(seq 200); do
  grep -q PORT= "$dir/port" 2>/dev/null && break
  sleep 0.05
done
grep -q PORT= "$dir/port" || { echo "the test TSA did not start: $(cat "$dir/tsa.log")" >&2; exit 1; }
echo "TSA_PID=$pid"
sed 's/^PORT=/TSA_PORT=/' "$dir/port"
echo "TSA_CA=$dir/tsa-ca.crt"
