#!/usr/bin/env python3
"""Verifies a campus-probe evidence directory independently of campus-probe (docs/evidence-format.md).
usage: verify_evidence.py DIR [KEY_FILE] [--pubkey PUBLIC_KEY_FILE] [--tsa-ca CA_FILE] [--min-seq N]
Exit 0: intact. Exit 1: broken (an assertion names the record), shorter than its head file or
than --min-seq, or "GAP:" records the agent found missing at a restart (the chain holds around)."""
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
min_seq = int(args.pop(args.index("--min-seq") + 1)) if "--min-seq" in args else None
if min_seq is not None:
    args.remove("--min-seq")

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
missing, dropped, head_hash, head_segment, hash_at_head = [], 0, None, None, None
# The head file names the last record the agent synced: the log must reach it, with that hash.
head = json.load(open(os.path.join(args[0], "head"))) if os.path.exists(os.path.join(args[0], "head")) else None
first = json.loads(open(paths[0], encoding="utf-8").readline())
retained = {d["last_hash"]: d["last_seq"] for p in paths for l in open(p, encoding="utf-8")
            if '"type":"retention"' in l for d in json.loads(l)["deleted"]}
if first["type"] == "gap" and "missing_from_seq" in first:  # every segment gone before a restart
    seq = first["missing_from_seq"]
elif first["prev"] != prev:  # older segments removed by retention
    assert retained.get(first["prev"], -2) + 1 == first["seq"], "earlier segments missing"
    prev, seq = first["prev"], first["seq"]
first_seq = seq
for path in paths:
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        record, where = json.loads(line), f"{os.path.basename(path)} line {number}"
        data = canonical(record)
        assert hashlib.sha256(data).hexdigest() == record["hash"], f"{where}: hash mismatch"
        if (record["type"] == "gap" and record.get("missing_from_seq") == seq and
                record["missing_to_seq"] + 1 == record["seq"] and record["prev"] == record["head_hash"]):
            # A restart found the log shorter than its head file and went on from the head.
            a, b = record["missing_from_seq"], record["missing_to_seq"]
            missing.append(f"records missing: seq {a} to {b} ({b - a + 1} record(s)) were removed "
                           f"from the end of the log before a restart ({where})")
            prev, seq = record["prev"], record["seq"]
        assert record["prev"] == prev and record["seq"] == seq, f"{where}: chain broken"
        dropped += record.get("dropped", 0) if record["type"] == "gap" else 0
        head_hash, head_segment = record["hash"], os.path.basename(path)
        if head and seq == head["seq"]:
            hash_at_head = record["hash"]
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
if head:
    assert seq - 1 >= head["seq"], (f"records removed from the end: the log ends at seq {seq - 1}, "
                                    f"its head file says {head['seq']}")
    assert head["seq"] < first_seq or hash_at_head == head["hash"], \
        f"the log's record at seq {head['seq']} has another hash than its head file names"
assert min_seq is None or seq - 1 >= min_seq, \
    f"records removed from the end: the log ends at seq {seq - 1}, before seq {min_seq} (--min-seq)"
print(("GAP: " + "; ".join(missing) + ". Otherwise the chain holds: " if missing else "intact: ") +
      f"up to seq {seq - 1}" + (f", signed up to seq {signed}" if pubkey else "") +
      (f", {stamps} timestamp(s)" if stamps else "") +
      (f"; {dropped} record(s) dropped (the backlog was full)" if dropped else "") +
      f"; head: seq {seq - 1} (hash {head_hash[:16]}…) in {head_segment}" +
      (f", the head file says seq {head['seq']}" if head else ", no head file"))
sys.exit(1 if missing else 0)
