#!/usr/bin/env python3
"""Exercises tests/sim/huiwen_sim.py: searches with and without hits, and each fault.
  python3 tests/sim/test_huiwen_sim.py      (or: huiwen_sim.py --self-test)"""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402
from huiwen_sim import sign  # noqa: E402


def run(base):
    c = simlib.Client(base)
    c.control(reset=True)

    def search(q, **extra):
        s, _, b = c.call("GET", "/opac/openlink.php?" + urllib.parse.urlencode(
            {"strSearchType": "title", "strText": q, **extra}))
        return s, b

    s, b = search("计算机网络")
    check(s == 200 and b.count("item.php?marc_no=") == 2 and "本馆没有" not in b,
          "a held title has two hits")
    s, b = search("计算机网络", match_flag="forward")
    check(b.count("item.php?marc_no=") == 2, "match_flag=forward matches the start")
    s, b = search("网络", match_flag="forward")
    check("本馆没有" in b, "forward matching does not match inside a title")
    s, b = search("量子力学")
    check(s == 200 and "本馆没有" in b and "marc_no" not in b, "no hit says 本馆没有")
    s, _, b = c.call("GET", "/opac/item.php?marc_no=0000351270")
    check(s == 200 and b.count("可借") == 3, "the detail page lists the holdings")
    def loans(reader="R0001", typ="1", key="Hw-app-key-2024", ts=None, app="campus-probe"):
        ts = ts or str(int(time.time() * 1000))
        auth = {"appId": app, "noncestr": "n0nce", "timestamp": ts,
                "sign": sign(app, "n0nce", ts, key)}
        s, _, b = c.call("POST", "/meta-local/api/v1/patron/loan_histories",
                         {"id": reader, "type": typ, "currentPage": "1", "pageSize": "10"},
                         headers={"X-Hw-ApiAuth": json.dumps(auth)})
        assert s == 200, (s, b)
        return json.loads(b)

    got = loans()
    check(got["code"] == 0 and got["data"]["total"] == 3 and got["data"]["items"][0]["callNo"]
          == "TP393/112", "the reader's loan histories, by barcode")
    check(loans("2024010101", "0")["data"]["total"] == 3, "and by 证件号")
    check(loans(ts=str(int(time.time())))["code"] == 0, "a timestamp in seconds is accepted")
    check(loans(key="wrong")["code"] == 401, "a wrong appKey's sign is refused")
    check(loans(ts=str(int(time.time()) - 3600))["code"] == 401, "an old timestamp is refused")
    check(loans("R9999")["code"] == 404, "an unknown reader")
    c.control(loans="empty")
    got = loans()
    check(got["code"] == 0 and got["data"] == {"items": [], "total": 0}, "fault loans=empty")
    c.control(reset=True, key_rotated=True)
    check(loans()["code"] == 401, "fault key_rotated")
    c.control(reset=True, catalogue="empty")
    check("本馆没有" in search("计算机网络")[1], "fault catalogue=empty")
    c.control(offline="503")
    check(search("计算机网络")[0] == 503, "fault offline=503")
    c.control(offline="close")
    check(search("计算机网络")[0] is None, "fault offline=close: no answer")
    c.control(reset=True)
    check("marc_no" in search("Python")[1], "reset restores the service")


if __name__ == "__main__":
    simlib.standalone("huiwen_sim.py", run)
