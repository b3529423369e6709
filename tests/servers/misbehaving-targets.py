#!/usr/bin/env python3
"""Targets that misbehave the way broken campus systems do, on 127.0.0.1:
  silent  accepts connections and never answers
  reset   accepts, reads the request, then resets the connection (RST)
  drip    answers an HTTP request one byte per second
  banner  greets every connection like a mail server ("220 campus-test ESMTP ready") and closes
  digest  a camera's HTTP API behind Digest authentication (RFC 7616, MD5, qop=auth) for the
          user "camera" with password "digest-pw-7616": 401 with a challenge, 200 with JSON
  search  a door controller's event search (Hikvision AcsEvent style): POST /ISAPI/AcsEvent
          with "X-Api-Key: door-key-2718" and a JSON body {"AcsEventCond": {"searchID",
          "startTime": RFC 3339 within the last two days, "maxResults"}}; 200 with events of a
          minute and an hour ago, 401 for a wrong key, 405 for another method, 400 for another
          body (the reason in the JSON answer)
  hugeheader  answers with a 300 KB header line (an endless header)
  bigbody  GET /N answers 200 with a body of N bytes ("x"), 256 KiB every 20 ms, so that several
          transfers overlap; any path with "deep-json" in it (/deep-json?depth=N, default
          100000, also /deep-json/.well-known/openid-configuration) answers application/json
          nested N levels deep ([[[...]]])
  hugetoken  redirects every request to /done?token= and 90,000 characters; /done answers
          200 with the same token in a header and in the body
  reflect  echoes the request's headers in its body, as echo endpoints and debug pages do:
          /json as a JSON object {"headers": {...}} (httpbin's /headers), any other path as
          "Name: value" lines of text/plain (only header NAME's with ?header=NAME)
  backlog  a listener whose accept queue is full and never drained: a connection attempt gets
          no answer to its SYN and hangs while connecting
Prints MISBEHAVE_<NAME>_PORT=<port> lines once listening, then serves until killed."""
import datetime
import hashlib
import json
import os
import re
import socket
import struct
import sys
import threading
import time


def listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def silent(conn):
    held.append(conn)  # keep it open, say nothing


def reset(conn):
    try:
        conn.recv(4096)
    except OSError:
        pass
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def drip(conn):
    try:
        conn.recv(4096)
        body = b"x" * 120
        reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        for i in range(len(reply)):
            conn.sendall(reply[i:i + 1])
            time.sleep(1)
    except OSError:
        pass
    finally:
        conn.close()


def banner(conn):
    try:
        conn.sendall(b"220 campus-test ESMTP ready\r\n")
        time.sleep(0.5)
    except OSError:
        pass
    finally:
        conn.close()


DIGEST_REALM, DIGEST_USER, DIGEST_PASSWORD = "campus-camera", "camera", "digest-pw-7616"
digest_nonces = set()


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def digest_accepts(method, authorization):
    if not authorization.lower().startswith("digest "):
        return False
    f = dict((k.lower(), a if a else b) for k, a, b in
             re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', authorization[7:]))
    if f.get("username") != DIGEST_USER or f.get("realm") != DIGEST_REALM or \
            f.get("nonce") not in digest_nonces or f.get("qop") != "auth":
        return False
    ha1 = md5("%s:%s:%s" % (DIGEST_USER, DIGEST_REALM, DIGEST_PASSWORD))
    ha2 = md5("%s:%s" % (method, f.get("uri", "")))
    expected = md5(":".join([ha1, f["nonce"], f.get("nc", ""), f.get("cnonce", ""), "auth", ha2]))
    return f.get("response") == expected


def digest(conn):
    try:
        reader = conn.makefile("rb")
        while True:
            line = reader.readline().decode("latin-1")
            if not line:
                return
            method = line.split(" ")[0]
            headers = {}
            while True:
                h = reader.readline().decode("latin-1").rstrip("\r\n")
                if not h:
                    break
                name, _, value = h.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if length:
                reader.read(length)
            if digest_accepts(method, headers.get("authorization", "")):
                now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                body = b'{"status":"ok","device":"door-controller","time":"%s"}' % now.encode()
                head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            else:
                nonce = os.urandom(16).hex()
                digest_nonces.add(nonce)
                body = b'{"error":"unauthorized"}'
                head = ("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                        'WWW-Authenticate: Digest realm="%s", qop="auth", algorithm=MD5, '
                        'nonce="%s", opaque="0123abcd"\r\n' % (DIGEST_REALM, nonce))
            conn.sendall((head + "Content-Length: %d\r\n\r\n" % len(body)).encode() + body)
    except OSError:
        pass
    finally:
        conn.close()


SEARCH_KEY = "door-key-2718"


def search_answer(method, path, headers, body):
    if method != "POST":
        return 405, {"error": "method %s, expected POST" % method}
    if path != "/ISAPI/AcsEvent":
        return 404, {"error": "no such path " + path}
    if headers.get("x-api-key") != SEARCH_KEY:
        return 401, {"error": "bad X-Api-Key"}
    if not headers.get("content-type", "").startswith("application/json"):
        return 400, {"error": "content-type " + headers.get("content-type", "(none)")}
    try:
        cond = json.loads(body)["AcsEventCond"]
        start = datetime.datetime.fromisoformat(cond["startTime"])
        search_id, max_results = cond["searchID"], int(cond["maxResults"])
    except (ValueError, KeyError, TypeError) as e:
        return 400, {"error": "bad body %r: %s" % (body[:200], e)}
    age = datetime.datetime.now(datetime.timezone.utc) - start
    if start.tzinfo is None or not datetime.timedelta(0) <= age <= datetime.timedelta(days=2):
        return 400, {"error": "startTime %s is not within the last two days" % cond["startTime"]}
    zone = datetime.timezone(datetime.timedelta(hours=8))
    now = datetime.datetime.now(zone).replace(microsecond=0)
    events = [{"major": 5, "minor": 75, "time": (now - datetime.timedelta(minutes=m)).isoformat()}
              for m in (60, 1)][:max_results]
    return 200, {"AcsEvent": {"searchID": search_id, "responseStatusStrg": "OK",
                              "numOfMatches": len(events), "InfoList": events}}


def search(conn):
    try:
        reader = conn.makefile("rb")
        while True:
            line = reader.readline().decode("latin-1")
            if not line:
                return
            method, path = (line.split(" ") + ["", ""])[:2]
            headers = {}
            while True:
                h = reader.readline().decode("latin-1").rstrip("\r\n")
                if not h:
                    break
                name, _, value = h.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            body = reader.read(length).decode("utf-8", "replace") if length else ""
            status, answer = search_answer(method, path, headers, body)
            data = json.dumps(answer).encode()
            conn.sendall(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % (status, b"OK" if status == 200 else
                                                           b"Refused", len(data)) + data)
    except OSError:
        pass
    finally:
        conn.close()


def hugetoken(conn):
    try:
        request = conn.recv(65536).decode("latin-1")
        token = "token=" + "a" * 90000
        if request.startswith("GET /done"):
            body = ("<p>%s</p>" % token).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Echo: %s\r\nContent-Length: %d\r\n"
                         b"Connection: close\r\n\r\n" % (token.encode(), len(body)) + body)
        else:
            conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /done?%s\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n" % token.encode())
    except OSError:
        pass
    finally:
        conn.close()


def hugeheader(conn):
    try:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Endless: " + b"a" * 300000 + b"\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()


def reflect(conn):
    try:
        reader = conn.makefile("rb")
        line = reader.readline().decode("latin-1")
        path = (line.split(" ") + ["", ""])[1]
        headers = []
        while True:
            h = reader.readline().decode("latin-1").rstrip("\r\n")
            if not h:
                break
            name, _, value = h.partition(":")
            headers.append((name.strip(), value.strip()))
        if path.startswith("/json"):
            body = json.dumps({"headers": dict(headers)}).encode()
            kind = b"application/json"
        else:
            wanted = path.partition("?header=")[2].lower()
            body = "".join("%s: %s\n" % h for h in headers
                           if not wanted or h[0].lower() == wanted).encode("latin-1")
            kind = b"text/plain"
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % (kind, len(body)) + body)
    except OSError:
        pass
    finally:
        conn.close()


def deep_json(conn, path):
    match = re.search(r"depth=(\d+)", path)
    depth = int(match.group(1)) if match else 100000
    body = b"[" * depth + b"]" * depth
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                 b"Connection: close\r\n\r\n" % len(body) + body)


def bigbody(conn):
    try:
        request = conn.recv(65536).decode("latin-1")
        path = (request.split(" ") + ["", ""])[1]
        if "deep-json" in path:
            deep_json(conn, path)
            return
        size = int(path.strip("/") or "0") if path.strip("/").isdigit() else 0
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % size)
        chunk = b"x" * (256 * 1024)
        while size > 0:
            conn.sendall(chunk[:size])
            size -= min(size, len(chunk))
            time.sleep(0.02)
    except OSError:
        pass
    finally:
        conn.close()


def full_backlog():
    # Linux queues one connection beyond a backlog of 0; later SYNs are dropped while the queue
    # is full, so the client retransmits them until it gives up.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    for _ in range(3):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        try:
            filler.connect(s.getsockname())
        except BlockingIOError:
            pass
        held.append(filler)
    time.sleep(0.2)
    return s


def serve(sock, handler):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


held = []
modes = {"silent": silent, "reset": reset, "drip": drip, "banner": banner, "digest": digest,
         "search": search, "hugetoken": hugetoken, "hugeheader": hugeheader, "reflect": reflect,
         "bigbody": bigbody}
sockets = {name: listener() for name in modes}
for name, sock in sockets.items():
    threading.Thread(target=serve, args=(sock, modes[name]), daemon=True).start()
    print("MISBEHAVE_%s_PORT=%d" % (name.upper(), sock.getsockname()[1]))
backlog = full_backlog()  # never accepted from
print("MISBEHAVE_BACKLOG_PORT=%d" % backlog.getsockname()[1])
sys.stdout.flush()
while True:
    time.sleep(3600)
