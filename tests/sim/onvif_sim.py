#!/usr/bin/env python3
"""An ONVIF IP camera (视频巡课) simulator: the device and media services over SOAP 1.2 with
WS-Security UsernameToken PasswordDigest, as campus-systems.md 6e describes them.

  onvif_sim.py [--port N]    prints SIM_ONVIF_PORT=N once listening, serves until killed
  onvif_sim.py --self-test   runs tests/sim/test_onvif_sim.py's checks against itself

Services (POST, Content-Type application/soap+xml; the operation is the Body's first element):
  /onvif/device_service   GetSystemDateAndTime, GetCapabilities, GetServices, GetHostname
                          (callable without authentication, per the notes), and
                          GetDeviceInformation (authenticated): Manufacturer, Model,
                          FirmwareVersion, SerialNumber, HardwareId
  /onvif/Media            GetProfiles, GetStreamUri (authenticated). The media service's address
                          is GetCapabilities' Media/XAddr (http://<Host header>/onvif/Media);
                          media operations sent to device_service are not supported [I]
WS-Security (Header/Security/UsernameToken):
  Password Type ...#PasswordDigest, Password = Base64(SHA1(Base64Decode(Nonce) + Created + Password)),
  Nonce Base64Binary, Created UTC YYYY-MM-DDThh:mm:ss(.sss)Z.
  A token is refused with a SOAP fault env:Sender / ter:NotAuthorized (HTTP 400 [I: some
  firmware answers 401 or 500]) when the user or digest is wrong, the password is not a digest
  [I], Created is more than 5 minutes from the device clock [I], or the nonce was used in the
  last 10 minutes [I]. A token sent with an operation that needs none is checked all the same [I].
  Other faults: ter:ActionNotSupported (env:Receiver, 500), ter:InvalidArgVal/ter:NoProfile
  (env:Sender, 400), ter:WellFormed (not SOAP, 400) [I for the HTTP codes].
Account: campus-probe / Onvif-pass1. Profiles: Profile_1 (main stream, H264 1920x1080) and
Profile_2 (sub stream, H264 640x360); GetStreamUri(Profile_N, RTP-Unicast, RTSP) answers
rtsp://<host>:554/Streaming/Channels/N01 (Hikvision's paths [I]) unless "stream_uri" is set.

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}    the camera is unreachable
  {"password_rejected": true}         the camera account's password changed: every digest is wrong
  {"clock_skew": SECONDS}             the device clock runs this far ahead (negative: behind), so
                                      a Created from a correct clock is outside its window
  {"profiles": "two"|"empty"}         empty: GetProfiles lists no profile (no media configured)
  {"stream_uri": null|"rtsp://..."}   the URI GetStreamUri answers for every profile
  {"nonce_reuse": "reject"|"accept"}  whether a nonce may be used again
"""
import base64
import hashlib
import hmac
import re
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

import simlib

USER, PASSWORD = "campus-probe", "Onvif-pass1"
SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST_TYPE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TRT = "http://www.onvif.org/ver10/media/wsdl"
TT = "http://www.onvif.org/ver10/schema"
CREATED_WINDOW = 300     # seconds either side of the device clock [I]
NONCE_MEMORY = 600       # seconds a used nonce is remembered [I]
OPEN_OPERATIONS = {"GetSystemDateAndTime", "GetCapabilities", "GetServices", "GetHostname",
                   "GetServiceCapabilities", "GetWsdlUrl", "GetEndpointReference"}
PROFILES = [("Profile_1", "mainStream", 1920, 1080, 25), ("Profile_2", "subStream", 640, 360, 15)]
used_nonces = {}  # nonce text -> seen at


class Fault(Exception):
    def __init__(self, status, code, subcode, reason):
        super().__init__(reason)
        self.status, self.code, self.subcode, self.reason = status, code, subcode, reason


def not_authorized(reason="Sender not Authorized"):
    return Fault(400, "env:Sender", "ter:NotAuthorized", reason)


def envelope(body):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<env:Envelope xmlns:env="{SOAP}" xmlns:tds="{TDS}" xmlns:trt="{TRT}" xmlns:tt="{TT}" '
            'xmlns:ter="http://www.onvif.org/ver10/error">'
            f'<env:Body>{body}</env:Body></env:Envelope>\n')


def parse_created(text):
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?Z", text or "")
    if not m:
        return None
    try:
        return datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


class Handler(simlib.SimHandler):
    NAME = "onvif_sim"
    DEFAULTS = {"offline": False, "password_rejected": False, "clock_skew": 0, "profiles": "two",
                "stream_uri": None, "nonce_reuse": "reject"}

    def on_reset(self):
        used_nonces.clear()

    def device_now(self):
        return datetime.now(timezone.utc) + timedelta(seconds=float(self.state["clock_skew"] or 0))

    def route(self, method, path, query):
        if path not in ("/onvif/device_service", "/onvif/Media"):
            return self.reply(404, "not found\n")
        if method != "POST":
            return self.reply(405, "SOAP over HTTP POST only\n", headers=[("Allow", "POST")])
        try:
            operation, element, header = self.parse()
            if path == "/onvif/Media" and operation not in ("GetProfiles", "GetStreamUri"):
                raise Fault(500, "env:Receiver", "ter:ActionNotSupported", "Optional Action Not Implemented")
            if path == "/onvif/device_service" and operation not in OPEN_OPERATIONS | {"GetDeviceInformation"}:
                raise Fault(500, "env:Receiver", "ter:ActionNotSupported", "Optional Action Not Implemented")
            token = header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken") if header is not None else None
            if token is not None:
                self.authenticate(token)
            elif operation not in OPEN_OPERATIONS:
                raise not_authorized()
            answer = getattr(self, "op_" + operation)(element)
        except Fault as f:
            subcodes = f.subcode.split("/")
            nested = "".join(f"<env:Subcode><env:Value>{c}</env:Value>" for c in subcodes) + \
                "</env:Subcode>" * len(subcodes)
            return self.reply(f.status, envelope(
                f'<env:Fault><env:Code><env:Value>{f.code}</env:Value>{nested}</env:Code>'
                f'<env:Reason><env:Text xml:lang="en">{escape(f.reason)}</env:Text></env:Reason>'
                '</env:Fault>'), "application/soap+xml; charset=utf-8")
        return self.reply(200, envelope(answer), "application/soap+xml; charset=utf-8")

    def parse(self):
        try:
            root = ET.fromstring(self.body_bytes())
        except ET.ParseError:
            raise Fault(400, "env:Sender", "ter:WellFormed", "Well-formed Error")
        body = root.find(f"{{{SOAP}}}Body")
        if root.tag != f"{{{SOAP}}}Envelope" or body is None or len(body) == 0:
            raise Fault(400, "env:Sender", "ter:WellFormed", "not a SOAP 1.2 envelope")
        element = body[0]
        namespace, _, operation = element.tag[1:].partition("}")
        expected = TRT if operation in ("GetProfiles", "GetStreamUri") else TDS
        if namespace != expected or not hasattr(self, "op_" + operation):
            raise Fault(500, "env:Receiver", "ter:ActionNotSupported", "Optional Action Not Implemented")
        return operation, element, root.find(f"{{{SOAP}}}Header")

    def authenticate(self, token):
        user = token.findtext(f"{{{WSSE}}}Username")
        pw = token.find(f"{{{WSSE}}}Password")
        nonce = (token.findtext(f"{{{WSSE}}}Nonce") or "").strip()
        created_text = (token.findtext(f"{{{WSU}}}Created") or "").strip()
        if user != USER or pw is None or pw.get("Type") != DIGEST_TYPE or not nonce:
            raise not_authorized()
        try:
            nonce_bytes = base64.b64decode(nonce, validate=True)
        except ValueError:
            raise not_authorized()
        created = parse_created(created_text)
        if created is None:
            raise not_authorized()
        password = "changed-by-admin" if self.state["password_rejected"] else PASSWORD
        expected = base64.b64encode(hashlib.sha1(nonce_bytes + created_text.encode() + password.encode()).digest())
        if not hmac.compare_digest(expected.decode(), (pw.text or "").strip()):
            raise not_authorized()
        if abs((self.device_now() - created).total_seconds()) > CREATED_WINDOW:
            raise not_authorized("The security token has expired (Created is outside the device's time window)")
        now = time.time()
        with self.lock:
            for old in [n for n, t in used_nonces.items() if now - t > NONCE_MEMORY]:
                del used_nonces[old]
            if nonce in used_nonces and self.state["nonce_reuse"] == "reject":
                raise not_authorized("The nonce was used before")
            used_nonces[nonce] = now

    # ---------------- device service ----------------
    def op_GetSystemDateAndTime(self, _):
        t = self.device_now()
        local = t.astimezone(simlib.CST)

        def dt(v):
            return (f"<tt:Time><tt:Hour>{v.hour}</tt:Hour><tt:Minute>{v.minute}</tt:Minute><tt:Second>{v.second}"
                    f"</tt:Second></tt:Time><tt:Date><tt:Year>{v.year}</tt:Year><tt:Month>{v.month}</tt:Month>"
                    f"<tt:Day>{v.day}</tt:Day></tt:Date>")
        return ("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
                "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
                "<tt:TimeZone><tt:TZ>CST-8:00:00</tt:TZ></tt:TimeZone>"
                f"<tt:UTCDateTime>{dt(t)}</tt:UTCDateTime><tt:LocalDateTime>{dt(local)}</tt:LocalDateTime>"
                "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>")

    def base(self):
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        return f"http://{host}"

    def op_GetCapabilities(self, _):
        b = self.base()
        return ("<tds:GetCapabilitiesResponse><tds:Capabilities>"
                f"<tt:Device><tt:XAddr>{b}/onvif/device_service</tt:XAddr></tt:Device>"
                f"<tt:Events><tt:XAddr>{b}/onvif/Events</tt:XAddr><tt:WSSubscriptionPolicySupport>true"
                "</tt:WSSubscriptionPolicySupport></tt:Events>"
                f"<tt:Media><tt:XAddr>{b}/onvif/Media</tt:XAddr><tt:StreamingCapabilities>"
                "<tt:RTPMulticast>true</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
                "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>"
                "</tds:Capabilities></tds:GetCapabilitiesResponse>")

    def op_GetServices(self, _):
        b = self.base()
        return ("<tds:GetServicesResponse>"
                f"<tds:Service><tds:Namespace>{TDS}</tds:Namespace><tds:XAddr>{b}/onvif/device_service</tds:XAddr>"
                "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
                f"<tds:Service><tds:Namespace>{TRT}</tds:Namespace><tds:XAddr>{b}/onvif/Media</tds:XAddr>"
                "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
                "</tds:GetServicesResponse>")

    def op_GetHostname(self, _):
        return ("<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP>"
                "<tt:Name>classroom-a301</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>")

    def op_GetDeviceInformation(self, _):
        return ("<tds:GetDeviceInformationResponse><tds:Manufacturer>HIKVISION</tds:Manufacturer>"
                "<tds:Model>DS-2CD2346G2-I</tds:Model><tds:FirmwareVersion>V5.7.3 build 220112</tds:FirmwareVersion>"
                "<tds:SerialNumber>DS-2CD2346G2-I20220301AACHJ12345678</tds:SerialNumber>"
                "<tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>")

    # ---------------- media service ----------------
    def profiles(self):
        return [] if self.state["profiles"] == "empty" else PROFILES

    def op_GetProfiles(self, _):
        out = []
        for token, name, width, height, fps in self.profiles():
            out.append(
                f'<trt:Profiles token="{token}" fixed="true"><tt:Name>{name}</tt:Name>'
                f'<tt:VideoSourceConfiguration token="VideoSourceToken"><tt:Name>VideoSourceConfig</tt:Name>'
                '<tt:UseCount>2</tt:UseCount><tt:SourceToken>VideoSource_1</tt:SourceToken>'
                f'<tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>'
                f'<tt:VideoEncoderConfiguration token="VideoEncoderToken_{token[-1]}"><tt:Name>{name}</tt:Name>'
                f'<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>{width}'
                f'</tt:Width><tt:Height>{height}</tt:Height></tt:Resolution><tt:Quality>3</tt:Quality>'
                f'<tt:RateControl><tt:FrameRateLimit>{fps}</tt:FrameRateLimit><tt:EncodingInterval>1'
                '</tt:EncodingInterval><tt:BitrateLimit>2048</tt:BitrateLimit></tt:RateControl>'
                '</tt:VideoEncoderConfiguration></trt:Profiles>')
        return "<trt:GetProfilesResponse>" + "".join(out) + "</trt:GetProfilesResponse>"

    def op_GetStreamUri(self, element):
        token = (element.findtext(f"{{{TRT}}}ProfileToken") or "").strip()
        setup = element.find(f"{{{TRT}}}StreamSetup")
        stream = setup.findtext(f"{{{TT}}}Stream") if setup is not None else None
        protocol = setup.findtext(f"{{{TT}}}Transport/{{{TT}}}Protocol") if setup is not None else None
        if stream not in ("RTP-Unicast", "RTP-Multicast") or protocol not in ("UDP", "TCP", "RTSP", "HTTP"):
            raise Fault(400, "env:Sender", "ter:InvalidArgVal", "StreamSetup is invalid")
        tokens = [p[0] for p in self.profiles()]
        if token not in tokens:
            raise Fault(400, "env:Sender", "ter:InvalidArgVal/ter:NoProfile", "The profile does not exist")
        uri = self.state["stream_uri"]
        if not uri:
            host = (self.headers.get("Host") or "127.0.0.1").rsplit(":", 1)[0]
            uri = f"rtsp://{host}:554/Streaming/Channels/{tokens.index(token) + 1}01"
        return ("<trt:GetStreamUriResponse><trt:MediaUri>"
                f"<tt:Uri>{escape(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
                "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout>"
                "</trt:MediaUri></trt:GetStreamUriResponse>")


def main():
    server, args = simlib.serve(Handler, "SIM_ONVIF_PORT", __doc__.split("\n")[0])
    if args.self_test:
        import test_onvif_sim
        test_onvif_sim.run(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
