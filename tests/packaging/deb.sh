#!/usr/bin/env bash
# Builds the .deb from a built tree (cpack -G DEB, as the `package` target does, without
# rebuilding) and checks it without installing it: the control data and maintainer scripts,
# the contents, a stripped binary, the Depends from dpkg-shlibdeps; then extracts it to a
# scratch root, runs the extracted binary's --version and check-config on the shipped example
# config, and checks the unit with systemd-analyze verify where systemd-analyze exists. Last,
# an install with another prefix (cmake --install --prefix) keeps everything under the prefix.
#   tests/packaging/deb.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
has() {  # has FILE PATTERN WHAT: FILE has a line matching the extended regex PATTERN
  grep -Eq -- "$2" "$1" || fail "$3"
}

# The package.
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log" >&2
  echo "FAIL: cpack -G DEB" >&2
  exit 1
fi
debs=("$work"/out/campus-probe_*.deb)
if [ "${#debs[@]}" -ne 1 ] || [ ! -f "${debs[0]}" ]; then
  echo "FAIL: no single campus-probe_*.deb in the cpack output" >&2
  exit 1
fi
deb=${debs[0]}
echo "package: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# Control data.
dpkg-deb -f "$deb" Package Version Architecture Depends >"$work/control"
has "$work/control" '^Package: campus-probe$' "Package is not campus-probe"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libc6 libstdc++6 libcurl4 libssl3 libldap-2.5-0 libpq5 libmariadb3 libmosquitto1 \
           libpcre2-8-0 libxml2 libyaml-cpp0.7 libprometheus-cpp-core1.0 adduser; do
  [[ ", $depends," == *", $lib "* || ", $depends," == *", $lib,"* ]] || fail "Depends lacks $lib"
done
dpkg-deb -e "$deb" "$work/control.d"
for script in postinst prerm postrm; do
  f="$work/control.d/$script"
  [ -x "$f" ] || { fail "no executable $script"; continue; }
  sh -n "$f" || fail "$script: not valid sh"
done
has "$work/control.d/conffiles" '^/etc/campus-probe/campus\.example\.yaml$' \
    "conffiles lacks /etc/campus-probe/campus.example.yaml"
has "$work/control.d/postinst" '^ *adduser --system ' "postinst creates no system user"
has "$work/control.d/postinst" '^user=campus-probe$' "postinst's user is not campus-probe"
has "$work/control.d/postinst" 'deb-systemd-helper .*enable campus-probe\.service' \
    "postinst does not enable the unit"
grep -Eq 'deb-systemd-invoke (start|restart)|systemctl .*start' "$work/control.d/postinst" &&
  fail "postinst starts the unit (it should only be enabled)"

# Contents.
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/contents"
for path in /usr/bin/campus-probe /etc/campus-probe/campus.example.yaml \
            /lib/systemd/system/campus-probe.service /var/lib/campus-probe/ \
            /usr/share/campus-probe/recipes/moodle-webservice.yaml \
            /usr/share/campus-probe/indicators/higher-vocational.yaml \
            /usr/share/campus-probe/indicators/secondary-vocational.yaml \
            /usr/share/campus-probe/prometheus/campus-probe.rules.yml \
            /usr/share/doc/campus-probe/README.md /usr/include/campus_probe/plugin.h \
            /usr/lib/cmake/campus_probe/campus_probe-config.cmake \
            /usr/share/pkgconfig/campus-probe-plugin.pc; do
  grep -qxF -- "$path" "$work/contents" || fail "the package lacks $path"
done
recipes_in_tree=$(find "$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")/configs/recipes" \
                  -name '*.yaml' | wc -l)
recipes_in_deb=$(grep -c '^/usr/share/campus-probe/recipes/.*\.yaml$' "$work/contents" || true)
[ "$recipes_in_deb" -eq "$recipes_in_tree" ] ||
  fail "the package has $recipes_in_deb recipes, the tree $recipes_in_tree"
grep -E '^/(usr/local|home|root|tmp)/' "$work/contents" && fail "files outside FHS places"

# The extracted tree.
root="$work/root"
dpkg-deb -x "$deb" "$root"
bin="$root/usr/bin/campus-probe"
# Stripped: no symbol table and no debug sections (readelf, from binutils, comes with g++).
readelf -SW "$bin" >"$work/sections.txt"
grep -Eq '\.(symtab|debug_[a-z_]+) ' "$work/sections.txt" &&
  fail "the binary is not stripped: $(grep -Eo '\.(symtab|debug_[a-z_]+) ' "$work/sections.txt" | xargs)"
if command -v file >/dev/null; then
  file -b "$bin" >"$work/file.txt"
  grep -q ', stripped' "$work/file.txt" || fail "file says the binary is not stripped: $(cat "$work/file.txt")"
fi
version=$("$bin" --version) || fail "campus-probe --version"
echo "--version: $version"
[[ "$version" == *"$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')"* ]] ||
  fail "--version ($version) is not the package's version"
if "$bin" check-config --skip-secrets "$root/etc/campus-probe/campus.example.yaml" >"$work/check.log" 2>&1; then
  echo "check-config: $(head -1 "$work/check.log" | sed "s|$root||")"
else
  cat "$work/check.log" >&2
  fail "check-config --skip-secrets on the shipped example config"
fi

# The unit: its paths are the package's, and systemd accepts it.
unit="$root/lib/systemd/system/campus-probe.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
echo "ExecStart=$exec_start"
read -r exec_bin _ _ exec_config _ <<<"$exec_start"
if [ "$exec_bin" != /usr/bin/campus-probe ] || [ ! -x "$root$exec_bin" ]; then
  fail "ExecStart runs $exec_bin, not the package's /usr/bin/campus-probe"
fi
[ "$exec_config" = /etc/campus-probe/campus.yaml ] ||
  fail "ExecStart reads $exec_config, not /etc/campus-probe/campus.yaml"
[ -d "$root$(dirname "$exec_config")" ] || fail "the package has no $(dirname "$exec_config")"
has "$unit" '^User=campus-probe$' "the unit does not run as campus-probe"
has "$unit" '^StateDirectory=campus-probe$' "the unit has no StateDirectory=campus-probe"
if command -v systemd-analyze >/dev/null; then
  # The binary is checked at the extracted path, since the package is not installed here.
  mkdir "$work/unit"
  sed "s|/usr/bin/campus-probe|$bin|g" "$unit" >"$work/unit/campus-probe.service"
  if systemd-analyze verify --man=no "$work/unit/campus-probe.service" >"$work/verify.log" 2>&1; then
    echo "systemd-analyze verify: ok"
  else
    grep -F campus-probe "$work/verify.log" >&2 || cat "$work/verify.log" >&2
    fail "systemd-analyze verify campus-probe.service"
  fi
else
  echo "systemd-analyze not found: the unit's syntax is not verified"
fi

# Another prefix: everything under it, and the unit rewritten for its binary and config.
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
for path in bin/campus-probe etc/campus-probe/campus.example.yaml lib/systemd/system/campus-probe.service \
            share/campus-probe/recipes/moodle-webservice.yaml var/lib/campus-probe; do
  [ -e "$prefix/$path" ] || fail "cmake --install --prefix: no $path under the prefix"
done
has "$prefix/lib/systemd/system/campus-probe.service" \
    "^ExecStart=$prefix/bin/campus-probe run --config $prefix/etc/campus-probe/campus.yaml\$" \
    "cmake --install --prefix: the unit does not point at the prefix"

if [ "$failures" -gt 0 ]; then
  echo "deb.sh: $failures failure(s)" >&2
  exit 1
fi
echo "deb.sh: the package is complete and its binary, config and unit work"
