#!/usr/bin/env python3
"""Verifies a campus-probe evidence directory independently of campus-probe (docs/evidence-format.md).
usage: verify_evidence.py DIR [KEY_FILE] [--pubkey PUBLIC_KEY_FILE]"""
import glob, hashlib, hmac, json, os, sys

args = sys.argv[1:]
pubkey = None
if "--pubkey" in args:  # Ed25519 signatures need python3-cryptography
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    pubkey = load_pem_public_key(open(args.pop(args.index("--pubkey") + 1), "rb").read())
    args.remove("--pubkey")

def canonical(record):
    body = {k: v for k, v in record.items() if k not in ("hash", "mac", "sig")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

key = open(args[1], "rb").read().rstrip(b"\r\n") if len(args) > 1 else None
paths = sorted(glob.glob(os.path.join(args[0], "evidence-????????-????.jsonl")))
prev, seq, signed = "0" * 64, 0, None
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
        if pubkey is not None and "sig" in record:  # raises InvalidSignature when it does not verify
            pubkey.verify(bytes.fromhex(record["sig"]), record["hash"].encode())
            signed = seq
        prev, seq = record["hash"], seq + 1
assert pubkey is None or signed is not None, "no record is signed"
print(f"intact: up to seq {seq - 1}" + (f", signed up to seq {signed}" if pubkey else ""))
