#!/usr/bin/env bash
# Starts the SIP2 ACS simulator (tests/sim/sip2_sim.py) with a TLS listener whose certificate
# comes from the test CA in DIR/certs.
#   tests/servers/start-sip2-sim.sh DIR  -> SIP2_SIM_PID, SIP2_SIM_<MODE>_PORT, SIP2_SIM_CA
# SIP2_SIM_NORMAL_PORT=N in the environment fixes the healthy ACS's port (default: a free one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "${1:?usage: start-sip2-sim.sh DIR}" && cd "$1" && pwd)
"$here/make-certs.sh" "$dir/certs"
python3 "$here/../sim/sip2_sim.py" --normal-port "${SIP2_SIM_NORMAL_PORT:-0}" --cert "$dir/certs/valid.crt" --key "$dir/certs/valid.key" \
  > "$dir/ports" 2> "$dir/sip2_sim.log" &
pid=$!
for _ in $(seq 100); do
  grep -q SIP2_SIM_TLS_PORT= "$dir/ports" 2>/dev/null && break
  sleep 0.05
done
grep -q SIP2_SIM_TLS_PORT= "$dir/ports" || { echo "the SIP2 simulator did not start" >&2; exit 1; }
echo "SIP2_SIM_PID=$pid"
cat "$dir/ports"
echo "SIP2_SIM_CA=$dir/certs/ca.crt"
