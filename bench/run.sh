#!/usr/bin/env bash
# CPU per probe, memory and scheduler lag of campus-probe, side by side with Debian's
# prometheus-blackbox-exporter and the bare libcurl floor (bench/curl_floor.c), all against the
# same nginx on 127.0.0.1 in the same run.
#
#   bench/run.sh [--checks "1000 10000"] [--interval 10] [--window 30] [--https]
#
# For each N, campus-probe runs N http checks at the interval (N/interval probes per second);
# blackbox_exporter is driven at the same rate through its /probe endpoint, and the floor does
# the same GETs itself. CPU comes from /proc/PID/stat over the window after one warm-up interval.
# Memory: the agent's peak RSS (VmHWM, reached while it loads the config) and its RSS at the end
# of the window (steady state, with every check's metric rows and history filled in).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
checks_list="1000 10000"
interval=10
window=30
scheme=http
while [ $# -gt 0 ]; do
  case "$1" in
    --checks) checks_list=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --https) scheme=https; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

"$root/deploy/install-deps.sh" build test
command -v prometheus-blackbox-exporter >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-blackbox-exporter >/dev/null
}
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" --target campus-probe >/dev/null
work=$(mktemp -d /tmp/campus-bench.XXXXXX)
chmod 755 "$work"  # nginx workers (www-data) must reach the document root inside it
cc -O2 -o "$work/curl_floor" "$root/bench/curl_floor.c" -lcurl
. "$root/tests/servers/lib.sh"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# 50,000 checks at 60 s are 833 fresh connections a second: the agent, the floor and nginx need
# descriptors beyond the usual 1024 (the kernel reuses loopback TIME_WAIT ports, tcp_tw_reuse=2).
ulimit -n "$(ulimit -Hn)"

eval "$("$root/tests/servers/start-nginx.sh" "$work/nginx")"
pids+=("$NGINX_PID")
if [ "$scheme" = https ]; then
  target="https://127.0.0.1:$NGINX_TLS_VALID_PORT/status.json"
else
  target="http://127.0.0.1:$NGINX_HTTP_PORT/status.json"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
peak_rss_mb() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
# One scrape (FILE) gives both the runs and the lag buckets: at 50,000 checks /metrics is large,
# and every scrape is work on the agent's event loop.
scrape() { curl -s "http://127.0.0.1:$1/metrics" > "$2"; }
runs_total() { awk '/^campus_probe_runs_total/ {s += $2} END {printf "%d", s}' "$1"; }
failed_runs() {
  awk '/^campus_probe_runs_total/ && !/result="pass"/ {s += $2} END {printf "%d", s}' "$1"
}
lag_buckets() {
  awk '/^campus_scheduler_lag_seconds_bucket/ {
    match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); print le, $2 }' "$1"
}
# p-th percentile (0-100) from two cumulative bucket snapshots (files of "le count").
percentile() {
  join "$1" "$2" | awk -v p="$3" '{le[NR] = $1; c[NR] = $3 - $2} END {
    total = c[NR]; want = total * p / 100
    for (i = 1; i <= NR; i++) if (c[i] >= want) { print le[i]; exit } }'
}

printf '%-30s %8s %8s %12s %8s %8s %8s %8s\n' "run" "probes/s" "probes" "cpu_us/probe" "peak_MB" \
  "rss_MB" "lag_p50" "lag_p99"
for n in $checks_list; do
  rate=$(awk -v n="$n" -v i="$interval" 'BEGIN {printf "%.3f", n / i}')
  port=$(free_port)
  config="$work/bench-$n.yaml"
  {
    echo "agent: {listen: 127.0.0.1:$port, concurrency: 1000, default_interval: ${interval}s, default_timeout: 5s}"
    echo "editions: [higher]"
    echo "checks:"
    for i in $(seq "$n"); do
      echo "  - {id: c$i, probe: http, target: \"$target\", params: {tls: {ca_file: \"$TEST_CA\"}}}"
    done
  } > "$config"
  "$root/build/agent/campus-probe" run --config "$config" --log-level error > "$work/agent.log" 2>&1 &
  agent=$!
  pids+=("$agent")
  wait_for_port "$port" 60
  sleep "$interval"  # warm-up: every check has started its rhythm
  # CPU is read after the first scrape and before the second, so serialising /metrics for the
  # bench does not count.
  scrape "$port" "$work/metrics0"; c0=$(cpu_ticks "$agent")
  sleep "$window"
  c1=$(cpu_ticks "$agent"); scrape "$port" "$work/metrics1"
  rss=$(peak_rss_mb "$agent")
  rss_end=$(rss_mb "$agent")
  kill "$agent"; wait "$agent" 2>/dev/null || true
  lag_buckets "$work/metrics0" > "$work/lag0"; lag_buckets "$work/metrics1" > "$work/lag1"
  probes=$(($(runs_total "$work/metrics1") - $(runs_total "$work/metrics0")))
  failed=$(($(failed_runs "$work/metrics1") - $(failed_runs "$work/metrics0")))
  agent_us=$(awk -v c=$((c1 - c0)) -v t="$ticks_per_second" -v p="$probes" 'BEGIN {printf "%.1f", c / t * 1e6 / p}')
  printf '%-30s %8.1f %8d %12s %8s %8s %8s %8s\n' "campus-probe N=$n $scheme" \
    "$(awk -v p=$probes -v w="$window" 'BEGIN {print p / w}')" "$probes" "$agent_us" "$rss" "$rss_end" \
    "$(percentile "$work/lag0" "$work/lag1" 50)" "$(percentile "$work/lag0" "$work/lag1" 99)"
  echo "  campus-probe: peak_MB is VmHWM, rss_MB VmRSS at the end of the window; $failed of its runs did not pass"

  # The floor: the same GETs, same rate, from the bare libcurl multi loop.
  floor=$("$work/curl_floor" "$target" "$rate" "$window" "$TEST_CA" || true)
  floor_us=$(sed -n 's/.*cpu_us_per_request=\([0-9.]*\).*/\1/p' <<<"$floor")
  floor_n=$(sed -n 's/^requests=\([0-9]*\).*/\1/p' <<<"$floor")
  printf '%-30s %8.1f %8d %12s %8s %8s %8s %8s\n' "curl floor N=$n $scheme" "$rate" "$floor_n" "$floor_us" "-" "-" "-" "-"

  # blackbox_exporter driven at the same rate through /probe.
  bport=$(free_port)
  cat > "$work/blackbox.yml" <<CONF
modules:
  http_2xx:
    prober: http
    timeout: 5s
    http: {preferred_ip_protocol: ip4, tls_config: {ca_file: "$TEST_CA"}}
CONF
  prometheus-blackbox-exporter --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$bport" \
    > "$work/blackbox.log" 2>&1 &
  bb=$!
  pids+=("$bb")
  wait_for_port "$bport" 10
  b0=$(cpu_ticks "$bb")
  drive=$("$work/curl_floor" "http://127.0.0.1:$bport/probe?module=http_2xx&target=$target" "$rate" "$window" || true)
  b1=$(cpu_ticks "$bb")
  bb_n=$(sed -n 's/^requests=\([0-9]*\).*/\1/p' <<<"$drive")
  bb_us=$(awk -v c=$((b1 - b0)) -v t="$ticks_per_second" -v p="$bb_n" 'BEGIN {printf "%.1f", c / t * 1e6 / p}')
  bb_rss=$(peak_rss_mb "$bb")
  kill "$bb"; wait "$bb" 2>/dev/null || true
  printf '%-30s %8.1f %8d %12s %8s %8s %8s %8s\n' "blackbox_exporter N=$n $scheme" "$rate" "$bb_n" "$bb_us" "$bb_rss" "-" "-" "-"
  awk -v a="$agent_us" -v f="$floor_us" -v b="$bb_us" \
    'BEGIN {printf "  ratios: campus-probe/floor %.2f, blackbox/campus-probe %.1f\n", a / f, b / a}'
done
