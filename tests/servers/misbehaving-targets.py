#!/usr/bin/env python3
"""Targets that misbehave the way broken campus systems do, on 127.0.0.1:
  silent  accepts connections and never answers
  reset   accepts, reads the request, then resets the connection (RST)
  drip    answers an HTTP request one byte per second
  banner  greets every connection like a mail server ("220 campus-test ESMTP ready") and closes
Prints MISBEHAVE_<NAME>_PORT=<port> lines once listening, then serves until killed."""
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


def serve(sock, handler):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


held = []
modes = {"silent": silent, "reset": reset, "drip": drip, "banner": banner}
sockets = {name: listener() for name in modes}
for name, sock in sockets.items():
    threading.Thread(target=serve, args=(sock, modes[name]), daemon=True).start()
    print("MISBEHAVE_%s_PORT=%d" % (name.upper(), sock.getsockname()[1]))
sys.stdout.flush()
while True:
    time.sleep(3600)
