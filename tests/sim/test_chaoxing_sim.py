#!/usr/bin/env python3
"""Exercises tests/sim/chaoxing_sim.py: the happy path and each fault.
  python3 tests/sim/test_chaoxing_sim.py      (or: chaoxing_sim.py --self-test)"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402
from chaoxing_sim import encrypt  # noqa: E402


def run(base):
    c = simlib.Client(base)
    c.control(reset=True)

    def login(uname="13800000001", password="Cx-pass-2024"):
        form = {"fid": "-1", "uname": encrypt(uname), "password": encrypt(password),
                "refer": "http://i.mooc.chaoxing.com", "t": "true", "validate": "",
                "doubleFactorLogin": "0", "independentId": "0"}
        s, h, b = c.call("POST", "/fanyalogin", form)
        assert s == 200, (s, b)
        cookies = "; ".join(v.split(";", 1)[0] for v in (h.get_all("Set-Cookie") or []))
        return b, cookies

    def courses(cookies):
        s, _, b = c.call("GET", "/mycourse/backclazzdata?view=json", headers={"Cookie": cookies})
        assert s == 200, (s, b)
        return json.loads(b)

    check(encrypt("Cx-pass-2024") != encrypt("Cx-pass-2025") and len(encrypt("a")) == 24,
          "AES-128-CBC of a short text is one block, 24 base64 characters")
    body, cookies = login()
    check(json.loads(body) == {"url": "http%3A%2F%2Fi.mooc.chaoxing.com", "status": True},
          "the login answers status true")
    check("_uid=200001" in cookies and "vc3=" in cookies, "the login sets _uid and vc3")
    got = courses(cookies)
    check(got["result"] == 1 and len(got["channelList"]) == 2
          and got["channelList"][0]["content"]["course"]["data"][0]["name"] == "Python程序设计",
          "the student has two courses")
    check(courses("")["result"] == 0, "no login, no course list")
    bad, _ = login(password="wrong")
    check(json.loads(bad) == {"msg2": "用户名或密码错误", "status": False},
          "a wrong password answers status false")
    plain = {"uname": "13800000001", "password": "Cx-pass-2024", "fid": "-1"}
    s, _, b = c.call("POST", "/fanyalogin", plain)
    check(json.loads(b)["status"] is True, "without t=true the fields are plain")
    s, _, b = c.call("POST", "/fanyalogin", {**plain, "t": "true"})
    check(json.loads(b)["status"] is False, "with t=true plain fields are refused")

    c.control(action="expire_sessions")
    check(courses(cookies)["result"] == 0, "expired sessions get no course list")
    c.control(password_rejected=True)
    check(json.loads(login()[0])["status"] is False, "fault password_rejected")
    c.control(reset=True, risk_control=True)
    check("很抱歉，您所浏览的页面暂时不能访问！" in login()[0], "fault risk_control")
    c.control(reset=True, courses="empty")
    got = courses(login()[1])
    check(got["result"] == 1 and got["channelList"] == [], "fault courses=empty")
    c.control(offline="503")
    s, _, _ = c.call("POST", "/fanyalogin", plain)
    check(s == 503, "fault offline=503")
    c.control(offline="close")
    s, _, _ = c.call("POST", "/fanyalogin", plain)
    check(s is None, "fault offline=close: no answer")
    c.control(reset=True)
    check(json.loads(login()[0])["status"] is True, "reset restores the service")


if __name__ == "__main__":
    simlib.standalone("chaoxing_sim.py", run)
