#!/usr/bin/env bash
# Runs every check of tests/sim/configs/*.yaml against the simulators and expects each to pass:
# check-config first, then `campus-probe probe --debug` per check (the step log goes to
# $TMPDIR/sim-configs/<check>.log). The configs name fixed ports (18431-18436); they are
# rewritten to the simulators' actual ports.
#   tests/sim/configs/check-all.sh CAMPUS_PROBE_BIN [SERVERS_ENV]
# Without SERVERS_ENV (start-all.sh's servers.env) the simulators are started here and stopped after.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: check-all.sh CAMPUS_PROBE_BIN [SERVERS_ENV]}
work=$(mktemp -d "${TMPDIR:-/tmp}/sim-configs.XXXXXX")
started=""
if [ -n "${2:-}" ]; then
  env_file=$2
else
  "$here/../../servers/start-campus-sims.sh" "$work/sims" > "$work/sims.env" || exit 1
  env_file=$work/sims.env
  started=yes
fi
cleanup() {
  [ -n "$started" ] && grep '_PID=' "$env_file" | cut -d= -f2 | xargs -r kill 2>/dev/null
  rm -rf "$work/sims"
}
trap cleanup EXIT
port() { sed -n "s/^SIM_$1_PORT=//p" "$env_file"; }
declare -A ports=([18431]=$(port MOODLE) [18432]=$(port ONECARD) [18433]=$(port REPAIR)
                  [18434]=$(port NETPORTAL) [18435]=$(port DOOR) [18436]=$(port ONVIF))
for p in "${!ports[@]}"; do
  [ -n "${ports[$p]}" ] || { echo "no simulator port for $p in $env_file" >&2; exit 1; }
done
# The test accounts (documented in each simulator's docstring).
export SIM_MOODLE_PASS=Probe01-pass SIM_ONECARD_PASS=Card-pass1 \
  SIM_GLPI_USER_TOKEN=probe-user-token-0123456789abcdef \
  SIM_GLPI_APP_TOKEN=campus-probe-app-token-0123456789abcdef \
  SIM_SRUN_PASS=Srun-pass1 SIM_RUIJIE_PASS=Ruijie-pass1 \
  SIM_DAHUA_PASS=Dahua-pass1 SIM_ARTEMIS_SECRET=Artemis-secret-2468 SIM_HIK_PASS=Hik-pass1 \
  SIM_ONVIF_PASS=Onvif-pass1
control() {  # control PORT JSON
  python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/__control",
                       data=sys.argv[2].encode(), method="POST"), timeout=5).read()' "$1" "$2"
}
failed=0
for config in "$here"/*.yaml; do
  name=$(basename "$config")
  copy=$work/$name
  cp "$config" "$copy"
  for p in "${!ports[@]}"; do sed -i "s/127\.0\.0\.1:$p/127.0.0.1:${ports[$p]}/g" "$copy"; done
  if ! "$bin" check-config "$copy" > "$work/$name.check" 2>&1; then
    echo "FAIL $name: check-config"; cat "$work/$name.check"; failed=1; continue
  fi
  for id in $(sed -n 's/^  - id: *\([a-z0-9_-]*\).*/\1/p' "$config"); do
    sim_port=$(grep -A3 -- "- id: $id\$" "$copy" | sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -1)
    control "$sim_port" '{"reset": true}'
    # Dahua models with Basic auth: the one check written for them.
    [ "$id" = dahua-records-basic ] && control "$sim_port" '{"dahua_auth": "basic"}'
    "$bin" probe -c "$copy" "$id" --debug > "$work/$id.log" 2>&1
    verdict=$(sed -n 's/^verdict: *//p' "$work/$id.log")
    if [ "$verdict" = pass ]; then
      echo "pass $name $id: $(sed -n 's/^reason: *//p' "$work/$id.log")"
    else
      echo "FAIL $name $id: $verdict: $(sed -n 's/^reason: *//p' "$work/$id.log") (log: $work/$id.log)"
      failed=1
    fi
    control "$sim_port" '{"reset": true}'
  done
done
exit $failed
