#!/usr/bin/env bash
# Starts the simulators of campus products that Debian does not package (tests/sim/): Moodle web
# services, the Synjones one-card platform, GLPI's REST API, the Srun and Ruijie network portals,
# the Dahua/Hikvision door sources (device CGI and ISAPI, artemis platform), an ONVIF camera,
# Chaoxing, ZFSoft jwglxt and the 汇文 OPAC. One process each, in the background.
#   tests/servers/start-campus-sims.sh DIR
#     -> SIM_<NAME>_PID and SIM_<NAME>_PORT for NAME in MOODLE ONECARD REPAIR NETPORTAL DOOR ONVIF
#        CHAOXING ZFSOFT HUIWEN
# Each answers POST /__control (JSON) to switch its faults; see the docstring of its file.
# SIMS="moodle onecard ..." starts only those (any tests/sim/NAME_sim.py of the simlib kind, such as
# platform); SIM_<NAME>_PORT=N in the environment fixes a simulator's port (default: a free one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "${1:?usage: start-campus-sims.sh DIR}" && cd "$1" && pwd)
for sim in ${SIMS:-moodle onecard repair netportal door onvif chaoxing zfsoft huiwen}; do
  var=SIM_$(echo "$sim" | tr a-z A-Z)
  port_var=${var}_PORT
  rm -f "$dir/$sim.port"
  python3 "$here/../sim/${sim}_sim.py" --port "${!port_var:-0}" > "$dir/$sim.port" 2> "$dir/$sim.log" &
  pid=$!
  for _ in $(seq 200); do
    grep -q "${var}_PORT=" "$dir/$sim.port" 2>/dev/null && break
    sleep 0.05
  done
  grep -q "${var}_PORT=" "$dir/$sim.port" || { echo "the $sim simulator did not start" >&2; exit 1; }
  echo "${var}_PID=$pid"
  cat "$dir/$sim.port"
done
