#!/usr/bin/env bash
# The configs of deploy/central pass their own tools' checks, with their secrets' and
# certificates' paths pointed at scratch files (the tools open them):
#   vmagent/scrape.yml and vmagent.env's flags          vmagent -promscrape.config.dryRun
#   prometheus-agent/prometheus-agent.yml               promtool check config --agent
#   deploy/prometheus/campus-probe.rules.yml, vmalert.env's flags   vmalert -dryRun
#   victoria-metrics.env's flags                        victoria-metrics -version (parses them)
#   vmauth/vmauth.yml                                   vmauth starts with it and answers
#   the unit files and drop-ins                         systemd-analyze verify, where present
#   tests/central/check-configs.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
central="$root/deploy/central"
. "$root/tests/servers/lib.sh"
for tool in vmagent vmalert vmauth victoria-metrics promtool openssl; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (deploy/install-deps.sh build test)"; exit 77; }
done
work=$(mktemp -d /tmp/campus-central-configs.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

# Scratch secrets and a self-signed certificate under every path the configs name.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=campus-central-test \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
secrets="$work/secrets"
mkdir -p "$secrets"
for name in scrape.token remote-write.password scrape-token remote-write-password; do
  echo "s3cret" > "$secrets/$name"
done
for name in campus-ca.pem central-ca.pem scrape-cert.pem metrics.pem; do cp "$work/cert.pem" "$secrets/$name"; done
for name in scrape-key.pem metrics-key.pem; do cp "$work/key.pem" "$secrets/$name"; done
relocate() {
  sed -e "s#/run/credentials/vmagent.service/#$secrets/#g" -e "s#/etc/campus-probe/central/#$secrets/#g" \
      -e "s#/etc/prometheus/campus-probe/#$secrets/#g" "$@"
}
# The ARGS="..." line of an env file, relocated, as words.
env_args() { relocate "$1" | sed -n 's/^ARGS="\(.*\)"$/\1/p'; }

# vmagent: the scrape config, then the env file's flags with it.
relocate "$central/vmagent/scrape.yml" > "$work/scrape.yml"
if vmagent -promscrape.config="$work/scrape.yml" -promscrape.config.strictParse \
    -promscrape.config.dryRun > "$work/vmagent.log" 2>&1; then
  echo "vmagent/scrape.yml: ok"
else
  grep -E "error|fatal" "$work/vmagent.log" >&2; fail "vmagent/scrape.yml"
fi
read -r -a args <<< "$(env_args "$central/vmagent/vmagent.env")"
[ "${#args[@]}" -gt 0 ] || fail "vmagent.env has no ARGS"
if vmagent "${args[@]/#-promscrape.config=*/-promscrape.config=$work/scrape.yml}" \
    -promscrape.config.dryRun > "$work/vmagent-env.log" 2>&1; then
  echo "vmagent/vmagent.env: ok"
else
  grep -E "error|fatal|flag" "$work/vmagent-env.log" | tail -3 >&2; fail "vmagent/vmagent.env"
fi

# Prometheus in agent mode.
relocate "$central/prometheus-agent/prometheus-agent.yml" > "$work/prometheus-agent.yml"
if promtool check config --agent "$work/prometheus-agent.yml" > "$work/promtool.log" 2>&1; then
  echo "prometheus-agent/prometheus-agent.yml: ok"
else
  cat "$work/promtool.log" >&2; fail "prometheus-agent/prometheus-agent.yml"
fi

# vmalert: the shipped rules (templates included), then the env file's flags.
if vmalert -rule="$root/deploy/prometheus/campus-probe.rules.yml" -dryRun > "$work/vmalert.log" 2>&1; then
  echo "vmalert reads deploy/prometheus/campus-probe.rules.yml: ok"
else
  grep -E "error|fatal" "$work/vmalert.log" >&2; fail "vmalert -dryRun campus-probe.rules.yml"
fi
read -r -a args <<< "$(env_args "$central/vmalert/vmalert.env")"
if vmalert "${args[@]/#-rule=*/-rule=$root/deploy/prometheus/campus-probe.rules.yml}" -dryRun \
    > "$work/vmalert-env.log" 2>&1; then
  echo "vmalert/vmalert.env: ok"
else
  grep -E "error|fatal|flag" "$work/vmalert-env.log" | tail -3 >&2; fail "vmalert/vmalert.env"
fi

# VictoriaMetrics: every flag of the env file is one it knows (-version exits after parsing).
read -r -a args <<< "$(env_args "$central/victoria-metrics/victoria-metrics.env")"
if victoria-metrics "${args[@]}" -version > "$work/vm.log" 2>&1; then
  echo "victoria-metrics/victoria-metrics.env: ok"
else
  tail -3 "$work/vm.log" >&2; fail "victoria-metrics/victoria-metrics.env"
fi

# vmauth: starts with the config, over TLS, and refuses a request without credentials.
port=$(free_port)
vmauth -auth.config="$central/vmauth/vmauth.yml" -httpListenAddr="127.0.0.1:$port" -tls \
  -tlsCertFile="$work/cert.pem" -tlsKeyFile="$work/key.pem" > "$work/vmauth.log" 2>&1 &
pids+=($!)
if wait_for_port "$port" 20 && \
   [ "$(curl -sk -o /dev/null -w '%{http_code}' -X POST "https://127.0.0.1:$port/api/v1/write")" = 401 ]; then
  echo "vmauth/vmauth.yml: ok"
else
  tail -3 "$work/vmauth.log" >&2; fail "vmauth/vmauth.yml"
fi

# The units, as systemd reads them (the binaries are Debian's, at the paths they name).
if command -v systemd-analyze >/dev/null; then
  units=("$central/vmagent/vmagent.service" "$central/vmalert/vmalert.service" "$central/vmauth/vmauth.service")
  if systemd-analyze verify --man=no "${units[@]}" > "$work/units.log" 2>&1 &&
     ! grep -E "vmagent.service|vmalert.service|vmauth.service" "$work/units.log"; then
    echo "unit files: ok"
  else
    fail "systemd-analyze verify"
  fi
  # A drop-in is checked on a copy of the unit it extends.
  for pair in "victoria-metrics/victoria-metrics.service.d/campus-probe.conf:/lib/systemd/system/victoria-metrics.service" \
              "prometheus-agent/prometheus.service.d/agent.conf:/lib/systemd/system/prometheus.service"; do
    dropin=${pair%%:*} unit=${pair#*:}
    [ -f "$unit" ] || continue
    name=$(basename "$unit")
    mkdir -p "$work/units/$name.d"
    cp "$unit" "$work/units/$name"
    cp "$central/$dropin" "$work/units/$name.d/"
    if ! (cd "$work/units" && SYSTEMD_UNIT_PATH="$work/units:" systemd-analyze verify --man=no "$work/units/$name" \
           > "$work/dropin.log" 2>&1) || grep -F "$(basename "$dropin")" "$work/dropin.log"; then
      fail "systemd-analyze verify $dropin"
    else
      echo "$dropin: ok"
    fi
  done
else
  echo "systemd-analyze not found: the units' syntax is not verified"
fi
exit $failed
