#!/usr/bin/env python3
"""Exercises tests/sim/door_sim.py (Dahua CGI with Digest, Hikvision ISAPI with Digest,
Hikvision artemis with its signature): the happy path and each fault.
  python3 tests/sim/test_door_sim.py      (or: door_sim.py --self-test)"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402

EVENTS = "/artemis/api/acs/v1/door/events"


def dahua_get(base, path, user="campus-probe", password="Dahua-pass1", basic=False, data=None):
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, base, user, password)
    handler = (urllib.request.HTTPBasicAuthHandler if basic else urllib.request.HTTPDigestAuthHandler)(mgr)
    opener = urllib.request.build_opener(handler)
    req = urllib.request.Request(base + path, data=data.encode() if data is not None else None,
                                 headers={"Content-Type": "application/json"} if data is not None else {})
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


ACS = "/ISAPI/AccessControl/AcsEvent?format=json"


def acs(base, search_id=None, position=0, max_results=20, minor=0, start="2000-01-01T00:00:00+08:00",
        end="2100-01-01T00:00:00+08:00", password="Hik-pass1", **extra):
    cond = {"searchID": search_id or uuid.uuid4().hex, "searchResultPosition": position,
            "maxResults": max_results, "major": 5, "minor": minor, "startTime": start, "endTime": end}
    cond.update(extra)
    cond = {k: v for k, v in cond.items() if v is not None}
    s, b = dahua_get(base, ACS, password=password, data=json.dumps({"AcsEventCond": cond}))
    return s, (json.loads(b) if b.startswith("{") else b)


def isapi_checks(base, c):
    s, b = dahua_get(base, "/ISAPI/System/deviceInfo", password="Hik-pass1")
    check(s == 200 and "<serialNumber>DS-K1T671M20240312V030902ENG12345678</serialNumber>" in b
          and "<firmwareVersion>" in b, "ISAPI deviceInfo behind Digest")
    s, _ = dahua_get(base, "/ISAPI/System/deviceInfo", password="wrong")
    check(s == 401, "ISAPI: a wrong password is 401")
    s, r = acs(base)
    ev = r["AcsEvent"]
    check(s == 200 and ev["responseStatusStrg"] == "OK" and ev["numOfMatches"] == 6
          and ev["totalMatches"] == 6 and len(ev["InfoList"]) == 6, "AcsEvent: 6 swipes, OK")
    times = [datetime.fromisoformat(e["time"]) for e in ev["InfoList"]]
    check(times == sorted(times) and all(e["time"].endswith("+08:00") for e in ev["InfoList"]),
          "AcsEvent: oldest first, times at +08:00")
    check(60 <= (simlib.now_local() - times[-1]).total_seconds() <= 180, "the newest swipe is 2 minutes old")
    s, r = acs(base, timeReverseOrder=True)
    check(r["AcsEvent"]["InfoList"][0]["time"] == ev["InfoList"][-1]["time"], "timeReverseOrder: newest first")
    s, r = acs(base, minor=38)
    check(r["AcsEvent"]["numOfMatches"] == 1 and r["AcsEvent"]["InfoList"][0]["minor"] == 38, "minor filters")
    sid = uuid.uuid4().hex
    s, r = acs(base, search_id=sid, max_results=4)
    check(r["AcsEvent"]["responseStatusStrg"] == "MORE" and r["AcsEvent"]["numOfMatches"] == 4, "a page: MORE")
    s, r = acs(base, search_id=sid, position=4, max_results=4)
    check(r["AcsEvent"]["responseStatusStrg"] == "OK" and r["AcsEvent"]["numOfMatches"] == 2, "the next page: OK")
    s, r = acs(base, max_results=100)
    check(r["AcsEvent"]["numOfMatches"] == 6, "maxResults above the cap is fine")
    now = simlib.now_local()
    s, r = acs(base, start=(now - timedelta(minutes=30)).isoformat(timespec="seconds"),
               end=(now + timedelta(days=1)).isoformat(timespec="seconds"))
    check(r["AcsEvent"]["numOfMatches"] == 3, "startTime/endTime select the range")
    for field, value in [("searchID", None), ("searchResultPosition", None), ("maxResults", None),
                         ("major", None), ("minor", None), ("startTime", None), ("endTime", None),
                         ("startTime", "2026-01-01 00:00:00"), ("endTime", "yesterday"), ("major", 3)]:
        cond = {"searchID": uuid.uuid4().hex, "searchResultPosition": 0, "maxResults": 20, "major": 5,
                "minor": 0, "startTime": "2000-01-01T00:00:00+08:00", "endTime": "2100-01-01T00:00:00+08:00"}
        if value is None:
            del cond[field]
        else:
            cond[field] = value
        s, b = dahua_get(base, ACS, password="Hik-pass1", data=json.dumps({"AcsEventCond": cond}))
        check(s == 400 and json.loads(b)["statusString"] == "Invalid Content",
              f"AcsEvent refuses {field}={value!r}")
    s, b = dahua_get(base, "/ISAPI/AccessControl/AcsEvent?format=json", password="Hik-pass1", data="{}")
    check(s == 400 and json.loads(b)["subStatusCode"] == "badJsonContent", "AcsEvent without AcsEventCond")

    fixed = uuid.uuid4().hex
    acs(base, search_id=fixed)
    c.control(events="stale")
    s, r = acs(base)
    newest = datetime.fromisoformat(r["AcsEvent"]["InfoList"][-1]["time"])
    check((simlib.now_local() - newest).total_seconds() >= 178 * 60, "fault events=stale (ISAPI)")
    s, r = acs(base, search_id=fixed)
    newest = datetime.fromisoformat(r["AcsEvent"]["InfoList"][-1]["time"])
    check((simlib.now_local() - newest).total_seconds() < 600, "a searchID seen before answers from its session")
    c.control(events="empty")
    s, r = acs(base)
    check(s == 200 and r["AcsEvent"]["responseStatusStrg"] == "NO MATCH" and "InfoList" not in r["AcsEvent"]
          and r["AcsEvent"]["totalMatches"] == 0, "fault events=empty (ISAPI): NO MATCH")
    c.control(reset=True, password_rejected=True)
    check(acs(base)[0] == 401, "fault password_rejected (ISAPI)")
    c.control(reset=True, offline="503")
    check(dahua_get(base, "/ISAPI/System/deviceInfo", password="Hik-pass1")[0] == 503, "fault offline=503 (ISAPI)")
    c.control(reset=True)


def sign(method, path, body, secret="Artemis-secret-2468", keep_empty=True, headers=None, nonce=None,
         listed="x-ca-key,x-ca-nonce,x-ca-timestamp"):
    h = {"Accept": "*/*", "Content-Type": "application/json", "X-Ca-Key": "24681357",
         "X-Ca-Nonce": nonce or str(uuid.uuid4()), "X-Ca-Timestamp": str(int(time.time() * 1000)),
         "X-Ca-Signature-Headers": listed}
    h.update(headers or {})
    lines = [method] + [h.get(k, "") for k in ("Accept", "Content-MD5", "Content-Type", "Date")
                        if keep_empty or k in h]
    sts = "\n".join(lines) + "\n"
    for name in listed.split(","):
        value = next(v for k, v in h.items() if k.lower() == name)
        sts += f"{name}:{value}\n"
    sts += path
    h["X-Ca-Signature"] = base64.b64encode(hmac.new(secret.encode(), sts.encode(), hashlib.sha256).digest()).decode()
    return h


def run(base):
    c = simlib.Client(base)
    c.control(reset=True)
    rec = "/cgi-bin/recordFinder.cgi?action=find&name=AccessControlCardRec&StartTime=%d&EndTime=%d&count=50"
    now = int(time.time())

    s, b = dahua_get(base, "/cgi-bin/magicBox.cgi?action=getSystemInfo")
    check(s == 200 and "serialNumber=7G0A1B2PAZ00042\r\n" in b, "Dahua getSystemInfo behind Digest")
    s, b = dahua_get(base, rec % (now - 86400, now + 60))
    times = [int(line.split("=")[1]) for line in b.split("\r\n") if ".CreateTime=" in line]
    check(s == 200 and b.startswith("found=6\r\n") and len(times) == 6, "Dahua recordFinder: found=6")
    check(60 <= now - max(times) <= 180 and times == sorted(times), "the newest swipe is 2 minutes old; oldest first")
    s, b = dahua_get(base, rec % (now - 1800, now + 60))
    check(b.startswith("found=3\r\n"), "StartTime/EndTime select the range")
    s, b = dahua_get(base, "/cgi-bin/accessControl.cgi?action=openDoor&channel=1")
    check(s == 400, "openDoor is refused")
    s, _ = dahua_get(base, "/cgi-bin/magicBox.cgi?action=getSystemInfo", password="wrong")
    check(s == 401, "a wrong Dahua password: 401")
    s, _, _ = c.call("GET", "/cgi-bin/magicBox.cgi?action=getSystemInfo")
    check(s == 401, "no credentials: 401 challenge")

    body = json.dumps({"pageNo": 1, "pageSize": 20, "startTime": "2000-01-01T00:00:00+08:00",
                       "endTime": "2100-01-01T00:00:00+08:00"})
    s, h, b = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body))
    r = json.loads(b)
    check(s == 200 and r["code"] == "0" and r["data"]["total"] == 6, "artemis door events, signed")
    newest = datetime.fromisoformat(r["data"]["list"][0]["eventTime"])
    check(60 <= (simlib.now_local() - newest).total_seconds() <= 180, "the newest event is 2 minutes old")
    md5 = base64.b64encode(hashlib.md5(body.encode()).digest()).decode()
    s, _, b = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body, headers={
        "Content-MD5": md5, "Date": "Sat, 28 Nov 2026 06:00:00 GMT"}))
    check(s == 200, "signed with Content-MD5 and Date")
    s, h, _ = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body, secret="wrong"))
    check(s == 400 and h["X-Ca-Error-Message"].startswith("Invalid Signature"), "a wrong signature: 400 Invalid Signature")
    s, h, _ = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body, keep_empty=False))
    check(s == 400, "dropping the empty lines is refused in the notes' form")
    c.control(artemis_absent_lines="skip")
    s, _, _ = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body, keep_empty=False))
    check(s == 200, "artemis_absent_lines=skip accepts the other form")
    c.control(artemis_absent_lines="keep")
    hd = sign("POST", EVENTS, body, nonce="fixed-nonce-1")
    c.call("POST", EVENTS, body, headers=hd)
    s, h, _ = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body, nonce="fixed-nonce-1"))
    check(s == 400 and h["X-Ca-Error-Message"] == "Nonce Used", "a reused nonce: Nonce Used")
    s, h, _ = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body, headers={"X-Ca-Key": "1"}))
    check(s == 400 and h["X-Ca-Error-Message"] == "Invalid AppKey", "an unknown appKey")
    s, h, _ = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body, headers={"X-Ca-Timestamp": "1000"}))
    check(s == 400 and h["X-Ca-Error-Message"] == "Invalid Timestamp", "an old timestamp")
    p = "/artemis/api/video/v1/cameras/previewURLs"
    pb = json.dumps({"cameraIndexCode": "cam0001", "streamType": 0, "protocol": "rtsp", "transmode": 1})
    s, _, b = c.call("POST", p, pb, headers=sign("POST", p, pb))
    check(s == 200 and json.loads(b)["data"]["url"].startswith("rtsp://"), "previewURLs")

    c.control(events="stale")
    s, b = dahua_get(base, rec % (now - 86400, now + 60))
    times = [int(line.split("=")[1]) for line in b.split("\r\n") if ".CreateTime=" in line]
    check(178 * 60 <= now - max(times) <= 182 * 60, "fault events=stale (Dahua): newest 3 h old")
    s, _, b = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body))
    newest = datetime.fromisoformat(json.loads(b)["data"]["list"][0]["eventTime"])
    check((simlib.now_local() - newest).total_seconds() >= 178 * 60, "fault events=stale (artemis)")
    c.control(events="empty")
    check(dahua_get(base, rec % (0, now + 60))[1] == "found=0\r\n", "fault events=empty (Dahua)")
    s, _, b = c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body))
    check(json.loads(b)["data"]["list"] == [], "fault events=empty (artemis)")
    c.control(reset=True, password_rejected=True)
    check(dahua_get(base, "/cgi-bin/magicBox.cgi?action=getSystemInfo")[0] == 401, "fault password_rejected")
    c.control(reset=True, secret_rotated=True)
    check(c.call("POST", EVENTS, body, headers=sign("POST", EVENTS, body))[0] == 400, "fault secret_rotated")
    c.control(reset=True, dahua_auth="basic")
    s, b = dahua_get(base, "/cgi-bin/magicBox.cgi?action=getSystemInfo", basic=True)
    check(s == 200 and "serialNumber=" in b, "dahua_auth=basic")
    c.control(reset=True, offline="503")
    check(c.call("GET", "/cgi-bin/magicBox.cgi?action=getSystemInfo")[0] == 503, "fault offline=503")
    c.control(offline="close")
    check(c.call("POST", EVENTS, body)[0] is None, "fault offline=close")
    c.control(reset=True)
    check(dahua_get(base, "/cgi-bin/magicBox.cgi?action=getSystemInfo")[0] == 200, "reset restores the device")
    isapi_checks(base, c)


if __name__ == "__main__":
    simlib.standalone("door_sim.py", run)
