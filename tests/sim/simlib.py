"""Shared plumbing of the campus product simulators (moodle_sim, onecard_sim, repair_sim,
netportal_sim, door_sim): an HTTP/1.1 handler with reply helpers, the test-control endpoint and
the "offline" fault, the server's main(), and a small urllib client for the self-tests.

Test control, the same on every simulator (it keeps working while the product is "offline"):
  GET  /__control                 the current fault state as JSON
  POST /__control  {"k": v, ...}  set fault switches (unknown keys are refused with 400)
  POST /__control  {"reset": true}              every switch back to its default
  POST /__control  {"action": "<name>"}         a one-shot action, e.g. expire_tokens
Every simulator knows the switch "offline": false (default), "503" (the product answers
503 Service Unavailable) or "close" (the connection is closed without an answer).
"""
import argparse
import copy
import secrets
import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CST = timezone(timedelta(hours=8))  # China Standard Time, the campus systems' local time


def now_local():
    return datetime.now(CST)


def local_str(dt):
    """A local time as the Chinese systems print it: 2026-11-28 14:03:12 (+08:00 implied)."""
    return dt.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


class SimHandler(BaseHTTPRequestHandler):
    """Subclasses set NAME, DEFAULTS (the fault switches), ACTIONS (one-shot names) and
    implement route(method, path, query)."""
    protocol_version = "HTTP/1.1"
    NAME = "sim"
    DEFAULTS = {}
    ACTIONS = ()
    state = None          # shared dict, set up by serve()
    lock = threading.Lock()
    quiet = False

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write(f"{self.NAME}: " + fmt % args + "\n")

    # --- request helpers ---
    def split(self):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        return url.path, query, url.query

    def body_bytes(self):
        if not hasattr(self, "_body"):
            length = int(self.headers.get("Content-Length") or 0)
            self._body = self.rfile.read(length) if length else b""
        return self._body

    def form(self):
        return {k: v[0] for k, v in urllib.parse.parse_qs(
            self.body_bytes().decode("utf-8", "replace"), keep_blank_values=True).items()}

    def json_body(self):
        try:
            return json.loads(self.body_bytes() or b"null")
        except ValueError:
            return None

    # --- reply helpers ---
    def reply(self, status, body="", content_type="text/plain; charset=utf-8", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def reply_json(self, status, obj, headers=(), content_type="application/json; charset=utf-8"):
        return self.reply(status, json.dumps(obj, ensure_ascii=False), content_type, headers)

    # --- dispatch ---
    def handle_any(self):
        self.__dict__.pop("_body", None)  # one handler serves every request of a connection
        path, query, raw_query = self.split()
        if path == "/__control":
            return self.control()
        offline = self.state.get("offline")
        if offline == "close":
            self.close_connection = True
            self.body_bytes()
            return  # no answer at all: the client sees the connection closed
        if offline:
            self.close_connection = True
            return self.reply(503, "<html><body><h1>503 Service Unavailable</h1></body></html>",
                              "text/html; charset=utf-8")
        return self.route(self.command, path, query)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    def control(self):
        if self.command == "GET":
            return self.reply_json(200, self.state)
        req = self.json_body()
        if not isinstance(req, dict):
            return self.reply_json(400, {"error": "expected a JSON object"})
        with self.lock:
            if req.pop("reset", False):
                self.state.clear()
                self.state.update(copy.deepcopy(self.DEFAULTS))
                self.on_reset()
            action = req.pop("action", None)
            unknown = [k for k in req if k not in self.DEFAULTS]
            if unknown:
                return self.reply_json(400, {"error": f"unknown switch(es) {unknown}",
                                             "switches": sorted(self.DEFAULTS)})
            if action is not None and action not in self.ACTIONS:
                return self.reply_json(400, {"error": f"unknown action {action!r}",
                                             "actions": list(self.ACTIONS)})
            self.state.update(req)
            if action:
                self.on_action(action)
        return self.reply_json(200, self.state)

    def on_reset(self):
        """Called (under the lock) after a reset; clears sessions and the like."""

    def on_action(self, action):
        """Called (under the lock) for a one-shot action."""

    def route(self, method, path, query):
        return self.reply(404, "not found\n")


def serve(handler_cls, port_var, description, extra_args=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--self-test", action="store_true",
                        help="start on a free port, run the self-test against it, exit")
    if extra_args:
        extra_args(parser)
    args = parser.parse_args()
    handler_cls.state = copy.deepcopy(handler_cls.DEFAULTS)
    server = ThreadingHTTPServer(("127.0.0.1", 0 if args.self_test else args.port), handler_cls)
    server.daemon_threads = True
    if args.self_test:
        handler_cls.quiet = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, args
    print(f"{port_var}={server.server_address[1]}", flush=True)
    server.serve_forever()
    return server, args


# --- a tiny client for the self-tests ---
class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, data=None, headers=None, json_body=None):
        """Returns (status, headers, body text); (None, None, reason) when no answer came."""
        headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, str):
            data = data.encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode("utf-8", "replace")
        except (urllib.error.URLError, ConnectionError) as e:
            return None, None, str(e)
        except Exception as e:  # http.client.RemoteDisconnected and friends
            return None, None, repr(e)

    def control(self, **switches):
        status, _, body = self.call("POST", "/__control", json_body=switches)
        assert status == 200, (status, body)
        return json.loads(body)


# ---------- RSA keys for simulators whose login encrypts the password (stdlib has no RSA) ----------
def _probable_prime(bits):
    while True:
        c = secrets.randbits(bits) | (1 << bits - 1) | 1
        if all(c % p for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)) and _miller_rabin(c):
            return c


def _miller_rabin(n, rounds=24):
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def make_rsa():
    """A fresh 1024-bit RSA key: (modulus, public exponent, private exponent)."""
    e = 65537
    while True:
        p, q = _probable_prime(512), _probable_prime(512)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e:
            return p * q, e, pow(e, -1, phi)



def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok - {what}")


def standalone(script, run):
    """A test module's __main__: starts `script` (a simulator next to this file) on a free port,
    runs `run(base_url)` against it and stops it again."""
    import os
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    proc = subprocess.Popen([sys.executable, os.path.join(here, script)], stdout=subprocess.PIPE,
                            stderr=None if os.environ.get("SIM_VERBOSE") else subprocess.DEVNULL,
                            text=True)
    try:
        line = proc.stdout.readline().strip()
        port = line.split("=", 1)[1]
        run(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait()
