#!/usr/bin/env python3
"""Exercises tests/sim/moodle_sim.py: the happy path and each fault.
  python3 tests/sim/test_moodle_sim.py      (or: moodle_sim.py --self-test)"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402


def run(base):
    c = simlib.Client(base)
    c.control(reset=True)

    def token(user="probe01", password="Probe01-pass", service="moodle_mobile_app"):
        s, _, b = c.call("POST", "/login/token.php",
                         {"username": user, "password": password, "service": service})
        assert s == 200, (s, b)
        return json.loads(b)

    def ws(tok, fn, **extra):
        q = {"wstoken": tok, "wsfunction": fn, "moodlewsrestformat": "json", **extra}
        s, _, b = c.call("POST", "/webservice/rest/server.php", q)
        assert s == 200, (s, b)
        return json.loads(b)

    t = token()
    check(len(t["token"]) == 32 and "privatetoken" in t, "token.php issues a token")
    info = ws(t["token"], "core_webservice_get_site_info")
    check(info["username"] == "probe01" and info["userid"] == 3 and info["release"].startswith("4.1"),
          "site info names the user, id and release")
    courses = ws(t["token"], "core_enrol_get_users_courses", userid=3)
    check(len(courses) == 2 and courses[0]["shortname"] == "CS101", "the student has two courses")
    check(ws(t["token"], "core_enrol_get_users_courses", userid=4)["errorcode"] == "nopermissions",
          "another user's courses are refused")
    s, _, b = c.call("GET", f"/webservice/rest/server.php?wstoken={t['token']}"
                            "&wsfunction=core_webservice_get_site_info")
    check(s == 200 and "<RESPONSE><SINGLE>" in b, "the default format is XML")

    e = token(password="wrong")
    check(e["errorcode"] == "invalidlogin" and e["error"] == "Invalid login, please try again",
          "a wrong password answers invalidlogin")
    check(token(service="other")["errorcode"] == "servicenotavailable", "another service is refused")
    check(ws("0" * 32, "core_webservice_get_site_info")["errorcode"] == "invalidtoken",
          "an unknown token answers invalidtoken")

    c.control(action="expire_tokens")
    e = ws(t["token"], "core_webservice_get_site_info")
    check(e == {"exception": "moodle_exception", "errorcode": "invalidtoken",
                "message": "Invalid token - token not found"}, "an expired token answers invalidtoken")
    c.control(password_rejected=True)
    check(token()["errorcode"] == "invalidlogin", "fault password_rejected")
    c.control(reset=True, webservices_disabled=True)
    check(token()["errorcode"] == "enablewsdescription", "fault webservices_disabled")
    c.control(reset=True, courses="empty")
    check(ws(token()["token"], "core_enrol_get_users_courses", userid=3) == [], "fault courses=empty")
    c.control(courses="stale")
    import time
    old = ws(token()["token"], "core_enrol_get_users_courses", userid=3)
    check(old[0]["enddate"] < time.time() - 100 * 86400, "fault courses=stale")
    c.control(offline="503")
    s, _, _ = c.call("POST", "/login/token.php", {"username": "probe01"})
    check(s == 503, "fault offline=503")
    c.control(offline="close")
    s, _, _ = c.call("POST", "/login/token.php", {"username": "probe01"})
    check(s is None, "fault offline=close: no answer")
    c.control(reset=True)
    check("token" in token(), "reset restores the service")


if __name__ == "__main__":
    simlib.standalone("moodle_sim.py", run)
