#!/usr/bin/env bash
# Stops what start-all.sh started in DIR.
set -uo pipefail
dir=${1:?usage: stop-all.sh DIR}
[ -f "$dir/servers.env" ] || exit 0
grep '_PID=' "$dir/servers.env" | cut -d= -f2 | while read -r pid; do
  kill "$pid" 2>/dev/null
done
rm -f "$dir/servers.env"
