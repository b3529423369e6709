#!/usr/bin/env python3
"""Central metrics, end to end on 127.0.0.1, with the real servers of deploy/central:

  campus zhijiao: three campus-probe agents from one config, `run --site dorm|teach|office`,
                  agent.labels {campus: zhijiao}: they label their own series  -> its vmagent
  campus gongye:  one agent without a site, labelled by the scrape config        -> its vmagent
    -> one VictoriaMetrics (the central store; each vmagent's scrape config is the campus-probe
       job of deploy/central/vmagent/scrape.yml with the test's targets and labels, which for
       zhijiao equal the agents' own: honor_labels must leave no exported_site behind)
    <- vmalert with deploy/prometheus/campus-probe.rules.yml as shipped

1. The central store answers /api/v1/query with every site's campus_indicator_status, each
   series carrying its campus and site, and with the status each site's own checks give (the
   teach site's check fails, so its indicator fails there and nowhere else).
2. Every expression of deploy/grafana/campus-probe.json (panels and variables, with the
   campus and site variables at "All") runs on the central store without error; the central
   panels answer per campus and site.
3. vmalert evaluates every shipped rule on the central store without error, and the teach site's
   failing check is an alert (pending: `for:` as shipped) that carries campus and site. Then
   gongye's vmagent stops: its site becomes CampusSiteSilent, not CampusProbeDown.
4. VictoriaMetrics stops for 30 s while zhijiao's agents and vmagent keep running; vmagent
   buffers on disk. VictoriaMetrics starts again on the same data directory and port, and the
   samples scraped during the outage arrive: /api/v1/export over the outage window has every
   site's samples spread across it (first, middle and last third), and /api/v1/query_range over
   it has points.
Every process the test starts is stopped on every path.

  central_metrics_test.py CAMPUS_PROBE_BIN
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVERS = os.path.join(ROOT, "tests", "servers")
RULES = os.path.join(ROOT, "deploy", "prometheus", "campus-probe.rules.yml")
SHIPPED_SCRAPE = os.path.join(ROOT, "deploy", "central", "vmagent", "scrape.yml")
sys.path.insert(0, os.path.join(ROOT, "tests", "alerting"))
from alerting_test import dashboard_expressions  # noqa: E402  (the same reading of the dashboard)

# Two campuses, each with its own vmagent: zhijiao's three sites go through the store's outage;
# gongye's vmagent stops, and the centre hears nothing more from its site.
CAMPUSES = {"zhijiao": ["dorm", "teach", "office"], "gongye": ["main"]}
OUTAGE_CAMPUS, SILENT_CAMPUS = "zhijiao", "gongye"
PLACES = [f"{campus}/{site}" for campus, sites in CAMPUSES.items() for site in sites]
FAILING = "zhijiao/teach"   # its check fails, everywhere else they pass
INDICATOR = "H-3.3.1.1"
OUTAGE = 30.0

START = time.monotonic()
failures = []
children = []      # Popen of the agents
server_pids = []   # PIDs the helper scripts started (VictoriaMetrics, vmagent, vmalert)


def log(message):
    print(f"[{time.monotonic() - START:6.1f}s] {message}", flush=True)


def fail(message):
    failures.append(message)
    log("FAIL: " + message)


def http(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, OSError) as e:
        return 0, str(e)


def wait_for(what, predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def free_port():
    out = subprocess.run(["bash", "-c", f". '{SERVERS}/lib.sh' && free_port"],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def helper(script, *args):
    """Runs tests/servers/SCRIPT; returns its KEY=VALUE lines and remembers the server's PID."""
    out = subprocess.run([os.path.join(SERVERS, script), *map(str, args)],
                         capture_output=True, text=True, timeout=120)
    values = dict(re.findall(r"^(\w+)=(.*)$", out.stdout, re.M))
    for key, value in values.items():
        if key.endswith("_PID"):
            server_pids.append(int(value))
    if out.returncode != 0:
        raise RuntimeError(f"{script} failed: {out.stderr.strip()}")
    return values


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop_pid(pid, timeout=30):
    """SIGTERM, then wait until it is gone (the helpers' servers are not our children)."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


def stop_all():
    for pid in reversed(server_pids):
        began = time.monotonic()
        stop_pid(pid)
        log(f"stopped {pid} in {time.monotonic() - began:.1f}s")
    server_pids.clear()
    for process in children:
        if process.poll() is None:
            process.terminate()
    for process in children:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def query(vm, expr, **params):
    path = "query_range" if "start" in params else "query"
    url = f"http://127.0.0.1:{vm}/api/v1/{path}?" + urllib.parse.urlencode(dict(query=expr, **params))
    status, body = http(url)
    try:
        reply = json.loads(body)
    except ValueError:
        return None, f"HTTP {status}: {body[:300]}"
    if reply.get("status") != "success":
        return None, f"{reply.get('errorType')}: {reply.get('error')}"
    return reply["data"]["result"], None


def place(labels):
    return f"{labels.get('campus', '')}/{labels.get('site', '')}"


def export(vm, selector, start, end):
    """Raw samples of SELECTOR from /api/v1/export: {campus/site: [timestamp s, ...]}."""
    url = f"http://127.0.0.1:{vm}/api/v1/export?" + urllib.parse.urlencode(
        {"match[]": selector, "start": f"{start:.3f}", "end": f"{end:.3f}"})
    status, body = http(url)
    out = {}
    if status != 200:
        return out
    for line in body.splitlines():
        if line.strip():
            series = json.loads(line)
            out.setdefault(place(series["metric"]), []).extend(
                t / 1000 for t in series["timestamps"])
    return {site: sorted(ts) for site, ts in out.items()}


def campus_config(campus, listen, up_port):
    """One campus's config, for every agent of it. zhijiao's agents label their own series: each
    is started with --site, and agent.labels names the campus. gongye's agent has no site of its
    own: the scrape config labels it. A check at every site connects to a port that accepts
    (it passes) and, at the failing site only, one to a port nobody listens on: the indicator
    both prove fails there and nowhere else."""
    failing_campus, failing_site = FAILING.split("/")
    own = f"site: {CAMPUSES[campus][0]}, labels: {{campus: {campus}}}, " if campus == "zhijiao" else ""
    failing = f"""  - id: sso-{failing_site}
    probe: tcp
    target: 127.0.0.1:{free_port()}
    sites: [{failing_site}]
    labels: {{system: sso}}
    indicators: [{INDICATOR}]
""" if campus == failing_campus else ""
    return f"""agent: {{listen: {listen}, {own}default_interval: 1s, default_timeout: 1s}}
editions: [higher]
checks:
  - id: sso-port
    probe: tcp
    target: 127.0.0.1:{up_port}
    labels: {{system: sso}}
    indicators: [{INDICATOR}]
{failing}"""


def accept_forever(listener):
    """The port the passing checks connect to: accepts and closes, until the test ends."""
    while True:
        try:
            connection, _ = listener.accept()
            connection.close()
        except OSError:
            return


def announced_port(log_path):
    """The port an agent listening on port 0 says it got."""
    try:
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", open(log_path, errors="replace").read())
    except OSError:
        return None
    return int(m.group(1)) if m else None


def scrape_config(targets):
    """deploy/central/vmagent/scrape.yml's campus-probe job, pointed at the test's agents: plain
    HTTP without credentials (the test agents' listener has none) and 1 s scrapes."""
    import yaml
    shipped = yaml.safe_load(open(SHIPPED_SCRAPE, encoding="utf-8"))
    job = next(j for j in shipped["scrape_configs"] if j["job_name"] == "campus-probe")
    assert job.get("honor_labels") is True, "the shipped job must honor the agents' own labels"
    for key in ("scheme", "authorization", "basic_auth", "tls_config"):
        job.pop(key, None)
    job["static_configs"] = [{"targets": [f"127.0.0.1:{port}"],
                              "labels": dict(zip(("campus", "site"), where.split("/")))}
                             for where, port in targets.items()]
    config = {"global": {"scrape_interval": "1s", "scrape_timeout": "1s"}, "scrape_configs": [job]}
    return yaml.safe_dump(config, sort_keys=False)


def run(binary, d):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    threading.Thread(target=accept_forever, args=(listener,), daemon=True).start()
    up_port = listener.getsockname()[1]

    # An agent per site: zhijiao's three from one config with --site (each listening on a port
    # of its own choosing), gongye's from its own config.
    ports, logs = {}, {}
    for campus, sites in CAMPUSES.items():
        path = os.path.join(d, f"{campus}.yaml")
        listen = "127.0.0.1:0" if campus == "zhijiao" else f"127.0.0.1:{free_port()}"
        open(path, "w", encoding="utf-8").write(campus_config(campus, listen, up_port))
        for site in sites:
            where = f"{campus}/{site}"
            logs[where] = os.path.join(d, f"agent-{campus}-{site}.log")
            args = [binary, "run", "--config", path] + (["--site", site] if campus == "zhijiao" else [])
            children.append(subprocess.Popen(args, stdout=open(logs[where], "wb"), stderr=subprocess.STDOUT,
                                             start_new_session=True))
            if listen.endswith(":0"):
                ports[where] = wait_for(f"agent {where}'s port", lambda: announced_port(logs[where]), 60)
            else:
                ports[where] = int(listen.rsplit(":", 1)[1])
    for where, port in ports.items():
        wait_for(f"agent {where} on {port}", lambda: http(f"http://127.0.0.1:{port}/metrics")[0] == 200, 60)
    log(f"agents up: {ports}")
    # The agents of a site label their series themselves; an agent without a site does not.
    for where, port in ports.items():
        body = http(f"http://127.0.0.1:{port}/metrics")[1]
        line = next((l for l in body.splitlines() if l.startswith("campus_indicator_status{")), "")
        campus, site = where.split("/")
        labelled = f'site="{site}"' in line and f'campus="{campus}"' in line
        if labelled != (campus == "zhijiao"):
            fail(f"agent {where}: {line!r}")
    log("zhijiao's agents put site and campus on their own series; gongye's agent has neither")

    # The central store, a vmagent per campus, and vmalert on the store.
    victoria = helper("start-victoria.sh", os.path.join(d, "victoria"))
    vm, vm_pid = int(victoria["VICTORIA_PORT"]), int(victoria["VICTORIA_PID"])
    vmagents = {}
    for campus in CAMPUSES:
        scrape = os.path.join(d, f"scrape-{campus}.yml")
        open(scrape, "w", encoding="utf-8").write(scrape_config(
            {where: port for where, port in ports.items() if where.startswith(campus + "/")}))
        started = helper("start-vmagent.sh", os.path.join(d, f"vmagent-{campus}"), scrape,
                         f"http://127.0.0.1:{vm}/api/v1/write")
        vmagents[campus] = int(started["VMAGENT_PORT"]), int(started["VMAGENT_PID"])
    vmalert = int(helper("start-vmalert.sh", os.path.join(d, "vmalert"), RULES,
                         f"http://127.0.0.1:{vm}", f"http://127.0.0.1:{free_port()}")["VMALERT_PORT"])
    log(f"VictoriaMetrics on {vm}, vmagents {vmagents}, vmalert on {vmalert}")

    # 1. Every site's indicator status, with its own verdict.
    def statuses():
        result, _ = query(vm, f'campus_indicator_status{{job="campus-probe",indicator="{INDICATOR}"}}')
        got = {place(r["metric"]): r["value"][1] for r in result or []}
        want = {where: "0" if where == FAILING else "1" for where in PLACES}
        return got if got == want else None
    try:
        got = wait_for("every site's campus_indicator_status in the central store", statuses, 60)
    except TimeoutError:
        result, error = query(vm, "campus_indicator_status")
        raise TimeoutError(f"central store has: {error or [r['metric'] for r in result][:10]}")
    log(f"central store: {INDICATOR} per site {got}")
    # The scrape config's target labels equal the agents' own (as deploy/central recommends);
    # honor_labels keeps them as they are instead of renaming the agent's to exported_*.
    exported, error = query(vm, 'count({__name__=~"campus_.+",exported_site!=""} or {__name__=~"campus_.+",exported_campus!=""})')
    if error or exported:
        fail(f"series with exported_site or exported_campus: {exported} {error or ''}")
    per_site, error = query(vm, 'count by (campus, site) (campus_indicator_status{job="campus-probe"})')
    counts = {place(r["metric"]): int(r["value"][1]) for r in per_site or []}
    if error or sorted(counts) != sorted(PLACES) or len(set(counts.values())) != 1:
        fail(f"indicator series per site: {counts} {error or ''}")
    else:
        log(f"every site exports {counts[PLACES[0]]} indicator series")

    # 2. The dashboard on the central store.
    expressions, _ = dashboard_expressions()
    errors = 0
    for where, expr in expressions:
        _, error = query(vm, expr)
        if error:
            errors += 1
            fail(f"dashboard {where}: {error}\n    {expr}")
    central_panels = {"各学校、各站点的关键指标状态", "各学校、各站点检查通过比例"}
    for where, expr in expressions:
        if any(title in where for title in central_panels):
            result, _ = query(vm, expr)
            places = sorted(place(r["metric"]) for r in result or [])
            if places != sorted(PLACES):
                fail(f"dashboard {where}: sites {places}, expected {sorted(PLACES)}")
    log(f"{len(expressions)} dashboard expressions run on the central store, {errors} errors")

    # 3. vmalert: every rule evaluates, and the failing site's check is an alert with its labels.
    def teach_alert():
        status, body = http(f"http://127.0.0.1:{vmalert}/api/v1/alerts")
        alerts = (json.loads(body)["data"]["alerts"] if status == 200 else None) or []
        return [a for a in alerts if a["name"] == "CampusCheckFailing"
                and place(a["labels"]) == FAILING] or None
    alert = wait_for("vmalert's CampusCheckFailing for the failing site", teach_alert, 60)[0]
    labels = alert["labels"]
    failing_check = "sso-" + FAILING.split("/")[1]
    if (labels.get("check"), labels.get("system")) != (failing_check, "sso"):
        fail(f"CampusCheckFailing labels: {labels}")
    summary = alert["annotations"].get("summary", "")
    if not summary.startswith(f"【{FAILING}】sso 系统的检查 {failing_check} 失败"):
        fail(f"CampusCheckFailing summary: {summary!r}")
    if INDICATOR not in alert["annotations"].get("indicators", ""):
        fail(f"CampusCheckFailing indicators: {alert['annotations'].get('indicators')!r}")
    log(f"vmalert: {alert['name']} {alert['state']} {summary}")
    def evaluated():
        status, body = http(f"http://127.0.0.1:{vmalert}/api/v1/rules")
        groups = (json.loads(body)["data"]["groups"] if status == 200 else None) or []
        rules = [r for g in groups for r in g.get("rules") or []]
        return rules if rules and all(not r["lastEvaluation"].startswith("0001") for r in rules) else None
    rules = wait_for("vmalert evaluating every rule", evaluated, 30)
    shipped = re.findall(r"^\s+- alert: (\w+)$", open(RULES, encoding="utf-8").read(), re.M)
    if sorted(r["name"] for r in rules) != sorted(shipped):
        fail(f"vmalert loaded {sorted(r['name'] for r in rules)}, shipped {sorted(shipped)}")
    for r in rules:
        if r.get("lastError"):
            fail(f"vmalert rule {r['name']}: {r['lastError']}")
    # The other sites pass: no check or indicator alert of theirs.
    status, body = http(f"http://127.0.0.1:{vmalert}/api/v1/alerts")
    others = [(a["name"], place(a["labels"])) for a in json.loads(body)["data"]["alerts"] or []
              if a["name"] in ("CampusCheckFailing", "CampusIndicatorFailing")
              and place(a["labels"]) != FAILING]
    if others:
        fail(f"alerts for sites whose checks pass: {others}")
    log(f"vmalert: {len(rules)} rules evaluated on the central store without error")

    # A campus falls silent: its vmagent stops (as when the campus's link to the centre is
    # down). Its site is CampusSiteSilent (pending: `for:` as shipped), not CampusProbeDown.
    silent_pid = vmagents.pop(SILENT_CAMPUS)[1]
    stop_pid(silent_pid)
    server_pids.remove(silent_pid)

    def silent():
        status, body = http(f"http://127.0.0.1:{vmalert}/api/v1/alerts")
        alerts = (json.loads(body)["data"]["alerts"] if status == 200 else None) or []
        return alerts if any(a["name"] == "CampusSiteSilent" for a in alerts) else None
    alerts = wait_for(f"vmalert's CampusSiteSilent once {SILENT_CAMPUS}'s vmagent stopped", silent, 60)
    got = sorted(place(a["labels"]) for a in alerts if a["name"] == "CampusSiteSilent")
    want = sorted(where for where in PLACES if where.startswith(SILENT_CAMPUS + "/"))
    if got != want:
        fail(f"CampusSiteSilent for {got}, expected {want}")
    down = [place(a["labels"]) for a in alerts if a["name"] == "CampusProbeDown"]
    if down:
        fail(f"CampusProbeDown for {down}: no agent is down")
    log(f"{SILENT_CAMPUS}'s vmagent stopped: CampusSiteSilent {got}")

    # 4. The outage: what the agents export meanwhile waits in vmagent's buffer.
    vmagent = vmagents[OUTAGE_CAMPUS][0]
    outage_places = [where for where in PLACES if where.startswith(OUTAGE_CAMPUS + "/")]
    def pending():
        status, body = http(f"http://127.0.0.1:{vmagent}/metrics")
        if status != 200:
            return None
        return sum(float(v) for v in re.findall(
            r"^vmagent_remotewrite_pending_data_bytes\{[^}]*\} (\S+)$", body, re.M))
    stop_pid(vm_pid)
    server_pids.remove(vm_pid)
    stopped_at = time.time()   # the process has exited: from here on nothing reaches the store
    log(f"VictoriaMetrics stopped (exited); restarting it in {OUTAGE:.0f}s")
    held = 0.0
    while time.time() < stopped_at + OUTAGE:
        held = max(held, pending() or 0)
        time.sleep(0.5)
    if held <= 0:
        fail("vmagent reported nothing pending while the store was down")
    restarting_at = time.time()   # up to here, nothing can have reached the store
    restarted = helper("start-victoria.sh", os.path.join(d, "victoria"), vm)
    started_at = time.time()
    assert int(restarted["VICTORIA_PORT"]) == vm
    log(f"VictoriaMetrics back on {vm} after {restarting_at - stopped_at:.1f}s down; "
        f"vmagent held up to {held:.0f} bytes for it")
    result, _ = query(vm, f'sum(scrape_samples_scraped{{job="campus-probe",campus="{OUTAGE_CAMPUS}"}})')
    if result:
        per_scrape = float(result[0]["value"][1])
        log(f"buffer: {per_scrape:.0f} samples per scrape round of the {len(outage_places)} agents, "
            f"about {held / (per_scrape * OUTAGE):.1f} bytes per sample")

    # The window while the store was down: every sample in it came from vmagent's buffer after
    # the restart (a sample's timestamp is its scrape's time).
    gap_start, gap_end = stopped_at + 0.5, restarting_at - 0.5
    thirds = [(gap_start + i * (gap_end - gap_start) / 3, gap_start + (i + 1) * (gap_end - gap_start) / 3)
              for i in range(3)]
    selector = f'campus_indicator_status{{job="campus-probe",campus="{OUTAGE_CAMPUS}",indicator="{INDICATOR}"}}'

    def gap_filled():
        samples = export(vm, selector, gap_start, gap_end)
        complete = all(any(a <= t < b for t in samples.get(where, [])) for where in outage_places
                       for a, b in thirds)
        return samples if complete else None
    try:
        samples = wait_for("the outage's samples of every site in the central store", gap_filled, 90)
    except TimeoutError:
        samples = export(vm, selector, gap_start, gap_end)
        raise TimeoutError(f"outage window {gap_start:.0f}..{gap_end:.0f}: samples per site "
                           f"{ {s: len(t) for s, t in samples.items()} }")
    log(f"gap filled {time.time() - started_at:.1f}s after the restart: samples inside the outage "
        + ", ".join(f"{where} {len(samples[where])} ({samples[where][0] - stopped_at:.1f}s.."
                    f"{samples[where][-1] - stopped_at:.1f}s after the stop)" for where in outage_places))
    result, error = query(vm, selector, start=f"{gap_start:.3f}", end=f"{gap_end:.3f}", step="1s")
    points = {place(r["metric"]): len(r["values"]) for r in result or []}
    if error or sorted(points) != sorted(outage_places) or min(points.values()) < (gap_end - gap_start) / 2:
        fail(f"query_range over the outage: {points} {error or ''}")
    else:
        log(f"query_range over the outage: points per site {points}")
    return 0


def main():
    binary = sys.argv[1]
    for tool in ("victoria-metrics", "vmagent", "vmalert"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed (deploy/install-deps.sh build test)")
            return 77
    d = tempfile.mkdtemp(prefix="campus-central.")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    passed = False
    try:
        run(binary, d)
        passed = not failures
    except (TimeoutError, RuntimeError, AssertionError) as e:
        fail(str(e))
    finally:
        stop_all()
        if passed:
            shutil.rmtree(d, ignore_errors=True)
        else:
            log(f"logs kept in {d}")
    log("PASS" if passed else f"{len(failures)} failure(s)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
