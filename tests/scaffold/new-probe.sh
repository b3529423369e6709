#!/usr/bin/env bash
# Proves that a probe type is added by its own folder and one shared line. Copies the source
# tree to a scratch directory, writes probes/hello/ from tests/scaffold/template/, adds the one
# `add_subdirectory(hello)` line to probes/CMakeLists.txt, checks that nothing else changed,
# builds campus-probe, and runs a check of the new type with its declared measurement.
#   tests/scaffold/new-probe.sh [WORK_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
tree="$work/tree"
rm -rf "$tree"
mkdir -p "$tree"
# The tracked files (and new ones not yet committed), as a fresh clone would have them.
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 cp --parents -t "$tree" 2>/dev/null || true)
git -C "$tree" init -q
git -C "$tree" add -A
git -C "$tree" -c user.name=scaffold -c user.email=scaffold@localhost commit -qm base

mkdir "$tree/probes/hello"
cp "$src/tests/scaffold/template/"* "$tree/probes/hello/"
echo 'add_subdirectory(hello)' >>"$tree/probes/CMakeLists.txt"

# The change is the new folder plus exactly one added line in one shared file.
changed=$(git -C "$tree" status --porcelain)
expected=$' M probes/CMakeLists.txt\n?? probes/hello/'
if [ "$changed" != "$expected" ]; then
  echo "new-probe.sh: expected only probes/hello/ and probes/CMakeLists.txt to change, got:" >&2
  echo "$changed" >&2
  exit 1
fi
added=$(git -C "$tree" diff --numstat -- probes/CMakeLists.txt)
if [ "$added" != $'1\t0\tprobes/CMakeLists.txt' ]; then
  echo "new-probe.sh: expected one added line in probes/CMakeLists.txt, got: $added" >&2
  exit 1
fi

cmake -S "$tree" -B "$work/build" -G Ninja -DCAMPUS_PROBE_TESTS=OFF >"$work/configure.log"
cmake --build "$work/build" --target campus-probe >"$work/build.log" 2>&1 ||
  { tail -50 "$work/build.log" >&2; exit 1; }
agent="$work/build/agent/campus-probe"
example="$tree/probes/hello/example.yaml"

summary=$("$agent" check-config "$example")
echo "$summary"
case "$summary" in *"hello 1"*) ;; *) echo "new-probe.sh: check-config does not list the hello type" >&2; exit 1 ;; esac
output=$("$agent" probe --config "$example" hello-world --debug)
echo "$output"
case "$output" in *"verdict:  pass"*"hello_greeting_bytes=5"*) ;; *) echo "new-probe.sh: the hello check did not pass with its measurement" >&2; exit 1 ;; esac
echo "new-probe.sh: a probe type was added with its folder and one shared line"
