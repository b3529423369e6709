#!/usr/bin/env python3
"""A loopback receiver for Alertmanager's notifications, for tests/alerting/:

  POST /webhook                   a webhook_configs payload (JSON), recorded
  GET  /cgi-bin/gettoken          WeCom's token endpoint: answers a fixed access_token
  POST /cgi-bin/message/send      WeCom's message endpoint: the rendered message, recorded
  GET  /__records                 everything recorded, oldest first:
                                  [{"kind": "webhook"|"wecom", "time": ..., "body": {...}}]

  webhook_sink.py [--port N]      prints WEBHOOK_SINK_PORT=N once listening, serves until killed
"""
import argparse
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

records = []
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("webhook_sink: " + (fmt % args) + "\n")

    def reply(self, status, value):
        body = json.dumps(value, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/__records":
            with lock:
                return self.reply(200, records)
        if path == "/cgi-bin/gettoken":
            return self.reply(200, {"errcode": 0, "errmsg": "ok", "access_token": "loopback-token",
                                    "expires_in": 7200})
        return self.reply(404, {"error": "not found"})

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return self.reply(400, {"error": "not JSON"})
        kind = {"/webhook": "webhook", "/cgi-bin/message/send": "wecom"}.get(path)
        if kind is None:
            return self.reply(404, {"error": "not found"})
        with lock:
            records.append({"kind": kind, "time": time.time(), "body": body})
        if kind == "wecom":
            return self.reply(200, {"errcode": 0, "errmsg": "ok"})
        return self.reply(200, {"status": "recorded"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"WEBHOOK_SINK_PORT={server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
