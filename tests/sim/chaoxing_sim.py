#!/usr/bin/env python3
"""A Chaoxing 超星 (泛雅 / 学习通) simulator: the passport login and the student's course list,
for the teaching-platform recipe chaoxing-courses. Only the read-only exchanges of the
campus-systems notes (§4e); both of Chaoxing's hosts (passport2.chaoxing.com and
mooc1-api.chaoxing.com) are served on one port.

  chaoxing_sim.py [--port N]    prints SIM_CHAOXING_PORT=N once listening, serves until killed
  chaoxing_sim.py --self-test   runs tests/sim/test_chaoxing_sim.py's checks against itself

Endpoints:
  POST /fanyalogin  form fid (-1 or the school's fid), uname, password, refer, t=true, validate=,
      doubleFactorLogin=0, independentId=0. With t=true ([I]: that t=true marks it), uname and password are each
      Base64(AES-128-CBC, PKCS#7) under key = IV = "u2oh6Vu^HWe4_AES" (the notes' facts).
      -> {"url": "<refer, percent-encoded>", "status": true} and cookies _uid, UID, fid, vc3
      wrong -> {"msg2": "用户名或密码错误", "status": false}   (the message text: [I])
      risk control -> an HTML page 「很抱歉，您所浏览的页面暂时不能访问！」 (status 200)
  GET /mycourse/backclazzdata?view=json   with the login's cookies
      -> {"result": 1, "msg": "获取成功", "channelList": [{"cataName": "课程", "key": <clazz id>,
          "content": {"id": <clazz id>, "name": ..., "roletype": 3, "state": 0,
          "course": {"data": [{"id": ..., "name": ..., "teacherfactor": ...}]}}}, ...]}
      the shape public clients read; it is not in the notes [I]
      without a login -> {"result": 0, "msg": "请重新登录", "channelList": []}   [I]
Account: 13800000001 / Cx-pass-2024 (uid 200001, two courses).

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}        maintenance (503) or nothing answers
  {"password_rejected": true}             every login fails with status false
  {"risk_control": true}                  the login answers the risk-control page
  {"courses": "normal"|"empty"}           the student's course list is empty
  {"action": "expire_sessions"}           every login so far is forgotten
"""
import base64
import json
import secrets
import subprocess
import sys
import urllib.parse

import simlib

AES_KEY = b"u2oh6Vu^HWe4_AES"   # key and IV, per the notes
USERS = {"13800000001": {"password": "Cx-pass-2024", "uid": 200001, "name": "测试学生"}}
COURSES = [
    {"clazz": 71000001, "course": 230000101, "name": "Python程序设计", "clazzname": "计应2401班",
     "teacher": "王老师"},
    {"clazz": 71000002, "course": 230000102, "name": "网络设备配置与管理", "clazzname": "计应2401班",
     "teacher": "李老师"},
]
RISK_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>提示</title></head><body>"
             "<div class=\"box\"><p>很抱歉，您所浏览的页面暂时不能访问！</p></div></body></html>")
sessions = {}  # vc3 cookie -> username


def aes(data, decrypt):
    args = ["openssl", "enc", "-aes-128-cbc", "-K", AES_KEY.hex(), "-iv", AES_KEY.hex()]
    if decrypt:
        args.insert(2, "-d")
    out = subprocess.run(args, input=data, capture_output=True, check=False)
    return out.stdout if out.returncode == 0 else None


def encrypt(text):
    """What the login page's JavaScript sends: Base64(AES-CBC(text))."""
    return base64.b64encode(aes(text.encode(), decrypt=False)).decode()


def decrypt(b64):
    try:
        data = base64.b64decode(b64, validate=True)
    except ValueError:
        return None
    plain = aes(data, decrypt=True) if data and len(data) % 16 == 0 else None
    return plain.decode("utf-8", "replace") if plain is not None else None


class Handler(simlib.SimHandler):
    NAME = "chaoxing_sim"
    DEFAULTS = {"offline": False, "password_rejected": False, "risk_control": False,
                "courses": "normal"}
    ACTIONS = ("expire_sessions",)

    def on_reset(self):
        sessions.clear()

    def on_action(self, action):
        sessions.clear()

    def cookies(self):
        out = {}
        for part in (self.headers.get("Cookie") or "").split(";"):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                out[k] = v
        return out

    def route(self, method, path, query):
        if path == "/fanyalogin" and method == "POST":
            return self.login()
        if path == "/mycourse/backclazzdata":
            return self.courses(query)
        if path == "/login":
            return self.reply(200, "<html><head><title>用户登录</title></head><body>"
                                   "<form id=\"loginForm\"></form></body></html>",
                              "text/html; charset=utf-8")
        return self.reply(404, "not found\n")

    def login(self):
        f = self.form()
        if self.state["risk_control"]:
            return self.reply(200, RISK_PAGE, "text/html; charset=utf-8")
        if f.get("t") == "true":
            uname, password = decrypt(f.get("uname", "")), decrypt(f.get("password", ""))
        else:  # the older clients' plain form
            uname, password = f.get("uname"), f.get("password")
        user = USERS.get(uname or "")
        if self.state["password_rejected"] or not user or user["password"] != password:
            return self.reply_json(200, {"msg2": "用户名或密码错误", "status": False})
        vc3 = secrets.token_hex(24)
        with self.lock:
            sessions[vc3] = uname
        fid = f.get("fid") or "-1"
        cookies = [("Set-Cookie", f"{name}={value}; Path=/; HttpOnly") for name, value in (
            ("_uid", user["uid"]), ("UID", user["uid"]), ("fid", fid), ("vc3", vc3),
            ("_d", secrets.randbelow(10**13)))]
        refer = urllib.parse.quote(f.get("refer") or "http://i.mooc.chaoxing.com", safe="")
        return self.reply_json(200, {"url": refer, "status": True}, headers=cookies)

    def courses(self, query):
        c = self.cookies()
        with self.lock:
            username = sessions.get(c.get("vc3", ""))
        if not username or c.get("_uid") != str(USERS[username]["uid"]):
            return self.reply_json(200, {"result": 0, "msg": "请重新登录", "channelList": []})
        channels = []
        if self.state["courses"] != "empty":
            for i, cr in enumerate(COURSES):
                channels.append({
                    "cfid": -1, "norder": len(COURSES) - i, "cataName": "课程", "cataid": "100000002",
                    "id": 0, "cpi": 180000000 + i, "key": cr["clazz"], "topsign": 0, "roletype": 3,
                    "content": {
                        "id": cr["clazz"], "name": cr["clazzname"], "studentcount": 45, "chatid": "",
                        "isFiled": 0, "isstart": True, "isretire": 0, "roletype": 3, "state": 0,
                        "cpi": 180000000 + i,
                        "course": {"data": [{"id": cr["course"], "name": cr["name"],
                                             "teacherfactor": cr["teacher"], "coursestate": 0,
                                             "imageurl": "", "belongSchoolId": "1234"}]},
                    },
                })
        body = {"result": 1, "msg": "获取成功", "channelList": channels, "mcode": "-1",
                "createcourse": 1, "teacherEndCourse": 0, "showEndCourse": 1, "hasMore": False,
                "stuEndCourse": 1}
        if query.get("view") != "json":  # the page without view=json is HTML
            return self.reply(200, "<html><body>" + "".join(
                f"<li class=\"course\">{ch['content']['course']['data'][0]['name']}</li>"
                for ch in channels) + "</body></html>",
                "text/html; charset=utf-8")
        return self.reply_json(200, body)


def main():
    server, args = simlib.serve(Handler, "SIM_CHAOXING_PORT", __doc__.split("\n")[0])
    if args.self_test:
        import test_chaoxing_sim
        test_chaoxing_sim.run(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
