#!/usr/bin/env python3
"""A campus app behind CAS, as the integration tests' single-sign-on target.

A real CAS client of the LemonLDAP::NG portal the tests start: a request without the app's own
session cookie is redirected to the CAS login with `service=` set to itself; the ticket it comes
back with is validated over the back channel at /cas/p3/serviceValidate; the app then sets its
cookie and shows the user's data as JSON. It never sees a password.

  CAS_BASE=http://auth.campus.test:PORT/cas CAS_ADDRESS=127.0.0.1:PORT \
  APP_HOST=app.campus.test python3 cas-app.py PORT

It also answers as a Wisedu ehall would (notes §1f): /appShow?appId=ID opens an EMAP app, and
the timetable app's endpoints answer in EMAP's JSON: POST
/jwapp/sys/wdkbby/modules/jshkcb/dqxnxq.do (the current term) and
/jwapp/sys/wdkbby/modules/xskcb/cxxszhxqkb.do with XNXQDM=<term> (that term's courses).

GET /stats gives the number of tickets validated per user; POST /stats/reset clears the app's
sessions and counts. The EMAP apps of tests/sim/ehall_apps.py are served the same way.
"""
import http.client
import http.server
import json
import os
import secrets
import sys
import threading
import urllib.parse
import xml.etree.ElementTree as ET

CAS_BASE = os.environ["CAS_BASE"]
CAS_HOST, CAS_PORT = os.environ["CAS_ADDRESS"].rsplit(":", 1)
APP_HOST = os.environ.get("APP_HOST", "app.campus.test")
PORT = int(sys.argv[1])
SELF = f"http://{APP_HOST}:{PORT}"

lock = threading.Lock()
sessions = {}  # app cookie -> user
validated = {}  # user -> tickets validated

PAGES = {
    "/timetable": lambda user: {"user": user, "rows": [
        {"course": "Computer Networks", "room": "B201", "start": "08:00"},
        {"course": "Database Systems", "room": "C105", "start": "10:00"}]},
    "/grades": lambda user: {"user": user, "rows": [{"course": "Programming", "score": 91}]},
    "/profile": lambda user: {"user": user, "class": "2025 Software 1"},
    "/appShow": lambda user, form: "<html><title>课表</title><body>%s</body></html>" % user,
    "/jwapp/sys/wdkbby/modules/jshkcb/dqxnxq.do": lambda user: {
        "code": "0", "datas": {"dqxnxq": {"rows": [{"DM": TERM, "MC": "2026-2027学年第一学期"}]}}},
    "/jwapp/sys/wdkbby/modules/xskcb/cxxszhxqkb.do": lambda user, form: {
        "code": "0", "datas": {"cxxszhxqkb": {"rows": [
            {"KCM": "计算机网络", "SKZC": "1-16", "SKXQ": 1, "JASMC": "B201"},
            {"KCM": "数据库原理", "SKZC": "1-16", "SKXQ": 3, "JASMC": "C105"},
        ] if form.get("XNXQDM") == [TERM] else []}}},
}
TERM = "2026-2027-1"

# The demo campus's other EMAP apps (tests/sim/ehall_apps.py), behind the same SSO.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sim"))
try:
    import ehall_apps
    PAGES.update(ehall_apps.pages())
except ImportError:
    pass


def validate(service, ticket):
    """The service's back-channel call: returns the user or None."""
    query = urllib.parse.urlencode({"service": service, "ticket": ticket})
    url = urllib.parse.urlparse(CAS_BASE)
    conn = http.client.HTTPConnection(CAS_HOST, int(CAS_PORT), timeout=10)
    conn.request("GET", f"{url.path}/p3/serviceValidate?{query}", headers={"Host": url.netloc})
    body = conn.getresponse().read()
    conn.close()
    ns = {"cas": "http://www.yale.edu/tp/cas"}
    user = ET.fromstring(body).find("cas:authenticationSuccess/cas:user", ns)
    return user.text if user is not None else None


class App(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if self.path == "/stats/reset":
            with lock:
                sessions.clear()
                validated.clear()
            self.reply(204)
            return
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        self.page(urllib.parse.parse_qs(body))

    def do_GET(self):
        self.page({})

    def page(self, form):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/stats":
            with lock:
                body = json.dumps({"validated": validated, "sessions": len(sessions)})
            self.reply(200, body.encode(), [("Content-Type", "application/json")])
            return
        page = PAGES.get(url.path)
        if page is None:
            self.reply(404)
            return
        # The service is this URL without the ticket CAS appends (appShow?appId=... keeps its
        # query, so it comes back to itself).
        query = [(k, v) for k, v in urllib.parse.parse_qsl(url.query) if k != "ticket"]
        service = SELF + url.path + ("?" + urllib.parse.urlencode(query) if query else "")
        ticket = urllib.parse.parse_qs(url.query).get("ticket", [None])[0]
        if ticket:
            user = validate(service, ticket)
            if not user:
                self.reply(403, b"ticket not valid")
                return
            cookie = secrets.token_hex(16)
            with lock:
                sessions[cookie] = user
                validated[user] = validated.get(user, 0) + 1
            self.reply(302, headers=[("Location", service),
                                     ("Set-Cookie", f"APPSESSION={cookie}; Path=/; HttpOnly")])
            return
        cookies = dict(part.strip().split("=", 1) for part in
                       self.headers.get("Cookie", "").split(";") if "=" in part)
        with lock:
            user = sessions.get(cookies.get("APPSESSION", ""))
        if not user:
            login = CAS_BASE + "/login?" + urllib.parse.urlencode({"service": service})
            self.reply(302, headers=[("Location", login)])
            return
        answer = page(user, form) if page.__code__.co_argcount == 2 else page(user)
        if isinstance(answer, str):
            self.reply(200, answer.encode(), [("Content-Type", "text/html; charset=utf-8")])
            return
        body = json.dumps(answer, ensure_ascii=False).encode()
        self.reply(200, body, [("Content-Type", "application/json")])


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), App)
print(f"CAS_APP_PORT={PORT}", flush=True)
server.serve_forever()
