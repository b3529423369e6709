#!/usr/bin/env python3
"""Exercises tests/sim/onecard_sim.py: the happy path and each fault.
  python3 tests/sim/test_onecard_sim.py      (or: onecard_sim.py --self-test)"""
import base64
import json
import os
import sys
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402

BASIC = "Basic " + base64.b64encode(b"mobile_service_platform:mobile_service_platform_secret").decode()
TURNOVER = "/berserker-search/search/personal/turnover?size=5&current=1&synAccessSource=h5"


def age_minutes(local):
    t = datetime.strptime(local, "%Y-%m-%d %H:%M:%S").replace(tzinfo=simlib.CST)
    return (simlib.now_local() - t).total_seconds() / 60


def run(base):
    c = simlib.Client(base)
    c.control(reset=True)

    def token(password="Card-pass1", auth=BASIC):
        s, _, b = c.call("POST", "/berserker-auth/oauth/token",
                         {"username": "2024010101", "password": password, "grant_type": "password",
                          "logintype": "sno"}, headers={"Authorization": auth})
        return s, json.loads(b)

    def api(path, tok):
        s, _, b = c.call("GET", path, headers={"synjones-auth": f"bearer {tok}", "synAccessSource": "h5"})
        return s, json.loads(b)

    s, t = token()
    check(s == 200 and t["token_type"] == "bearer" and t["access_token"].count(".") == 2,
          "the password grant issues a JWT")
    tok = t["access_token"]
    s, cards = api("/berserker-app/ykt/tsm/getCampusCards?synAccessSource=h5", tok)
    check(s == 200 and cards["data"]["card"][0]["accinfo"][0]["balance"] == 5321, "the card's balance in fen")
    s, page = api(TURNOVER, tok)
    recs = page["data"]["records"]
    check(s == 200 and page["code"] == 200 and len(recs) == 5 and page["data"]["total"] == 12,
          "a page of transactions")
    check(set(recs[0]) == {"resume", "turnoverType", "tranamt", "cardBalance", "effectdateStr",
                           "orderId", "remark"} and recs[0]["remark"].startswith("posno:"),
          "a record's fields")
    check(3 <= age_minutes(recs[0]["effectdateStr"]) <= 6, "the newest transaction is minutes old")
    check(int(recs[0]["orderId"]) > int(recs[1]["orderId"]), "orderId grows with time")
    today = simlib.now_local().strftime("%Y-%m-%d")
    s, page = api(f"{TURNOVER}&timeFrom={today}&timeTo={today}", tok)
    check(s == 200 and page["data"]["total"] <= 12, "timeFrom/timeTo filter")

    s, e = token(auth="Basic " + base64.b64encode(b"x:y").decode())
    check(s == 401 and e["error"] == "unauthorized", "another client is refused")
    s, e = token(password="wrong")
    check(s == 400 and e["error"] == "invalid_grant", "a wrong password answers invalid_grant")
    s, e = api(TURNOVER, "nope")
    check(s == 401 and e["code"] == 401 and e["success"] is False, "an unknown token answers 401")
    c.control(action="expire_tokens")
    s, e = api(TURNOVER, tok)
    check(s == 401 and e["msg"] == "请求未授权", "an expired token answers 401")
    c.control(password_rejected=True)
    check(token()[0] == 400, "fault password_rejected")
    c.control(reset=True, transactions="stale")
    s, page = api(TURNOVER, token()[1]["access_token"])
    check(179 <= age_minutes(page["data"]["records"][0]["effectdateStr"]) <= 182,
          "fault transactions=stale: the newest is 3 hours old")
    c.control(transactions="empty")
    s, page = api(TURNOVER, token()[1]["access_token"])
    check(page["data"]["records"] == [] and page["data"]["total"] == 0, "fault transactions=empty")
    c.control(offline="503")
    check(c.call("GET", TURNOVER)[0] == 503, "fault offline=503")
    c.control(offline="close")
    check(c.call("GET", TURNOVER)[0] is None, "fault offline=close")
    c.control(reset=True)
    check(token()[0] == 200, "reset restores the service")


if __name__ == "__main__":
    simlib.standalone("onecard_sim.py", run)
