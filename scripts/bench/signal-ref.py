#!/usr/bin/python3
"""signal-ref: the volume signal of ssmd-signal(1), written plainly in
Python with the json module, as the baseline of scripts/bench-signal and a
cross-check of the formula (both must give the same fires).

    signal-ref.py [--tuned] THRESHOLD_DOLLARS WINDOW_SECONDS < corpus > fires.tsv

By default it is written the way one would first write it: decimal.Decimal
for the dollar strings, datetime.fromisoformat for every timestamp.
--tuned parses both by hand (integer arithmetic on the digits, the date
part of a timestamp cached): the same fires, faster.

One line per fire: ticker, ts (seconds), dollar volume (4 places).
Reads envelopes or raw frames; only trade frames matter (volume reads no
other kind).  Time is the envelope's ts, else ts_ms, else ts, never going
back; rolling sum of count x YES price over trades at seconds > now -
window; fires when the sum >= threshold, once, re-arming after 60 s
false; a market without a trade for an hour starts afresh (--idle).
(The corpus has no seq gaps, duplicates or lifecycle
frames, so those rules are left out.)
"""
import datetime
import decimal
import json
import sys
from collections import deque

args = sys.argv[1:]
tuned = "--tuned" in args
args = [a for a in args if a != "--tuned"]
thr = int(decimal.Decimal(args[0]) * 1000000)   # 1e-6 dollars
win = int(args[1])
REARM = 60 * 1000000
IDLE = 3600 * 1000000        # ssmd-signal --idle: state of idle markets goes
KINDS = {"trade"}
base_cache = {}


def plain_fixed(s, places):
    v = decimal.Decimal(str(s)).scaleb(places)
    return int(v.to_integral_value(rounding=decimal.ROUND_HALF_UP))


def plain_us(s):
    d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (int(d.timestamp()) * 1000000) + d.microsecond


def fixed(s, places):
    s = str(s)
    neg = s.startswith("-")
    s = s.lstrip("+-")
    whole, _, frac = s.partition(".")
    frac = (frac + "0" * places)[:places]
    v = int(whole or "0") * 10 ** places + int(frac or "0")
    return -v if neg else v


def rfc3339_us(s):
    k = s[:19]
    b = base_cache.get(k)
    if b is None:
        d = datetime.datetime.strptime(k, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        b = base_cache[k] = int(d.timestamp()) * 1000000
    frac = s[20:-1] if s[19:20] == "." else ""
    return b + int((frac + "000000")[:6] or "0")


if not tuned:
    fixed = plain_fixed      # noqa: F811
    rfc3339_us = plain_us    # noqa: F811
now = 0
mk = {}
out = sys.stdout
for line in sys.stdin:
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if not isinstance(o, dict):
        continue
    t = None
    if isinstance(o.get("data"), dict):
        if isinstance(o.get("ts"), str):
            t = rfc3339_us(o["ts"])
        o = o["data"]
    if o.get("type") not in KINDS or not isinstance(o.get("msg"), dict):
        continue
    m = o["msg"]
    if t is None:
        if "ts_ms" in m:
            t = int(m["ts_ms"]) * 1000
        elif isinstance(m.get("ts"), int):
            t = m["ts"] * 1000000
    if t is not None and t > now:
        now = t
    tk = m.get("market_ticker")
    if not tk or now == 0:
        continue
    st = mk.get(tk)
    if st is not None and st["last"] < now - IDLE:
        st = None
    if st is None:
        st = mk[tk] = {"q": deque(), "sum": 0, "fired": False, "false_since": None}
    st["last"] = now
    q = st["q"]
    sec = now // 1000000
    while q and q[0][0] <= sec - win:
        st["sum"] -= q.popleft()[1]
    if o["type"] == "trade":
        if "yes_price_dollars" in m:
            px = fixed(m["yes_price_dollars"], 4)
        else:
            px = int(m.get("yes_price", 0)) * 100
        cnt = fixed(m["count_fp"], 2) if "count_fp" in m else int(m.get("count", 0)) * 100
        if cnt > 0 and px > 0:
            if q and q[-1][0] == sec:
                q[-1][1] += cnt * px
            else:
                q.append([sec, cnt * px])
            st["sum"] += cnt * px
    if st["sum"] >= thr:
        st["false_since"] = None
        if not st["fired"]:
            st["fired"] = True
            d = st["sum"] // 100
            out.write("%s\t%d\t%d.%04d\n" % (tk, sec, d // 10000, d % 10000))
    elif st["fired"]:
        if st["false_since"] is None:
            st["false_since"] = now
        if now - st["false_since"] >= REARM:
            st["fired"] = False
            st["false_since"] = None
