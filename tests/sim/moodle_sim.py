#!/usr/bin/env python3
"""A Moodle web-services simulator (login/token.php and webservice/rest/server.php), for the
teaching-platform probes: Debian packages no Moodle.

  moodle_sim.py [--port N]    prints SIM_MOODLE_PORT=N once listening, serves until killed
  moodle_sim.py --self-test   runs tests/sim/test_moodle_sim.py's checks against itself

Endpoints (as Moodle 4.1 answers them):
  POST|GET /login/token.php  username, password, service=moodle_mobile_app
      -> {"token": "<32 hex>", "privatetoken": null}   (privatetoken only over HTTPS: null here)
      wrong password  -> {"error": "Invalid login, please try again", "errorcode": "invalidlogin",
                          "stacktrace": null, "debuginfo": null, "reproductionlink": null}
      other service   -> errorcode "servicenotavailable"; web services off -> "enablewsdescription"
      missing field   -> errorcode "missingparam"; all with HTTP 200, as Moodle does
  POST|GET /webservice/rest/server.php  wstoken, wsfunction, moodlewsrestformat=json (default xml)
      core_webservice_get_site_info          sitename, username, fullname, lang, userid, siteurl,
                                             userpictureurl, functions[{name,version}], release,
                                             version
      core_enrol_get_users_courses userid=N  the user's courses (another user's: nopermissions)
      core_course_get_courses                needs a capability the student lacks: nopermissions
      an unknown or expired token -> HTTP 200 {"exception": "moodle_exception",
          "errorcode": "invalidtoken", "message": "Invalid token - token not found"}
Accounts: probe01 / Probe01-pass (userid 3, 测试 学生, two courses), teacher01 / Teacher01-pass
(userid 4, one course). Site: "Campus Moodle", release "4.1.2 (Build: 20230313)".

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}        maintenance mode (503) or nothing answers
  {"password_rejected": true}             every login fails with invalidlogin
  {"webservices_disabled": true}          token.php answers enablewsdescription
  {"courses": "normal"|"empty"|"stale"}   course lists empty, or only last term's courses
                                          (enddate and lastaccess 200 days ago)
  {"action": "expire_tokens"}             every token issued so far becomes invalid
"""
import html
import secrets
import sys
import time

import simlib

USERS = {
    "probe01": {"password": "Probe01-pass", "id": 3, "firstname": "学生", "lastname": "测试",
                "courses": [101, 102]},
    "teacher01": {"password": "Teacher01-pass", "id": 4, "firstname": "Teacher", "lastname": "One",
                  "courses": [101]},
}
COURSES = {
    101: ("CS101", "计算机应用基础", 42),
    102: ("NET201", "网络设备配置与管理", 37),
}
FUNCTIONS = ["core_webservice_get_site_info", "core_enrol_get_users_courses",
             "core_course_get_courses", "core_calendar_get_calendar_upcoming_view"]
tokens = {}  # token -> username


def moodle_error(errorcode, message):
    return {"error": message, "errorcode": errorcode, "stacktrace": None, "debuginfo": None,
            "reproductionlink": None}


def exception(cls, errorcode, message, debuginfo=None):
    out = {"exception": cls, "errorcode": errorcode, "message": message}
    if debuginfo:
        out["debuginfo"] = debuginfo
    return out


def to_xml(value):
    """Moodle's REST XML layout: SINGLE/KEY/VALUE and MULTIPLE."""
    if isinstance(value, dict):
        keys = "".join(f'<KEY name="{html.escape(k)}">{to_xml(v)}</KEY>' for k, v in value.items())
        return f"<SINGLE>{keys}</SINGLE>"
    if isinstance(value, list):
        return "<MULTIPLE>" + "".join(to_xml(v) for v in value) + "</MULTIPLE>"
    if value is None:
        return '<VALUE null="null"/>'
    if isinstance(value, bool):
        value = int(value)
    return f"<VALUE>{html.escape(str(value))}</VALUE>"


class Handler(simlib.SimHandler):
    NAME = "moodle_sim"
    DEFAULTS = {"offline": False, "password_rejected": False, "webservices_disabled": False,
                "courses": "normal"}
    ACTIONS = ("expire_tokens",)

    def on_reset(self):
        tokens.clear()

    def on_action(self, action):
        if action == "expire_tokens":
            tokens.clear()

    def params(self):
        _, query, _ = self.split()
        merged = dict(query)
        if self.command == "POST":
            merged.update(self.form())
        return merged

    def route(self, method, path, query):
        if path == "/login/token.php":
            return self.token()
        if path == "/webservice/rest/server.php":
            return self.rest()
        if path in ("/", "/login/index.php"):
            return self.reply(200, "<html><head><title>Campus Moodle</title></head><body>"
                                   "<h1>Campus Moodle</h1></body></html>", "text/html; charset=utf-8")
        return self.reply(404, "not found\n")

    def token(self):
        p = self.params()
        if self.state["webservices_disabled"]:
            return self.reply_json(200, moodle_error(
                "enablewsdescription", "Web services must be enabled in Advanced features."))
        for name in ("username", "password", "service"):
            if not p.get(name):
                return self.reply_json(200, moodle_error(
                    "missingparam", f"A required parameter ({name}) was missing"))
        user = USERS.get(p["username"])
        if self.state["password_rejected"] or not user or user["password"] != p["password"]:
            return self.reply_json(200, moodle_error("invalidlogin", "Invalid login, please try again"))
        if p["service"] != "moodle_mobile_app":
            return self.reply_json(200, moodle_error(
                "servicenotavailable",
                "Web service is not available (it doesn't exist or might be disabled)"))
        token = secrets.token_hex(16)
        with self.lock:
            tokens[token] = p["username"]
        return self.reply_json(200, {"token": token, "privatetoken": None})

    def rest(self):
        p = self.params()
        as_json = p.get("moodlewsrestformat", "xml") == "json"

        def answer(obj):
            if as_json:
                return self.reply_json(200, obj)
            if isinstance(obj, dict) and "exception" in obj:
                xml = (f'<EXCEPTION class="{obj["exception"]}"><ERRORCODE>{obj["errorcode"]}</ERRORCODE>'
                       f'<MESSAGE>{html.escape(obj["message"])}</MESSAGE></EXCEPTION>')
            else:
                xml = f"<RESPONSE>{to_xml(obj)}</RESPONSE>"
            return self.reply(200, '<?xml version="1.0" encoding="UTF-8" ?>\n' + xml + "\n",
                              "application/xml; charset=utf-8")

        with self.lock:
            username = tokens.get(p.get("wstoken", ""))
        if not username:
            return answer(exception("moodle_exception", "invalidtoken",
                                    "Invalid token - token not found"))
        user = USERS[username]
        fn = p.get("wsfunction", "")
        if fn == "core_webservice_get_site_info":
            return answer(self.site_info(username, user))
        if fn == "core_enrol_get_users_courses":
            if "userid" not in p:
                return answer(exception("invalid_parameter_exception", "invalidparameter",
                                        "Invalid parameter value detected",
                                        "Missing required key in single structure: userid"))
            if p["userid"] != str(user["id"]):
                return answer(exception("required_capability_exception", "nopermissions",
                                        "Sorry, but you do not currently have permissions to do that "
                                        "(View participants)."))
            return answer(self.courses(user))
        if fn == "core_course_get_courses":
            return answer(exception("required_capability_exception", "nopermissions",
                                    "Sorry, but you do not currently have permissions to do that "
                                    "(Access all courses)."))
        return answer(exception("dml_missing_record_exception", "invalidrecord",
                                "Can't find data record in database table external_functions."))

    def site_info(self, username, user):
        siteurl = f"http://{self.headers.get('Host')}"
        return {
            "sitename": "Campus Moodle", "username": username,
            "firstname": user["firstname"], "lastname": user["lastname"],
            "fullname": f"{user['firstname']} {user['lastname']}", "lang": "zh_cn",
            "userid": user["id"], "siteurl": siteurl,
            "userpictureurl": f"{siteurl}/theme/image.php/boost/core/1/u/f1",
            "functions": [{"name": f, "version": "2022112802"} for f in FUNCTIONS],
            "downloadfiles": 1, "uploadfiles": 1,
            "release": "4.1.2 (Build: 20230313)", "version": "2022112802",
            "mobilecssurl": "", "usercanmanageownfiles": True, "userquota": 104857600,
            "usermaxuploadfilesize": 104857600, "userhomepage": 1, "siteid": 1,
            "sitecalendartype": "gregorian", "usercalendartype": "gregorian", "theme": "boost",
        }

    def courses(self, user):
        mode = self.state["courses"]
        if mode == "empty":
            return []
        now = int(time.time())
        day = 86400
        if mode == "stale":
            start, end, last = now - 320 * day, now - 200 * day, now - 200 * day
        else:
            start, end, last = now - 60 * day, now + 60 * day, now - 3600
        out = []
        for cid in user["courses"]:
            short, full, count = COURSES[cid]
            out.append({
                "id": cid, "shortname": short, "fullname": full, "displayname": full,
                "enrolledusercount": count, "idnumber": "", "visible": 1, "summary": "",
                "summaryformat": 1, "format": "topics", "showgrades": True, "lang": "",
                "enablecompletion": True, "completionhasimplemented": False, "category": 1,
                "progress": 40.0, "completed": False, "startdate": start, "enddate": end,
                "marker": 0, "lastaccess": last, "isfavourite": False, "hidden": False,
                "overviewfiles": [], "showactivitydates": True, "showcompletionconditions": True,
                "timemodified": start,
            })
        return out


def main():
    server, args = simlib.serve(Handler, "SIM_MOODLE_PORT", __doc__.split("\n")[0])
    if args.self_test:
        import test_moodle_sim
        test_moodle_sim.run(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
