#!/usr/bin/env python3
"""The demo campus's operations platforms, one port: the data centre's API gateway (数据中台,
campus-systems notes §9b: key auth, rate-limit headers, a call log, the national push status),
the multimedia classrooms' central control (多媒体教室中控), the digital training labs
(数字实训室) and the facilities' IoT platform (设施设备运行监测). No product is packaged for
Debian; the shapes are vendor-neutral and marked [I].

  platform_sim.py [--port N]    prints SIM_PLATFORM_PORT=N once listening, serves until killed
  platform_sim.py --self-test   runs its own checks against itself

Data centre gateway (Kong-style key-auth: header `apikey`):
  GET /gateway/api/v1/jcsj/xsjbxx?xh=<学号>   a data service (本人基本信息)
      -> 200 {"code": 0, "request_id": "<hex>", "data": [{"XH", "XM", "YXMC", "ZYMC", "BJMC",
         "GXSJ"}]} with X-RateLimit-Limit-Minute / X-RateLimit-Remaining-Minute
      no key -> 401 {"message": "No API key found in request"}; a wrong key ->
      401 {"message": "Invalid authentication credentials"}
  GET /gateway/admin/call-logs?request_id=<id>   the gateway's call log (the same key)
      -> {"total": N, "rows": [{"request_id", "consumer", "path", "status", "time"}]}
  GET /gateway/api/v1/report/status   the push to the national 职业院校数字基座
      -> {"tables_expected": 98, "tables_pushed": 98, "last_push": "<local time>",
          "last_push_ok": true, "failed_last_day": 0}
Operations APIs (Authorization: Bearer <ops token>):
  GET /zkpt/api/v1/rooms        classrooms: [{"room", "controller": "online", "projector",
                                "last_heartbeat"}], "online", "total"
  GET /sxs/api/v1/labs          labs: [{"name", "terminals_online", "terminals_total",
                                "last_report"}]
  GET /iot/api/v1/devices/summary   {"total", "online", "alarms", "last_report"}
Keys: apikey Dc-probe-key-2026 (consumer campus-probe), ops token Ops-probe-token-2026.

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}     everything on this port is down
  {"stale": true}                      heartbeats, reports and the last push are 3 hours old
  {"key_revoked": true}                the gateway refuses the probe's apikey
"""
import secrets
import sys
from datetime import timedelta

import simlib

APIKEY, CONSUMER = "Dc-probe-key-2026", "campus-probe"
OPS_TOKEN = "Ops-probe-token-2026"
ROOMS = ["A101", "A102", "B201", "B202", "C105"]
LABS = [("网络综合布线实训室 C105", 42), ("云计算实训室 C201", 48), ("虚拟仿真实训中心 D301", 60)]


class Handler(simlib.SimHandler):
    NAME = "platform_sim"
    DEFAULTS = {"offline": False, "stale": False, "key_revoked": False}
    calls = []  # the gateway's call log, newest last

    def when(self, minutes_ago):
        lag = 180 if self.state.get("stale") else 0
        return simlib.local_str(simlib.now_local() - timedelta(minutes=minutes_ago + lag))

    def route(self, method, path, query):
        if path.startswith("/gateway/"):
            return self.gateway(path, query)
        if path.startswith(("/zkpt/", "/sxs/", "/iot/")):
            if self.headers.get("Authorization") != f"Bearer {OPS_TOKEN}":
                return self.reply_json(401, {"code": 401, "message": "token invalid"})
            if path == "/zkpt/api/v1/rooms":
                rooms = [{"room": r, "controller": "online", "projector": "on" if i % 2 else "standby",
                          "last_heartbeat": self.when(i * 0.5)} for i, r in enumerate(ROOMS)]
                return self.reply_json(200, {"code": 0, "online": len(rooms), "total": len(rooms),
                                             "rooms": rooms})
            if path == "/sxs/api/v1/labs":
                labs = [{"name": n, "terminals_online": t - 2, "terminals_total": t,
                         "last_report": self.when(i + 1)} for i, (n, t) in enumerate(LABS)]
                return self.reply_json(200, {"code": 0, "labs": labs})
            if path == "/iot/api/v1/devices/summary":
                return self.reply_json(200, {"code": 0, "total": 1260, "online": 1251, "alarms": 2,
                                             "last_report": self.when(0.2)})
        return self.reply_json(404, {"message": "no Route matched with those values"})

    def gateway(self, path, query):
        key = self.headers.get("apikey") or query.get("apikey")
        if not key:
            return self.reply_json(401, {"message": "No API key found in request"})
        if key != APIKEY or self.state.get("key_revoked"):
            return self.reply_json(401, {"message": "Invalid authentication credentials"})
        if path == "/gateway/admin/call-logs":
            with self.lock:
                rows = [c for c in self.calls if c["request_id"] == query.get("request_id", c["request_id"])]
            rows = rows[-20:][::-1]
            return self.reply_json(200, {"total": len(rows), "rows": rows})
        if path == "/gateway/api/v1/report/status":
            return self.reply_json(200, {"tables_expected": 98, "tables_pushed": 98,
                                         "last_push": self.when(35), "last_push_ok": True,
                                         "failed_last_day": 0})
        if path == "/gateway/api/v1/jcsj/xsjbxx":
            rid = secrets.token_hex(12)
            with self.lock:
                self.calls.append({"request_id": rid, "consumer": CONSUMER, "path": path, "status": 200,
                                   "time": simlib.local_str(simlib.now_local())})
                del self.calls[:-500]
            rows = [{"XH": query.get("xh", ""), "XM": "测试学生", "YXMC": "信息工程学院",
                     "ZYMC": "计算机网络技术", "BJMC": "网络2401", "GXSJ": self.when(50)}]
            return self.reply_json(200, {"code": 0, "request_id": rid, "data": rows},
                                   headers=[("X-RateLimit-Limit-Minute", "600"),
                                            ("X-RateLimit-Remaining-Minute", "599")])
        return self.reply_json(404, {"message": "no Route matched with those values"})


def self_test(base):
    c = simlib.Client(base)
    c.control(reset=True)
    s, _, _ = c.call("GET", "/gateway/api/v1/jcsj/xsjbxx?xh=2024010101")
    simlib.check(s == 401, "no apikey: 401")
    s, h, b = c.call("GET", "/gateway/api/v1/jcsj/xsjbxx?xh=2024010101", headers={"apikey": APIKEY})
    import json
    rid = json.loads(b)["request_id"]
    simlib.check(s == 200 and h["X-RateLimit-Limit-Minute"] == "600", "a data service call")
    s, _, b = c.call("GET", f"/gateway/admin/call-logs?request_id={rid}", headers={"apikey": APIKEY})
    simlib.check(json.loads(b)["total"] == 1, "the call is in the call log")
    s, _, b = c.call("GET", "/zkpt/api/v1/rooms", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
    simlib.check(s == 200 and json.loads(b)["online"] == 5, "classroom control")
    c.control(offline="503")
    s, _, _ = c.call("GET", "/iot/api/v1/devices/summary", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
    simlib.check(s == 503, "offline")
    c.control(reset=True)


def main():
    server, args = simlib.serve(Handler, "SIM_PLATFORM_PORT", __doc__.split("\n")[0])
    if args.self_test:
        self_test(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
