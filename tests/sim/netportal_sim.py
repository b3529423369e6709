#!/usr/bin/env python3
"""A campus-network portal simulator (校园网认证): the Srun (深澜) portal's JSONP CGI and the
Ruijie (锐捷) ePortal InterFace.do API, one port, for the 「校内人员能使用校园网络」 probes.

  netportal_sim.py [--port N]    prints SIM_NETPORTAL_PORT=N once listening, serves until killed
  netportal_sim.py --self-test   runs tests/sim/test_netportal_sim.py's checks against itself

Srun (campus-systems.md 2b); every answer is JSONP, callback(...), when ?callback= is given:
  GET /            302 to /srun_portal_pc?ac_id=1&theme=basic (where a client learns ac_id)
  GET /cgi-bin/get_challenge?callback=&username=&ip=&_=
      -> {"challenge": <64 hex>, "client_ip", "error": "ok", "res": "ok", "expire": "60", ...};
         the challenge belongs to the client IP (ip=, else the connection's address), 60 s
  GET /cgi-bin/srun_portal?action=login&username=&password={MD5}<hmd5>&ac_id=&ip=&n=200&type=1
      &info={SRBX1}...&chksum=&os=&name=&double_stack=0&callback=&_=
      checked, in this order: a live challenge for ip (else error "nonce_error" [I]); chksum =
      sha1(token+username+token+hmd5+token+ac_id+token+ip+token+n+token+type+token+info) (else
      "sign_error" [I]); info = "{SRBX1}" + base64 with the alphabet
      LVoJPiCN2R8G90yg+hmFHuacZ1OWMnrsSTXkYpUq/3dlbfKwv6xztjI7DeBE45QA of xEncode(info_json,
      key=challenge), decoded server-side; info_json has exactly the keys username, password,
      ip, acid, enc_ver="srun_bx1", no spaces, agreeing with the parameters (else "info_error"
      [I]); hmd5 = hex HMAC-MD5(key=challenge, msg=password) (switch "hmd5"); the password in
      info (else ecode E2901, error_msg "E2901: (Third party 1)bind_user2: ldap_bind error").
      -> {"error": "ok", "res": "ok", "suc_msg": "login_ok", "online_ip", "username", ...};
         already online: {"error": "ok", "res": "ok", "suc_msg": "ip_already_online_error"}
  GET /cgi-bin/rad_user_info?callback=   for the client IP (ip=, else the connection's address)
      offline: {"error": "not_online_error", "client_ip", "online_ip", "srun_ver": "SRunCGIAuthIntfSvr V1.18 ..."}
      online:  {"error": "ok", "user_name", "online_ip", "sum_bytes", "sum_seconds",
                "user_balance", "wallet_balance", "online_device_detail", ...}
  GET /cgi-bin/rad_user_dm?ip=&username=&time=<unix>&unbind=1&sign=sha1(time+username+ip+"1"+time)
      -> {"error": "logout_ok"}; a wrong sign "sign_error" [I]; not online "not_online_error"
  GET /cgi-bin/srun_portal?action=logout&username=&ip=&ac_id=  -> {"error": "ok", "res": "ok"}
  xEncode: the XXTEA-like cipher of the vendor's portal JS, as 45gfg9/srun-c srun.c implements
  it (x_encode/s_encode/s_decode; public, WTFPL); decoded here by running its rounds backwards.
  Account: srun-probe / Srun-pass1 (ac_id 1).

Ruijie ePortal (campus-systems.md 2c), answers JSON, form posts (UTF-8):
  GET  /eportal/index.jsp?<queryString>   the login page; its hidden inputs carry
       publicKeyExponent (hex, 10001) and publicKeyModulus (hex, 1024 bit, new per start)
  POST /eportal/InterFace.do?method=login   userId, password, service (校园网|中国电信|internet),
       queryString (required, as the redirect gave it), operatorPwd, operatorUserId, validcode,
       passwordEncrypt=false|true
       -> {"result": "success", "userIndex": <hex>, "message": "", ...}
          or {"result": "fail", "userIndex": null, "message": "用户名或密码错误" [I]}
       passwordEncrypt=true: the notes do not say the padding [I]; accepted here are RSA hex
       ciphertexts under the page's key with PKCS#1 v1.5 or no padding, of the password or of
       the password reversed (what some clients send).
  POST /eportal/InterFace.do?method=getOnlineUserInfo  userIndex= (may be empty: the client IP)
       -> {"result": "success", "userIndex", "userId", "userName", "service", "maxFlow", ...}
          or {"result": "fail", "message": "用户不在线" [I]}
  POST ...method=keepalive / method=logout  userIndex=  -> result success | fail
  Account: ruijie-probe / Ruijie-pass1 (测试用户).

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}               the portal is down
  {"password_rejected": true}                    both accounts' passwords changed
  {"hmd5": "challenge_key"|"password_key"|"unchecked"}   how Srun's hmd5 is checked: the vendor
                                                 JS form (default), the swapped form some
                                                 deployments use, or not at all (older servers)
  {"action": "expire_challenges"}                every Srun challenge issued so far expires
  {"action": "drop_users"}                       every online user is logged off (Srun and Ruijie)
"""
import base64
import hashlib
import hmac
import json
import secrets
import struct
import sys
import time

import simlib

SRUN_USERS = {"srun-probe": "Srun-pass1"}
RUIJIE_USERS = {"ruijie-probe": ("Ruijie-pass1", "测试用户")}
SRUN_VER = "SRunCGIAuthIntfSvr V1.18 B20211105"
SRUN_ALPHABET = "LVoJPiCN2R8G90yg+hmFHuacZ1OWMnrsSTXkYpUq/3dlbfKwv6xztjI7DeBE45QA"
STD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
DELTA, MASK = 0x9E3779B9, 0xFFFFFFFF
challenges = {}     # client ip -> (challenge, username, issued)
srun_online = {}    # ip -> (username, since)
ruijie_online = {}  # userIndex -> (userId, service, ip)


# ---------- Srun xEncode (after 45gfg9/srun-c srun.c: s_encode, s_decode, x_encode) ----------
def _words(data, append_len):
    padded = data + b"\0" * (-len(data) % 4)
    words = list(struct.unpack(f"<{len(padded) // 4}I", padded))
    return words + [len(data)] if append_len else words


def _key_words(key):
    return _words(key[:16].ljust(16, b"\0"), False)


def _mx(d, y, z, p, e, k):
    return ((z >> 5 ^ y << 2) + (y >> 3 ^ z << 4 ^ d ^ y) + (k[(p & 3) ^ e] ^ z)) & MASK


def x_encode(msg, key):
    """xEncode(msg, key) of the vendor JS: the message's words plus its length, enciphered."""
    if not msg:
        return b""
    v, k = _words(msg, True), _key_words(key)
    n = len(v)
    d = 0
    for _ in range(6 + 52 // n):
        d = (d + DELTA) & MASK
        e = d >> 2 & 3
        for p in range(n):
            y, z = v[(p + 1) % n], v[(p - 1) % n]
            v[p] = (v[p] + _mx(d, y, z, p, e, k)) & MASK
    return struct.pack(f"<{n}I", *v)


def x_decode(data, key):
    """The inverse of x_encode: the rounds run backwards; None when the length word is wrong."""
    if not data or len(data) % 4:
        return None
    v, k = list(struct.unpack(f"<{len(data) // 4}I", data)), _key_words(key)
    n = len(v)
    if n < 2:
        return None
    rounds = 6 + 52 // n
    d = (rounds * DELTA) & MASK
    for _ in range(rounds):
        e = d >> 2 & 3
        for p in reversed(range(n)):
            y, z = v[(p + 1) % n], v[(p - 1) % n]
            v[p] = (v[p] - _mx(d, y, z, p, e, k)) & MASK
        d = (d - DELTA) & MASK
    length = v[-1]
    if not (n - 1) * 4 - 3 <= length <= (n - 1) * 4:
        return None
    return struct.pack(f"<{n - 1}I", *v[:-1])[:length]


def srun_base64(data):
    return base64.b64encode(data).decode().translate(str.maketrans(STD_ALPHABET, SRUN_ALPHABET))


def srun_unbase64(text):
    return base64.b64decode(text.translate(str.maketrans(SRUN_ALPHABET, STD_ALPHABET)), validate=True)


def srun_checksum(token, username, hmd5, ac_id, ip, n, typ, info):
    return hashlib.sha1("".join([token, username, token, hmd5, token, ac_id, token, ip, token, n,
                                 token, typ, token, info]).encode()).hexdigest()


# ---------- RSA for Ruijie's passwordEncrypt=true ----------
RSA_N, RSA_E, RSA_D = simlib.make_rsa()


def rsa_plaintexts(cipher_hex):
    """What an RSA hex ciphertext may stand for: PKCS#1 v1.5 unpadded, or raw with zeros stripped."""
    try:
        c = int(cipher_hex, 16)
    except ValueError:
        return []
    if not 0 < c < RSA_N:
        return []
    m = pow(c, RSA_D, RSA_N).to_bytes((RSA_N.bit_length() + 7) // 8, "big")
    out = [m.lstrip(b"\0")]
    if m[:2] == b"\0\2" and b"\0" in m[2:]:
        out.append(m[m.index(b"\0", 2) + 1:])
    return [x.decode("utf-8", "replace") for x in out]


class Handler(simlib.SimHandler):
    NAME = "netportal_sim"
    DEFAULTS = {"offline": False, "password_rejected": False, "hmd5": "challenge_key"}
    ACTIONS = ("expire_challenges", "drop_users")

    def on_reset(self):
        challenges.clear()
        srun_online.clear()
        ruijie_online.clear()

    def on_action(self, action):
        if action == "expire_challenges":
            challenges.clear()
        elif action == "drop_users":
            srun_online.clear()
            ruijie_online.clear()

    def route(self, method, path, query):
        if path == "/":
            return self.reply(302, "", headers=[("Location", "/srun_portal_pc?ac_id=1&theme=basic")])
        if path == "/srun_portal_pc":
            return self.reply(200, "<html><head><title>校园网认证</title></head><body>"
                                   '<input type="hidden" id="ac_id" value="1"></body></html>',
                              "text/html; charset=utf-8")
        if path.startswith("/cgi-bin/"):
            return self.srun(path, query)
        if path == "/eportal/index.jsp":
            return self.ruijie_page()
        if path == "/eportal/InterFace.do":
            return self.ruijie(method, query)
        return self.reply(404, "not found\n")

    # ---------------- Srun ----------------
    def jsonp(self, query, obj):
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        cb = query.get("callback")
        if cb:
            return self.reply(200, f"{cb}({text})", "text/javascript; charset=utf-8")
        return self.reply(200, text, "application/json; charset=utf-8")

    def client_ip(self, query):
        return query.get("ip") or self.client_address[0]

    def srun_error(self, query, error, ecode=0, error_msg=""):
        return self.jsonp(query, {"client_ip": self.client_address[0], "ecode": ecode, "error": error,
                                  "error_msg": error_msg or error, "online_ip": self.client_address[0],
                                  "res": error, "srun_ver": SRUN_VER, "st": int(time.time())})

    def srun(self, path, query):
        ip = self.client_ip(query)
        if path == "/cgi-bin/get_challenge":
            token = secrets.token_hex(32)
            with self.lock:
                challenges[ip] = (token, query.get("username", ""), time.time())
            return self.jsonp(query, {"challenge": token, "client_ip": ip, "ecode": 0, "error": "ok",
                                      "error_msg": "", "expire": "60", "online_ip": ip, "res": "ok",
                                      "srun_ver": SRUN_VER, "st": int(time.time())})
        if path == "/cgi-bin/srun_portal" and query.get("action") == "login":
            return self.srun_login(query, ip)
        if path == "/cgi-bin/srun_portal" and query.get("action") == "logout":
            with self.lock:
                found = srun_online.get(ip)
                if found and found[0] == query.get("username"):
                    del srun_online[ip]
            if not found:
                return self.srun_error(query, "not_online_error")
            return self.jsonp(query, {"client_ip": ip, "ecode": 0, "error": "ok", "error_msg": "",
                                      "online_ip": ip, "res": "ok", "srun_ver": SRUN_VER})
        if path == "/cgi-bin/rad_user_info":
            with self.lock:
                found = srun_online.get(ip)
            if not found:
                return self.jsonp(query, {"client_ip": ip, "ecode": 0, "error": "not_online_error",
                                          "error_msg": "", "online_ip": ip, "res": "not_online_error",
                                          "srun_ver": SRUN_VER, "st": int(time.time())})
            user, since = found
            seconds = int(time.time() - since)
            return self.jsonp(query, {
                "ServerFlag": 0, "add_time": int(since), "all_bytes": 0, "billing_name": "校园网",
                "bytes_in": 1048576, "bytes_out": 262144, "checkout_date": 0, "domain": "",
                "error": "ok", "group_id": "1", "keepalive_time": int(time.time()),
                "online_device_detail": json.dumps({"1": {"ip": ip, "os_name": "Linux"}}),
                "online_device_total": "1", "online_ip": ip, "online_ip6": "::", "package_id": "1",
                "products_id": "1", "products_name": "学生包月", "real_name": "", "remain_bytes": 0,
                "remain_seconds": 0, "sum_bytes": 1310720, "sum_seconds": seconds,
                "sysver": "1.01.20211105", "user_balance": 0, "user_charge": 0, "user_mac": "",
                "user_name": user, "wallet_balance": 0})
        if path == "/cgi-bin/rad_user_dm":
            t, user = query.get("time", ""), query.get("username", "")
            sign = hashlib.sha1(f"{t}{user}{query.get('ip', '')}1{t}".encode()).hexdigest()
            if query.get("unbind") != "1" or query.get("sign") != sign:
                return self.srun_error(query, "sign_error")
            with self.lock:
                found = srun_online.get(ip)
                if found and found[0] == user:
                    del srun_online[ip]
            if not found or found[0] != user:
                return self.srun_error(query, "not_online_error")
            return self.jsonp(query, {"error": "logout_ok", "res": "logout_ok", "ecode": 0,
                                      "error_msg": "", "client_ip": ip, "srun_ver": SRUN_VER})
        return self.reply(404, "not found\n")

    def srun_login(self, query, ip):
        with self.lock:
            issued = challenges.get(ip)
        if not issued or time.time() - issued[2] > 60:
            return self.srun_error(query, "nonce_error")
        token = issued[0]
        username, ac_id = query.get("username", ""), query.get("ac_id", "")
        n, typ, info = query.get("n", ""), query.get("type", ""), query.get("info", "")
        password_param = query.get("password", "")
        hmd5 = password_param[5:] if password_param.startswith("{MD5}") else password_param
        if query.get("chksum") != srun_checksum(token, username, hmd5, ac_id, ip, n, typ, info):
            return self.srun_error(query, "sign_error")
        raw = None
        if info.startswith("{SRBX1}"):
            try:
                raw = x_decode(srun_unbase64(info[7:]), token.encode())
            except ValueError:
                raw = None
        try:
            fields = json.loads(raw) if raw is not None else None
        except ValueError:
            fields = None
        if (not isinstance(fields, dict) or set(fields) != {"username", "password", "ip", "acid", "enc_ver"}
                or fields["enc_ver"] != "srun_bx1" or b" " in raw.replace(fields["password"].encode(), b"")
                or fields["username"] != username or fields["ip"] != ip or str(fields["acid"]) != ac_id):
            return self.srun_error(query, "info_error")
        password = SRUN_USERS.get(username)
        if self.state["password_rejected"]:
            password = "changed-by-admin"
        mode = self.state["hmd5"]
        if password is not None and mode != "unchecked":
            key, msg = (token, password) if mode == "challenge_key" else (password, token)
            if hmd5 != hmac.new(key.encode(), msg.encode(), hashlib.md5).hexdigest():
                password = None
        if password is None or fields["password"] != password:
            return self.srun_error(query, "login_error", "E2901",
                                   "E2901: (Third party 1)bind_user2: ldap_bind error")
        with self.lock:
            challenges.pop(ip, None)
            already = srun_online.get(ip)
            if not already:
                srun_online[ip] = (username, time.time())
        return self.jsonp(query, {
            "ServerFlag": 0, "ServicesIntfServerIP": "127.0.0.1", "ServicesIntfServerPort": "8001",
            "access_token": token, "checkout_date": 0, "client_ip": ip, "ecode": 0, "error": "ok",
            "error_msg": "", "online_ip": ip, "ploy_msg": "E0000: Login is successful.",
            "real_name": "", "remain_flux": 0, "remain_times": 0, "res": "ok", "srun_ver": SRUN_VER,
            "suc_msg": "ip_already_online_error" if already else "login_ok",
            "sysver": "1.01.20211105", "username": username, "wallet_balance": 0})

    # ---------------- Ruijie ePortal ----------------
    def ruijie_page(self):
        page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>校园网自助服务</title></head>
<body><form id="loginForm">
<input type="text" id="username" name="userId">
<input type="password" id="pwd" name="password">
<select id="service" name="service"><option value="校园网">校园网</option><option value="中国电信">中国电信</option></select>
<input type="hidden" id="passwordEncrypt" value="false">
<input type="hidden" id="publicKeyExponent" value="{RSA_E:x}">
<input type="hidden" id="publicKeyModulus" value="{RSA_N:x}">
</form></body></html>"""
        return self.reply(200, page, "text/html; charset=utf-8")

    def ruijie(self, method, query):
        f = self.form() if method == "POST" else {}
        action = query.get("method", f.get("method", ""))
        fail = lambda message: self.reply_json(200, {  # noqa: E731
            "userIndex": None, "result": "fail", "message": message, "forwordurl": None,
            "keepaliveInterval": 0, "validCodeUrl": ""})
        if action == "login":
            user = RUIJIE_USERS.get(f.get("userId", ""))
            if not f.get("queryString"):
                return fail("认证参数错误，请重新打开认证页面")
            if f.get("service") not in ("校园网", "中国电信", "internet"):
                return fail("服务不存在")
            password = f.get("password", "")
            candidates = [password]
            if f.get("passwordEncrypt") == "true":
                candidates = [c for p in rsa_plaintexts(password) for c in (p, p[::-1])]
            if self.state["password_rejected"] or not user or user[0] not in candidates:
                return fail("用户名或密码错误")
            index = secrets.token_hex(24)
            with self.lock:
                ruijie_online[index] = (f["userId"], f["service"], self.client_address[0])
            return self.reply_json(200, {"userIndex": index, "result": "success", "message": "",
                                         "forwordurl": None, "keepaliveInterval": 0, "validCodeUrl": ""})
        index = f.get("userIndex", query.get("userIndex", ""))
        with self.lock:
            if not index:  # the client's own session, by its address
                index = next((i for i, v in ruijie_online.items() if v[2] == self.client_address[0]), "")
            found = ruijie_online.get(index)
        if action == "getOnlineUserInfo":
            if not found:
                return fail("用户不在线")
            user_id, service, ip = found
            return self.reply_json(200, {"result": "success", "message": "", "userIndex": index,
                                         "userId": user_id, "userName": RUIJIE_USERS[user_id][1],
                                         "userIp": ip, "service": service, "maxFlow": "无限制",
                                         "realServiceName": service, "userGroup": "学生",
                                         "accountFee": "0.00", "ballInfo": ""})
        if action == "keepalive":
            return self.reply_json(200, {"result": "success" if found else "fail",
                                         "message": "" if found else "用户不在线"})
        if action == "logout":
            if not found:
                return fail("用户不在线")
            with self.lock:
                ruijie_online.pop(index, None)
            return self.reply_json(200, {"result": "success", "message": "下线成功！"})
        return fail("method not supported")


def main():
    server, args = simlib.serve(Handler, "SIM_NETPORTAL_PORT", __doc__.split("\n")[0])
    if args.self_test:
        import test_netportal_sim
        test_netportal_sim.run(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
