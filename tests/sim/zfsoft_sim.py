#!/usr/bin/env python3
"""A 正方 教务 (ZFSoft jwglxt) simulator: the RSA login and the student's timetable, for the
recipe zfsoft-jwglxt-timetable, after the campus-systems notes (§4b).

  zfsoft_sim.py [--port N]    prints SIM_ZFSOFT_PORT=N once listening, serves until killed
  zfsoft_sim.py --self-test   runs tests/sim/test_zfsoft_sim.py's checks against itself

Endpoints (under /jwglxt):
  GET  /jwglxt/xtgl/login_slogin.html        the login page: a JSESSIONID cookie and
      <input type="hidden" id="csrftoken" name="csrftoken" value="..."/>; when a captcha is
      demanded also <img id="yzmPic" src="/jwglxt/kaptcha?time=...">
  GET  /jwglxt/xtgl/login_getPublicKey.html?time=<ms>   {"modulus": ..., "exponent": ...},
      Base64 big-endian integers (one 1024-bit key per simulator run)
  POST /jwglxt/xtgl/login_slogin.html?time=<ms>   form csrftoken, yhm, mm (Base64 of the
      RSA-PKCS#1 v1.5 encrypted password), and yzm when a captcha is demanded
      -> 302 to /jwglxt/xtgl/index_initMenu.html (the index page's name: [I])
      wrong    -> 200, the login page again with <p id="tips" ...>用户名或密码不正确，请重新输入！</p>
      captcha  -> 200, the login page with 验证码不能为空！ (no yzm) or 验证码输入错误！   [I texts]
      three failed logins in a row demand the captcha, as the notes say "after repeated failures"
  GET  /jwglxt/kaptcha?time=<ms>               a (fake) captcha image
  GET  /jwglxt/xtgl/index_initMenu.html        the index page (logged in), else 302 to the login
  POST /jwglxt/kbcx/xskbcx_cxXsgrkb.html?gnmkdm=N2151   form xnm (year), xqm (3|12|16)
      -> {"xsxx": {...}, "kbList": [{"kcmc", "xqj", "jc", "zcd", "cdmc", "xm", ...}], "sjkList": []}
      (kbList: the notes mark the key name [I]); not logged in -> 302 to the login page
Account: 2024010101 / Zf-pass-2024 (测试学生, three courses in the timetable).

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}        maintenance (503) or nothing answers
  {"password_rejected": true}             every login fails as a wrong password
  {"captcha": true}                       the captcha is demanded (also after 3 failures)
  {"timetable": "normal"|"empty"}         the timetable of every term is empty
  {"action": "expire_sessions"}           every login so far is forgotten
"""
import base64
import html
import secrets
import sys
import urllib.parse

import simlib

USERS = {"2024010101": {"password": "Zf-pass-2024", "name": "测试学生", "class": "计应2401"}}
TIMETABLE = [
    {"kcmc": "Python程序设计", "xqj": "1", "xqjmc": "星期一", "jc": "1-2节", "jcs": "1-2",
     "zcd": "1-16周", "cdmc": "实训楼A301", "xm": "王老师", "kch": "0101001"},
    {"kcmc": "网络设备配置与管理", "xqj": "3", "xqjmc": "星期三", "jc": "3-4节", "jcs": "3-4",
     "zcd": "1-16周", "cdmc": "网络实训室B204", "xm": "李老师", "kch": "0101002"},
    {"kcmc": "大学英语", "xqj": "5", "xqjmc": "星期五", "jc": "1-2节", "jcs": "1-2",
     "zcd": "1-18周", "cdmc": "教学楼C105", "xm": "赵老师", "kch": "0201001"},
]
PREFIX = "/jwglxt"


# ---------- RSA, PKCS#1 v1.5 (a key per run; stdlib has no RSA) ----------
RSA_N, RSA_E, RSA_D = simlib.make_rsa()
K = (RSA_N.bit_length() + 7) // 8


def b64int(n):
    return base64.b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).decode()


def rsa_encrypt(text, n=None, e=None):
    """PKCS#1 v1.5 type 2, as the login page's JavaScript (jsbn) does; Base64."""
    n, e = n or RSA_N, e or RSA_E
    k = (n.bit_length() + 7) // 8
    data = text.encode()
    pad = bytes(secrets.randbelow(255) + 1 for _ in range(k - 3 - len(data)))
    m = int.from_bytes(b"\0\2" + pad + b"\0" + data, "big")
    return base64.b64encode(pow(m, e, n).to_bytes(k, "big")).decode()


def rsa_decrypt(b64):
    try:
        c = int.from_bytes(base64.b64decode(b64, validate=True), "big")
    except ValueError:
        return None
    if not 0 < c < RSA_N:
        return None
    m = pow(c, RSA_D, RSA_N).to_bytes(K, "big")
    if m[:2] != b"\0\2" or b"\0" not in m[2:] or m.index(b"\0", 2) < 10:
        return None
    return m[m.index(b"\0", 2) + 1:].decode("utf-8", "replace")


sessions = {}  # JSESSIONID -> {"csrf": ..., "user": None|username, "captcha": str|None}
failures = {"count": 0}


def login_page(csrf, captcha, tips=""):
    yzm = ""
    if captcha:
        yzm = ('<div class="form-group" id="yzmDiv"><input type="text" class="form-control" '
               'name="yzm" id="yzm" placeholder="验证码"/>'
               f'<img id="yzmPic" src="{PREFIX}/kaptcha?time=1" alt="验证码"/></div>')
    tip = f'<p id="tips" class="bg_danger sl_danger">{html.escape(tips)}</p>' if tips else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>教学管理信息服务平台</title></head>
<body><form class="form-horizontal" role="form" action="{PREFIX}/xtgl/login_slogin.html" method="post">
<input type="hidden" id="csrftoken" name="csrftoken" value="{csrf}"/>
{tip}
<input type="text" class="form-control" name="yhm" id="yhm" placeholder="用户名"/>
<input type="password" class="form-control" name="mm" id="hidMm" placeholder="密码"/>
{yzm}
<button type="button" id="dl">登 录</button></form></body></html>"""


class Handler(simlib.SimHandler):
    NAME = "zfsoft_sim"
    DEFAULTS = {"offline": False, "password_rejected": False, "captcha": False,
                "timetable": "normal"}
    ACTIONS = ("expire_sessions",)

    def on_reset(self):
        sessions.clear()
        failures["count"] = 0

    def on_action(self, action):
        sessions.clear()

    def session(self, create=False):
        """(id, session, Set-Cookie headers)"""
        for part in (self.headers.get("Cookie") or "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == "JSESSIONID" and v in sessions:
                return v, sessions[v], []
        if not create:
            return None, None, []
        sid = secrets.token_hex(16).upper()
        sessions[sid] = {"csrf": None, "user": None}
        return sid, sessions[sid], [("Set-Cookie", f"JSESSIONID={sid}; Path={PREFIX}; HttpOnly")]

    def captcha_demanded(self):
        return self.state["captcha"] or failures["count"] >= 3

    def route(self, method, path, query):
        if not path.startswith(PREFIX + "/"):
            return self.reply(404, "not found\n")
        sub = path[len(PREFIX):]
        with self.lock:
            sid, sess, cookies = self.session(create=sub.startswith("/xtgl/login_"))
        to_login = [("Location", f"http://{self.headers.get('Host')}{PREFIX}/xtgl/login_slogin.html")]
        if sub == "/xtgl/login_slogin.html":
            if method == "POST":
                return self.login(sess, cookies)
            with self.lock:
                sess["csrf"] = f"{secrets.token_hex(8)}-{secrets.token_hex(4)},{secrets.token_hex(16)}"
                captcha = self.captcha_demanded()
            return self.reply(200, login_page(sess["csrf"], captcha), "text/html; charset=utf-8",
                              cookies)
        if sub == "/xtgl/login_getPublicKey.html":
            return self.reply_json(200, {"modulus": b64int(RSA_N), "exponent": b64int(RSA_E)},
                                   headers=cookies)
        if sub == "/kaptcha":
            if sess is not None:
                sess["captcha"] = "a7k2"
            return self.reply(200, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/jpeg")
        logged_in = sess is not None and sess.get("user")
        if not logged_in:
            return self.reply(302, "", headers=to_login)
        if sub == "/xtgl/index_initMenu.html":
            user = USERS[sess["user"]]
            return self.reply(200, f"<html><head><title>教学管理信息服务平台</title></head><body>"
                                   f"<span id=\"sessionUserKey\">{sess['user']}</span>"
                                   f"<span class=\"name\">{user['name']}</span></body></html>",
                              "text/html; charset=utf-8")
        if sub == "/kbcx/xskbcx_cxXsgrkb.html" and method == "POST":
            return self.timetable(sess, query)
        return self.reply(404, "not found\n")

    def login(self, sess, cookies):
        f = self.form()
        host = self.headers.get("Host")
        with self.lock:
            if sess is None or not sess.get("csrf") or f.get("csrftoken") != sess["csrf"]:
                # no page was opened in this session: ZFSoft shows the login page again
                return self.reply(200, login_page("", False, "用户登录超时，请重新登录！"),
                                  "text/html; charset=utf-8", cookies)
            captcha = self.captcha_demanded()
            if captcha and not f.get("yzm"):
                return self.reply(200, login_page(sess["csrf"], True, "验证码不能为空！"),
                                  "text/html; charset=utf-8", cookies)
            if captcha and f.get("yzm", "").lower() != sess.get("captcha"):
                return self.reply(200, login_page(sess["csrf"], True, "验证码输入错误！"),
                                  "text/html; charset=utf-8", cookies)
            user = USERS.get(f.get("yhm", ""))
            password = rsa_decrypt(f.get("mm", ""))
            if self.state["password_rejected"] or not user or user["password"] != password:
                failures["count"] += 1
                return self.reply(200, login_page(sess["csrf"], self.captcha_demanded(),
                                                  "用户名或密码不正确，请重新输入！"),
                                  "text/html; charset=utf-8", cookies)
            failures["count"] = 0
            sess["user"] = f["yhm"]
        return self.reply(302, "", headers=cookies + [
            ("Location", f"http://{host}{PREFIX}/xtgl/index_initMenu.html")])

    def timetable(self, sess, query):
        f = self.form()
        if query.get("gnmkdm") != "N2151":
            return self.reply(200, "<html><body>无功能权限</body></html>", "text/html; charset=utf-8")
        xnm, xqm = f.get("xnm", ""), f.get("xqm", "")
        if not xnm.isdigit() or xqm not in ("3", "12", "16"):
            return self.reply_json(200, {"kbList": [], "sjkList": [], "xsxx": {}})
        user = USERS[sess["user"]]
        term = {"3": "1", "12": "2", "16": "3"}[xqm]
        rows = [] if self.state["timetable"] == "empty" else [
            dict(r, xnm=xnm, xqm=xqm, jxbmc=f"({xnm}-{int(xnm) + 1}-{term})-{r['kch']}-01")
            for r in TIMETABLE]
        return self.reply_json(200, {
            "xsxx": {"XH": sess["user"], "XM": user["name"], "BJMC": user["class"],
                     "XNM": xnm, "XQM": xqm, "XNMC": f"{xnm}-{int(xnm) + 1}", "XQMMC": term},
            "kbList": rows, "sjkList": [], "xqjmcMap": {}, "xkkg": True,
        })


def main():
    server, args = simlib.serve(Handler, "SIM_ZFSOFT_PORT", __doc__.split("\n")[0])
    if args.self_test:
        import test_zfsoft_sim
        test_zfsoft_sim.run(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
