#!/usr/bin/env python3
"""Exercises tests/sim/huiwen_sim.py: searches with and without hits, and each fault.
  python3 tests/sim/test_huiwen_sim.py      (or: huiwen_sim.py --self-test)"""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402


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
    c.control(catalogue="empty")
    check("本馆没有" in search("计算机网络")[1], "fault catalogue=empty")
    c.control(offline="503")
    check(search("计算机网络")[0] == 503, "fault offline=503")
    c.control(offline="close")
    check(search("计算机网络")[0] is None, "fault offline=close: no answer")
    c.control(reset=True)
    check("marc_no" in search("Python")[1], "reset restores the service")


if __name__ == "__main__":
    simlib.standalone("huiwen_sim.py", run)
