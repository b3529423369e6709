#!/usr/bin/env python3
"""A GLPI REST API simulator (apirest.php, the legacy v1 API), for the 「在线报修」 probes:
Debian packages no GLPI with its API enabled.

  repair_sim.py [--port N]    prints SIM_REPAIR_PORT=N once listening, serves until killed
  repair_sim.py --self-test   runs tests/sim/test_repair_sim.py's checks against itself

Endpoints (glpi-project/glpi apirest.md; campus-systems.md 8b), all under /apirest.php/:
  GET initSession/   Authorization: Basic base64(login:password)  or  user_token <token>,
                     App-Token: <app token> (required here: the API client has one)
      -> 200 {"session_token": "<40 hex>"}
  every other call   Session-Token: <token> and App-Token (both also as ?session_token=,
                     ?app_token= in the query string)
  GET Ticket/        range=0-50, sort (searchoption id or field), order=ASC|DESC
      -> 200, or 206 when the range does not cover all; Content-Range: a-b/total, Accept-Range: Ticket 990
  GET Ticket/:id     -> 200 the ticket, 404 ["ERROR_ITEM_NOT_FOUND", "Item not found"]
  GET search/Ticket  criteria[i][field|searchtype|value] (field 1 name contains, 12 status
                     equals), sort, order, range -> {"totalcount", "count", "sort", "order",
                     "data": [{"1": name, "2": id, "12": status, "15": date, "19": date_mod,
                     "80": entity}], "content-range"}
  POST Ticket/       {"input": {"name", "content", ...}} -> 201 {"id": N, "message": ""},
                     Location: .../apirest.php/Ticket/N
  GET killSession/   -> 200, the session is gone
Errors are GLPI's two-element arrays ["ERROR_CODE", "message; view documentation in your
browser at <url>/#ERROR_CODE"]:
  400 ERROR_APP_TOKEN_PARAMETERS_MISSING, ERROR_WRONG_APP_TOKEN_PARAMETER,
      ERROR_LOGIN_PARAMETERS_MISSING, ERROR_SESSION_TOKEN_MISSING, ERROR_RANGE_EXCEED_TOTAL,
      ERROR_BAD_ARRAY, ERROR_GLPI_ADD
  401 ERROR_GLPI_LOGIN ("Incorrect username or password"), ERROR_GLPI_LOGIN_USER_TOKEN,
      ERROR_SESSION_TOKEN_INVALID ("session_token seems invalid")
  404 ERROR_ITEM_NOT_FOUND; 400 ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM for other itemtypes
Account: glpi-probe / Glpi-probe-pass, user_token probe-user-token-0123456789abcdef.
App-Token: campus-probe-app-token-0123456789abcdef. Five tickets, the newest modified 25 minutes ago.

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}
  {"password_rejected": true}           initSession fails (ERROR_GLPI_LOGIN / _USER_TOKEN, 401)
  {"tickets": "fresh"|"stale"|"empty"}  stale: the newest ticket was modified 30 days ago
  {"add_fails": true}                   POST Ticket/ answers 400 ERROR_GLPI_ADD
  {"action": "kill_sessions"}           every session token issued so far is invalid (401)
"""
import base64
import re
import secrets
import sys
from datetime import timedelta

import simlib

LOGIN, PASSWORD = "glpi-probe", "Glpi-probe-pass"
USER_TOKEN = "probe-user-token-0123456789abcdef"
APP_TOKEN = "campus-probe-app-token-0123456789abcdef"
USER_ID = 7
# (name, status, minutes since last modification in "fresh" mode)
SEED = [("教学楼A301 投影仪无信号", 2, 25), ("宿舍6栋 无线网络频繁掉线", 1, 90),
        ("图书馆二楼 门禁刷卡无反应", 5, 600), ("机房B204 12号机无法开机", 6, 2000),
        ("行政楼 打印机卡纸", 6, 5000)]
FIELDS = {"1": "name", "2": "id", "12": "status", "15": "date", "19": "date_mod"}
sessions = {}       # session token -> login
created = []        # tickets added through the API


def seeded(mode):
    if mode == "empty":
        return []
    now = simlib.now_local()
    shift = timedelta(days=30) if mode == "stale" else timedelta(0)
    out = []
    for i, (name, status, minutes) in enumerate(SEED):
        mod = now - shift - timedelta(minutes=minutes)
        opened = mod - timedelta(hours=3)
        out.append(ticket(100 + len(SEED) - i, name, f"{name}，请尽快处理。", status,
                          simlib.local_str(opened), simlib.local_str(mod)))
    return out


def ticket(tid, name, content, status, date, date_mod):
    return {"id": tid, "entities_id": 0, "name": name, "date": date,
            "closedate": date_mod if status == 6 else None,
            "solvedate": date_mod if status in (5, 6) else None, "date_mod": date_mod,
            "users_id_lastupdater": USER_ID, "status": status, "users_id_recipient": USER_ID,
            "requesttypes_id": 1, "content": content, "urgency": 3, "impact": 3, "priority": 3,
            "itilcategories_id": 0, "type": 1, "global_validation": 1, "slas_id_ttr": 0,
            "is_deleted": 0, "date_creation": date}


class Handler(simlib.SimHandler):
    NAME = "repair_sim"
    DEFAULTS = {"offline": False, "password_rejected": False, "tickets": "fresh", "add_fails": False}
    ACTIONS = ("kill_sessions",)

    def on_reset(self):
        sessions.clear()
        created.clear()

    def on_action(self, action):
        if action == "kill_sessions":
            sessions.clear()

    def api_url(self):
        return f"http://{self.headers.get('Host')}/apirest.php"

    def error(self, status, code, message):
        return self.reply_json(status, [code, f"{message}; view documentation in your browser at "
                                              f"{self.api_url()}/#{code}"])

    def route(self, method, path, query):
        if not path.startswith("/apirest.php"):
            return self.reply(404, "not found\n")
        parts = [p for p in path[len("/apirest.php"):].split("/") if p]
        if not parts:
            return self.reply(200, "<html><body><h1>GLPI REST API: Documentation</h1></body></html>",
                              "text/html; charset=UTF-8")
        app = self.headers.get("App-Token") or query.get("app_token")
        if not app:
            return self.error(400, "ERROR_APP_TOKEN_PARAMETERS_MISSING", "missing parameter app_token")
        if app != APP_TOKEN:
            return self.error(400, "ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong")
        if parts[0] == "initSession":
            return self.init_session()
        token = self.headers.get("Session-Token") or query.get("session_token")
        if not token:
            return self.error(400, "ERROR_SESSION_TOKEN_MISSING",
                              "parameter session_token is missing or empty")
        with self.lock:
            login = sessions.get(token)
        if not login:
            return self.error(401, "ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid")
        if parts[0] == "killSession":
            with self.lock:
                sessions.pop(token, None)
            return self.reply_json(200, True)
        if parts == ["search", "Ticket"]:
            return self.search(query)
        if parts[0] != "Ticket":
            return self.error(400, "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM",
                              "resource not found or not an instance of CommonDBTM")
        if method == "POST" and len(parts) == 1:
            return self.add()
        if method == "GET" and len(parts) == 1:
            return self.list(query)
        if method == "GET" and len(parts) == 2:
            found = [t for t in self.tickets() if str(t["id"]) == parts[1]]
            if not found:
                return self.error(404, "ERROR_ITEM_NOT_FOUND", "Item not found")
            return self.reply_json(200, found[0], headers=[("Last-Modified", found[0]["date_mod"])])
        return self.error(405, "ERROR_METHOD_NOT_ALLOWED", "Method Not Allowed")

    def init_session(self):
        auth = self.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme == "Basic":
            try:
                login, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                login, password = "", ""
            if self.state["password_rejected"] or (login, password) != (LOGIN, PASSWORD):
                return self.error(401, "ERROR_GLPI_LOGIN", "Incorrect username or password")
        elif scheme == "user_token":
            if self.state["password_rejected"] or value.strip() != USER_TOKEN:
                return self.error(401, "ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid")
        else:
            return self.error(400, "ERROR_LOGIN_PARAMETERS_MISSING",
                              "parameter(s) login, password or user_token are missing")
        token = secrets.token_hex(20)
        with self.lock:
            sessions[token] = LOGIN
        return self.reply_json(200, {"session_token": token})

    def tickets(self):
        with self.lock:
            return seeded(self.state["tickets"]) + [dict(t) for t in created]

    def ordered(self, rows, query, default_sort):
        key = query.get("sort", default_sort)
        field = FIELDS.get(key, key)
        if rows and field not in rows[0]:
            field = "id"
        return sorted(rows, key=lambda t: (t[field] is None, t[field]),
                      reverse=query.get("order", "ASC").upper() == "DESC")

    def paged(self, rows, query):
        m = re.fullmatch(r"(\d+)-(\d+)", query.get("range", "0-50"))
        start, end = (int(m.group(1)), int(m.group(2))) if m else (0, 50)
        if rows and start >= len(rows):
            return None, start, end
        page = rows[start:end + 1]
        return page, start, start + max(len(page) - 1, 0)

    def list(self, query):
        rows = self.ordered(self.tickets(), query, "2")
        page, start, last = self.paged(rows, query)
        if page is None:
            return self.error(400, "ERROR_RANGE_EXCEED_TOTAL", "Provided range exceed total count of data")
        status = 206 if len(page) < len(rows) else 200
        return self.reply_json(status, page, headers=[("Content-Range", f"{start}-{last}/{len(rows)}"),
                                                      ("Accept-Range", "Ticket 990")])

    def search(self, query):
        rows = self.tickets()
        for i in range(10):
            field = query.get(f"criteria[{i}][field]")
            if field is None:
                break
            value = query.get(f"criteria[{i}][value]", "")
            kind = query.get(f"criteria[{i}][searchtype]", "contains")
            name = FIELDS.get(field)
            if not name:
                continue
            if kind == "equals":
                rows = [t for t in rows if str(t[name]) == value]
            else:
                rows = [t for t in rows if value.lower() in str(t[name]).lower()]
        rows = self.ordered(rows, query, "1")
        page, start, last = self.paged(rows, query)
        if page is None:
            return self.error(400, "ERROR_RANGE_EXCEED_TOTAL", "Provided range exceed total count of data")
        data = [{"1": t["name"], "2": t["id"], "12": t["status"], "15": t["date"], "19": t["date_mod"],
                 "80": "Root entity"} for t in page]
        status = 206 if len(page) < len(rows) else 200
        return self.reply_json(status, {
            "totalcount": len(rows), "count": len(page), "sort": [int(query.get("sort", "1"))
                                                                  if query.get("sort", "1").isdigit() else 1],
            "order": [query.get("order", "ASC").upper()], "data": data,
            "content-range": f"{start}-{last}/{len(rows)}"},
            headers=[("Content-Range", f"{start}-{last}/{len(rows)}"), ("Accept-Range", "Ticket 990")])

    def add(self):
        body = self.json_body()
        item = body.get("input") if isinstance(body, dict) else None
        if not isinstance(item, dict):
            return self.error(400, "ERROR_BAD_ARRAY", "input parameter must be an array of objects")
        if self.state["add_fails"] or not item.get("name") and not item.get("content"):
            return self.error(400, "ERROR_GLPI_ADD", "You don't have permission to perform this action.")
        now = simlib.local_str(simlib.now_local())
        with self.lock:
            tid = 200 + len(created)
            created.append(ticket(tid, item.get("name", ""), item.get("content", ""),
                                  int(item.get("status", 1)), now, now))
        return self.reply_json(201, {"id": tid, "message": ""},
                               headers=[("Location", f"{self.api_url()}/Ticket/{tid}")])


def main():
    server, args = simlib.serve(Handler, "SIM_REPAIR_PORT", __doc__.split("\n")[0])
    if args.self_test:
        import test_repair_sim
        test_repair_sim.run(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
