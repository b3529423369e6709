#!/usr/bin/env python3
"""Verifies a campus-probe evidence directory independently of campus-probe (docs/evidence-format.md).
usage: verify_evidence.py DIR [KEY_FILE] [--pubkey PUBLIC_KEY_FILE] [--tsa-ca CA_FILE]"""
import base64, calendar, glob, hashlib, hmac, json, os, re, subprocess, sys, tempfile, time

args = sys.argv[1:]
pubkey = None
if "--pubkey" in args:  # Ed25519 signatures need python3-cryptography
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    pubkey = load_pem_public_key(open(args.pop(args.index("--pubkey") + 1), "rb").read())
    args.remove("--pubkey")
tsa_ca = args.pop(args.index("--tsa-ca") + 1) if "--tsa-ca" in args else None
if tsa_ca:
    args.remove("--tsa-ca")

def utc(text):  # RFC 3339 UTC, as the agent writes it
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))

def check_timestamp(record, where, signed_at, first_seq):
    """An RFC 3161 token, read with the openssl command line: over the hash of the signed
    checkpoint it names, dated from 5 minutes before it to a day after, and (with --tsa-ca)
    signed by a timeStamping certificate of that CA."""
    cp = record["checkpoint"]
    if cp["seq"] in signed_at:
        assert signed_at[cp["seq"]][0] == cp["hash"], f"{where}: timestamp of another chain (rewritten)"
    else:
        assert cp["seq"] < first_seq, f"{where}: timestamp of a record that is not signed"
    with tempfile.NamedTemporaryFile(suffix=".der") as token:
        token.write(base64.b64decode(record["token"]))
        token.flush()
        text = subprocess.run(["openssl", "ts", "-reply", "-in", token.name, "-token_in", "-text"],
                              capture_output=True, text=True, check=True).stdout
        digest = "".join(re.findall(r"^\s+[0-9a-f]{4} - ([0-9a-f -]{47})", text, re.M))
        assert re.sub("[ -]", "", digest) == cp["hash"], f"{where}: token over another hash"
        if tsa_ca:
            ok = subprocess.run(["openssl", "ts", "-verify", "-digest", cp["hash"], "-in", token.name,
                                 "-token_in", "-CAfile", tsa_ca], capture_output=True).returncode
            assert ok == 0, f"{where}: the TSA's signature does not verify"
    stamped = calendar.timegm(time.strptime(re.search(r"^Time stamp: (.*) GMT", text, re.M)[1],
                                            "%b %d %H:%M:%S %Y"))
    checkpoint_time = utc(signed_at.get(cp["seq"], ("", cp["time"]))[1])
    assert checkpoint_time - 300 <= stamped <= checkpoint_time + 86400, f"{where}: token dated {stamped}"

def canonical(record):
    body = {k: v for k, v in record.items() if k not in ("hash", "mac", "sig")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

key = open(args[1], "rb").read().rstrip(b"\r\n") if len(args) > 1 else None
paths = sorted(glob.glob(os.path.join(args[0], "evidence-????????-????.jsonl")))
prev, seq, signed, signed_at, stamps = "0" * 64, 0, None, {}, 0
first = json.loads(open(paths[0], encoding="utf-8").readline())
retained = {d["last_hash"]: d["last_seq"] for p in paths for l in open(p, encoding="utf-8")
            if '"type":"retention"' in l for d in json.loads(l)["deleted"]}
if first["prev"] != prev:  # older segments removed by retention
    assert retained.get(first["prev"], -2) + 1 == first["seq"], "earlier segments missing"
    prev, seq = first["prev"], first["seq"]
first_seq = seq
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
        if "sig" in record:
            signed_at[seq] = (record["hash"], record["time"])
        if record["type"] == "timestamp":
            check_timestamp(record, where, signed_at, first_seq)
            stamps += 1
        prev, seq = record["hash"], seq + 1
assert pubkey is None or signed is not None, "no record is signed"
assert tsa_ca is None or stamps > 0, "no trusted timestamp"
print(f"intact: up to seq {seq - 1}" + (f", signed up to seq {signed}" if pubkey else "") +
      (f", {stamps} timestamp(s)" if stamps else ""))
