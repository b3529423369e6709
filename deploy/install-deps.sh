#!/usr/bin/env bash
# Installs the Debian 12 packages campus-probe needs, and only those missing; safe to run again.
#   deploy/install-deps.sh build        compiler, libraries and tools to build the agent
#   deploy/install-deps.sh build test   also the real servers the integration tests start
#   deploy/install-deps.sh build demo   the servers of the demo campus (make demo, tests/sim/campus-sim)
# Server packages are installed with their system services kept from starting (policy-rc.d),
# since the tests run their own instances on 127.0.0.1.
set -euo pipefail

build_packages=(
  g++ cmake ninja-build pkg-config make
  libcurl4-openssl-dev libboost-dev libssl-dev nlohmann-json3-dev prometheus-cpp-dev
  libyaml-cpp-dev libldap-dev libcli11-dev libpcre2-dev libxml2-dev libmosquitto-dev
  libpq-dev libmariadb-dev libcrypt-dev
  # dpkg-shlibdeps, which gives the .deb (cpack -G DEB) its Depends on the runtime libraries.
  dpkg-dev
)
test_packages=(
  doctest-dev python3 python3-cryptography curl openssl
  nginx prometheus prometheus-pushgateway chromium
  # Alertmanager and amtool, for the alerting chain's test (tests/alerting/).
  prometheus-alertmanager
  # The status page's browser test (tests/browser/): Node for playwright-core, which npm fetches
  # into the build tree, and Chinese glyphs for the headless screenshots.
  nodejs fonts-noto-cjk
  slapd ldap-utils freeradius mosquitto mosquitto-clients
  # The sql probe's databases, started by tests/servers/start-postgres.sh and start-mariadb.sh.
  postgresql mariadb-server
  # GStreamer's RTSP server, from Debian's python3 through PyGObject, with an H.264 encoder.
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly
  monitoring-plugins-basic monitoring-plugins-standard
  lemonldap-ng lemonldap-ng-fastcgi-server
  # Perl modules the LemonLDAP::NG portal needs for CAS and OpenID Connect; Debian lists them
  # only as Recommends, which are not installed.
  libgd-securityimage-perl libimage-magick-perl libio-string-perl libxml-simple-perl
  libstring-random-perl libmime-tools-perl libemail-sender-perl
  # Request Tracker 5 for the repair-ticket probe (REST2 and auth tokens are built in), with
  # its SQLite backend and the standalone Starlet server; started by tests/servers/start-rt.sh.
  request-tracker5 rt5-db-sqlite rt5-standalone
  # VictoriaMetrics, vmagent and vmalert, for the central-metrics test (tests/central/).
  victoria-metrics
)

# The demo campus (tests/sim/campus-sim): the servers it starts from tests/servers/ and the tools
# its control endpoint uses; a subset of the test servers.
demo_packages=(
  python3 curl openssl nginx freeradius mosquitto mosquitto-clients postgresql
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly
  lemonldap-ng lemonldap-ng-fastcgi-server
  libgd-securityimage-perl libimage-magick-perl libio-string-perl libxml-simple-perl
  libstring-random-perl libmime-tools-perl libemail-sender-perl
)

wanted=()
for group in "$@"; do
  case "$group" in
    build) wanted+=("${build_packages[@]}") ;;
    test)
      wanted+=("${test_packages[@]}")
      # npm comes with NodeSource's nodejs; with Debian's it is a package of its own.
      command -v npm >/dev/null || wanted+=(npm)
      ;;
    demo) wanted+=("${demo_packages[@]}") ;;
    *) echo "install-deps.sh: unknown group '$group' (expected build, test or demo)" >&2; exit 2 ;;
  esac
done
[ "${#wanted[@]}" -gt 0 ] || { echo "usage: deploy/install-deps.sh build [test] [demo]" >&2; exit 2; }

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

# Keep any server package's system instance from starting; the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
