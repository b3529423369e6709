#!/usr/bin/env python3
"""Exercises tests/sim/netportal_sim.py (Srun portal, Ruijie ePortal): the happy path and each
fault. The Srun client side here is written from campus-systems.md 2b.
  python3 tests/sim/test_netportal_sim.py      (or: netportal_sim.py --self-test)"""
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from netportal_sim import srun_base64, x_encode  # noqa: E402
from simlib import check  # noqa: E402


def jsonp(body, cb="jQuery1124"):
    check_wrapped = body.startswith(cb + "(") and body.endswith(")")
    assert check_wrapped, body
    return json.loads(body[body.index("{"): body.rindex("}") + 1])


def srun_login(c, username="srun-probe", password="Srun-pass1", hmd5_form="challenge_key", tamper=None,
               info_json=None):
    s, _, b = c.call("GET", f"/cgi-bin/get_challenge?callback=jQuery1124&username={username}&ip=&_={int(time.time()*1000)}")
    ch = jsonp(b)
    token, ip = ch["challenge"], ch["client_ip"]
    key, msg = (token, password) if hmd5_form == "challenge_key" else (password, token)
    hmd5 = hmac.new(key.encode(), msg.encode(), hashlib.md5).hexdigest()
    info_json = info_json or json.dumps({"username": username, "password": password, "ip": ip,
                                         "acid": "1", "enc_ver": "srun_bx1"}, separators=(",", ":"))
    info = "{SRBX1}" + srun_base64(x_encode(info_json.encode(), token.encode()))
    chk = hashlib.sha1("".join([token, username, token, hmd5, token, "1", token, ip, token, "200",
                                token, "1", token, info]).encode()).hexdigest()
    q = {"callback": "jQuery1124", "action": "login", "username": username, "password": "{MD5}" + hmd5,
         "os": "Linux", "name": "Linux", "double_stack": "0", "chksum": chk, "info": info, "ac_id": "1",
         "ip": ip, "n": "200", "type": "1", "_": str(int(time.time() * 1000))}
    if tamper:
        tamper(q)
    s, _, b = c.call("GET", "/cgi-bin/srun_portal?" + urllib.parse.urlencode(q))
    return jsonp(b), ip


def rad_user_info(c):
    return jsonp(c.call("GET", "/cgi-bin/rad_user_info?callback=jQuery1124")[2])


def pkcs1_encrypt(text, n, e):
    k = (n.bit_length() + 7) // 8
    data = text.encode()
    pad = b""
    while len(pad) < k - 3 - len(data):
        b = secrets.token_bytes(1)
        if b != b"\0":
            pad += b
    m = int.from_bytes(b"\0\2" + pad + b"\0" + data, "big")
    return format(pow(m, e, n), "x")


def run(base):
    c = simlib.Client(base)
    c.control(reset=True)
    # --- Srun ---
    s, h, _ = c.call("GET", "/")
    check(s == 200, "the root redirects to the portal page (followed)")
    check(rad_user_info(c)["error"] == "not_online_error", "rad_user_info: not online at first")
    r, ip = srun_login(c)
    check(r["error"] == "ok" and r["suc_msg"] == "login_ok", "Srun login with hmd5, info and chksum")
    info = rad_user_info(c)
    check(info["error"] == "ok" and info["user_name"] == "srun-probe" and "sum_bytes" in info,
          "rad_user_info: online as srun-probe")
    r, _ = srun_login(c)
    check(r["error"] == "ok" and r["suc_msg"] == "ip_already_online_error", "already online is a success")
    t = str(int(time.time()))
    sign = hashlib.sha1(f"{t}srun-probe{ip}1{t}".encode()).hexdigest()
    b = c.call("GET", f"/cgi-bin/rad_user_dm?callback=jQuery1124&ip={ip}&username=srun-probe&time={t}&unbind=1&sign={sign}")[2]
    check(jsonp(b)["error"] == "logout_ok", "rad_user_dm logout: logout_ok")
    check(rad_user_info(c)["error"] == "not_online_error", "offline again")
    b = c.call("GET", f"/cgi-bin/rad_user_dm?callback=jQuery1124&ip={ip}&username=srun-probe&time={t}&unbind=1&sign=00")[2]
    check(jsonp(b)["error"] == "sign_error", "rad_user_dm with a wrong sign")
    srun_login(c)
    b = c.call("GET", f"/cgi-bin/srun_portal?callback=jQuery1124&action=logout&username=srun-probe&ip={ip}&ac_id=1")[2]
    check(jsonp(b)["error"] == "ok" and rad_user_info(c)["error"] == "not_online_error", "srun_portal action=logout")

    r, _ = srun_login(c, password="wrong")
    check(r["ecode"] == "E2901" and r["error_msg"].startswith("E2901: (Third party 1)bind_user2"),
          "a wrong password: E2901")
    r, _ = srun_login(c, tamper=lambda q: q.update(chksum="0" * 40))
    check(r["error"] == "sign_error", "a wrong chksum: sign_error")
    r, _ = srun_login(c, tamper=lambda q: q.update(info="{SRBX1}" + srun_base64(b"0123456789abcdef")))
    check(r["error"] == "sign_error", "an info changed after signing: sign_error")
    spaced = json.dumps({"username": "srun-probe", "password": "Srun-pass1", "ip": ip, "acid": "1",
                         "enc_ver": "srun_bx1"})
    check(srun_login(c, info_json=spaced)[0]["error"] == "info_error", "an info_json with spaces: info_error")
    no_enc = json.dumps({"username": "srun-probe", "password": "Srun-pass1", "ip": ip, "acid": "1"},
                        separators=(",", ":"))
    check(srun_login(c, info_json=no_enc)[0]["error"] == "info_error", "an info_json without enc_ver: info_error")
    r, _ = srun_login(c, hmd5_form="password_key")
    check(r["error"] == "login_error", "hmd5 keyed by the password is refused by default")
    c.control(hmd5="password_key")
    r, _ = srun_login(c, hmd5_form="password_key")
    check(r["error"] == "ok", "switch hmd5=password_key")
    c.control(action="drop_users")
    c.control(hmd5="unchecked")
    r, _ = srun_login(c, tamper=lambda q: None, hmd5_form="password_key")
    check(r["error"] == "ok", "switch hmd5=unchecked")
    c.control(reset=True)
    c.call("GET", "/cgi-bin/get_challenge?callback=jQuery1124&username=srun-probe")
    c.control(action="expire_challenges")
    s, _, b = c.call("GET", "/cgi-bin/srun_portal?callback=jQuery1124&action=login&username=srun-probe")
    check(jsonp(b)["error"] == "nonce_error", "no live challenge: nonce_error")
    c.control(password_rejected=True)
    check(srun_login(c)[0]["ecode"] == "E2901", "fault password_rejected (Srun)")
    c.control(reset=True)

    # --- Ruijie ---
    s, _, page = c.call("GET", "/eportal/index.jsp?wlanuserip=3139322e3136382e312e3130&wlanacname=6163")
    n = int(re.search(r'id="publicKeyModulus" value="([0-9a-f]+)"', page).group(1), 16)
    e = int(re.search(r'id="publicKeyExponent" value="([0-9a-f]+)"', page).group(1), 16)
    check(s == 200 and e == 0x10001 and n.bit_length() >= 1020, "the ePortal page carries the RSA key")

    def ruijie(method, **form):
        s, _, b = c.call("POST", f"/eportal/InterFace.do?method={method}", form)
        assert s == 200, (s, b)
        return json.loads(b)
    qs = "wlanuserip%3D3139322e3136382e312e3130%26wlanacname%3D6163"
    check(ruijie("getOnlineUserInfo", userIndex="")["result"] == "fail", "getOnlineUserInfo: not online")
    r = ruijie("login", userId="ruijie-probe", password="Ruijie-pass1", service="校园网", queryString=qs,
               operatorPwd="", operatorUserId="", validcode="", passwordEncrypt="false")
    check(r["result"] == "success" and r["userIndex"], "Ruijie login, plain password")
    info = ruijie("getOnlineUserInfo", userIndex=r["userIndex"])
    check(info["result"] == "success" and info["userId"] == "ruijie-probe" and "maxFlow" in info,
          "getOnlineUserInfo by userIndex")
    check(ruijie("getOnlineUserInfo", userIndex="")["userIndex"] == r["userIndex"], "getOnlineUserInfo by address")
    check(ruijie("keepalive", userIndex=r["userIndex"])["result"] == "success", "keepalive")
    check(ruijie("logout", userIndex=r["userIndex"])["result"] == "success", "logout")
    check(ruijie("getOnlineUserInfo", userIndex=r["userIndex"])["result"] == "fail", "offline after logout")
    r = ruijie("login", userId="ruijie-probe", password=pkcs1_encrypt("Ruijie-pass1", n, e), service="校园网",
               queryString=qs, passwordEncrypt="true")
    check(r["result"] == "success", "passwordEncrypt=true with PKCS#1 v1.5")
    raw = format(pow(int.from_bytes("Ruijie-pass1"[::-1].encode(), "big"), e, n), "x")
    r = ruijie("login", userId="ruijie-probe", password=raw, service="校园网", queryString=qs, passwordEncrypt="true")
    check(r["result"] == "success", "passwordEncrypt=true, unpadded, reversed")
    r = ruijie("login", userId="ruijie-probe", password="wrong", service="校园网", queryString=qs, passwordEncrypt="false")
    check(r["result"] == "fail" and r["message"] == "用户名或密码错误", "a wrong password: fail")
    r = ruijie("login", userId="ruijie-probe", password="Ruijie-pass1", service="校园网", queryString="")
    check(r["result"] == "fail", "no queryString: fail")
    c.control(password_rejected=True)
    r = ruijie("login", userId="ruijie-probe", password="Ruijie-pass1", service="校园网", queryString=qs)
    check(r["result"] == "fail", "fault password_rejected (Ruijie)")
    c.control(reset=True, offline="503")
    check(c.call("GET", "/cgi-bin/rad_user_info?callback=x")[0] == 503, "fault offline=503")
    c.control(offline="close")
    check(c.call("GET", "/cgi-bin/rad_user_info?callback=x")[0] is None, "fault offline=close")
    c.control(reset=True)
    check(rad_user_info(c)["error"] == "not_online_error", "reset restores the portal")


if __name__ == "__main__":
    simlib.standalone("netportal_sim.py", run)
