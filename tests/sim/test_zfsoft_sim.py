#!/usr/bin/env python3
"""Exercises tests/sim/zfsoft_sim.py: the RSA login, the timetable, and each fault.
  python3 tests/sim/test_zfsoft_sim.py      (or: zfsoft_sim.py --self-test)"""
import base64
import http.cookiejar
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402
from zfsoft_sim import rsa_encrypt  # noqa: E402


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One login session: a cookie jar, redirects not followed."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def call(self, method, path, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        try:
            with self.opener.open(req, timeout=10) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def login(self, user="2024010101", password="Zf-pass-2024", yzm=None):
        s, _, page = self.call("GET", "/jwglxt/xtgl/login_slogin.html")
        assert s == 200, s
        csrf = re.search(r'name="csrftoken" value="([^"]*)"', page).group(1)
        s, _, key = self.call("GET", "/jwglxt/xtgl/login_getPublicKey.html?time=1700000000000")
        key = json.loads(key)
        n = int.from_bytes(base64.b64decode(key["modulus"]), "big")
        e = int.from_bytes(base64.b64decode(key["exponent"]), "big")
        form = {"csrftoken": csrf, "yhm": user, "mm": rsa_encrypt(password, n, e)}
        if yzm is not None:
            self.call("GET", "/jwglxt/kaptcha?time=1")
            form["yzm"] = yzm
        return self.call("POST", "/jwglxt/xtgl/login_slogin.html?time=1700000000001", form), page

    def timetable(self, xnm="2025", xqm="3"):
        return self.call("POST", "/jwglxt/kbcx/xskbcx_cxXsgrkb.html?gnmkdm=N2151",
                         {"xnm": xnm, "xqm": xqm})


def run(base):
    c = simlib.Client(base)
    c.control(reset=True)

    b = Browser(base)
    (s, h, _), page = b.login()
    check('id="csrftoken" name="csrftoken"' in page and "kaptcha" not in page,
          "the login page carries a csrftoken and no captcha")
    check(s == 302 and h["Location"].endswith("/jwglxt/xtgl/index_initMenu.html"),
          "the RSA login redirects to the index page")
    s, _, idx = b.call("GET", "/jwglxt/xtgl/index_initMenu.html")
    check(s == 200 and "测试学生" in idx, "the index page names the student")
    s, _, body = b.timetable()
    kb = json.loads(body)
    check(s == 200 and len(kb["kbList"]) == 3 and kb["kbList"][0]["kcmc"] == "Python程序设计"
          and kb["xsxx"]["XNMC"] == "2025-2026", "the timetable lists three courses")
    s, h, _ = Browser(base).timetable()
    check(s == 302 and "login_slogin" in h["Location"], "without a login the timetable redirects")

    (s, _, body), _ = Browser(base).login(password="wrong")
    check(s == 200 and "用户名或密码不正确，请重新输入！" in body, "a wrong password shows the tips")
    s, _, body = b.call("POST", "/jwglxt/xtgl/login_slogin.html",
                        {"csrftoken": "x", "yhm": "2024010101", "mm": "x"})
    check(s == 200 and 'id="tips"' in body, "a wrong csrftoken is refused")
    Browser(base).login(password="wrong")
    (s, _, body), _ = Browser(base).login(password="wrong")
    (s, _, body), page = Browser(base).login()
    check(s == 200 and "验证码不能为空！" in body and 'src="/jwglxt/kaptcha' in page,
          "three failures in a row demand the captcha")
    (s, _, body), _ = Browser(base).login(yzm="zzzz")
    check(s == 200 and "验证码输入错误！" in body, "a wrong captcha is refused")
    (s, _, body), _ = Browser(base).login(yzm="a7k2")
    check(s == 302, "the right captcha lets the login through")

    c.control(action="expire_sessions")
    check(b.timetable()[0] == 302, "expired sessions are sent to the login")
    c.control(password_rejected=True)
    (s, _, body), _ = Browser(base).login()
    check(s == 200 and "用户名或密码不正确" in body, "fault password_rejected")
    c.control(reset=True, captcha=True)
    (s, _, body), _ = Browser(base).login()
    check(s == 200 and "验证码不能为空！" in body, "fault captcha")
    c.control(reset=True, timetable="empty")
    b = Browser(base)
    b.login()
    check(json.loads(b.timetable()[2])["kbList"] == [], "fault timetable=empty")
    c.control(offline="503")
    check(b.timetable()[0] == 503, "fault offline=503")
    c.control(offline="close")
    s, _, _ = c.call("GET", "/jwglxt/xtgl/login_slogin.html")
    check(s is None, "fault offline=close: no answer")
    c.control(reset=True)
    check(Browser(base).login()[0][0] == 302, "reset restores the service")


if __name__ == "__main__":
    simlib.standalone("zfsoft_sim.py", run)
