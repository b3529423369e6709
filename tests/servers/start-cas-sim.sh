#!/usr/bin/env bash
# Starts the CAS simulator (tests/sim/cas_sim.py: REST API and a Wisedu-style form) in the
# background.
#   tests/servers/start-cas-sim.sh DIR     -> CAS_SIM_PID, CAS_SIM_PORT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "${1:?usage: start-cas-sim.sh DIR}" && cd "$1" && pwd)
python3 "$here/../sim/cas_sim.py" > "$dir/port" 2> "$dir/cas_sim.log" &
pid=$!
for _ in $(seq 100); do
  grep -q PORT= "$dir/port" 2>/dev/null && break
  sleep 0.05
done
grep -q PORT= "$dir/port" || { echo "the CAS simulator did not start" >&2; exit 1; }
echo "CAS_SIM_PID=$pid"
cat "$dir/port"
