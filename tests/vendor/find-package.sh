#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds a plugin as a vendor would, with
# find_package(campus_probe) and the campus_probe::plugin target.
#   tests/vendor/find-package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/tests/vendor" -B "$work/vendor" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DEXAMPLE_SOURCE="$src/plugins/examples/tcp_banner/tcp_banner.c" >/dev/null
cmake --build "$work/vendor" >/dev/null
test -f "$work/vendor/libtcp_banner.so"
echo "find-package.sh: built a plugin against the installed campus_probe::plugin"
