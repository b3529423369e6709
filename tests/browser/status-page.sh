#!/usr/bin/env bash
# The status page in a real browser: campus-probe against its own 汇文 OPAC and Moodle simulators
# on 127.0.0.1, the page opened in Debian's headless Chromium through playwright-core
# (status_page_test.js). The library is taken offline and back through the simulator's
# /__control; the page must follow on its own.
#   tests/browser/status-page.sh BUILD_DIR CAMPUS_PROBE_BIN
# Leaves BUILD_DIR/test-output/status-page.png (and -detail, -phone, -en) for a human to look at.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: status-page.sh BUILD_DIR CAMPUS_PROBE_BIN}" && pwd)
bin=${2:?usage: status-page.sh BUILD_DIR CAMPUS_PROBE_BIN}
out="$build/test-output"
# What this script starts must not keep a descriptor it inherited (such as a build lock held by
# the caller) open after it ends: close 3-9.
for fd in /proc/$$/fd/[3-9]; do [ -e "$fd" ] && eval "exec ${fd##*/}>&-"; done
work=$(mktemp -d)
mkdir -p "$out"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

[ -x /usr/bin/chromium ] || { echo "status-page: /usr/bin/chromium is missing (deploy/install-deps.sh test)" >&2; exit 1; }
command -v node >/dev/null || { echo "status-page: node is missing (deploy/install-deps.sh test)" >&2; exit 1; }

# playwright-core drives the browser; it is installed once into the build tree (the npm
# registry is needed the first time only).
browser_dir="$build/browser"
if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ]; then
  command -v npm >/dev/null || { echo "status-page: npm is missing (apt-get install npm)" >&2; exit 1; }
  echo "status-page: installing playwright-core into $browser_dir"
  npm install --prefix "$browser_dir" --no-audit --no-fund --loglevel=error playwright-core >/dev/null
fi

# The simulators, each on a free port it prints. Started from this shell (not inside $(...)), so
# that their pids reach the cleanup: a simulator left running would also keep any lock file
# descriptor this script inherited.
start_sim() {  # NAME
  python3 "$here/../sim/$1_sim.py" > "$work/$1.port" 2> "$work/$1.log" &
  pids+=($!)
}
sim_port() {  # NAME VAR
  for _ in $(seq 200); do
    grep -q "$2=" "$work/$1.port" 2>/dev/null && break
    sleep 0.05
  done
  sed -n "s/^$2=//p" "$work/$1.port"
}
start_sim huiwen
start_sim moodle
huiwen_port=$(sim_port huiwen SIM_HUIWEN_PORT)
moodle_port=$(sim_port moodle SIM_MOODLE_PORT)
[ -n "$huiwen_port" ] && [ -n "$moodle_port" ] || { echo "status-page: a simulator did not start" >&2; cat "$work"/*.log >&2; exit 1; }
agent_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Secrets come from the environment; the test checks that neither value reaches the page or API.
export STATUS_TEST_MOODLE_PASS=Probe01-pass
export STATUS_TEST_HUIWEN_KEY=Hw-app-key-2024
interval=3s
cat > "$work/campus.yaml" <<YAML
agent: {listen: 127.0.0.1:$agent_port, default_interval: $interval, default_timeout: 2s, shutdown_grace: 1s}
editions: [higher, secondary]
evidence: {dir: "$work/evidence"}
secrets:
  moodle_probe: {username: probe01, password_env: STATUS_TEST_MOODLE_PASS}
  huiwen_app: {username: campus-probe, secret_env: STATUS_TEST_HUIWEN_KEY}
waivers:
  - indicator: H-3.5.1.1
    reason: 报修系统更换中
    owner: 信息中心 李老师
    until: "2099-12-31"
checks:
  - id: library-opac
    recipe: huiwen-opac-search
    with: {opac: "http://127.0.0.1:$huiwen_port", title: 计算机网络}
    indicators: [H-2.2.2.4]
  - id: library-loans
    recipe: huiwen-loan-history
    with: {api: "http://127.0.0.1:$huiwen_port", app: huiwen_app, reader: R0001}
    indicators: [H-2.2.2.3]
  - id: lms-moodle
    recipe: moodle-webservice
    with: {site: "http://127.0.0.1:$moodle_port", credentials: moodle_probe}
    indicators: [H-2.2.2.1, S-2.2.2.1]
  - id: network-dns
    probe: dns
    target: localhost
    labels: {system: network}
    indicators: [H-4.1.1.1]
  - id: door-controller
    probe: tcp
    target: 127.0.0.1:1
    labels: {system: access}
    indicators: [H-4.1.3.2, S-4.1.3.1]
YAML
"$bin" check-config "$work/campus.yaml" >/dev/null
"$bin" run --config "$work/campus.yaml" > "$work/agent.log" 2>&1 &
agent_pid=$!
pids+=($agent_pid)
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$agent_port/-/ready" >/dev/null 2>&1 && break
  sleep 0.1
done

status=0
NODE_PATH="$browser_dir/node_modules" \
BASE="http://127.0.0.1:$agent_port" \
HUIWEN="http://127.0.0.1:$huiwen_port" \
INTERVAL_MS=3000 \
AGENT_PID=$agent_pid \
OUT="$out" \
SECRETS="$STATUS_TEST_MOODLE_PASS $STATUS_TEST_HUIWEN_KEY" \
  node "$here/status_page_test.js" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- agent log" >&2
  tail -n 40 "$work/agent.log" >&2
fi
exit "$status"
