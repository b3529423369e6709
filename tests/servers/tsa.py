#!/usr/bin/env python3
"""A test RFC 3161 time-stamping authority on 127.0.0.1: answers each POSTed TimeStampReq with
`openssl ts -reply`, signed by a TSA certificate (extended key usage timeStamping, critical) from
its own test CA. Prints PORT=N once listening.
  tsa.py DIR              keys, certificates and the openssl ts config live in DIR
  POST /                  application/timestamp-query -> application/timestamp-reply
  POST /__control?down=1  answer 503 from now on (down=0: answer again)
  GET  /__stats           {"granted": N, "refused": N}
"""
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.parse

DIR = os.path.abspath(sys.argv[1])
state = {"down": False, "granted": 0, "refused": 0}
lock = threading.Lock()


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=DIR)


def make_keys():
    if os.path.exists(os.path.join(DIR, "tsa.crt")):
        return
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
        "-subj", "/CN=Campus Test TSA CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", "tsa-ca.key",
        "-out", "tsa-ca.crt")
    with open(os.path.join(DIR, "tsa.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n"
                "extendedKeyUsage=critical,timeStamping\n")
    run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Campus Test TSA",
        "-keyout", "tsa.key", "-out", "tsa.csr")
    run("openssl", "x509", "-req", "-in", "tsa.csr", "-CA", "tsa-ca.crt", "-CAkey", "tsa-ca.key",
        "-CAcreateserial", "-days", "3650", "-extfile", "tsa.ext", "-out", "tsa.crt")
    with open(os.path.join(DIR, "tsa.cnf"), "w") as f:
        f.write(f"""[tsa]
default_tsa = test_tsa
[test_tsa]
dir = {DIR}
serial = {DIR}/tsaserial
crypto_device = builtin
signer_cert = {DIR}/tsa.crt
certs = {DIR}/tsa-ca.crt
signer_key = {DIR}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
    with open(os.path.join(DIR, "tsaserial"), "w") as f:
        f.write("01\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/__stats":
            with lock:
                body = json.dumps({"granted": state["granted"], "refused": state["refused"]})
            return self.answer(200, body.encode(), "application/json")
        self.answer(404, b"not found\n", "text/plain")

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if url.path == "/__control":
            down = urllib.parse.parse_qs(url.query).get("down", ["0"])[0] == "1"
            with lock:
                state["down"] = down
            return self.answer(200, b"ok\n", "text/plain")
        with lock:
            if state["down"]:
                state["refused"] += 1
                return self.answer(503, b"down for the test\n", "text/plain")
        with tempfile.TemporaryDirectory(dir=DIR) as work:
            query = os.path.join(work, "q.tsq")
            reply = os.path.join(work, "r.tsr")
            with open(query, "wb") as f:
                f.write(body)
            with lock:  # one at a time: openssl ts -reply increments the serial file
                done = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", os.path.join(DIR, "tsa.cnf"),
                     "-queryfile", query, "-out", reply], capture_output=True)
                if done.returncode == 0:
                    state["granted"] += 1
            if done.returncode != 0:
                return self.answer(400, done.stderr, "text/plain")
            with open(reply, "rb") as f:
                self.answer(200, f.read(), "application/timestamp-reply")


os.makedirs(DIR, exist_ok=True)
make_keys()
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("TSA_PORT", "0"))), Handler)
print(f"PORT={server.server_address[1]}", flush=True)
server.serve_forever()
