#!/usr/bin/env bash
# Starts tests/servers/cas-app.py, a campus app that logs its users in through the LemonLDAP::NG
# CAS server started by start-llng.sh (which must know the app's service URL: pass it the same
# port in CAS_APP_PORT).
#   CAS_APP_PORT=PORT tests/servers/start-cas-app.sh DIR LLNG_PORT   -> CAS_APP_PID, CAS_APP_PORT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-cas-app.sh DIR LLNG_PORT}" && cd "$1" && pwd)
llng_port=${2:?usage: start-cas-app.sh DIR LLNG_PORT}
port=${CAS_APP_PORT:-$(free_port)}
CAS_BASE="http://auth.campus.test:$llng_port/cas" CAS_ADDRESS="127.0.0.1:$llng_port" \
  python3 "$here/cas-app.py" "$port" > "$dir/port" 2> "$dir/cas-app.log" &
pid=$!
wait_for_port "$port"
echo "CAS_APP_PID=$pid"
echo "CAS_APP_PORT=$port"
