#!/usr/bin/env bash
# Starts tests/servers/misbehaving-targets.py in the background.
#   tests/servers/start-misbehaving.sh DIR
# Prints MISBEHAVE_PID and MISBEHAVE_{SILENT,RESET,DRIP,BANNER,DIGEST,SEARCH,HUGETOKEN,HUGEHEADER,REFLECT,BACKLOG,BIGBODY}_PORT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "${1:?usage: start-misbehaving.sh DIR}" && cd "$1" && pwd)
python3 "$here/misbehaving-targets.py" > "$dir/ports" 2> "$dir/misbehave.err" &
pid=$!
for _ in $(seq 100); do
  [ "$(grep -c PORT= "$dir/ports" 2>/dev/null)" = 11 ] && break
  sleep 0.05
done
[ "$(grep -c PORT= "$dir/ports")" = 11 ] || { echo "misbehaving targets did not start" >&2; exit 1; }
echo "MISBEHAVE_PID=$pid"
cat "$dir/ports"
