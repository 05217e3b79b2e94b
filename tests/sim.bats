#!/usr/bin/env bats
# ssmd-kalshi-sim: authentication, commands, traffic, faults, REST, over
# real TLS on loopback, driven by the ws-probe client and curl.
load helpers/common
load helpers/sim

SUB_TICKER='{"id":1,"cmd":"subscribe","params":{"channels":["ticker"]}}'
M1=KXBTCD-26FEB1212-T66999.99
M2=KXBTCD-26FEB1212-T67249.99

setup() {
	SIM_DIR=$BATS_FILE_TMPDIR/sim
}

teardown() {
	[ -n "${PROBE_PID:-}" ] && kill "$PROBE_PID" 2>/dev/null
	sim_stop
}

probe() {
	ws_probe "$SIM_URL" --ca "$SIM_CA" --key "$SIM_KEY" "$@" \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err"
	SUMMARY=$(tail -1 "$BATS_TEST_TMPDIR/err")
}

# An upgrade request made with curl and a signature from openssl(1).
curl_upgrade() {
	local ts=$1 key=$2 sig
	sig=$(printf '%s' "${ts}GET/trade-api/ws/v2" | openssl dgst -sha256 \
		-sign "$key" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
		-sigopt rsa_mgf1_md:sha256 | base64 -w0)
	curl -s --cacert "$SIM_CA" -o /dev/null -w "%{http_code}" --max-time 2 \
		-H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H 'Sec-WebSocket-Version: 13' \
		-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		-H 'KALSHI-ACCESS-KEY: test-key' \
		-H "KALSHI-ACCESS-TIMESTAMP: $ts" \
		-H "KALSHI-ACCESS-SIGNATURE: $sig" "$SIM_BASE/trade-api/ws/v2" || true
}

@test "a signed upgrade is accepted over TLS; PKCS#1 keys sign too" {
	sim_start --rate 50
	probe --send "$SUB_TICKER" --frames 5
	[[ $SUMMARY == *"http=101 frames=5"* ]]
	run jq -r .type "$BATS_TEST_TMPDIR/out"
	assert_line --index 0 subscribed
	assert_line --index 4 ticker
	ws_probe "$SIM_URL" --ca "$SIM_CA" --key "$SIM_KEY_PKCS1" \
		--send "$SUB_TICKER" --frames 2 2>&1 >/dev/null | grep -q 'http=101 frames=2'
	# A signature made by openssl(1) verifies too.
	run curl_upgrade "$(date +%s%3N)" "$SIM_KEY"
	assert_output 101
}

@test "TLS: a server the CA did not sign fails the handshake, before any HTTP" {
	sim_start
	"$ROOT/scripts/mkcerts" "$BATS_TEST_TMPDIR/other"
	ws_probe "$SIM_URL" --ca "$BATS_TEST_TMPDIR/other/ca.pem" --key "$SIM_KEY" \
		--send "$SUB_TICKER" 2> "$BATS_TEST_TMPDIR/err" || true
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --partial 'http=0 frames=0'
	assert_output --partial 'close=-3'
	assert_output --partial 'certificate verify failed'
	# No request reached the server, so no credentials were sent.
	run jq -c 'select(.event == "open")' "$SIM_CMDS"
	assert_output ''
	# By name it verifies too (the certificate is for localhost).
	ws_probe "wss://localhost:$SIM_PORT/trade-api/ws/v2" --ca "$SIM_CA" \
		--key "$SIM_KEY" --send "$SUB_TICKER" --frames 1 2>&1 >/dev/null |
		grep -q 'http=101 frames=1'
}

@test "401: wrong key, stale or future timestamp, missing headers" {
	sim_start
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$BATS_TEST_TMPDIR/other.pem" 2>/dev/null
	ws_probe "$SIM_URL" --ca "$SIM_CA" --key "$BATS_TEST_TMPDIR/other.pem" \
		--send "$SUB_TICKER" 2> "$BATS_TEST_TMPDIR/err" || true
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --partial 'http=401 frames=0'
	now=$(date +%s%3N)
	run curl_upgrade $((now - 120000)) "$SIM_KEY"
	assert_output 401
	run curl_upgrade $((now + 120000)) "$SIM_KEY"
	assert_output 401
	run sim_curl -o /dev/null -w '%{http_code}' --max-time 3 \
		-H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H 'Sec-WebSocket-Version: 13' \
		-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$SIM_BASE/trade-api/ws/v2"
	assert_output 401
	run grep -c 'upgrade refused' "$SIM_LOG"
	[ "$output" -ge 4 ]
	grep -q 'reason=bad_signature' "$SIM_LOG"
	grep -q 'reason=stale_timestamp' "$SIM_LOG"
	grep -q 'reason=missing' "$SIM_LOG"
	# The window is an option.
	sim_stop
	sim_start --auth-window 10m
	run curl_upgrade $((now - 120000)) "$SIM_KEY"
	assert_output 101
}

@test "subscribe, update_subscription, unsubscribe: acks, sids and coded errors" {
	sim_start --rate 1
	probe --timeout 3 \
		--send "$SUB_TICKER" \
		--send '{"id":2,"cmd":"subscribe","params":{"channels":["ticker"]}}' \
		--send '{"id":3,"cmd":"subscribe","params":{"channels":["nope"]}}' \
		--send '{"id":4,"cmd":"subscribe","params":{"channels":["orderbook_delta"]}}' \
		--send '{"id":5,"cmd":"frobnicate","params":{}}' \
		--send 'not json' \
		--send '{"id":6,"cmd":"update_subscription","params":{"sids":[99],"market_tickers":["'$M1'"],"action":"add_markets"}}' \
		--send '{"id":7,"cmd":"subscribe","params":{"channels":["trade"],"market_tickers":["NOPE-1"]}}' \
		--send '{"id":8,"cmd":"subscribe","params":{"channels":["trade"],"market_tickers":["'$M1'"]}}' \
		--send '{"id":9,"cmd":"update_subscription","params":{"sids":[2],"market_tickers":["'$M2'"],"action":"add_markets"}}' \
		--send '{"id":10,"cmd":"update_subscription","params":{"sids":[2],"market_tickers":["'$M1'"],"action":"delete_markets"}}' \
		--send '{"id":11,"cmd":"update_subscription","params":{"sids":[2],"market_tickers":["'$M1'"],"action":"shuffle"}}' \
		--send '{"id":12,"cmd":"unsubscribe","params":{"sids":[1,2]}}' \
		--send '{"id":13,"cmd":"unsubscribe","params":{"sids":[1]}}'
	run jq -c 'select(.type != "ticker" and .type != "trade")' "$BATS_TEST_TMPDIR/out"
	assert_line --index 0 '{"type":"subscribed","id":1,"msg":{"channel":"ticker","sid":1}}'
	assert_line --index 1 '{"id":2,"type":"error","msg":{"code":6,"msg":"Already subscribed"}}'
	assert_line --index 2 '{"id":3,"type":"error","msg":{"code":8,"msg":"Unknown channel name"}}'
	assert_line --index 3 '{"id":4,"type":"error","msg":{"code":14,"msg":"Market Ticker required"}}'
	assert_line --index 4 '{"id":5,"type":"error","msg":{"code":5,"msg":"Unknown command"}}'
	assert_line --index 5 '{"id":0,"type":"error","msg":{"code":1,"msg":"Unable to process message"}}'
	assert_line --index 6 '{"id":6,"type":"error","msg":{"code":7,"msg":"Unknown subscription ID"}}'
	assert_line --index 7 '{"id":7,"type":"error","msg":{"code":16,"msg":"Market not found"}}'
	assert_line --index 8 '{"type":"subscribed","id":8,"msg":{"channel":"trade","sid":2}}'
	assert_line --index 9 --regexp '^\{"id":9,"sid":2,"seq":[0-9]+,"type":"ok","market_tickers":\["'$M1'","'$M2'"\]\}$'
	assert_line --index 10 --regexp '^\{"id":10,"sid":2,"seq":[0-9]+,"type":"ok","market_tickers":\["'$M2'"\]\}$'
	assert_line --index 11 '{"id":11,"type":"error","msg":{"code":13,"msg":"Unsupported action"}}'
	assert_line --index 12 --regexp '^\{"id":12,"sid":1,"seq":0,"type":"unsubscribed"\}$'
	assert_line --index 13 --regexp '^\{"id":12,"sid":2,"seq":[0-9]+,"type":"unsubscribed"\}$'
	assert_line --index 14 '{"id":13,"type":"error","msg":{"code":7,"msg":"Unknown subscription ID"}}'
	# Every frame the client sent is in the command log, byte for byte
	# (the one that is not JSON as text).
	run jq -r 'select(.frame) | .frame.id' "$SIM_CMDS"
	assert_line --index 0 1
	assert_line --index 12 13
	run jq -r 'select(.text) | .text' "$SIM_CMDS"
	assert_output 'not json'
	grep -qF '"frame":{"id":12,"cmd":"unsubscribe","params":{"sids":[1,2]}}}' "$SIM_CMDS"
	run jq -r 'select(.event) | .event' "$SIM_CMDS"
	assert_line --index 0 open
	assert_line --index 1 close
}

@test "orderbook: snapshot first, seq per sid without holes, levels never negative" {
	sim_start --rate 0
	probe --frames 3000 --send '{"id":1,"cmd":"subscribe","params":{"channels":["orderbook_delta","trade"],"market_tickers":["'$M1'","'$M2'"]}}'
	[[ $SUMMARY == *"frames=3000"* ]]
	python3 - "$BATS_TEST_TMPDIR/out" <<'PY'
import json, sys
seq, books, deltas = {}, {}, 0
for line in open(sys.argv[1]):
    f = json.loads(line)
    t = f["type"]
    if "seq" in f and t != "subscribed":
        sid = f["sid"]
        assert f["seq"] == seq.get(sid, 0) + 1, (sid, f["seq"], seq.get(sid))
        seq[sid] = f["seq"]
    m = f.get("msg", {})
    if t == "orderbook_snapshot":
        books[m["market_ticker"]] = {("yes", p): q for p, q in m["yes"]}
        books[m["market_ticker"]].update({("no", p): q for p, q in m["no"]})
        assert len(m["yes_dollars"]) == len(m["yes"])
    elif t == "orderbook_delta":
        b = books[m["market_ticker"]]  # KeyError: delta before snapshot
        k = (m["side"], m["price"])
        b[k] = b.get(k, 0) + m["delta"]
        assert b[k] >= 0, (k, b[k])
        assert m["delta_fp"] == "%d.00" % m["delta"]
        assert m["price_dollars"] == "0.%02d" % m["price"]
        deltas += 1
    elif t == "trade":
        assert m["market_ticker"] in books
        y, n = m["yes_price_dollars"], m["no_price_dollars"]
        assert abs(float(y) + float(n) - 1) < 1e-9
assert len(books) == 2 and deltas > 1000, (len(books), deltas)
PY
}

@test "the same --seed and --start-time give the same bytes; another seed differs" {
	sub='{"id":1,"cmd":"subscribe","params":{"channels":["ticker","trade","market_lifecycle_v2"]}}'
	sim_start --rate 0 --seed 7 --start-time 1770897600 --markets 300
	probe --frames 500 --send "$sub"
	cp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/a"
	probe --frames 500 --send "$sub"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/out"
	sim_stop
	sim_start --rate 0 --seed 7 --start-time 1770897600 --markets 300
	probe --frames 500 --send "$sub"
	# Connection 1 of a new process gives what connection 1 gave before.
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/out"
	sim_stop
	sim_start --rate 0 --seed 8 --start-time 1770897600 --markets 300
	probe --frames 500 --send "$sub"
	run ! cmp -s "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/out"
	# Every type of the 2026 shapes shows up, and each line is JSON.
	json_lines_ok "$BATS_TEST_TMPDIR/a"
	run jq -r .type "$BATS_TEST_TMPDIR/a"
	assert_line ticker
	assert_line trade
	assert_line market_lifecycle_v2
	assert_line event_lifecycle
	run jq -r 'select(.type=="ticker") | .msg | [.price_dollars, .volume_fp, (.ts|type), (.ts_ms|type)] | join(" ")' "$BATS_TEST_TMPDIR/a"
	assert_line --regexp '^0\.[0-9]{4} [0-9]+\.00 number number$'
}

@test "REST: /markets pages through 1,200 markets with filters; /events, /series" {
	sim_start --markets 1200 --per-event 10
	cursor= n=0 pages=0
	: > "$BATS_TEST_TMPDIR/tickers"
	while :; do
		sim_curl "$SIM_REST/markets?limit=200&status=open&cursor=$cursor" > "$BATS_TEST_TMPDIR/page"
		jq -r '.markets[].ticker' "$BATS_TEST_TMPDIR/page" >> "$BATS_TEST_TMPDIR/tickers"
		jq -e '[.markets[].status] | all(. == "active")' "$BATS_TEST_TMPDIR/page"
		cursor=$(jq -r .cursor "$BATS_TEST_TMPDIR/page")
		pages=$((pages + 1))
		[ -n "$cursor" ] || break
		[ $pages -lt 20 ]
	done
	# Open: not i%10 in (8,9) and not i%25 == 7.
	want=$(python3 -c 'print(sum(1 for i in range(1200) if i % 10 < 8 and i % 25 != 7))')
	run sort -u "$BATS_TEST_TMPDIR/tickers"
	[ "${#lines[@]}" -eq "$want" ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/tickers")" -eq "$want" ]
	[ $pages -eq $(( (want + 199) / 200 )) ]
	# Default page is 100; all statuses; filters.
	run sh -c "curl -sS --cacert '$SIM_CA' '$SIM_REST/markets' | jq '.markets | length'"
	assert_output 100
	run sh -c "curl -sS --cacert '$SIM_CA' '$SIM_REST/markets?limit=1000&status=settled,closed' | jq '.markets | length'"
	assert_output 240
	run sh -c "curl -sS --cacert '$SIM_CA' '$SIM_REST/markets?series_ticker=KXETHD&limit=1000' | jq -r '[.markets[].ticker | split(\"-\")[0]] | unique | join(\",\")'"
	assert_output KXETHD
	run sh -c "curl -sS --cacert '$SIM_CA' '$SIM_REST/markets?event_ticker=KXBTCD-26FEB1212' | jq '.markets | length'"
	assert_output 10
	run sh -c "curl -sS --cacert '$SIM_CA' '$SIM_REST/markets?tickers=$M1,$M2' | jq -r '.markets[].ticker'"
	assert_line --index 0 "$M1"
	assert_line --index 1 "$M2"
	run sh -c "curl -sS --cacert '$SIM_CA' '$SIM_REST/events?series_ticker=KXBTCD&with_nested_markets=true&limit=2' | jq -c '[.events[].event_ticker, (.events[0].markets|length)]'"
	assert_output '["KXBTCD-26FEB1212","KXBTCD-26FEB1213",10]'
	run sh -c "curl -sS --cacert '$SIM_CA' '$SIM_REST/series' | jq '.series | length'"
	assert_output 12
	run sim_curl -o /dev/null -w '%{http_code}' "$SIM_REST/markets?limit=0"
	assert_output 400
	run sim_curl -o /dev/null -w '%{http_code}' "$SIM_REST/markets?cursor=garbage"
	assert_output 400
	run sim_curl -o /dev/null -w '%{http_code}' "$SIM_REST/nothing"
	assert_output 404
}

@test "REST: 429 with Retry-After, from an option and from the control endpoint" {
	sim_start --rest-429 3 --retry-after 2
	run sim_curl -o /dev/null -w '%{http_code}' "$SIM_REST/markets"
	assert_output 200
	sim_curl -o /dev/null "$SIM_REST/markets"
	run sim_curl -D - -o /dev/null "$SIM_REST/markets"
	assert_line --partial 'HTTP/1.1 429'
	assert_line --partial 'Retry-After: 2'
	run sim_curl -o /dev/null -w '%{http_code}' "$SIM_REST/markets"
	assert_output 200
	run sim_fault rest429:0:2
	assert_output --partial '"applied":1'
	run sim_curl -o /dev/null -w '%{http_code}' "$SIM_REST/series"
	assert_output 429
}

@test "heartbeat: a Ping every --ping-interval, answered by the client" {
	sim_start --ping-interval 0.2s --rate 1
	probe --timeout 2 --send "$SUB_TICKER"
	pings=$(sed -n 's/.*pings=\([0-9]*\).*/\1/p' <<< "$SUMMARY")
	[ "$pings" -ge 4 ]
}

@test "faults: close with a code after N frames; TCP reset" {
	sim_start --rate 0 --fault close:5:4001
	probe --timeout 5 --send "$SUB_TICKER"
	[[ $SUMMARY == *"frames=6 "*"close=4001"* ]]   # the ack and 5 frames
	sim_stop
	sim_start --rate 0 --fault reset:3
	probe --timeout 5 --send "$SUB_TICKER"
	[[ $SUMMARY == *"frames=4 "*"close=-8"* ]]
}

@test "faults: seq gap, malformed JSON, unknown type, fragments" {
	sim_start --rate 0 --fault gap:10 --fault malformed:20 --fault unknown:30 \
		--fault fragment:40:7
	probe --frames 100 --send '{"id":1,"cmd":"subscribe","params":{"channels":["trade"],"market_tickers":["'$M1'"]}}'
	run grep -c '^{"type":"trade"' "$BATS_TEST_TMPDIR/out"
	[ "$output" -ge 96 ]
	run grep -vc '^{' "$BATS_TEST_TMPDIR/out"
	assert_output 0
	run grep -c '"market_ticker":"KX$' "$BATS_TEST_TMPDIR/out"
	assert_output 1
	grep -q '"type":"market_fanout_v3"' "$BATS_TEST_TMPDIR/out"
	run sh -c "grep '\"type\":\"trade\"' '$BATS_TEST_TMPDIR/out' | jq -r .seq | awk 'NR > 1 && \$1 != p + 1 { print p \"->\" \$1 } { p = \$1 }'"
	assert_output '10->12'
	[[ $SUMMARY != *"fragments=0 "* ]]
}

@test "faults: oversized frame refused by the client's limit; silence stops pings" {
	sim_start --rate 0 --fault oversized:2:200000
	probe --timeout 5 --max-message 100000 --send "$SUB_TICKER"
	[[ $SUMMARY == *"close=-6"* ]]
	sim_stop
	sim_start --rate 0 --ping-interval 0.2s --fault silence:3
	probe --timeout 2 --send "$SUB_TICKER"
	[[ $SUMMARY == *"frames=4 pings=0 "* ]]
}

@test "control endpoint: a fault on an open connection, and stats" {
	sim_start --rate 20
	ws_probe "$SIM_URL" --ca "$SIM_CA" --key "$SIM_KEY" --timeout 20 \
		--send "$SUB_TICKER" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
	PROBE_PID=$!
	wait_for 10 grep -q '"frame"' "$SIM_CMDS"
	run sim_curl "$SIM_BASE/_sim/stats"
	assert_output --partial '"connections":1'
	run sim_fault close:2:4002
	assert_output --partial '"applied":1'
	wait "$PROBE_PID"
	PROBE_PID=
	grep -q 'close=4002' "$BATS_TEST_TMPDIR/err"
	run sim_fault bogus
	assert_output --partial 'unknown fault'
}

@test "replay: lines of a JSONL file sent as they are, envelopes unwrapped" {
	jq -c '{ts: "2026-11-21T14:03:07.123456Z", feed: "kalshi", data: .}' \
		"$KFIX/frames-2026.jsonl" > "$BATS_TEST_TMPDIR/env.jsonl"
	cat "$KFIX/captured-2026-02.jsonl" "$BATS_TEST_TMPDIR/env.jsonl" > "$BATS_TEST_TMPDIR/replay.jsonl"
	n=$(wc -l < "$BATS_TEST_TMPDIR/replay.jsonl")
	sim_start --rate 0 --replay "$BATS_TEST_TMPDIR/replay.jsonl"
	probe --frames $((n + 1)) --send "$SUB_TICKER"
	tail -n +2 "$BATS_TEST_TMPDIR/out" > "$BATS_TEST_TMPDIR/got"
	cat "$KFIX/captured-2026-02.jsonl" "$KFIX/frames-2026.jsonl" | cmp - "$BATS_TEST_TMPDIR/got"
}

@test "plain ws://, SIGTERM closes clients with 1001 and exits 0" {
	sim_start --plain --no-auth --rate 5 --metrics-dir "$BATS_TEST_TMPDIR"
	[[ $SIM_URL == ws://* ]]
	ws_probe "$SIM_URL" --timeout 20 --send "$SUB_TICKER" \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
	PROBE_PID=$!
	wait_for 10 grep -q '"frame"' "$SIM_CMDS"
	sim_stop
	[ "$SIM_STATUS" -eq 0 ]
	wait "$PROBE_PID"
	PROBE_PID=
	grep -q 'close=1001' "$BATS_TEST_TMPDIR/err"
	grep -q '^ssmd_kalshi_sim_connections_total 1' "$BATS_TEST_TMPDIR/ssmd-kalshi-sim.prom"
	grep -q '^ssmd_kalshi_sim_commands_total 1' "$BATS_TEST_TMPDIR/ssmd-kalshi-sim.prom"
}

@test "a client that never reads: the simulator's memory stays bounded" {
	sim_start --plain --no-auth --rate 0
	python3 - "$SIM_PORT" <<'PY' &
import os, socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(b"GET /trade-api/ws/v2 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Version: 13\r\n\r\n")
p = b'{"id":1,"cmd":"subscribe","params":{"channels":["ticker"]}}'
mask = os.urandom(4)
s.sendall(bytes([0x81, 0x80 | len(p)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(p)))
time.sleep(30)
PY
	PROBE_PID=$!
	wait_for 10 grep -q '"frame"' "$SIM_CMDS"
	sleep 1
	r1=$(rss_kib "$SIM_PID")
	sleep 2
	r2=$(rss_kib "$SIM_PID")
	echo "rss $r1 -> $r2 KiB"
	[ -n "${SSMD_SAN:-}" ] || [ "$r2" -lt 40000 ]
	[ $((r2 - r1)) -lt 4000 ]
}

@test "slowread: the simulator reads a client's frames at the set rate" {
	sim_start --rate 1 --markets 100 --fault slowread:0:1000
	tickers=$(sim_curl "$SIM_REST/markets?limit=100" | jq -c '[.markets[].ticker]')
	cmd='{"id":1,"cmd":"subscribe","params":{"channels":["trade"],"market_tickers":'$tickers'}}'
	[ ${#cmd} -gt 2500 ]
	start=$(date +%s%3N)
	probe --frames 1 --timeout 20 --send "$cmd"
	took=$(( $(date +%s%3N) - start ))
	run jq -r .type "$BATS_TEST_TMPDIR/out"
	assert_output subscribed
	# 2.5 KB at 1000 B/s with a 1000-byte burst: well over a second.
	echo "took $took ms"
	[ "$took" -ge 1200 ]
}

@test "HTTP: bad requests get 400, 404 or 431; keep-alive serves several requests" {
	sim_start --plain
	python3 - "$SIM_PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
def ask(raw):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(raw)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    return data
def status(raw):
    return int(ask(raw).split(b" ", 2)[1])
assert status(b"garbage\r\n\r\n") == 400
assert status(b"GET / HTTP/1.1\r\nno colon here\r\n\r\n") == 400
assert status(b"GET /x HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 20000 + b"\r\n\r\n") == 431
assert status(b"POST /trade-api/v2/markets HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi") == 400
assert status(b"GET /elsewhere HTTP/1.1\r\nConnection: close\r\n\r\n") == 404
up = (b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
assert status(b"GET /other HTTP/1.1\r\n" + up + b"Sec-WebSocket-Version: 13\r\n\r\n") == 404
assert status(b"GET /trade-api/ws/v2 HTTP/1.1\r\n" + up + b"Sec-WebSocket-Version: 8\r\n\r\n") == 400
# Two requests on one connection, the second asks to close.
r = ask(b"GET /trade-api/v2/series HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /trade-api/v2/markets?limit=1 HTTP/1.1\r\nConnection: close\r\n\r\n")
assert r.count(b"HTTP/1.1 200 OK") == 2, r[:200]
PY
	# The simulator is still up and answering.
	run sim_curl -o /dev/null -w '%{http_code}' "$SIM_REST/series"
	assert_output 200
}

@test "usage and configuration errors" {
	run ssmd-kalshi-sim --help
	assert_success
	assert_output --partial usage:
	run ssmd-kalshi-sim --bogus
	[ "$status" -eq 64 ]
	run ssmd-kalshi-sim --port 0
	[ "$status" -eq 64 ]
	assert_output --partial 'public-key'
	run ssmd-kalshi-sim --no-auth --fault nope:1
	[ "$status" -eq 64 ]
	run ssmd-kalshi-sim --no-auth --cert /nonexistent --key /nonexistent
	[ "$status" -eq 78 ]
	run ssmd-kalshi-sim --public-key /nonexistent
	[ "$status" -eq 78 ]
}

@test "ssmd-kalshi-sim --help: every option it takes, with its default, and its man page" {
	load helpers/help
	help_check ssmd-kalshi-sim
}
