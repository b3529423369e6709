#!/usr/bin/env python3
"""Exercises tests/sim/repair_sim.py (GLPI apirest.php): the happy path and each fault.
  python3 tests/sim/test_repair_sim.py      (or: repair_sim.py --self-test)"""
import base64
import json
import os
import sys
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402

APP = {"App-Token": "campus-probe-app-token-0123456789abcdef"}
BASIC = {"Authorization": "Basic " + base64.b64encode(b"glpi-probe:Glpi-probe-pass").decode(), **APP}


def run(base):
    c = simlib.Client(base)
    c.control(reset=True)

    def call(method, path, headers=None, **kw):
        s, h, b = c.call(method, "/apirest.php/" + path, headers=headers, **kw)
        return s, h, json.loads(b) if b else None

    def session(headers=BASIC):
        s, _, b = call("GET", "initSession/", headers)
        return s, b

    s, b = session()
    check(s == 200 and len(b["session_token"]) == 40, "initSession with Basic auth")
    tok = {"Session-Token": b["session_token"], **APP}
    s, b = session({"Authorization": "user_token probe-user-token-0123456789abcdef", **APP})
    check(s == 200 and "session_token" in b, "initSession with a user_token")
    s, h, rows = call("GET", "Ticket/?range=0-2&sort=19&order=DESC", tok)
    check(s == 206 and len(rows) == 3 and h["Content-Range"] == "0-2/5", "a partial ticket list: 206")
    newest = datetime.strptime(rows[0]["date_mod"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=simlib.CST)
    check(20 <= (simlib.now_local() - newest).total_seconds() / 60 <= 30, "the newest ticket is fresh")
    s, _, rows = call("GET", "Ticket/", tok)
    check(s == 200 and len(rows) == 5, "the full list: 200")
    s, _, one = call("GET", f"Ticket/{rows[0]['id']}", tok)
    check(s == 200 and one["id"] == rows[0]["id"], "one ticket")
    s, _, e = call("GET", "Ticket/9999", tok)
    check(s == 404 and e[0] == "ERROR_ITEM_NOT_FOUND", "an unknown ticket: 404")
    s, _, found = call("GET", "search/Ticket?criteria[0][field]=1&criteria[0][searchtype]=contains"
                              "&criteria[0][value]=%E6%89%93%E5%8D%B0%E6%9C%BA&forcedisplay[0]=19", tok)
    check(s == 200 and found["totalcount"] == 1 and found["data"][0]["1"] == "行政楼 打印机卡纸",
          "search/Ticket by name")
    s, h, added = call("POST", "Ticket/", tok, json_body={"input": {"name": "[探针测试] 请忽略",
                                                                     "content": "campus-probe"}})
    check(s == 201 and h["Location"].endswith(f"/Ticket/{added['id']}"), "add a ticket: 201 + Location")
    s, _, one = call("GET", f"Ticket/{added['id']}", tok)
    check(s == 200 and one["status"] == 1, "read the new ticket back")

    s, _, e = call("GET", "initSession/", {"Authorization": BASIC["Authorization"]})
    check(s == 400 and e[0] == "ERROR_APP_TOKEN_PARAMETERS_MISSING", "no App-Token: 400")
    s, _, e = call("GET", "initSession/", {"Authorization": BASIC["Authorization"], "App-Token": "x"})
    check(s == 400 and e[0] == "ERROR_WRONG_APP_TOKEN_PARAMETER", "a wrong App-Token: 400")
    s, _, e = call("GET", "initSession/", APP)
    check(s == 400 and e[0] == "ERROR_LOGIN_PARAMETERS_MISSING", "no credentials: 400")
    s, b = session({"Authorization": "Basic " + base64.b64encode(b"glpi-probe:x").decode(), **APP})
    check(s == 401 and b[0] == "ERROR_GLPI_LOGIN", "a wrong password: 401 ERROR_GLPI_LOGIN")
    s, _, e = call("GET", "Ticket/", APP)
    check(s == 400 and e[0] == "ERROR_SESSION_TOKEN_MISSING", "no Session-Token: 400")
    s, _, b = call("GET", "killSession/", tok)
    check(s == 200, "killSession")
    s, _, e = call("GET", "Ticket/", tok)
    check(s == 401 and e[0] == "ERROR_SESSION_TOKEN_INVALID" and e[1].startswith("session_token seems invalid"),
          "a killed session: 401 ERROR_SESSION_TOKEN_INVALID")

    tok = {"Session-Token": session()[1]["session_token"], **APP}
    c.control(action="kill_sessions")
    check(call("GET", "Ticket/", tok)[0] == 401, "action kill_sessions")
    c.control(password_rejected=True)
    check(session()[0] == 401, "fault password_rejected")
    c.control(reset=True, tickets="stale")
    tok = {"Session-Token": session()[1]["session_token"], **APP}
    rows = call("GET", "Ticket/?sort=19&order=DESC", tok)[2]
    newest = datetime.strptime(rows[0]["date_mod"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=simlib.CST)
    check((simlib.now_local() - newest).days >= 30, "fault tickets=stale")
    c.control(tickets="empty")
    s, h, rows = call("GET", "Ticket/", tok)
    check(s == 200 and rows == [] and h["Content-Range"] == "0-0/0", "fault tickets=empty")
    c.control(add_fails=True)
    s, _, e = call("POST", "Ticket/", tok, json_body={"input": {"name": "x"}})
    check(s == 400 and e[0] == "ERROR_GLPI_ADD", "fault add_fails")
    c.control(offline="503")
    check(c.call("GET", "/apirest.php/initSession/", headers=BASIC)[0] == 503, "fault offline=503")
    c.control(offline="close")
    check(c.call("GET", "/apirest.php/initSession/", headers=BASIC)[0] is None, "fault offline=close")
    c.control(reset=True)
    check(session()[0] == 200, "reset restores the service")


if __name__ == "__main__":
    simlib.standalone("repair_sim.py", run)
