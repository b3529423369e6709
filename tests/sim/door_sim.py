#!/usr/bin/env python3
"""An access-control (门禁) simulator with the kinds of source a probe reads door swipes from: a
Dahua access controller's CGI (Digest auth, key=value text), a Hikvision access terminal's ISAPI
(Digest auth, XML and JSON) and the Hikvision iSecure Center OpenAPI gateway "artemis"
(Aliyun-gateway-style HMAC-SHA256 header signature).

  door_sim.py [--port N]    prints SIM_DOOR_PORT=N once listening, serves until killed
  door_sim.py --self-test   runs tests/sim/test_door_sim.py's checks against itself

Dahua device (campus-systems.md 6c), HTTP Digest (MD5, qop=auth, realm "Login to <serial>"):
  GET /cgi-bin/magicBox.cgi?action=getSystemInfo    deviceType=, processor=, serialNumber=, updateSerial=
  GET /cgi-bin/magicBox.cgi?action=getDeviceType    type=
  GET /cgi-bin/global.cgi?action=getCurrentTime     result=YYYY-MM-DD HH:MM:SS (device local time)
  GET /cgi-bin/recordFinder.cgi?action=find&name=AccessControlCardRec&StartTime=<unix s>
      &EndTime=<unix s>&count=<n>
      -> found=N then records[i].RecNo=, .CardNo=, .CardName=, .UserID=, .CreateTime=<unix s>,
         .Door=, .Method=, .Status=, .Type=Entry|Exit, ... (CRLF lines). Records in the range,
         oldest first [I], at most count (default 1024).
  accessControl.cgi?action=openDoor is refused (400): a probe must never open a door.
  Bad requests answer "Error\r\nBad Request!\r\n" (400) [I]. A wrong password: 401 + a new challenge.
  Account: campus-probe / Dahua-pass1.

Hikvision ISAPI device (campus-systems.md 6b), HTTP Digest (MD5, qop=auth, realm "DS-K1T671M" [I]):
  GET  /ISAPI/System/deviceInfo     XML <DeviceInfo xmlns="http://www.hikvision.com/ver20/XMLSchema">
       with deviceName, deviceID, model, serialNumber, macAddress, firmwareVersion,
       firmwareReleasedDate, deviceType [I for the field list beyond name/model/serial/firmware]
  POST /ISAPI/AccessControl/AcsEvent?format=json   body {"AcsEventCond": {"searchID": "<unique>",
       "searchResultPosition": 0, "maxResults": N, "major": 5, "minor": 0|75|38|1,
       "startTime": "2026-01-01T00:00:00+08:00", "endTime": "..."}}
       searchID, searchResultPosition, maxResults, major, minor, startTime and endTime are
       required; the times are RFC 3339 with an offset. major 0 or 5, minor 0 = every minor.
       -> {"AcsEvent": {"searchID", "responseStatusStrg": "OK"|"MORE"|"NO MATCH", "numOfMatches",
          "totalMatches", "InfoList": [{"major": 5, "minor": 75, "time": "...+08:00",
          "employeeNoString", "name", "cardNo", "cardReaderNo", "doorNo", "serialNo",
          "currentVerifyMode", "attendanceStatus", "pictureURL"}]}}
       Oldest first [I] (honours "timeReverseOrder": true, seen in public client code [I]);
       at most 30 per page (some firmware caps maxResults at 20-30); page with
       searchResultPosition += numOfMatches while MORE. "NO MATCH" has no InfoList [I].
       A searchID seen before continues that search session: it answers from the result list
       as it was at that search's first request [I], so a probe must send a new one each run.
       Minors: 75 face passed, 38 fingerprint passed, 1 card passed [I].
       A bad AcsEventCond: 400 {"statusCode": 6, "statusString": "Invalid Content",
       "subStatusCode": "badJsonContent"|"badParameters", "errorMsg": ...} [I: the exact codes]
  Account: campus-probe / Hik-pass1. A wrong password: 401 + a new challenge.

Hikvision artemis (campus-systems.md 6d), every /artemis/... call signed:
  headers X-Ca-Key (the appKey), X-Ca-Nonce (required, single use within 15 min),
  optional X-Ca-Timestamp (epoch ms, within 15 min), X-Ca-Signature-Headers (comma-separated,
  must include x-ca-key), X-Ca-Signature = base64(HMAC-SHA256(appSecret, StringToSign)) with
      StringToSign = METHOD\\n Accept\\n Content-MD5\\n Content-Type\\n Date\\n
                     + "name:value\\n" for each listed header, lower-case, in the listed order
                     + path (with /artemis) [+ "?" + query parameters sorted by name, k=v joined by &]
  an absent Accept/Content-MD5/Content-Type/Date leaves its line empty (the notes' form; switch
  "artemis_absent_lines": "skip" to drop them, as the public Python signer does).
  A refused request: HTTP 400, header X-Ca-Error-Message ("Invalid Signature, Server
  StringToSign:`...`", "Invalid AppKey", "Invalid Nonce", "Nonce Used", "Invalid Timestamp",
  "Invalid Content-MD5") and body {"code": "400", "msg": <same>}  [I: artemis' exact codes]
  Answers: {"code": "0", "msg": "success", "data": ...}
    POST /artemis/api/acs/v1/door/events  {pageNo, pageSize, startTime, endTime (ISO 8601)} [I]
         -> data {total, pageNo, pageSize, list: [{eventId, eventName, eventTime
            "YYYY-MM-DDTHH:MM:SS.000+08:00", eventType 198914, personId, personName, cardNo,
            doorIndexCode, doorName, inAndOutType, ...}]}, newest first [I]
    POST /artemis/api/resource/v1/cameras {pageNo, pageSize}   camera list
    POST /artemis/api/video/v1/cameras/previewURLs {cameraIndexCode, streamType, protocol, ...}
         -> data {url}
    POST /artemis/api/resource/v1/regions                      region list
  appKey 24681357, appSecret Artemis-secret-2468.
Fresh data: the newest swipe is 2 minutes old, then 9, 26, 55, 130, 400 minutes.

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}            the device and the platform are unreachable
  {"events": "fresh"|"stale"|"empty"}         stale: the newest swipe is 3 hours old
  {"password_rejected": true}                 the device accounts' passwords changed (Dahua, ISAPI: 401)
  {"secret_rotated": true}                    the artemis appSecret changed: every signature is wrong
  {"dahua_auth": "digest"|"basic"}            models with Basic auth (one source reports them)
  {"artemis_absent_lines": "keep"|"skip"}     see above
"""
import base64
import hashlib
import hmac
import json
import re
import secrets
import sys
import time
import urllib.parse
from datetime import datetime, timedelta

import simlib

DAHUA_USER, DAHUA_PASS = "campus-probe", "Dahua-pass1"
SERIAL = "7G0A1B2PAZ00042"
REALM = f"Login to {SERIAL}"
APP_KEY, APP_SECRET = "24681357", "Artemis-secret-2468"
HIK_USER, HIK_PASS = "campus-probe", "Hik-pass1"
HIK_MODEL, HIK_SERIAL = "DS-K1T671M", "DS-K1T671M20240312V030902ENG12345678"
HIK_REALM = HIK_MODEL
HIK_MINORS = [75, 1, 75, 38, 75, 1]   # per swipe, newest first: face, card, face, fingerprint, ...
HIK_PAGE_CAP = 30
SWIPE_MINUTES = [2, 9, 26, 55, 130, 400]
PEOPLE = [("10001", "张三", "3A6F11C2"), ("10002", "李四", "3A6F11C3"), ("10003", "王五", "3A6F11C4")]
nonces = {}          # Digest nonce -> issued at
artemis_nonces = {}  # X-Ca-Nonce -> seen at
acs_searches = {}    # ISAPI searchID -> the result list of that search session


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def swipes(mode):
    """(datetime, index) of the swipes, newest first."""
    if mode == "empty":
        return []
    now = simlib.now_local()
    shift = 180 - SWIPE_MINUTES[0] if mode == "stale" else 0
    return [(now - timedelta(minutes=m + shift), i) for i, m in enumerate(SWIPE_MINUTES)]


class Handler(simlib.SimHandler):
    NAME = "door_sim"
    DEFAULTS = {"offline": False, "events": "fresh", "password_rejected": False,
                "secret_rotated": False, "dahua_auth": "digest", "artemis_absent_lines": "keep"}

    def on_reset(self):
        nonces.clear()
        artemis_nonces.clear()
        acs_searches.clear()

    def route(self, method, path, query):
        if path.startswith("/cgi-bin/"):
            return self.dahua(path, query)
        if path.startswith("/artemis/"):
            return self.artemis(method, path)
        if path.startswith("/ISAPI/"):
            return self.isapi(method, path, query)
        return self.reply(404, "not found\n")

    # ---------------- Dahua CGI ----------------
    def text(self, status, lines):
        return self.reply(status, "".join(f"{line}\r\n" for line in lines), "text/plain;charset=utf-8")

    def challenge(self, realm=REALM, basic=False):
        nonce = secrets.token_hex(8)
        with self.lock:
            nonces[nonce] = time.time()
        if basic:
            header = f'Basic realm="{realm}"'
        else:
            header = (f'Digest realm="{realm}", qop="auth", nonce="{nonce}", '
                      f'opaque="{secrets.token_hex(16)}"')
        return self.reply(401, "<html><body>401 Unauthorized</body></html>", "text/html",
                          headers=[("WWW-Authenticate", header)])

    def digest_ok(self, user, password, realm):
        """The request's Authorization is a valid Digest answer to one of our nonces."""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Digest "):
            return False
        p = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
             for m in re.finditer(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', auth[7:])}
        with self.lock:
            issued = nonces.get(p.get("nonce", ""))
        if (issued is None or time.time() - issued > 300 or p.get("username") != user
                or p.get("realm") != realm or p.get("uri") != self.path):
            return False
        ha1 = md5(f"{user}:{realm}:{password}")
        ha2 = md5(f"{self.command}:{p['uri']}")
        if p.get("qop"):
            expected = md5(f"{ha1}:{p['nonce']}:{p.get('nc', '')}:{p.get('cnonce', '')}:{p['qop']}:{ha2}")
        else:
            expected = md5(f"{ha1}:{p['nonce']}:{ha2}")
        return hmac.compare_digest(expected, p.get("response", ""))

    def dahua_authorized(self):
        password = "changed-by-admin" if self.state["password_rejected"] else DAHUA_PASS
        auth = self.headers.get("Authorization", "")
        if self.state["dahua_auth"] == "basic":
            if not auth.startswith("Basic "):
                return False
            try:
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return False
            return (user, pw) == (DAHUA_USER, password)
        return self.digest_ok(DAHUA_USER, password, REALM)

    def dahua(self, path, query):
        if not self.dahua_authorized():
            return self.challenge(REALM, basic=self.state["dahua_auth"] == "basic")
        action = query.get("action")
        if path == "/cgi-bin/magicBox.cgi" and action == "getSystemInfo":
            return self.text(200, ["deviceType=ASI7213X", "processor=ST7108", f"serialNumber={SERIAL}",
                                   "updateSerial=ASI7213X-T1"])
        if path == "/cgi-bin/magicBox.cgi" and action == "getDeviceType":
            return self.text(200, ["type=ASI7213X"])
        if path == "/cgi-bin/global.cgi" and action == "getCurrentTime":
            return self.text(200, [f"result={simlib.local_str(simlib.now_local())}"])
        if path == "/cgi-bin/recordFinder.cgi" and action == "find" and \
                query.get("name") == "AccessControlCardRec":
            return self.records(query)
        return self.text(400, ["Error", "Bad Request!"])

    def records(self, query):
        try:
            start = int(query.get("StartTime", "0"))
            end = int(query.get("EndTime", str(2**31 - 1)))
            count = int(query.get("count", "1024"))
        except ValueError:
            return self.text(400, ["Error", "Bad Request!"])
        rows = [(int(t.timestamp()), i) for t, i in swipes(self.state["events"])]
        rows = sorted(r for r in rows if start <= r[0] <= end)[:max(0, count)]
        lines = [f"found={len(rows)}"]
        for n, (ts, i) in enumerate(rows):
            user, name, card = PEOPLE[i % len(PEOPLE)]
            fields = {"CardName": name, "CardNo": card, "CardType": "0", "CreateTime": ts,
                      "Door": "0", "ErrorCode": "0", "Method": "1", "ReaderID": "1",
                      "RecNo": 5000 + ts // 60 % 100000, "Status": "1",
                      "Type": "Entry" if i % 2 == 0 else "Exit", "UserID": user}
            lines += [f"records[{n}].{k}={v}" for k, v in fields.items()]
        return self.text(200, lines)

    # ---------------- Hikvision ISAPI ----------------
    def isapi_error(self, status, status_code, status_string, sub, message):
        return self.reply_json(status, {"requestURL": self.path, "statusCode": status_code,
                                        "statusString": status_string, "subStatusCode": sub,
                                        "errorCode": 0x60000000 + status_code, "errorMsg": message})

    def isapi(self, method, path, query):
        password = "changed-by-admin" if self.state["password_rejected"] else HIK_PASS
        self.body_bytes()  # read before any answer, so the connection stays usable
        if not self.digest_ok(HIK_USER, password, HIK_REALM):
            return self.challenge(HIK_REALM)
        if path == "/ISAPI/System/deviceInfo" and method == "GET":
            return self.reply(200, (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">\n'
                '<deviceName>图书馆二楼东门</deviceName>\n<deviceID>255</deviceID>\n'
                f'<model>{HIK_MODEL}</model>\n<serialNumber>{HIK_SERIAL}</serialNumber>\n'
                '<macAddress>bc:ba:c2:12:34:56</macAddress>\n<firmwareVersion>V3.9.2</firmwareVersion>\n'
                '<firmwareReleasedDate>build 240312</firmwareReleasedDate>\n<deviceType>ACS</deviceType>\n'
                '</DeviceInfo>\n'), "application/xml; charset=UTF-8")
        if path == "/ISAPI/AccessControl/AcsEvent" and method == "POST":
            if query.get("format") != "json":
                return self.isapi_error(400, 4, "Invalid Operation", "notSupport", "format=json is required")
            return self.acs_event()
        return self.isapi_error(404, 4, "Invalid Operation", "notSupport", "no such resource")

    def acs_event(self):
        req = self.json_body()
        cond = req.get("AcsEventCond") if isinstance(req, dict) else None
        if not isinstance(cond, dict):
            return self.isapi_error(400, 6, "Invalid Content", "badJsonContent", "AcsEventCond is missing")

        def bad(field):
            return self.isapi_error(400, 6, "Invalid Content", "badParameters", f"{field} is invalid")
        search_id = cond.get("searchID")
        if not isinstance(search_id, str) or not search_id:
            return bad("searchID")
        for field in ("searchResultPosition", "maxResults", "major", "minor"):
            if not isinstance(cond.get(field), int) or isinstance(cond.get(field), bool) or cond[field] < 0:
                return bad(field)
        if cond["maxResults"] < 1:
            return bad("maxResults")
        if cond["major"] not in (0, 5):
            return bad("major")
        times = {}
        for field in ("startTime", "endTime"):
            value = cond.get(field)
            if not isinstance(value, str) or not re.fullmatch(
                    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value):
                return bad(field)
            try:
                times[field] = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return bad(field)
        if times["endTime"] < times["startTime"]:
            return bad("endTime")
        with self.lock:
            rows = acs_searches.get(search_id)
            if rows is None:
                rows = []
                for when, i in swipes(self.state["events"]):
                    minor = HIK_MINORS[i % len(HIK_MINORS)]
                    if not times["startTime"] <= when <= times["endTime"]:
                        continue
                    if cond["minor"] not in (0, minor):
                        continue
                    user, name, card = PEOPLE[i % len(PEOPLE)]
                    rows.append({"major": 5, "minor": minor,
                                 "time": when.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                                 "cardNo": card if minor == 1 else "", "cardReaderNo": 1, "doorNo": 1,
                                 "employeeNoString": user, "name": name,
                                 "serialNo": 20000 + int(when.timestamp()) // 60 % 100000,
                                 "currentVerifyMode": {75: "face", 1: "card", 38: "fp"}[minor],
                                 "userType": "normal", "attendanceStatus": "undefined", "label": "",
                                 "mask": "no", "pictureURL": "" if minor != 75 else
                                 f"http://127.0.0.1/LOCALS/pic/acsLinkCap/{when:%Y%m%d}_{i}.jpg"})
                rows.sort(key=lambda r: r["time"])  # oldest first [I]
                acs_searches[search_id] = rows
        if cond.get("timeReverseOrder") is True:
            rows = list(reversed(rows))
        start = cond["searchResultPosition"]
        page = rows[start:start + min(cond["maxResults"], HIK_PAGE_CAP)]
        out = {"searchID": search_id, "totalMatches": len(rows), "numOfMatches": len(page)}
        if not page:
            out["responseStatusStrg"] = "NO MATCH"
        else:
            out["responseStatusStrg"] = "MORE" if start + len(page) < len(rows) else "OK"
            out["InfoList"] = page
        return self.reply_json(200, {"AcsEvent": out})

    # ---------------- Hikvision artemis ----------------
    def artemis_refuse(self, message):
        return self.reply_json(400, {"code": "400", "msg": message.split(",")[0]},
                               headers=[("X-Ca-Error-Message", message)])

    def string_to_sign(self, path, names):
        lines = [self.command]
        for name in ("Accept", "Content-MD5", "Content-Type", "Date"):
            value = self.headers.get(name)
            if value is not None:
                lines.append(value)
            elif self.state["artemis_absent_lines"] == "keep":
                lines.append("")
        out = "\n".join(lines) + "\n"
        for name in names:
            out += f"{name}:{(self.headers.get(name) or '').strip()}\n"
        out += path
        _, _, raw_query = self.split()
        if raw_query:
            pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
            out += "?" + "&".join(f"{k}={v}" if v != "" else k for k, v in sorted(pairs))
        return out

    def artemis_verified(self, path):
        """None when the request is correctly signed, else the X-Ca-Error-Message."""
        if self.headers.get("X-Ca-Key") != APP_KEY:
            return "Invalid AppKey"
        names = [n.strip().lower() for n in (self.headers.get("X-Ca-Signature-Headers") or "").split(",")
                 if n.strip()]
        signature = self.headers.get("X-Ca-Signature") or ""
        nonce = self.headers.get("X-Ca-Nonce")
        if not nonce:
            return "Invalid Nonce"
        stamp = self.headers.get("X-Ca-Timestamp")
        if stamp is not None:
            if not stamp.isdigit() or abs(time.time() * 1000 - int(stamp)) > 15 * 60 * 1000:
                return "Invalid Timestamp"
        body = self.body_bytes()
        md5_header = self.headers.get("Content-MD5")
        if md5_header is not None and md5_header != base64.b64encode(hashlib.md5(body).digest()).decode():
            return "Invalid Content-MD5"
        secret = "rotated-by-admin" if self.state["secret_rotated"] else APP_SECRET
        sts = self.string_to_sign(path, names)
        expected = base64.b64encode(hmac.new(secret.encode(), sts.encode(), hashlib.sha256).digest()).decode()
        if "x-ca-key" not in names or not hmac.compare_digest(expected, signature):
            return "Invalid Signature, Server StringToSign:`" + sts.replace("\n", "#") + "`"
        now = time.time()
        with self.lock:
            for old in [n for n, t in artemis_nonces.items() if now - t > 900]:
                del artemis_nonces[old]
            if nonce in artemis_nonces:
                return "Nonce Used"
            artemis_nonces[nonce] = now
        return None

    def artemis(self, method, path):
        problem = self.artemis_verified(path)
        if problem:
            return self.artemis_refuse(problem)
        req = self.json_body() or {}
        if not isinstance(req, dict):
            return self.reply_json(200, {"code": "0x00072001", "msg": "Request parameter error", "data": None})
        ok = lambda data: self.reply_json(200, {"code": "0", "msg": "success", "data": data})  # noqa: E731
        page_no, page_size = int(req.get("pageNo", 1)), int(req.get("pageSize", 20))
        if path == "/artemis/api/acs/v1/door/events":
            return ok(self.door_events(req, page_no, page_size))
        if path == "/artemis/api/resource/v1/cameras":
            cams = [{"cameraIndexCode": f"cam{n:04d}", "cameraName": f"教学楼A{300 + n} 教室",
                     "cameraType": 0, "cameraTypeName": "枪机", "regionIndexCode": "region-teaching-a",
                     "channelNo": n, "transType": 1, "treatyType": "hiksdk_net"} for n in range(1, 4)]
            return ok({"total": len(cams), "pageNo": page_no, "pageSize": page_size, "list": cams})
        if path == "/artemis/api/video/v1/cameras/previewURLs":
            code = req.get("cameraIndexCode")
            if not code:
                return self.reply_json(200, {"code": "0x00072001", "msg": "cameraIndexCode is required",
                                             "data": None})
            proto = req.get("protocol", "rtsp")
            return ok({"url": f"{proto}://127.0.0.1:554/openUrl/{secrets.token_urlsafe(8)}"})
        if path == "/artemis/api/resource/v1/regions":
            regions = [{"indexCode": "region-teaching-a", "name": "教学楼A", "parentIndexCode": "root"}]
            return ok({"total": 1, "pageNo": page_no, "pageSize": page_size, "list": regions})
        return self.reply_json(404, {"code": "404", "msg": "Not Found"})

    def door_events(self, req, page_no, page_size):
        def parse(value, default):
            try:
                return datetime.fromisoformat(value) if value else default
            except ValueError:
                return default
        start = parse(req.get("startTime"), None)
        end = parse(req.get("endTime"), None)
        rows = []
        for when, i in swipes(self.state["events"]):
            if (start and when < start) or (end and when > end):
                continue
            user, name, card = PEOPLE[i % len(PEOPLE)]
            stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000+08:00")
            rows.append({"eventId": f"evt-{int(when.timestamp())}-{i}", "eventName": "acs.acs.eventType.successCard",
                         "eventTime": stamp, "receiveTime": stamp, "eventType": 198914, "personId": user,
                         "personName": name, "jobNo": user, "cardNo": card, "orgIndexCode": "org-students",
                         "orgName": "学生", "doorIndexCode": "door-lib-2f", "doorName": "图书馆二楼东门",
                         "doorRegionIndexCode": "region-library", "inAndOutType": 1 if i % 2 == 0 else 0,
                         "readerDevIndexCode": "reader-lib-2f-in", "readerDevName": "读卡器1",
                         "devIndexCode": "acs-lib-01", "devName": "图书馆门禁控制器", "picUri": "",
                         "svrIndexCode": "svr-01"})
        page = rows[(page_no - 1) * page_size: page_no * page_size]
        return {"total": len(rows), "pageNo": page_no, "pageSize": page_size, "list": page}


def main():
    server, args = simlib.serve(Handler, "SIM_DOOR_PORT", __doc__.split("\n")[0])
    if args.self_test:
        import test_door_sim
        test_door_sim.run(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
