#!/usr/bin/env python3
"""Exercises tests/sim/onvif_sim.py (ONVIF device and media services, SOAP 1.2 with WS-Security
UsernameToken PasswordDigest): the happy path and each fault.
  python3 tests/sim/test_onvif_sim.py      (or: onvif_sim.py --self-test)"""
import base64
import hashlib
import os
import re
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402

DEVICE, MEDIA = "/onvif/device_service", "/onvif/Media"
DIGEST_TYPE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"


def security(user="campus-probe", password="Onvif-pass1", nonce=None, created=None, digest=None,
             password_type=DIGEST_TYPE):
    nonce = nonce if nonce is not None else os.urandom(16)
    created = created or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = digest or base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    return ('<wsse:Security s:mustUnderstand="1" '
            'xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" '
            'xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">'
            f'<wsse:UsernameToken><wsse:Username>{user}</wsse:Username>'
            f'<wsse:Password Type="{password_type}">{digest}</wsse:Password>'
            '<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/'
            f'oasis-200401-wss-soap-message-security-1.0#Base64Binary">{base64.b64encode(nonce).decode()}</wsse:Nonce>'
            f'<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>')


def soap(c, path, body, header=""):
    envelope = ('<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
                'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" '
                'xmlns:tt="http://www.onvif.org/ver10/schema">'
                f'<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>')
    return c.call("POST", path, envelope, headers={"Content-Type": "application/soap+xml; charset=utf-8"})


def stream_uri_body(token):
    return (f'<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport>'
            f'<tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>'
            f'<trt:ProfileToken>{token}</trt:ProfileToken></trt:GetStreamUri>')


def not_authorized(status, body):
    return status == 400 and "<env:Value>ter:NotAuthorized</env:Value>" in body


def run(base):
    c = simlib.Client(base)
    c.control(reset=True)
    s, _, b = soap(c, DEVICE, "<tds:GetSystemDateAndTime/>")
    year = re.search(r"<tt:UTCDateTime>.*?<tt:Year>(\d+)</tt:Year>", b)
    check(s == 200 and year and int(year.group(1)) == datetime.now(timezone.utc).year,
          "GetSystemDateAndTime without authentication")
    s, _, b = soap(c, DEVICE, "<tds:GetDeviceInformation/>", security())
    check(s == 200 and "<tds:SerialNumber>DS-2CD2346G2-I20220301AACHJ12345678</tds:SerialNumber>" in b
          and "<tds:Manufacturer>HIKVISION</tds:Manufacturer>" in b, "GetDeviceInformation with a PasswordDigest")
    s, _, b = soap(c, DEVICE, "<tds:GetDeviceInformation/>", security(created="2026-01-01T00:00:00.123Z"))
    check(not_authorized(s, b) and "expired" in b, "a Created far from the device clock: NotAuthorized (expired)")
    fraction = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    s, _, _ = soap(c, DEVICE, "<tds:GetDeviceInformation/>", security(created=fraction))
    check(s == 200, "Created with milliseconds")
    s, _, b = soap(c, DEVICE, "<tds:GetDeviceInformation/>")
    check(not_authorized(s, b), "GetDeviceInformation without a token: NotAuthorized")
    s, _, b = soap(c, DEVICE, "<tds:GetDeviceInformation/>", security(password="wrong"))
    check(not_authorized(s, b), "a wrong password: NotAuthorized")
    s, _, b = soap(c, DEVICE, "<tds:GetDeviceInformation/>", security(user="admin"))
    check(not_authorized(s, b), "a wrong user: NotAuthorized")
    s, _, b = soap(c, DEVICE, "<tds:GetDeviceInformation/>",
                   security(digest="Onvif-pass1", password_type=DIGEST_TYPE.replace("Digest", "Text")))
    check(not_authorized(s, b), "PasswordText is refused")
    nonce = os.urandom(16)
    check(soap(c, DEVICE, "<tds:GetDeviceInformation/>", security(nonce=nonce))[0] == 200, "a nonce once")
    s, _, b = soap(c, DEVICE, "<tds:GetDeviceInformation/>", security(nonce=nonce))
    check(not_authorized(s, b) and "nonce" in b, "the same nonce again: NotAuthorized")

    s, _, b = soap(c, DEVICE, '<tds:GetCapabilities><tds:Category>Media</tds:Category></tds:GetCapabilities>')
    xaddr = re.search(r"<tt:Media><tt:XAddr>([^<]+)</tt:XAddr>", b)
    check(s == 200 and xaddr and xaddr.group(1).endswith("/onvif/Media"), "GetCapabilities: the media XAddr")
    s, _, b = soap(c, DEVICE, "<trt:GetProfiles/>", security())
    check(s == 500 and "ter:ActionNotSupported" in b, "media operations are not on device_service")
    s, _, b = soap(c, MEDIA, "<trt:GetProfiles/>")
    check(not_authorized(s, b), "GetProfiles without a token: NotAuthorized")
    s, _, b = soap(c, MEDIA, "<trt:GetProfiles/>", security())
    tokens = re.findall(r'<trt:Profiles token="([^"]+)"', b)
    check(s == 200 and tokens == ["Profile_1", "Profile_2"], "GetProfiles: two profiles")
    s, _, b = soap(c, MEDIA, stream_uri_body("Profile_1"), security())
    uri = re.search(r"<tt:Uri>([^<]+)</tt:Uri>", b)
    check(s == 200 and uri and uri.group(1) == "rtsp://127.0.0.1:554/Streaming/Channels/101",
          "GetStreamUri: the main stream's rtsp:// URI")
    s, _, b = soap(c, MEDIA, stream_uri_body("Profile_9"), security())
    check(s == 400 and "ter:NoProfile" in b, "GetStreamUri of an unknown profile: NoProfile")
    s, _, b = c.call("POST", DEVICE, "not xml", headers={"Content-Type": "application/soap+xml"})
    check(s == 400 and "ter:WellFormed" in b, "not SOAP: WellFormed fault")

    c.control(password_rejected=True)
    s, _, b = soap(c, DEVICE, "<tds:GetDeviceInformation/>", security())
    check(not_authorized(s, b), "fault password_rejected")
    c.control(reset=True, clock_skew=3600)
    s, _, b = soap(c, DEVICE, "<tds:GetDeviceInformation/>", security())
    check(not_authorized(s, b), "fault clock_skew: a correct clock's Created is refused")
    ahead = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    check(soap(c, DEVICE, "<tds:GetDeviceInformation/>", security(created=ahead))[0] == 200,
          "fault clock_skew: Created from the device clock passes")
    c.control(reset=True, profiles="empty")
    s, _, b = soap(c, MEDIA, "<trt:GetProfiles/>", security())
    check(s == 200 and "token=" not in b, "fault profiles=empty")
    c.control(reset=True, stream_uri="rtsp://127.0.0.1:8554/campus/secure")
    s, _, b = soap(c, MEDIA, stream_uri_body("Profile_2"), security())
    check("<tt:Uri>rtsp://127.0.0.1:8554/campus/secure</tt:Uri>" in b, "stream_uri")
    c.control(reset=True, offline="503")
    check(soap(c, DEVICE, "<tds:GetSystemDateAndTime/>")[0] == 503, "fault offline=503")
    c.control(offline="close")
    check(soap(c, DEVICE, "<tds:GetSystemDateAndTime/>")[0] is None, "fault offline=close")
    c.control(reset=True)
    check(soap(c, DEVICE, "<tds:GetDeviceInformation/>", security())[0] == 200, "reset restores the camera")


if __name__ == "__main__":
    simlib.standalone("onvif_sim.py", run)
