#!/usr/bin/env python3
"""The demo end to end (ctest demo-campus): tests/sim/campus-sim starts the demo campus and
campus-probe on configs/demo.yaml; every indicator of both editions is met within 90 s (those
awaiting attestations aside: they have no check, and must not fail); breaking the library fails its
indicators with the simulator's 503 as the reason, healing it brings them back; the stop leaves no
process and no port behind.
  CAMPUS_PROBE=build/agent/campus-probe python3 tests/sim/test_campus_sim.py"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LAUNCHER = os.path.join(HERE, "campus-sim")
AGENT = "http://127.0.0.1:19877"
BIN = os.environ.get("CAMPUS_PROBE", os.path.join(REPO, "build", "agent", "campus-probe"))


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok - {what}", flush=True)


def get(path):
    with urllib.request.urlopen(AGENT + path, timeout=10) as r:
        return json.loads(r.read())


def indicators():
    return {i["id"]: i for e in ("higher", "secondary") for i in get(f"/api/indicators?edition={e}")}


def wait_for(what, cond, limit):
    end = time.time() + limit
    last = None
    while time.time() < end:
        try:
            last = cond()
            if last is True:
                return True
        except (OSError, ValueError) as e:
            last = e
        time.sleep(1)
    raise AssertionError(f"{what}: not within {limit} s (last: {last})")


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def main():
    out = subprocess.run([BIN, "check-config", "--skip-secrets", os.path.join(REPO, "configs", "demo.yaml")],
                         capture_output=True, text=True)
    check(out.returncode == 0, "configs/demo.yaml checks: " + out.stdout.splitlines()[0])
    m = re.search(r"higher (\d+)/61 .*secondary (\d+)/44", out.stdout)
    check(m and int(m[1]) == 61 and int(m[2]) == 44,
          f"every indicator is mapped: higher {m and m[1]}/61, secondary {m and m[2]}/44")
    check("unmapped higher: 0\n" in out.stdout and "unmapped secondary: 0\n" in out.stdout,
          "check-config reports 0 unmapped indicators in both editions")

    state = tempfile.mkdtemp(prefix="campus-sim-test.")
    env = dict(os.environ, CAMPUS_PROBE=BIN)
    pids = []
    started = False
    try:
        t0 = time.time()
        out = subprocess.run([LAUNCHER, "start", state], env=env, capture_output=True, text=True, timeout=120)
        check(out.returncode == 0, f"campus-sim start ({time.time() - t0:.0f} s) " + out.stderr[-2000:])
        started = True
        pids = [int(v) for line in open(os.path.join(state, "campus.env"))
                for k, v in [line.strip().split("=", 1)] if k.endswith("_PID")]

        def all_met():
            # Met by checks, or attested by people where only people can prove it.
            bad = {i: v["status"] for i, v in indicators().items()
                   if v["status"] not in ("met", "attested")}
            return True if not bad else bad
        wait_for("every indicator met or attested", all_met, 90)
        attested = sorted(i for i, v in indicators().items() if v["status"] == "attested")
        check(len(attested) == 7, f"every indicator met {time.time() - t0:.0f} s after the start, "
              f"{len(attested)} of them by attestation: {attested}")

        subprocess.run([LAUNCHER, "break", "library"], check=True, capture_output=True)
        t1 = time.time()
        wait_for("the library's indicators fail",
                 lambda: all(indicators()[i]["status"] == "failing" for i in ("H-2.2.2.3", "H-2.2.2.4")) or
                 {i: indicators()[i]["status"] for i in ("H-2.2.2.3", "H-2.2.2.4")}, 30)
        reason = get("/api/checks/library-opac")["last"]["reason"]
        check("503" in reason, f"library broken: failing after {time.time() - t1:.0f} s, reason: {reason}")
        others = [i for i, v in indicators().items() if v["status"] == "failing" and i not in ("H-2.2.2.3", "H-2.2.2.4")]
        check(not others, f"no other indicator fails ({others})")

        subprocess.run([LAUNCHER, "heal", "library"], check=True, capture_output=True)
        t2 = time.time()
        wait_for("the library's indicators recover",
                 lambda: all(indicators()[i]["status"] == "met" for i in ("H-2.2.2.3", "H-2.2.2.4")), 30)
        check(True, f"library healed: met again after {time.time() - t2:.0f} s")

        evidence = os.listdir(os.path.join(state, "evidence"))
        check(any(f.endswith(".jsonl") for f in evidence), "the evidence log is written in the state dir")
    finally:
        if started:
            subprocess.run([LAUNCHER, "stop", state], env=env, timeout=60)
        shutil.rmtree(state, ignore_errors=True)
    alive = [p for p in pids if os.path.exists(f"/proc/{p}") and
             open(f"/proc/{p}/stat").read().split()[2] != "Z"]
    check(not alive, f"no process left after stop ({len(pids)} started, alive: {alive})")
    left = [p for p in list(range(19801, 19820)) + [19877, 19878] if port_open(p)]
    check(not left, f"no port left open ({left})")
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    check(os.path.basename(state) not in ps, "no process mentions the state dir")


if __name__ == "__main__":
    sys.exit(main())
