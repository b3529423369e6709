#!/usr/bin/env bash
# Evidence log throughput: writes RECORDS run records with chain and HMAC at fsync=interval, then
# verifies them with the key.   bench/evidence.sh [RECORDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh" build
cmake -S "$root" -B "$root/build" -G Ninja >/dev/null
cmake --build "$root/build" --target evidence_bench >/dev/null
work=$(mktemp -d /tmp/campus-evidence-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Pinned to one core: the figures the targets are stated for (writer thread and producer share it;
# verification uses as many threads as the affinity mask allows, here one).
taskset -c 0 "$root/build/bench/evidence_bench" "$work" "${1:-200000}"
