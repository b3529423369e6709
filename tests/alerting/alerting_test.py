#!/usr/bin/env python3
"""The Grafana dashboard and the alerting chain, end to end on 127.0.0.1, against the demo campus:

  tests/sim/campus-sim (configs/demo.yaml as shipped, agent on 19877) + two small agents
    -> Prometheus (deploy/prometheus rules, for: shortened)
    -> Alertmanager (deploy/alertmanager config, receivers pointed at webhook_sink.py)

The main agent is the demo campus's own: `campus-sim start` brings up every system of
configs/demo.yaml and campus-probe on it, with the demo's 15 s intervals. The demo produces
nearly every metric by itself (sessions, the IDS feed, the evidence log, attestations, both
editions); two small auxiliary agents and a dead target add what a healthy demo never shows:
  - "lagging": one run at a time and runs longer than their interval, so the scheduler lags
    (CampusProbeSchedulerLagging), and a reload it refuses (CampusProbeConfigReloadFailed);
  - "expiring": a TLS check on the demo nginx's certificate that expires in 5 days
    (CampusCertificateExpiringSoon, the certificate panel; the demo has no TLS check) and an
    attestation that runs out in 10 days (AttestationExpiringSoon; the demo's run for months);
  - a target nobody listens on (CampusProbeDown).
Every agent exports campus_indicator_info for the higher edition, so every join on it meets one
copy per agent, as in production with several agents.

1. Once the demo is healthy, `campus-sim break onecard` stops the one-card platform's
   transactions: exactly one notification arrives for system onecard, on the webhook (the alert
   naming the check onecard-test-card, the kind, the reason, and the indicators H-3.4.1.1 and
   S-3.4.1.1 with their text; the indicators' own alerts held back) and through Alertmanager's
   WeCom integration (the rendered Chinese campus.wechat.message template); no other demo system
   is notified. amtool renders the template from the webhook payload too.
2. Every PromQL expression of deploy/grafana/campus-probe.json (panels and variables) and of the
   loaded rules (read back from Prometheus' /api/v1/rules) is run through /api/v1/query and must
   answer without error and with data (CampusSiteSilent without error only: a silent site is a
   central store's matter, tests/central).
3. `campus-sim heal onecard` resolves it: a resolved notification for onecard on both.
The demo is stopped with `campus-sim stop` on every path. Its ports are fixed, so ctest runs
this test and demo-campus under one RESOURCE_LOCK.

  alerting_test.py CAMPUS_PROBE_BIN
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
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SIM = os.path.join(ROOT, "tests", "sim")
LAUNCHER = os.path.join(SIM, "campus-sim")
RULES = os.path.join(ROOT, "deploy", "prometheus", "campus-probe.rules.yml")
AM_CONFIG = os.path.join(ROOT, "deploy", "alertmanager", "alertmanager.yml")
AM_TEMPLATE = os.path.join(ROOT, "deploy", "alertmanager", "campus-probe.tmpl")
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "campus-probe.json")
# configs/demo.yaml's agent, and what it maps the one-card platform to.
DEMO_AGENT = "127.0.0.1:19877"
BROKEN_SYSTEM = "onecard"
BROKEN_CHECK = "onecard-test-card"
BROKEN_INDICATORS = "H-3.4.1.1 校内人员能使用一卡通在校内消费；S-3.4.1.1 校内人员能使用一卡通在校内消费"
BROKEN_KIND, BROKEN_REASON = "bad_content", "响应内容不符（bad_content）"

START = time.monotonic()
failures = []
processes = []


def log(message):
    print(f"[{time.monotonic() - START:6.1f}s] {message}", flush=True)


def fail(message):
    failures.append(message)
    log("FAIL: " + message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, data=None, method=None, timeout=5):
    body = None
    headers = {}
    if data is not None:
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, socket.timeout) as e:
        return 0, str(e)


def wait_for(what, predicate, timeout=30, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def spawn(args, log_path, env=None):
    out = open(log_path, "wb")
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env,
                               start_new_session=True)
    processes.append(process)
    return process


def start_printing(args, log_path, key):
    """Starts a server that prints KEY=PORT once listening; returns (process, port)."""
    out_path = log_path + ".out"
    out = open(out_path, "wb")
    process = subprocess.Popen(args, stdout=out, stderr=open(log_path, "wb"),
                               start_new_session=True)
    processes.append(process)
    port = wait_for(f"{key} from {args[1]}",
                    lambda: re.search(rf"^{key}=(\d+)", open(out_path).read(), re.M), 10)
    return process, int(port.group(1))


def stop_all():
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def lagging_config(port):
    # Why: the demo agent (concurrency 32) never lags and is never given a broken config. Here one
    # run at a time, and runs longer than the interval: runs queue, the scheduler lags. The test
    # then makes it refuse a reload.
    checks = "".join(f"""  - id: slow-{i}
    probe: exec
    target: local
    interval: 2s
    timeout: 2s
    params: {{command: /bin/sleep, args: ["1.5"]}}
    labels: {{system: batch}}
""" for i in (1, 2, 3))
    return f"""agent: {{listen: 127.0.0.1:{port}, concurrency: 1}}
editions: [higher]
checks:
{checks}"""


def expiring_config(port, d, demo_env):
    # Why: the demo has no TLS check, and its attestations run for months. Here a certificate
    # that expires in 5 days (the demo nginx's "soon" server) and an attestation that runs out in
    # ten days.
    soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 + 10 * 86400))
    return f"""agent: {{listen: 127.0.0.1:{port}, default_interval: 5s, default_timeout: 2s}}
editions: [higher]
attestations:
  - id: talent-plan
    indicator: H-2.1.1.1
    statement: 学校根据行业数字化人才需求调整了人才培养方案
    owner: {{name: 王芳, role: 教务处处长}}
    approver: {{name: 李明, role: 分管副校长}}
    document: {{path: {d}/plan.md, ref: 校教〔2026〕15号}}
    valid_from: 2026-01-01
    expires: "{soon}"
checks:
  - id: website-cert
    probe: tls
    target: 127.0.0.1:{demo_env['NGINX_TLS_SOON_PORT']}
    params: {{ca_file: "{demo_env['TEST_CA']}", server_name: soon.campus.test, min_days_left: 1}}
    labels: {{system: website}}
    indicators: [H-3.4.3.1]
"""


def adapt_rules(d):
    """The shipped rules with every `for:` shortened; the expressions stay as shipped."""
    text = open(RULES, encoding="utf-8").read()
    adapted, n = re.subn(r"^(\s+for:) \S+$", r"\1 0s", text, flags=re.M)
    assert n >= 7, "expected a for: on every alert rule"
    path = os.path.join(d, "campus-probe.rules.yml")
    open(path, "w", encoding="utf-8").write(adapted)
    return path


def adapt_alertmanager(d, sink_port):
    """The shipped config with its receivers pointed at the loopback sink and short timings."""
    check = subprocess.run(["amtool", "check-config", AM_CONFIG], capture_output=True, text=True)
    assert check.returncode == 0, "shipped alertmanager.yml: " + check.stdout + check.stderr
    text = open(AM_CONFIG, encoding="utf-8").read()
    template = os.path.join(d, "campus-probe.tmpl")
    shutil.copy(AM_TEMPLATE, template)
    replacements = [
        (r"wechat_api_url: \S+", f"wechat_api_url: http://127.0.0.1:{sink_port}/cgi-bin/"),
        (r"url: http://127\.0\.0\.1:8060/\S+", f"url: http://127.0.0.1:{sink_port}/webhook"),
        (r"- /etc/prometheus/alertmanager_templates/campus-probe\.tmpl", f"- {template}"),
        (r"group_wait: \S+", "group_wait: 1s"),
        (r"group_interval: \S+", "group_interval: 2s"),
        (r"repeat_interval: \S+", "repeat_interval: 1h"),
    ]
    for pattern, replacement in replacements:
        text, n = re.subn(pattern, replacement, text)
        assert n == 1, f"alertmanager.yml: expected one match of {pattern}, got {n}"
    path = os.path.join(d, "alertmanager.yml")
    open(path, "w", encoding="utf-8").write(text)
    return path


def query(prom, expr):
    status, body = http(f"http://127.0.0.1:{prom}/api/v1/query?" +
                        urllib.parse.urlencode({"query": expr}))
    try:
        reply = json.loads(body)
    except ValueError:
        return None, f"HTTP {status}: {body[:200]}"
    if reply.get("status") != "success":
        return None, f"{reply.get('errorType')}: {reply.get('error')}"
    return reply["data"]["result"], None


DASHBOARD_VARIABLES = {
    "$__rate_interval": "1m", "${__rate_interval}": "1m", "$__interval": "15s",
    "$__range": "1m", "${__range}": "1m",
}


def dashboard_expressions():
    """(where, PromQL) for every panel target and query variable of the dashboard, with the
    template variables set to Grafana's "All" (.*) and the interval variables to durations."""
    dashboard = json.load(open(DASHBOARD, encoding="utf-8"))
    variables = {}
    out = []
    for var in dashboard["templating"]["list"]:
        if var["type"] != "query":
            continue
        variables[var["name"]] = var.get("allValue") or ".*"
        q = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q.strip(), re.S)
        assert m, f"variable {var['name']}: only label_values(SELECTOR, LABEL) is tested"
        out.append((f"variable {var['name']}", f"group by ({m.group(2)}) ({m.group(1)})"))

    def walk(panels):
        for panel in panels:
            yield panel
            yield from walk(panel.get("panels", []))

    for panel in walk(dashboard["panels"]):
        for target in panel.get("targets", []):
            out.append((f"panel {panel['title']!r} {target['refId']}", target["expr"]))

    def substitute(expr):
        for key, value in DASHBOARD_VARIABLES.items():
            expr = expr.replace(key, value)
        for name, value in variables.items():
            expr = re.sub(r"\$\{" + name + r"(:\w+)?\}|\$" + name + r"\b", value, expr)
        assert "$" not in expr, f"unsubstituted variable in {expr}"
        return expr

    return [(where, substitute(expr)) for where, expr in out], dashboard


def main():
    binary = sys.argv[1]
    for tool in ("prometheus", "promtool", "prometheus-alertmanager", "amtool", "nginx"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            print(f"SKIP: {tool} is not installed (deploy/install-deps.sh build test)")
            return 77
    d = tempfile.mkdtemp(prefix="campus-alerting.")
    # The demo's own state dir, as test_campus_sim.py has it: nginx and PostgreSQL, which run as
    # other users, must reach it (campus-sim makes it 755; d stays private).
    demo = tempfile.mkdtemp(prefix="campus-alerting-demo.")
    # Stopped from outside (SIGTERM), the demo and every process are still stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    passed = False
    try:
        passed = run(binary, d, demo) == 0
        return 0 if passed else 1
    finally:
        stop_all()
        if not passed and os.path.isdir(os.path.join(demo, "logs")):
            shutil.copytree(os.path.join(demo, "logs"), os.path.join(d, "demo-logs"), dirs_exist_ok=True)
        stop = subprocess.run([LAUNCHER, "stop", demo], capture_output=True, text=True, timeout=60)
        if stop.returncode != 0:
            log(f"campus-sim stop: {stop.stderr.strip()}")
        shutil.rmtree(demo, ignore_errors=True)
        if passed:
            shutil.rmtree(d, ignore_errors=True)
        else:
            log(f"logs kept in {d}")


def start_demo(binary, demo):
    """campus-sim start DIR with the shipped configs/demo.yaml; returns the campus's env."""
    env = dict(os.environ, CAMPUS_PROBE=binary)
    env.pop("CAMPUS_SIM_CONFIG", None)
    env.pop("CAMPUS_SIM_NO_AGENT", None)
    out = subprocess.run([LAUNCHER, "start", demo], env=env, capture_output=True, text=True, timeout=150)
    if out.returncode != 0:
        raise RuntimeError("campus-sim start failed:\n" + out.stderr[-3000:])
    return dict(re.findall(r"^(\w+)=(.*)$", open(os.path.join(demo, "campus.env")).read(), re.M))


def campus_sim(*args):
    out = subprocess.run([LAUNCHER, *args], capture_output=True, text=True, timeout=90)
    if out.returncode != 0:
        raise RuntimeError(f"campus-sim {' '.join(args)}: {out.stdout}{out.stderr}")


def run(binary, d, demo):
    # The sink that stands for the webhook relay and for WeCom's API, then the demo campus.
    _, sink = start_printing([sys.executable, os.path.join(HERE, "webhook_sink.py")],
                             os.path.join(d, "sink.log"), "WEBHOOK_SINK_PORT")
    demo_env = start_demo(binary, demo)
    log(f"demo campus up (agent {DEMO_AGENT}), sink {sink}")

    # The auxiliary agents, and a port nobody listens on.
    open(os.path.join(d, "plan.md"), "w", encoding="utf-8").write("# 人才培养方案调整说明\n")
    lag_port, expiring_port, dead_port = free_port(), free_port(), free_port()
    lag_yaml = os.path.join(d, "lagging.yaml")
    open(lag_yaml, "w").write(lagging_config(lag_port))
    expiring_yaml = os.path.join(d, "expiring.yaml")
    open(expiring_yaml, "w", encoding="utf-8").write(expiring_config(expiring_port, d, demo_env))
    for name, yaml_path in (("lagging", lag_yaml), ("expiring", expiring_yaml)):
        check = subprocess.run([binary, "check-config", yaml_path], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        spawn([binary, "run", "--config", yaml_path], os.path.join(d, f"{name}-agent.log"))
    for port in (lag_port, expiring_port):
        wait_for(f"agent :{port} ready",
                 lambda: http(f"http://127.0.0.1:{port}/-/ready")[0] == 200, 15)
    # The lagging agent refuses a broken config and keeps running the old one.
    open(lag_yaml, "w").write("agent: {listen: [oops\n")
    status, _ = http(f"http://127.0.0.1:{lag_port}/-/reload", data=b"", method="POST")
    assert status != 200, "a broken config was accepted"
    agents = [DEMO_AGENT, f"127.0.0.1:{lag_port}", f"127.0.0.1:{expiring_port}"]

    # The rules, Alertmanager, Prometheus. The indicators' wording and the checks' indicators
    # come with the agents' own metrics (campus_indicator_info, campus_check_indicator).
    rules = adapt_rules(d)
    subprocess.run(["promtool", "check", "rules", rules], check=True, capture_output=True)
    am_yml = adapt_alertmanager(d, sink)
    check = subprocess.run(["amtool", "check-config", am_yml], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    am_port = free_port()
    spawn(["prometheus-alertmanager", f"--config.file={am_yml}", f"--storage.path={d}/am",
           f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address=",
           "--log.level=warn"], os.path.join(d, "alertmanager.log"))
    prom_port = free_port()
    prom_yml = os.path.join(d, "prometheus.yml")
    targets = ", ".join(f"'{t}'" for t in agents + [f"127.0.0.1:{dead_port}"])
    open(prom_yml, "w").write(f"""global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}
rule_files: [{rules}]
alerting:
  alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]}}]
scrape_configs:
  - job_name: campus-probe
    static_configs:
      - targets: [{targets}]
""")
    subprocess.run(["promtool", "check", "config", prom_yml], check=True, capture_output=True)
    spawn(["prometheus", f"--config.file={prom_yml}", f"--storage.tsdb.path={d}/prometheus",
           f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
          os.path.join(d, "prometheus.log"))
    wait_for("Alertmanager ready", lambda: http(f"http://127.0.0.1:{am_port}/-/ready")[0] == 200, 15)
    wait_for("Prometheus scraping the three agents",
             lambda: (query(prom_port, f'count(up{{job="campus-probe"}} == 1) == {len(agents)}')[0] or None), 30)
    log("Prometheus scrapes the agents")
    # Every agent names the indicators of the higher edition itself: every join on
    # campus_indicator_info below meets one copy per agent.
    copies, _ = query(prom_port, 'count by (edition, indicator) '
                                 '(campus_indicator_info{edition="higher",indicator="H-3.4.1.1"})')
    if not copies or copies[0]["value"][1] != str(len(agents)):
        fail(f"campus_indicator_info of H-3.4.1.1: {copies}, expected one series from each agent")

    def records():
        return json.loads(http(f"http://127.0.0.1:{sink}/__records")[1])

    def firing_alerts():
        alerts = json.loads(http(f"http://127.0.0.1:{prom_port}/api/v1/alerts")[1])["data"]["alerts"]
        return [a for a in alerts if a["state"] == "firing"]

    # The demo is healthy: each of its checks has run and passes, and none of its alerts fires
    # (a check may fail its first run while a session logs in or a server warms up).
    def demo_healthy():
        total, _ = query(prom_port, f'count(campus_probe_success{{instance="{DEMO_AGENT}"}})')
        failing, _ = query(prom_port, f'campus_probe_success{{instance="{DEMO_AGENT}"}} != 1')
        status, body = http(f"http://{DEMO_AGENT}/api/checks")
        runs = json.loads(body) if status == 200 else []
        unrun = [c for c in runs if not c.get("last")]
        demo_firing = [a for a in firing_alerts() if a["labels"].get("instance") == DEMO_AGENT]
        # A one-card alert of the start must have been resolved in Alertmanager too, else its
        # group would still be open and the break's notification would carry it.
        onecard = [r["body"]["status"] for r in records() if r["kind"] == "webhook"
                   and r["body"]["groupLabels"].get("system") == BROKEN_SYSTEM]
        unhealthy.update(failing=sorted(r["metric"]["check"] for r in failing or []),
                         not_run=[c["id"] for c in unrun], onecard_notifications=onecard[-1:],
                         firing=sorted({a["labels"]["alertname"] for a in demo_firing}))
        return (total and not failing and runs and not unrun and not demo_firing
                and int(total[0]["value"][1]) == len(runs) and onecard[-1:] in ([], ["resolved"]))
    unhealthy = {}
    try:
        wait_for("every check of the demo passing in Prometheus", demo_healthy, 60, 0.5)
    except TimeoutError as e:
        raise TimeoutError(f"{e}: {unhealthy}") from None
    log("the demo campus is healthy")

    # 1. Break the one-card platform. Only notifications from now on count.
    broken_at = time.time()
    campus_sim("break", BROKEN_SYSTEM)
    log(f"campus-sim break {BROKEN_SYSTEM}: the one-card platform's transactions stop")

    def check_firing():
        return any(a["labels"].get("alertname") == "CampusCheckFailing"
                   and a["labels"].get("check") == BROKEN_CHECK for a in firing_alerts())
    wait_for(f"CampusCheckFailing for {BROKEN_CHECK} firing", check_firing, 30)
    log(f"{BROKEN_CHECK} fails, its alert fires")

    def webhooks(status, since, system=BROKEN_SYSTEM):
        return [r["body"] for r in records() if r["kind"] == "webhook" and r["time"] >= since
                and r["body"]["groupLabels"].get("system") == system and r["body"]["status"] == status]

    def wecom(word, since):
        return [r["body"] for r in records() if r["kind"] == "wecom" and r["time"] >= since
                and f"系统 {BROKEN_SYSTEM}" in r["body"]["text"]["content"]
                and word in r["body"]["text"]["content"]]

    wait_for("the onecard notification on the webhook", lambda: webhooks("firing", broken_at), 30)
    wait_for("the onecard notification to WeCom", lambda: wecom("告警", broken_at), 10)
    noticed_at = time.time()

    # 2. Every expression answers with data: the failing check and indicators are in view now;
    # rates and the lag histogram need a few samples.
    wait_for("scheduler lag p99 over 1s on the lagging agent", lambda: query(
        prom_port, "histogram_quantile(0.99, sum by (instance, le) "
                   "(rate(campus_scheduler_lag_seconds_bucket[10m]))) > 1")[0], 30)
    expressions, _ = dashboard_expressions()
    groups = json.loads(http(f"http://127.0.0.1:{prom_port}/api/v1/rules")[1])["data"]["groups"]
    loaded = {g["file"]: g for g in groups}
    assert any(f.endswith("campus-probe.rules.yml") for f in loaded), loaded.keys()
    for group in groups:
        if group["name"] != "campus-probe":
            continue
        for rule in group["rules"]:
            expressions.append((f"rule {rule['name']}", rule["query"]))
    shipped_alerts = re.findall(r"^\s+- alert: (\w+)$", open(RULES, encoding="utf-8").read(), re.M)
    tested_alerts = [w.split()[1] for w, _ in expressions if w.startswith("rule ")]
    if sorted(shipped_alerts) != sorted(tested_alerts):
        fail(f"rules loaded {tested_alerts} != rules shipped {shipped_alerts}")
    # CampusSiteSilent needs a site whose every series stopped arriving, scraper included: a
    # central store whose campus vmagent is gone, which tests/central shows; here it must run.
    central_only = {"rule CampusSiteSilent"}
    for where, expr in expressions:
        result, error = query(prom_port, expr)
        if error:
            fail(f"{where}: {error}\n    {expr}")
        elif not result and where not in central_only:
            fail(f"{where}: no data\n    {expr}")
    log(f"{len(expressions)} expressions run, every one with data")

    # One notification for the broken system, naming its indicators: nothing more may come for it
    # (the time since the first is more than two group_intervals by now).
    time.sleep(max(0.0, noticed_at + 5 - time.time()))
    firing = webhooks("firing", broken_at)
    if len(firing) != 1:
        fail(f"expected one firing notification for {BROKEN_SYSTEM}, got {len(firing)}")
    payload = firing[0]
    names = sorted({(a["labels"]["alertname"], a["labels"].get("check", "")) for a in payload["alerts"]})
    if names != [("CampusCheckFailing", BROKEN_CHECK)]:
        fail(f"{BROKEN_SYSTEM} notification: alerts {names}, expected CampusCheckFailing {BROKEN_CHECK} "
             "(the indicators' alerts held back)")
    alert = payload["alerts"][0]
    expectations = {
        "labels.instance": (alert["labels"].get("instance"), DEMO_AGENT),
        "labels.system": (alert["labels"].get("system"), BROKEN_SYSTEM),
        "labels.kind": (alert["labels"].get("kind"), BROKEN_KIND),
        "annotations.reason": (alert["annotations"].get("reason"), BROKEN_REASON),
        "annotations.indicators": (alert["annotations"].get("indicators"), BROKEN_INDICATORS),
        "annotations.details": (alert["annotations"].get("details"),
                                f"http://{DEMO_AGENT}/api/checks/{BROKEN_CHECK}"),
    }
    for what, (got, want) in expectations.items():
        if got != want:
            fail(f"{BROKEN_SYSTEM} alert {what}: {got!r}, expected {want!r}")
    # The indicators' own alerts are held by Alertmanager, routed to no receiver.
    held = json.loads(http(f"http://127.0.0.1:{am_port}/api/v2/alerts?filter=" + urllib.parse.quote(
        'alertname="CampusIndicatorFailing"') + "&filter=" + urllib.parse.quote(f'system="{BROKEN_SYSTEM}"'))[1])
    held = sorted((a["labels"]["indicator"], a["labels"].get("system"), a["receivers"][0]["name"])
                  for a in held)
    if held != [("H-3.4.1.1", BROKEN_SYSTEM, "null"), ("S-3.4.1.1", BROKEN_SYSTEM, "null")]:
        fail(f"indicator alerts in Alertmanager: {held}")
    # No other system of the demo was notified: breaking one system is one notification.
    others = [(r["body"]["groupLabels"], [a["labels"].get("check") for a in r["body"]["alerts"]])
              for r in records() if r["kind"] == "webhook" and r["time"] >= broken_at
              and r["body"]["status"] == "firing"
              and r["body"]["groupLabels"].get("system") != BROKEN_SYSTEM
              and any(a["labels"].get("instance") == DEMO_AGENT for a in r["body"]["alerts"])]
    if others:
        fail(f"other demo systems notified after the break: {others}")
    messages = wecom("告警", broken_at)
    if len(messages) != 1:
        fail(f"expected one WeCom message for {BROKEN_SYSTEM}, got {len(messages)}")
    text = messages[0]["text"]["content"]
    for needle in (f"【campus-probe 告警】 系统 {BROKEN_SYSTEM}", f"检查：{BROKEN_CHECK}",
                   f"关键指标：{BROKEN_INDICATORS}", f"原因：{BROKEN_REASON}"):
        if needle not in text:
            fail(f"WeCom message lacks {needle!r}:\n{text}")
    if messages[0].get("msgtype") != "text" or messages[0].get("toparty") != "WECOM_TO_PARTY":
        fail(f"WeCom message envelope: {json.dumps({k: v for k, v in messages[0].items() if k != 'text'})}")
    log("WeCom message:\n" + text)
    # The same template, rendered by amtool from the webhook's payload.
    data = os.path.join(d, "payload.json")
    open(data, "w", encoding="utf-8").write(json.dumps(payload, ensure_ascii=False))
    rendered = subprocess.run(["amtool", "template", "render", f"--template.glob={AM_TEMPLATE}",
                               "--template.text={{ template \"campus.wechat.message\" . }}",
                               f"--template.data={data}"], capture_output=True, text=True)
    if rendered.returncode != 0 or rendered.stdout.strip() != text.strip():
        fail(f"amtool template render differs from the WeCom message:\n{rendered.stdout}{rendered.stderr}")

    # 3. Healing resolves it (the check passes on its next run, within the demo's 15 s).
    healed_at = time.time()
    campus_sim("heal", BROKEN_SYSTEM)
    log(f"campus-sim heal {BROKEN_SYSTEM}")
    resolved = wait_for(f"the resolved {BROKEN_SYSTEM} notification",
                        lambda: webhooks("resolved", healed_at), 30)
    if [(a["labels"].get("check"), a["status"]) for a in resolved[0]["alerts"]] != \
            [(BROKEN_CHECK, "resolved")]:
        fail(f"resolved notification: {json.dumps(resolved[0], ensure_ascii=False)[:800]}")
    text = wait_for("the resolved WeCom message", lambda: wecom("恢复", healed_at), 10)[0]["text"]["content"]
    log("resolved on the webhook and WeCom:\n" + text)
    log(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
