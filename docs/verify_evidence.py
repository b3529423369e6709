#!/usr/bin/env python3
"""Verifies a campus-probe evidence directory independently of campus-probe (docs/evidence-format.md).
usage: verify_evidence.py DIR [KEY_FILE]"""
import glob, hashlib, hmac, json, os, sys

def canonical(record):
    body = {k: v for k, v in record.items() if k not in ("hash", "mac")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

key = open(sys.argv[2], "rb").read().rstrip(b"\r\n") if len(sys.argv) > 2 else None
paths = sorted(glob.glob(os.path.join(sys.argv[1], "evidence-????????-????.jsonl")))
prev, seq = "0" * 64, 0
first = json.loads(open(paths[0], encoding="utf-8").readline())
retained = {d["last_hash"]: d["last_seq"] for p in paths for l in open(p, encoding="utf-8")
            if '"type":"retention"' in l for d in json.loads(l)["deleted"]}
if first["prev"] != prev:  # older segments removed by retention
    assert retained.get(first["prev"], -2) + 1 == first["seq"], "earlier segments missing"
    prev, seq = first["prev"], first["seq"]
for path in paths:
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        record, where = json.loads(line), f"{os.path.basename(path)} line {number}"
        data = canonical(record)
        assert hashlib.sha256(data).hexdigest() == record["hash"], f"{where}: hash mismatch"
        assert record["prev"] == prev and record["seq"] == seq, f"{where}: chain broken"
        if key is not None:
            assert hmac.new(key, data, hashlib.sha256).hexdigest() == record.get("mac"), f"{where}: MAC mismatch"
        prev, seq = record["hash"], seq + 1
print(f"intact: up to seq {seq - 1}")
