#!/usr/bin/env python3
"""The Grafana dashboard and the alerting chain, end to end on 127.0.0.1:

  campus-probe (two agents) -> Prometheus (deploy/prometheus rules, for: shortened)
    -> Alertmanager (deploy/alertmanager config, receivers pointed at webhook_sink.py)

1. Every PromQL expression of deploy/grafana/campus-probe.json (panels and variables) and of
   the loaded rules (read back from Prometheus' /api/v1/rules) is run through /api/v1/query and
   must answer without error and with data. The config makes every metric exist: a TLS check on
   a certificate about to expire, a feed, a shared login session, the evidence log, a second
   agent that lags (concurrency 1, slow checks) and refused a reload, a third target that is
   down, an attestation that expires within 30 days. Both agents export campus_indicator_info
   for the higher edition, so every join on it meets one copy per agent, as in production.
2. The one-card simulator is switched to 503: exactly one notification arrives for system
   onecard, on the webhook (alerts naming the check, the kind, the reason, and the indicators
   H-3.4.1.1 and S-3.4.1.1 with their text; the indicators' own alerts held back) and through
   Alertmanager's WeCom integration (the rendered Chinese campus.wechat.message template).
   amtool renders the template from the webhook payload too.
3. Healing the simulator resolves it: a resolved notification for onecard on both.

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
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVERS = os.path.join(ROOT, "tests", "servers")
SIM = os.path.join(ROOT, "tests", "sim")
RULES = os.path.join(ROOT, "deploy", "prometheus", "campus-probe.rules.yml")
AM_CONFIG = os.path.join(ROOT, "deploy", "alertmanager", "alertmanager.yml")
AM_TEMPLATE = os.path.join(ROOT, "deploy", "alertmanager", "campus-probe.tmpl")
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "campus-probe.json")

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


def stop_all(extra_pids):
    for pid in extra_pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main_config(port, d, env):
    # An attestation that runs out in ten days: AttestationExpiringSoon's expression has data.
    soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 + 10 * 86400))
    return f"""agent: {{listen: 127.0.0.1:{port}, default_interval: 1s, default_timeout: 1s}}
editions: [higher, secondary]
secrets:
  card_test: {{username: "2024010101", password_env: SIM_ONECARD_PASS}}
  sso_student: {{username: student1, password_file: {d}/cas.pass}}
evidence: {{dir: {d}/evidence}}
sessions:
  student:
    probe: cas
    target: http://127.0.0.1:{env['CAS_SIM_PORT']}/authserver
    params: {{service: "http://127.0.0.1:{env['NGINX_HTTP_PORT']}/index.html", credentials: sso_student}}
attestations:
  - id: talent-plan
    indicator: H-2.1.1.1
    statement: 学校根据行业数字化人才需求调整了人才培养方案
    owner: {{name: 王芳, role: 教务处处长}}
    approver: {{name: 李明, role: 分管副校长}}
    document: {{path: {d}/plan.md, ref: 校教〔2026〕15号}}
    valid_from: 2026-01-01
    expires: "{soon}"
waivers:
  - indicator: H-2.1.2.1
    reason: 专业设置动态调整方案待校务会审议
    owner: 教务处 王老师
    until: "2099-12-31"
checks:
  - id: onecard-turnover
    recipe: synjones-onecard
    with: {{platform: "http://127.0.0.1:{env['SIM_ONECARD_PORT']}", credentials: card_test}}
    indicators: [H-3.4.1.1, S-3.4.1.1]
  - id: onecard-port
    probe: tcp
    target: 127.0.0.1:{env['SIM_ONECARD_PORT']}
    labels: {{system: onecard}}
    indicators: [H-3.4.1.1]
  - id: website-status
    probe: http
    target: http://127.0.0.1:{env['NGINX_HTTP_PORT']}/status.json
    labels: {{system: website}}
    indicators: [H-3.4.3.1]
  - id: website-cert
    probe: tls
    target: 127.0.0.1:{env['NGINX_TLS_SOON_PORT']}
    params: {{ca_file: "{env['TEST_CA']}", server_name: soon.campus.test, min_days_left: 1}}
    labels: {{system: website}}
    indicators: [H-3.4.3.1]
  - id: portal-session
    probe: http
    session: student
    target: http://127.0.0.1:{env['NGINX_HTTP_PORT']}/index.html
    labels: {{system: portal}}
    indicators: [H-3.3.1.1, S-3.3.1.1]
  - id: security-feed
    probe: feed
    target: {d}/eve.json
    params: {{max_age: 1h}}
    labels: {{system: security}}
    indicators: [H-4.1.1.3]
"""


def lagging_config(port):
    # One run at a time and runs longer than the interval: runs queue, the scheduler lags.
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
    extra_pids = []
    try:
        return run(binary, d, extra_pids)
    finally:
        stop_all(extra_pids)
        if not failures:
            shutil.rmtree(d, ignore_errors=True)
        else:
            log(f"logs kept in {d}")


def run(binary, d, extra_pids):
    env = {}
    # nginx (HTTP and the TLS certificate about to expire), the one-card and CAS simulators, and
    # the sink that stands for the webhook relay and for WeCom's API.
    out = subprocess.run([os.path.join(SERVERS, "start-nginx.sh"), os.path.join(d, "nginx")],
                         check=True, capture_output=True, text=True).stdout
    env.update(re.findall(r"^(\w+)=(.*)$", out, re.M))
    extra_pids.append(int(env["NGINX_PID"]))
    _, env["SIM_ONECARD_PORT"] = start_printing(
        [sys.executable, os.path.join(SIM, "onecard_sim.py")], os.path.join(d, "onecard.log"),
        "SIM_ONECARD_PORT")
    _, env["CAS_SIM_PORT"] = start_printing(
        [sys.executable, os.path.join(SIM, "cas_sim.py")], os.path.join(d, "cas.log"), "CAS_SIM_PORT")
    _, sink = start_printing([sys.executable, os.path.join(HERE, "webhook_sink.py")],
                             os.path.join(d, "sink.log"), "WEBHOOK_SINK_PORT")
    log(f"servers up: nginx {env['NGINX_HTTP_PORT']}, onecard {env['SIM_ONECARD_PORT']}, "
        f"cas {env['CAS_SIM_PORT']}, sink {sink}")

    # The agents.
    open(os.path.join(d, "cas.pass"), "w").write("student1pw")
    open(os.path.join(d, "plan.md"), "w", encoding="utf-8").write("# 人才培养方案调整说明\n")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000+0000")
    open(os.path.join(d, "eve.json"), "w").write(
        json.dumps({"timestamp": now, "event_type": "alert", "alert": {"signature": "test"}}) + "\n")
    agent_port, lag_port, dead_port = free_port(), free_port(), free_port()
    main_yaml = os.path.join(d, "campus.yaml")
    open(main_yaml, "w", encoding="utf-8").write(main_config(agent_port, d, env))
    lag_yaml = os.path.join(d, "lagging.yaml")
    open(lag_yaml, "w").write(lagging_config(lag_port))
    agent_env = dict(os.environ, SIM_ONECARD_PASS="Card-pass1")
    for yaml_path in (main_yaml, lag_yaml):
        check = subprocess.run([binary, "check-config", yaml_path], env=agent_env,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    spawn([binary, "run", "--config", main_yaml], os.path.join(d, "agent.log"), agent_env)
    spawn([binary, "run", "--config", lag_yaml], os.path.join(d, "lagging-agent.log"), agent_env)
    for port in (agent_port, lag_port):
        wait_for(f"agent :{port} ready",
                 lambda: http(f"http://127.0.0.1:{port}/-/ready")[0] == 200, 15)
    # The second agent refuses a broken config and keeps running the old one.
    open(lag_yaml, "w").write("agent: {listen: [oops\n")
    status, _ = http(f"http://127.0.0.1:{lag_port}/-/reload", data=b"", method="POST")
    assert status != 200, "a broken config was accepted"

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
    open(prom_yml, "w").write(f"""global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}
rule_files: [{rules}]
alerting:
  alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]}}]
scrape_configs:
  - job_name: campus-probe
    static_configs:
      - targets: ['127.0.0.1:{agent_port}', '127.0.0.1:{lag_port}', '127.0.0.1:{dead_port}']
""")
    subprocess.run(["promtool", "check", "config", prom_yml], check=True, capture_output=True)
    spawn(["prometheus", f"--config.file={prom_yml}", f"--storage.tsdb.path={d}/prometheus",
           f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
          os.path.join(d, "prometheus.log"))
    wait_for("Alertmanager ready", lambda: http(f"http://127.0.0.1:{am_port}/-/ready")[0] == 200, 15)
    wait_for("Prometheus scraping both agents",
             lambda: (query(prom_port, 'count(up{job="campus-probe"} == 1) == 2')[0] or None), 30)
    log("Prometheus scrapes the agents")
    # Both agents name the indicators of the higher edition themselves: every join on
    # campus_indicator_info below meets one copy per agent.
    copies, _ = query(prom_port, 'count by (edition, indicator) '
                                 '(campus_indicator_info{edition="higher",indicator="H-3.4.1.1"})')
    if not copies or copies[0]["value"][1] != "2":
        fail(f"campus_indicator_info of H-3.4.1.1: {copies}, expected one series from each agent")

    # Break the one-card system. Only notifications from now on count (a check may fail its
    # first run while a session logs in or a simulator warms up).
    broken_at = time.time()
    status, _ = http(f"http://127.0.0.1:{env['SIM_ONECARD_PORT']}/__control", {"offline": "503"})
    assert status == 200
    log("one-card simulator answers 503")
    wait_for("CampusCheckFailing for onecard-turnover firing", lambda: any(
        a["labels"].get("alertname") == "CampusCheckFailing"
        and a["labels"].get("check") == "onecard-turnover" and a["state"] == "firing"
        for a in json.loads(http(f"http://127.0.0.1:{prom_port}/api/v1/alerts")[1])["data"]["alerts"]),
        30)
    # Rates and the lag histogram need a few samples.
    wait_for("scheduler lag p99 over 1s on the lagging agent", lambda: query(
        prom_port, "histogram_quantile(0.99, sum by (instance, le) "
                   "(rate(campus_scheduler_lag_seconds_bucket[10m]))) > 1")[0], 30)

    # 1. Every expression answers with data.
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
    for where, expr in expressions:
        result, error = query(prom_port, expr)
        if error:
            fail(f"{where}: {error}\n    {expr}")
        elif not result:
            fail(f"{where}: no data\n    {expr}")
    log(f"{len(expressions)} expressions run, every one with data")

    # 2. One notification for the broken system, naming its indicators.
    def records():
        return json.loads(http(f"http://127.0.0.1:{sink}/__records")[1])

    def onecard_webhooks(status, since=broken_at):
        return [r["body"] for r in records() if r["kind"] == "webhook" and r["time"] >= since
                and r["body"]["groupLabels"].get("system") == "onecard" and r["body"]["status"] == status]

    def onecard_wecom(word, since=broken_at):
        return [r["body"] for r in records() if r["kind"] == "wecom" and r["time"] >= since
                and "系统 onecard" in r["body"]["text"]["content"] and word in r["body"]["text"]["content"]]

    wait_for("the onecard notification on the webhook", lambda: onecard_webhooks("firing"), 30)
    wait_for("the onecard notification to WeCom", lambda: onecard_wecom("告警"), 10)
    time.sleep(5)  # more than two group_intervals: nothing more may come for this system
    firing = onecard_webhooks("firing")
    if len(firing) != 1:
        fail(f"expected one firing notification for onecard, got {len(firing)}")
    payload = firing[0]
    names = sorted({(a["labels"]["alertname"], a["labels"].get("check", "")) for a in payload["alerts"]})
    if names != [("CampusCheckFailing", "onecard-turnover")]:
        fail(f"onecard notification: alerts {names}, expected CampusCheckFailing onecard-turnover "
             "(the indicators' alerts held back)")
    alert = payload["alerts"][0]
    expectations = {
        "labels.system": (alert["labels"].get("system"), "onecard"),
        "labels.kind": (alert["labels"].get("kind"), "bad_status"),
        "annotations.reason": (alert["annotations"].get("reason"), "响应状态码不符（bad_status）"),
        "annotations.indicators": (alert["annotations"].get("indicators"),
                                   "H-3.4.1.1 校内人员能使用一卡通在校内消费；S-3.4.1.1 校内人员能使用一卡通在校内消费"),
        "annotations.details": (alert["annotations"].get("details"),
                                f"http://127.0.0.1:{agent_port}/api/checks/onecard-turnover"),
    }
    for what, (got, want) in expectations.items():
        if got != want:
            fail(f"onecard alert {what}: {got!r}, expected {want!r}")
    # The indicators' own alerts are held by Alertmanager, routed to no receiver.
    held = json.loads(http(f"http://127.0.0.1:{am_port}/api/v2/alerts?filter=" + urllib.parse.quote(
        'alertname="CampusIndicatorFailing"') + "&filter=" + urllib.parse.quote('system="onecard"'))[1])
    held = sorted((a["labels"]["indicator"], a["labels"].get("system"), a["receivers"][0]["name"])
                  for a in held)
    if held != [("H-3.4.1.1", "onecard", "null"), ("S-3.4.1.1", "onecard", "null")]:
        fail(f"indicator alerts in Alertmanager: {held}")
    wecom = onecard_wecom("告警")
    if len(wecom) != 1:
        fail(f"expected one WeCom message for onecard, got {len(wecom)}")
    text = wecom[0]["text"]["content"]
    for needle in ("【campus-probe 告警】 系统 onecard", "检查：onecard-turnover",
                   "关键指标：H-3.4.1.1 校内人员能使用一卡通在校内消费；S-3.4.1.1 校内人员能使用一卡通在校内消费",
                   "原因：响应状态码不符（bad_status）"):
        if needle not in text:
            fail(f"WeCom message lacks {needle!r}:\n{text}")
    if wecom[0].get("msgtype") != "text" or wecom[0].get("toparty") != "WECOM_TO_PARTY":
        fail(f"WeCom message envelope: {json.dumps({k: v for k, v in wecom[0].items() if k != 'text'})}")
    log("WeCom message:\n" + text)
    # The same template, rendered by amtool from the webhook's payload.
    data = os.path.join(d, "payload.json")
    open(data, "w", encoding="utf-8").write(json.dumps(payload, ensure_ascii=False))
    rendered = subprocess.run(["amtool", "template", "render", f"--template.glob={AM_TEMPLATE}",
                               "--template.text={{ template \"campus.wechat.message\" . }}",
                               f"--template.data={data}"], capture_output=True, text=True)
    if rendered.returncode != 0 or rendered.stdout.strip() != text.strip():
        fail(f"amtool template render differs from the WeCom message:\n{rendered.stdout}{rendered.stderr}")

    # 3. Healing resolves it.
    healed_at = time.time()
    http(f"http://127.0.0.1:{env['SIM_ONECARD_PORT']}/__control", {"reset": True})
    log("one-card simulator healed")
    resolved = wait_for("the resolved onecard notification", lambda: onecard_webhooks("resolved", healed_at), 30)
    if [(a["labels"].get("check"), a["status"]) for a in resolved[0]["alerts"]] != \
            [("onecard-turnover", "resolved")]:
        fail(f"resolved notification: {json.dumps(resolved[0], ensure_ascii=False)[:800]}")
    text = wait_for("the resolved WeCom message", lambda: onecard_wecom("恢复", healed_at), 10)[0]["text"]["content"]
    log("resolved on the webhook and WeCom:\n" + text)
    log(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
