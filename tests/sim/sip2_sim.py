#!/usr/bin/env python3
"""A SIP2 (3M Standard Interchange Protocol 2.0) ACS simulator for tests: no SIP2 server is
packaged in Debian. It answers 93 login, 99 SC status and 63 patron information as the
specification writes them, with sequence numbers (AY) and checksums (AZ), and verifies the
checksums of what it receives (answering 96, "please resend", to a bad one).

One listener per behaviour, each printed as SIP2_SIM_<MODE>_PORT=<port>:
  normal   a healthy ACS; library name and patron names in UTF-8
  gb18030  the same, names encoded in GB18030 as many Chinese library systems do
  offline  SC status says the ACS is offline
  badsum   answers carry a wrong checksum
  garbage  answers are not SIP2 at all
  slow     answers after 5 seconds
  drop     closes the connection on the first request
  tls      a healthy ACS behind TLS (only with --cert and --key)
Terminal login: campus-probe / sip2pw. Patrons: P0001 (password 1234, 张三, 2 charged, 1 hold),
P0002 (not a valid patron).
"""
import argparse
import socket
import ssl
import sys
import threading
import time

LOGINS = {"campus-probe": "sip2pw"}
PATRONS = {"P0001": ("1234", "张三", 2, 1)}
MODES = ["normal", "gb18030", "offline", "badsum", "garbage", "slow", "drop"]


def checksum(text):
    return "%04X" % ((-sum(text.encode("latin-1"))) & 0xFFFF)


def fields(message):
    out = {}
    for part in message.split("|"):
        if len(part) >= 2:
            out[part[:2]] = part[2:]
    return out


def respond(mode, request):
    """The answer body (without AY/AZ) to one request, or None to say nothing."""
    ident = request[:2]
    now = time.strftime("%Y%m%d    %H%M%S")
    if ident == "93":
        f = fields(request[4:])
        ok = LOGINS.get(f.get("CN")) == f.get("CO")
        return "94" + ("1" if ok else "0")
    if ident == "99":
        online = "N" if mode == "offline" else "Y"
        return ("98" + online + "YYYNN" + "030" + "003" + now + "2.00" +
                "AOcampus|AM校园图书馆|BXYYYYYYYYYYYYYYYY|AFWelcome|")
    if ident == "63":
        f = fields(request[2 + 3 + 18 + 10:])
        patron = PATRONS.get(f.get("AA"))
        if not patron:
            return ("64" + "Y" * 14 + "001" + now + "0000" * 6 +
                    "AO" + f.get("AO", "") + "|AA" + f.get("AA", "") + "|AEunknown|BLN|")
        password, name, charged, holds = patron
        password_ok = "Y" if f.get("AD") == password else "N"
        return ("64" + " " * 14 + "001" + now + "%04d" % holds + "0000" + "%04d" % charged +
                "0000" * 3 + "AO" + f.get("AO", "") + "|AA" + f.get("AA", "") + "|AE" + name +
                "|BLY|CQ" + password_ok + "|BZ0010|CA0020|CB0005|")
    return "96"


def encode(mode, body, sequence):
    text = body
    if sequence is not None:
        text += "AY" + sequence + "AZ"
        data = text.encode("gb18030" if mode == "gb18030" else "utf-8")
        total = (-sum(data)) & 0xFFFF
        if mode == "badsum":
            total ^= 0x0101
        return data + ("%04X" % total).encode() + b"\r"
    return text.encode("gb18030" if mode == "gb18030" else "utf-8") + b"\r"


def serve(mode, conn):
    buffer = b""
    try:
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buffer += chunk
            while b"\r" in buffer:
                raw, buffer = buffer.split(b"\r", 1)
                request = raw.decode("utf-8", "replace").lstrip("\n")
                if mode == "drop":
                    return
                if mode == "garbage":
                    conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
                    continue
                if mode == "slow":
                    time.sleep(5)
                sequence = None
                if "AY" in request and "AZ" in request:
                    at = request.rindex("AZ")
                    if checksum(request[:at + 2]) != request[at + 2:at + 6].upper():
                        conn.sendall(b"96\r")
                        continue
                    sequence = request[request.rindex("AY") + 2]
                conn.sendall(encode(mode, respond(mode, request), sequence))
    except OSError:
        pass
    finally:
        conn.close()


def listen(mode, tls=None, port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(32)

    def handshake_and_serve(conn):
        try:
            conn = tls.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            return
        serve("normal", conn)

    def accept():
        while True:
            conn, _ = s.accept()
            target = handshake_and_serve if tls else lambda c: serve(mode, c)
            threading.Thread(target=target, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description="SIP2 ACS simulator")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--normal-port", type=int, default=0, help="the healthy ACS's port (default: a free one)")
    args = parser.parse_args()
    for mode in MODES:
        port = args.normal_port if mode == "normal" else 0
        print(f"SIP2_SIM_{mode.upper()}_PORT={listen(mode, port=port)}", flush=True)
    if args.cert and args.key:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.cert, args.key)
        print(f"SIP2_SIM_TLS_PORT={listen('tls', tls)}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
