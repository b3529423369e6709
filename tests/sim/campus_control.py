#!/usr/bin/env python3
"""The demo campus's control endpoint and its live data, started by tests/sim/campus-sim.

  campus_control.py --dir STATE_DIR --port 19878

HTTP on 127.0.0.1:
  POST /control/break?system=NAME   make the system fail as a real outage would (its simulators'
                                    /__control faults, or its real server stopped)
  POST /control/heal?system=NAME    undo that
  GET  /control/systems             every system with what break does and whether it is broken
Answers JSON; an unknown system is 404 with the list.

Live data, so that freshness checks keep passing while the demo runs (every 10 s):
  - a Suricata-style alert (EVE JSON) published, retained, to the broker's topic
    campus/ids/alerts (the IDS feed; mosquitto);
  - the news site's notice column and 信息化成果 page (nginx, STATE/nginx/www) dated today;
  - a one-card POS row and a data-centre exchange-log row in PostgreSQL (once a minute).
It reads the servers' ports and pids from STATE/campus.env; a server it restarts (heal) is
written to STATE/restarted.env, where campus-sim stop finds it.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = os.path.join(HERE, "..", "servers")
CST = timezone(timedelta(hours=8))
IDS_TOPIC = "campus/ids/alerts"

args = None
env = {}
lock = threading.Lock()
broken = set()


def read_env(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.strip().split("=", 1)
                out[k] = v
    return out


def sim_control(name, switches):
    """POST /__control to a simulator of start-campus-sims.sh."""
    port = env[f"SIM_{name.upper()}_PORT"]
    req = urllib.request.Request(f"http://127.0.0.1:{port}/__control", method="POST",
                                 data=json.dumps(switches).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        r.read()


def kill_pids(names):
    for name in names:
        pid = env.get(name)
        if pid:
            try:
                os.kill(int(pid), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass


def restart(script, subdir, extra_env):
    """Runs a tests/servers start script again (same fixed port); records its pids."""
    e = dict(os.environ, **extra_env)
    out = subprocess.run([os.path.join(SERVERS, script), os.path.join(args.dir, subdir)], env=e,
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"{script} failed: {out.stderr.strip()[-300:]}")
    with open(os.path.join(args.dir, "restarted.env"), "a") as f:
        f.write(out.stdout)
    env.update(read_env_text(out.stdout))


def read_env_text(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def wait_port_closed(port, limit=5.0):
    import socket
    end = time.time() + limit
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", int(port))) != 0:
                return
        time.sleep(0.1)


# --- the systems ---
def llng_break():
    kill_pids(["LLNG_FCGI_PID", "LLNG_NGINX_PID"])
    wait_port_closed(env["LLNG_PORT"])


def llng_heal():
    restart("start-llng.sh", "llng", {"LLNG_PORT": env["LLNG_PORT"], "CAS_APP_PORT": env["CAS_APP_PORT"]})


def radius_break():
    kill_pids(["RADIUSD_PID"])


def radius_heal():
    time.sleep(0.3)
    restart("start-freeradius.sh", "radius", {"RADIUS_PORT": env["RADIUS_PORT"]})


SYSTEMS = {
    "sso": ("LemonLDAP::NG (CAS, OIDC) stopped: logins fail, so do the ehall apps behind it",
            llng_break, llng_heal),
    "library": ("汇文 OPAC and patron API in maintenance (503)",
                lambda: sim_control("huiwen", {"offline": "503"}),
                lambda: sim_control("huiwen", {"offline": False})),
    "lms": ("Moodle and Chaoxing unreachable",
            lambda: [sim_control(s, {"offline": "close"}) for s in ("moodle", "chaoxing")],
            lambda: [sim_control(s, {"offline": False}) for s in ("moodle", "chaoxing")]),
    "academic": ("正方 教务 (timetable login) in maintenance (503)",
                 lambda: sim_control("zfsoft", {"offline": "503"}),
                 lambda: sim_control("zfsoft", {"offline": False})),
    "onecard": ("the Synjones one-card platform's transactions stop (newest 3 hours old)",
                lambda: sim_control("onecard", {"transactions": "stale"}),
                lambda: sim_control("onecard", {"transactions": "fresh"})),
    "repair": ("GLPI refuses the probe's login (password changed)",
               lambda: sim_control("repair", {"password_rejected": True}),
               lambda: sim_control("repair", {"password_rejected": False})),
    "access": ("door controllers and the artemis platform unreachable",
               lambda: sim_control("door", {"offline": "close"}),
               lambda: sim_control("door", {"offline": False})),
    "network": ("the Srun/Ruijie portal down and FreeRADIUS stopped",
                lambda: (sim_control("netportal", {"offline": "503"}), radius_break()),
                lambda: (sim_control("netportal", {"offline": False}), radius_heal())),
    "video": ("the ONVIF camera's account password changed",
              lambda: sim_control("onvif", {"password_rejected": True}),
              lambda: sim_control("onvif", {"password_rejected": False})),
    "datacenter": ("the data centre gateway revokes the probe's API key",
                   lambda: sim_control("platform", {"key_revoked": True}),
                   lambda: sim_control("platform", {"key_revoked": False})),
    "operations": ("classroom control, training labs and IoT report 3-hour-old heartbeats",
                   lambda: sim_control("platform", {"stale": True}),
                   lambda: sim_control("platform", {"stale": False})),
    "security": ("the IDS stops publishing alerts (and its retained alert is cleared)",
                 lambda: clear_alerts(), lambda: write_alert()),
    "website": ("the news site's notice column is gone (404)",
                lambda: remove_news(), lambda: write_news()),
}


# --- live data ---
def now():
    return datetime.now(CST)


def mqtt_pub(*extra):
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", env["MQTT_PORT"], "-t", IDS_TOPIC, "-r",
                    "-q", "1", *extra], check=True, capture_output=True, timeout=10)


def clear_alerts():
    mqtt_pub("-n")  # an empty retained message removes the retained alert


def write_alert():
    event = {"timestamp": now().strftime("%Y-%m-%dT%H:%M:%S.%f%z"), "flow_id": int(time.time() * 1000),
             "event_type": "alert", "src_ip": "203.0.113.7", "src_port": 51234,
             "dest_ip": "10.20.1.15", "dest_port": 80, "proto": "TCP",
             "alert": {"action": "allowed", "signature_id": 2024897, "rev": 3, "severity": 2,
                       "signature": "ET SCAN Suspicious inbound to web admin",
                       "category": "Attempted Information Leak"}}
    mqtt_pub("-m", json.dumps(event))


def news_paths():
    www = os.path.join(args.dir, "nginx", "www")
    return os.path.join(www, "xwzx", "tzgg.htm"), os.path.join(www, "xxhcg", "index.htm")


def write_news():
    notices, awards = news_paths()
    os.makedirs(os.path.dirname(notices), exist_ok=True)
    os.makedirs(os.path.dirname(awards), exist_ok=True)
    d = lambda days: (now() - timedelta(days=days)).strftime("%Y-%m-%d")
    items = [("关于2026-2027学年第一学期期末考试安排的通知", 0), ("图书馆寒假开放时间调整", 1),
             ("校园网出口扩容割接公告", 3), ("第十届职业技能大赛报名通知", 6)]
    rows = "".join(f'<li><a href="/info/{i}.htm">{t}</a><span class="date">{d(n)}</span></li>\n'
                   for i, (t, n) in enumerate(items))
    page = ('<!doctype html><html><head><meta charset="utf-8"><title>通知公告-演示职业技术学院</title></head>'
            f'<body><h1>通知公告</h1><ul class="news-list">\n{rows}</ul></body></html>\n')
    awards_page = ('<!doctype html><html><head><meta charset="utf-8"><title>信息化成果-演示职业技术学院</title>'
                   '</head><body><h1>信息化成果与奖励</h1><ul>'
                   f'<li>职业教育信息化标杆学校建设单位<span class="date">{d(2)}</span></li>'
                   f'<li>省级智慧校园示范校<span class="date">{d(40)}</span></li></ul></body></html>\n')
    for path, text in ((notices, page), (awards, awards_page)):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)


def remove_news():
    for p in news_paths():
        try:
            os.remove(p)
        except FileNotFoundError:
            pass


def write_external_standin():
    # The campus network's proof of reaching outside sites needs an outside site: on loopback, a
    # stand-in of www.moe.gov.cn served by the same nginx (the config resolves the name to it).
    path = os.path.join(args.dir, "nginx", "www", "index.html")
    with open(path, "w") as f:
        f.write('<!doctype html><html><head><meta charset="utf-8"><title>中华人民共和国教育部政府门户网站</title>'
                '</head><body><h1>中华人民共和国教育部</h1><p>demo stand-in for an external site</p>'
                '</body></html>\n')
    os.chmod(path, 0o644)


def psql(sql):
    pg = os.path.join(args.dir, "postgres")
    cmd = ["/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg, "-p",
           env["POSTGRES_PORT"], "-U", "probe", "-d", "campus", "-c", sql]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    subprocess.run(cmd, check=True, capture_output=True, timeout=20)


def db_setup():
    psql("CREATE TABLE IF NOT EXISTS exchange_log (id serial PRIMARY KEY, source text NOT NULL, "
         "target text NOT NULL, rows_pushed int NOT NULL, status text NOT NULL, "
         "finished_at timestamptz NOT NULL);"
         "INSERT INTO exchange_log (source, target, rows_pushed, status, finished_at) VALUES "
         "('jwxt', 'datacenter', 1200, 'ok', now() - interval '30 minutes'),"
         "('xgxt', 'datacenter', 310, 'ok', now() - interval '20 minutes');")


def db_tick():
    psql("INSERT INTO pos_transactions (card_no, amount, tx_time) VALUES ('20240101', 9.50, now());"
         "INSERT INTO exchange_log (source, target, rows_pushed, status, finished_at) VALUES "
         "('jwxt', 'datacenter', 40, 'ok', now());")


def feeder():
    last_db = 0
    while True:
        try:
            with lock:
                if "security" not in broken:
                    write_alert()
                if "website" not in broken:
                    write_news()
            if time.time() - last_db >= 60:
                db_tick()
                last_db = time.time()
        except Exception as e:  # keep feeding; say what went wrong
            sys.stderr.write(f"campus_control: feeding failed: {e}\n")
        time.sleep(10)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        sys.stderr.write("campus_control: " + fmt % a + "\n")

    def reply(self, status, obj):
        data = (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def systems(self):
        return {name: {"break": what, "broken": name in broken} for name, (what, _, _) in SYSTEMS.items()}

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path in ("/control/systems", "/control", "/"):
            return self.reply(200, self.systems())
        return self.reply(404, {"error": "not found"})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        action = {"/control/break": "break", "/control/heal": "heal"}.get(url.path)
        if not action:
            return self.reply(404, {"error": "POST /control/break?system=NAME or /control/heal?system=NAME"})
        name = query.get("system", "")
        if name not in SYSTEMS:
            return self.reply(404, {"error": f"unknown system {name!r}", "systems": sorted(SYSTEMS)})
        what, do_break, do_heal = SYSTEMS[name]
        with lock:
            try:
                if action == "break" and name not in broken:
                    do_break()
                    broken.add(name)
                elif action == "heal" and name in broken:
                    do_heal()
                    broken.discard(name)
            except Exception as e:
                return self.reply(500, {"error": f"{action} {name}: {e}"})
        sys.stderr.write(f"campus_control: {action} {name}\n")
        return self.reply(200, {"system": name, "broken": name in broken, "break": what})


def main():
    global args, env
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=19878)
    args = parser.parse_args()
    env = read_env(os.path.join(args.dir, "campus.env"))
    write_external_standin()
    write_news()
    write_alert()
    db_setup()
    # The camera's ONVIF stream URI points at the real RTSP server (with its own Digest account).
    sim_control("onvif", {"stream_uri": f"rtsp://127.0.0.1:{env['RTSP_AUTH_PORT']}/campus/secure"})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.Thread(target=feeder, daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"CONTROL_PORT={args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
