#!/usr/bin/env python3
"""A CAS server simulator for what no packaged server offers: the CAS REST API (Apereo CAS's
/v1/tickets) and a Wisedu-style authserver login form (AES-encrypted password, captcha switch).
It follows the CAS protocol specification 3.0: single-use service tickets bound to their
service, INVALID_REQUEST / INVALID_TICKET / INVALID_SERVICE failures, CAS 2 and CAS 3
(attributes) validation, XML and format=JSON answers.

  cas_sim.py [--port N]       prints CAS_SIM_PORT=N once listening, serves until killed

Paths (two CAS servers under one port):
  /cas/...         REST API, plain form login, validation, logout
  /authserver/...  Wisedu-style login form, validation, logout
  POST /control/captcha?on=1|0   switch the Wisedu captcha on or off
Users: student1 / student1pw (attributes cn, mail, eduPersonAffiliation), staff1 / staff1pw.
"""
import argparse
import base64
import html
import json
import secrets
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERS = {
    "student1": ("student1pw", {"cn": "Student One", "mail": "student1@campus.test",
                                "eduPersonAffiliation": "student"}),
    "staff1": ("staff1pw", {"cn": "Staff One", "mail": "staff1@campus.test",
                            "eduPersonAffiliation": "staff"}),
}
lock = threading.Lock()
tgts = {}          # TGT id -> user
tickets = {}       # ST id -> (user, service)
executions = {}    # Wisedu execution value -> salt
state = {"captcha": False}


def new_id(prefix):
    return prefix + "-" + str(secrets.randbelow(10**6)) + "-" + secrets.token_urlsafe(24)


def aes_decrypt(ciphertext_b64, key):
    """Wisedu: AES-CBC keyed by the salt; the IV is random and never sent, which only garbles
    the first block -- inside the 64 random characters the page puts before the password."""
    data = base64.b64decode(ciphertext_b64)
    out = subprocess.run(
        ["openssl", "enc", "-d", "-aes-128-cbc", "-K", key.encode().hex(), "-iv", "00" * 16],
        input=data, capture_output=True, check=False)
    if out.returncode != 0:
        return None
    return out.stdout[64:].decode("utf-8", "replace")


def validation_xml(ok, user=None, attributes=None, code=None, message=None):
    if ok:
        attrs = "".join(f"<cas:{k}>{html.escape(v)}</cas:{k}>" for k, v in (attributes or {}).items())
        attrs = f"<cas:attributes>{attrs}</cas:attributes>" if attributes is not None else ""
        body = f"<cas:authenticationSuccess><cas:user>{html.escape(user)}</cas:user>{attrs}</cas:authenticationSuccess>"
    else:
        body = f"<cas:authenticationFailure code=\"{code}\">{html.escape(message)}</cas:authenticationFailure>"
    return f"<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">{body}</cas:serviceResponse>"


def validation_json(ok, user=None, attributes=None, code=None, message=None):
    if ok:
        success = {"user": user}
        if attributes is not None:
            success["attributes"] = {k: [v] for k, v in attributes.items()}
        return json.dumps({"serviceResponse": {"authenticationSuccess": success}})
    return json.dumps({"serviceResponse": {"authenticationFailure": {"code": code, "description": message}}})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("cas_sim: " + fmt % args + "\n")

    def reply(self, status, body="", content_type="text/plain; charset=utf-8", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def form(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def split(self):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        return url.path, query

    def base_url(self):
        return f"http://{self.headers.get('Host')}"

    # --- REST API (/cas/v1/tickets) ---
    def do_POST(self):
        path, query = self.split()
        if path == "/control/captcha":
            state["captcha"] = query.get("on") == "1"
            return self.reply(200, "captcha " + ("on" if state["captcha"] else "off") + "\n")
        if path == "/cas/v1/tickets":
            f = self.form()
            user = USERS.get(f.get("username", ""))
            if not user or user[0] != f.get("password"):
                return self.reply(401, "error.authentication.credentials.bad")
            tgt = new_id("TGT")
            with lock:
                tgts[tgt] = f["username"]
            return self.reply(201, "", headers=[("Location", f"{self.base_url()}/cas/v1/tickets/{tgt}")])
        if path.startswith("/cas/v1/tickets/TGT-"):
            tgt = path.rsplit("/", 1)[1]
            service = self.form().get("service")
            with lock:
                user = tgts.get(tgt)
                if not user:
                    return self.reply(404, "TGT not found")
                if not service:
                    return self.reply(400, "service is required")
                st = new_id("ST")
                tickets[st] = (user, service)
            return self.reply(200, st)
        if path == "/authserver/login":
            return self.wisedu_submit(query)
        return self.reply(404, "not found\n")

    def do_DELETE(self):
        path, _ = self.split()
        if path.startswith("/cas/v1/tickets/TGT-"):
            with lock:
                found = tgts.pop(path.rsplit("/", 1)[1], None)
            return self.reply(200 if found else 404, "")
        return self.reply(404, "not found\n")

    def do_GET(self):
        path, query = self.split()
        prefix = "/cas" if path.startswith("/cas/") else "/authserver" if path.startswith("/authserver/") else None
        if prefix and path in (prefix + "/serviceValidate", prefix + "/p3/serviceValidate"):
            return self.validate(query, with_attributes=path.endswith("/p3/serviceValidate"))
        if prefix and path == prefix + "/logout":
            return self.reply(302, "", headers=[("Location", f"{self.base_url()}{prefix}/login")])
        if path == "/authserver/login":
            return self.wisedu_page(query.get("service", ""), "")
        return self.reply(404, "not found\n")

    def validate(self, query, with_attributes):
        as_json = query.get("format", "").upper() == "JSON"
        render = validation_json if as_json else validation_xml
        ctype = "application/json" if as_json else "application/xml"
        service, ticket = query.get("service"), query.get("ticket")
        if not service or not ticket:
            return self.reply(200, render(False, code="INVALID_REQUEST",
                                          message="service and ticket are required"), ctype)
        with lock:
            found = tickets.pop(ticket, None)  # single use, whatever the outcome
        if not found:
            return self.reply(200, render(False, code="INVALID_TICKET",
                                          message=f"Ticket {ticket} not recognized"), ctype)
        user, issued_for = found
        if issued_for != service:
            return self.reply(200, render(False, code="INVALID_SERVICE",
                                          message="ticket was issued for another service"), ctype)
        attributes = USERS[user][1] if with_attributes else None
        return self.reply(200, render(True, user=user, attributes=attributes), ctype)

    # --- Wisedu-style authserver form ---
    def wisedu_page(self, service, error):
        execution = secrets.token_urlsafe(48)
        salt = "".join(secrets.choice("ABCDEFGHJKMNPQRSTWXYZabcdefhijkmnprstwxyz2345678")
                       for _ in range(16))
        with lock:
            executions[execution] = salt
        action = "/authserver/login?service=" + urllib.parse.quote(service, safe="")
        captcha = ('<p class="captcha-row"><input id="captcha" name="captcha" type="text" '
                   'placeholder="captcha"><img id="captchaImg" src="/authserver/getCaptcha.htl"></p>'
                   if state["captcha"] else "")
        error_html = f'<span id="showErrorTip" class="form-error">{html.escape(error)}</span>' if error else ""
        page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>统一身份认证</title></head>
<body><div class="auth_login_content"><table><tr><td>
<form id="pwdFromId" method="post" action="{html.escape(action)}">
{error_html}
<input id="username" name="username" placeholder="用户名" type="text">
<input id="password" placeholder="密码" type="password">
{captcha}
<input type="hidden" id="saltPassword" name="password" value="">
<input type="hidden" id="pwdEncryptSalt" value="{salt}">
<input type="hidden" id="_eventId" name="_eventId" value="submit">
<input type="hidden" id="cllt" name="cllt" value="userNameLogin">
<input type="hidden" id="dllt" name="dllt" value="generalLogin">
<input type="hidden" id="lt" name="lt" value="">
</td></tr><tr><td>
<input type="hidden" id="execution" name="execution" value="{execution}">
<a id="login_submit" class="auth_login_btn">登录</a>
</form></td></tr></table></div></body></html>"""
        return self.reply(200, page, "text/html; charset=utf-8")

    def wisedu_submit(self, query):
        f = self.form()
        service = query.get("service", "")
        with lock:
            salt = executions.pop(f.get("execution", ""), None)
        if not salt or f.get("_eventId") != "submit" or f.get("cllt") != "userNameLogin":
            return self.wisedu_page(service, "登录流程已过期，请重新登录")
        if state["captcha"] and not f.get("captcha"):
            return self.wisedu_page(service, "请输入验证码")
        password = aes_decrypt(f.get("password", ""), salt)
        user = USERS.get(f.get("username", ""))
        if password is None or not user or user[0] != password:
            return self.wisedu_page(service, "您提供的用户名或者密码有误")
        st = new_id("ST")
        with lock:
            tickets[st] = (f["username"], service)
        sep = "&" if "?" in service else "?"
        return self.reply(302, "", headers=[("Location", f"{service}{sep}ticket={st}"),
                                            ("Set-Cookie", "CASTGC=TGT-" + secrets.token_hex(16) + "; Path=/authserver; HttpOnly")])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"CAS_SIM_PORT={server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
