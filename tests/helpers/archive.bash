# Helpers for tests/verify.bats and tests/replay.bats.

# arc_gen N START STEP: N envelopes of two feeds (kalshi, kalshi2) whose
# ts starts at START ("YYYY-MM-DD HH:MM:SS" UTC) and grows by STEP seconds,
# every ts distinct; frames of types trade, ticker, orderbook_delta and
# ssmd_gap, 20 market tickers, sids 1-4.
arc_gen() {
	/usr/bin/python3 - "$@" <<'PY'
import sys, datetime, json, random
n, start, step = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
random.seed(11)
t0 = datetime.datetime.strptime(start, "%Y-%m-%d %H:%M:%S")
types = ["trade", "ticker", "orderbook_delta", "trade"]
markets = ["KXBTC-26NOV21-T%d" % i for i in range(10)] + \
          ["KXETH-26NOV21-B%d" % i for i in range(10)]
out = sys.stdout
for i in range(n):
    t = t0 + datetime.timedelta(microseconds=round(i * step * 1e6))
    ts = "%s.%06dZ" % (t.strftime("%Y-%m-%dT%H:%M:%S"), t.microsecond)
    if i % 97 == 96:
        d = {"type": "ssmd_gap", "sid": 3, "expected_seq": i, "seq": i + 2}
    else:
        d = {"type": random.choice(types), "sid": random.randint(1, 4),
             "seq": i, "msg": {"market_ticker": random.choice(markets),
                               "yes_price": random.randint(1, 99), "n": i}}
    feed = "kalshi2" if i % 3 == 2 else "kalshi"
    out.write('{"ts":"%s","feed":"%s","data":%s}\n' %
              (ts, feed, json.dumps(d, separators=(",", ":"))))
PY
}

# arc_ref DIR [--from T] [--to T] [--feed F,..] [--type T,..]
# [--market GLOB,..] [--sid N,..] [--data]: what ssmd-replay should write,
# computed with Python's json module over every final file under DIR,
# ordered by ts (stable by file order).
arc_ref() {
	/usr/bin/python3 - "$@" <<'PY'
import sys, os, re, gzip, json, fnmatch, datetime
args = sys.argv[1:]
root = args.pop(0)
opt = {}
while args:
    k = args.pop(0)
    opt[k] = True if k == "--data" else args.pop(0)
def t(s):
    s = s.replace("Z", "+00:00")
    if len(s) == 10:
        s += "T00:00:00+00:00"
    return datetime.datetime.fromisoformat(s)
lines = []
for dirpath, dirs, files in sorted(os.walk(root)):
    for f in sorted(files):
        if not re.search(r"\.jsonl(\.gz)?$", f):
            continue
        p = os.path.join(dirpath, f)
        raw = gzip.open(p).read() if f.endswith(".gz") else open(p, "rb").read()
        for ln in raw.decode().splitlines():
            lines.append(ln)
def ok(ln):
    e = json.loads(ln)
    ts = t(e["ts"])
    if "--from" in opt and ts < t(opt["--from"]): return False
    if "--to" in opt and ts >= t(opt["--to"]): return False
    if "--feed" in opt and e["feed"] not in opt["--feed"].split(","): return False
    d = e.get("data", {})
    if "--type" in opt and d.get("type") not in opt["--type"].split(","): return False
    if "--sid" in opt and d.get("sid") not in [int(x) for x in opt["--sid"].split(",")]: return False
    if "--market" in opt:
        m = d.get("msg", {}).get("market_ticker")
        if m is None or not any(fnmatch.fnmatchcase(m, g) for g in opt["--market"].split(",")):
            return False
    return True
sel = [ln for ln in lines if ok(ln)]
sel.sort(key=lambda ln: t(json.loads(ln)["ts"]))
for ln in sel:
    if "--data" in opt:
        print(json.dumps(json.loads(ln)["data"], separators=(",", ":")))
    else:
        print(ln)
PY
}

# arc_build DIR N START STEP [rotate options]: an archive of arc_gen lines.
arc_build() {
	local dir=$1 n=$2 start=$3 step=$4
	shift 4
	arc_gen "$n" "$start" "$step" | ssmd-jsonl-rotate "$@" "$dir" 2> /dev/null
}

# arc_flip FILE OFFSET: flip one bit of the byte at OFFSET (negative: from
# the end).
arc_flip() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[off] ^= 0x10
open(p, "wb").write(b)
PY
}
