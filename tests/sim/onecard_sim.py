#!/usr/bin/env python3
"""A campus-card simulator: the Synjones (新中新) "berserker" H5/app platform, for the
「校内人员能使用一卡通在校内消费」 probes. No such server exists outside the vendor.

  onecard_sim.py [--port N]    prints SIM_ONECARD_PORT=N once listening, serves until killed
  onecard_sim.py --self-test   runs tests/sim/test_onecard_sim.py's checks against itself

Endpoints (campus-systems.md 5b; [I] = inferred, see "to confirm" below):
  POST /berserker-auth/oauth/token  (form)
      Authorization: Basic base64("mobile_service_platform:mobile_service_platform_secret")
      username=<学号>, password=<pwd> (plain), grant_type=password, logintype=sno
      -> 200 {"access_token": "<JWT>", "refresh_token", "token_type": "bearer", "expires_in",
              "scope": "all", ...}
      another client           -> 401 {"error": "unauthorized", "error_description": ...}      [I]
      wrong password           -> 400 {"error": "invalid_grant", "error_description": "用户名或密码错误"} [I]
      grant_type not password  -> 400 {"error": "unsupported_grant_type", ...}               [I]
  API calls carry  synjones-auth: bearer <access_token>  (synAccessSource=h5 is accepted)
      no, unknown or expired token -> 401 {"code": 401, "success": false, "data": null,
                                           "msg": "请求未授权"}                               [I]
  GET /berserker-app/ykt/tsm/getCampusCards?synAccessSource=h5
      -> {"code": 200, "success": true, "msg": "操作成功", "data": {"card": [{"name",
          "account", "elec_accamt", "accinfo": [{"balance", ...}]}]}}  amounts in fen (wrapper [I])
  GET /berserker-search/search/personal/turnover?size=N&current=P&synAccessSource=h5
      [&timeFrom=YYYY-MM-DD[ HH:MM:SS]&timeTo=...]
      -> {"code": 200, "success": true, "msg": "操作成功", "data": {"records": [...], "total",
          "size", "current", "pages"}}, newest first; a record has resume, turnoverType,
          tranamt (fen), cardBalance (fen), effectdateStr ("YYYY-MM-DD HH:MM:SS", local +08:00
          [I for the layout]), orderId (increasing), remark ("posno:1169")
Account: 2024010101 / Card-pass1 (测试学生, card account 100001, balance 5321 fen).
Fresh data: the newest transaction is 4 minutes old, then 19, 47, 95 minutes, ... (12 in all).

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}
  {"password_rejected": true}                every login fails with invalid_grant
  {"transactions": "fresh"|"stale"|"empty"}  stale: the newest transaction is 3 hours old
  {"action": "expire_tokens"}                every token issued so far is refused (401)

To confirm on a real deployment: the error bodies marked [I], the getCampusCards wrapper, the
sign of tranamt for purchases (positive fen here), the effectdateStr layout, whether the
password is sent plain (here) or encoded, and whether timeFrom/timeTo are honoured.
"""
import base64
import hashlib
import hmac
import json
import math
import secrets
import sys
import time
from datetime import datetime, timedelta

import simlib

CLIENT = ("mobile_service_platform", "mobile_service_platform_secret")
USERS = {"2024010101": {"password": "Card-pass1", "name": "测试学生", "account": "100001",
                        "balance": 5321}}
# (resume, turnoverType, tranamt in fen, posno) of the test card's spending, newest first
SPENDING = [("第一食堂一楼", "消费", 850, 1169), ("第二食堂", "消费", 1200, 1203),
            ("图书馆自助复印", "消费", 50, 2201), ("第一食堂一楼", "消费", 650, 1170),
            ("超市", "消费", 1590, 3102), ("开水房", "消费", 20, 4001)]
FRESH_MINUTES = [4, 19, 47, 95, 180, 300, 420, 700, 1000, 1440, 1700, 2000]
tokens = {}  # access token -> username
JWT_KEY = secrets.token_bytes(32)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(username, expires_in):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    now = int(time.time())
    payload = b64url(json.dumps({"user_name": username, "scope": ["all"], "exp": now + expires_in,
                                 "jti": secrets.token_hex(8), "client_id": CLIENT[0]}).encode())
    sig = b64url(hmac.new(JWT_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{sig}"


def parse_time(text, end):
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            dt = datetime.strptime(text, fmt).replace(tzinfo=simlib.CST)
            return dt + timedelta(days=1) if end and fmt == "%Y-%m-%d" else dt
        except ValueError:
            pass
    return None


class Handler(simlib.SimHandler):
    NAME = "onecard_sim"
    DEFAULTS = {"offline": False, "password_rejected": False, "transactions": "fresh"}
    ACTIONS = ("expire_tokens",)

    def on_reset(self):
        tokens.clear()

    def on_action(self, action):
        if action == "expire_tokens":
            tokens.clear()

    def blade(self, data, status=200, code=200, msg="操作成功"):
        return self.reply_json(status, {"code": code, "success": code == 200, "data": data, "msg": msg})

    def route(self, method, path, query):
        if path == "/berserker-auth/oauth/token":
            if method != "POST":
                return self.reply_json(405, {"error": "method_not_allowed",
                                             "error_description": f"Request method '{method}' not supported"})
            return self.token()
        if path in ("/berserker-app/ykt/tsm/getCampusCards",
                    "/berserker-search/search/personal/turnover"):
            auth = self.headers.get("synjones-auth", "")
            scheme, _, tok = auth.partition(" ")
            with self.lock:
                username = tokens.get(tok.strip()) if scheme.lower() == "bearer" else None
            if not username:
                return self.blade(None, status=401, code=401, msg="请求未授权")
            if path.endswith("getCampusCards"):
                return self.cards(username)
            return self.turnover(username, query)
        return self.reply_json(404, {"timestamp": simlib.local_str(simlib.now_local()), "status": 404,
                                     "error": "Not Found", "path": path})

    def token(self):
        expected = "Basic " + base64.b64encode(":".join(CLIENT).encode()).decode()
        if self.headers.get("Authorization", "") != expected:
            return self.reply_json(401, {"error": "unauthorized",
                                         "error_description": "Bad client credentials"})
        f = self.form()
        if f.get("grant_type") != "password":
            return self.reply_json(400, {"error": "unsupported_grant_type",
                                         "error_description": f"Unsupported grant type: {f.get('grant_type')}"})
        user = USERS.get(f.get("username", ""))
        if (self.state["password_rejected"] or not user or user["password"] != f.get("password")
                or f.get("logintype", "sno") != "sno"):
            return self.reply_json(400, {"error": "invalid_grant", "error_description": "用户名或密码错误"})
        access = make_jwt(f["username"], 7199)
        with self.lock:
            tokens[access] = f["username"]
        return self.reply_json(200, {
            "access_token": access, "token_type": "bearer", "refresh_token": make_jwt(f["username"], 604799),
            "expires_in": 7199, "scope": "all", "tenant_id": "000000", "user_name": f["username"],
            "real_name": user["name"], "jti": secrets.token_hex(8)})

    def cards(self, username):
        user = USERS[username]
        return self.blade({"card": [{
            "name": user["name"], "sno": username, "account": user["account"], "cardname": "校园卡",
            "elec_accamt": user["balance"], "lostflag": 0, "freezeflag": 0, "expdate": "20280630",
            "accinfo": [{"name": "主钱包", "type": "000", "balance": user["balance"]},
                        {"name": "补助钱包", "type": "001", "balance": 0}]}]})

    def records(self, username):
        mode = self.state["transactions"]
        if mode == "empty":
            return []
        now = simlib.now_local()
        shift = 180 - FRESH_MINUTES[0] if mode == "stale" else 0
        balance = USERS[username]["balance"]
        out = []
        base_order = 880000000 + int(time.time()) // 60
        for i, minutes in enumerate(FRESH_MINUTES):
            resume, kind, amount, posno = SPENDING[i % len(SPENDING)]
            when = now - timedelta(minutes=minutes + shift)
            out.append({"resume": resume, "turnoverType": kind, "tranamt": amount,
                        "cardBalance": balance, "effectdateStr": simlib.local_str(when),
                        "orderId": str(base_order - i * 7), "remark": f"posno:{posno}",
                        "_when": when})
            balance += amount
        return out

    def turnover(self, username, query):
        try:
            size = max(1, min(100, int(query.get("size", "10"))))
            current = max(1, int(query.get("current", "1")))
        except ValueError:
            return self.blade(None, status=400, code=400, msg="参数错误")
        records = self.records(username)
        start, end = parse_time(query.get("timeFrom"), False), parse_time(query.get("timeTo"), True)
        records = [r for r in records if (not start or r["_when"] >= start) and (not end or r["_when"] <= end)]
        for r in records:
            del r["_when"]
        page = records[(current - 1) * size: current * size]
        return self.blade({"records": page, "total": len(records), "size": size, "current": current,
                           "pages": math.ceil(len(records) / size)})


def main():
    server, args = simlib.serve(Handler, "SIM_ONECARD_PORT", __doc__.split("\n")[0])
    if args.self_test:
        import test_onecard_sim
        test_onecard_sim.run(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
