#!/usr/bin/env bats
# ssmd-ws-kalshi against the real ssmd-kalshi-sim over TLS on loopback.

load helpers/common
load helpers/sim
load helpers/wsk
load helpers/seed

setup_file() {
	wsk_setup_file
}

setup() {
	wsk_env
}

teardown() {
	wsk_teardown
	[ -z "${RAW_PID:-}" ] || kill "$RAW_PID" 2>/dev/null || true
}

# Data lines only (no ssmd markers).
data_lines() {
	grep -v '^{"type":"ssmd_' "$W/out"
}

@test "the simulator verifies the signature; frames flow; SIGTERM ends cleanly" {
	sim_start --markets 6 --rate 300 --seed 3
	wsk_client --channels ticker,trade --metrics-dir "$W"
	wait_for 20 wsk_has 30 ticker
	kill -TERM "$CL_PID"
	wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	json_lines_ok "$W/out"
	grep -q '"event":"open"' "$SIM_CMDS"
	run ! grep -q 'upgrade refused' "$SIM_LOG"
	grep -q 'msg="stopping" signal=15' "$W/err"
	# The Close frame went out: the simulator saw code 1000.
	wait_for 10 grep -q 'client gone.*code=1000' "$SIM_LOG"
	grep -q '^ssmd_ws_kalshi_connected{feed="kalshi",conn="0"} 0' \
		"$W/ssmd-ws-kalshi.prom"
	grep -q '^ssmd_ws_kalshi_frames_total{feed="kalshi",type="ticker"} [1-9]' \
		"$W/ssmd-ws-kalshi.prom"
	grep -q '^ssmd_ws_kalshi_last_frame_timestamp_seconds{feed="kalshi"} 1' \
		"$W/ssmd-ws-kalshi.prom"
}

@test "a PKCS#1 key given as PEM text in the variable works" {
	sim_start --markets 3 --rate 200
	KALSHI_PRIVATE_KEY=$(cat "$SIM_KEY_PKCS1") wsk_client --channels ticker
	wait_for 20 wsk_has 5 ticker
	run ! grep -q 'BEGIN' "$W/err"
}

@test "wrong key: HTTP 401, exit 77" {
	sim_start --markets 3
	KALSHI_PRIVATE_KEY=$BATS_FILE_TMPDIR/wrong.key \
		run ssmd-ws-kalshi $(wsk_opts) --channels ticker
	[ "$status" -eq 77 ]
	[[ "$output" == *"refused the credentials (HTTP 401)"* ]]
	grep -q 'upgrade refused.*bad_signature' "$SIM_LOG"
}

@test "wrong CA: exit 69 and no credentials sent" {
	sim_start --markets 3
	run ssmd-ws-kalshi $(wsk_opts) --ca-file "$BATS_FILE_TMPDIR/other/ca.pem" \
		--channels ticker
	[ "$status" -eq 69 ]
	[[ "$output" == *"tls"* ]]
	# The TLS handshake failed, so no HTTP request reached the server.
	run ! grep -q 'upgrade' "$SIM_LOG"
	run ! grep -q '"event":"open"' "$SIM_CMDS" 2>/dev/null
}

@test "subscribe commands are exactly the protocol sheet's" {
	sim_start --markets 3 --rate 50
	wsk_client --channels ticker
	wait_for 20 grep -q '"cmd"' "$SIM_CMDS"
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$(sim_commands | head -1)" = "$(sed -n 1p "$KFIX/commands.jsonl")" ]
	: > "$SIM_CMDS"
	wsk_client --channels ticker --tickers KXBTC15M-26JUL191145-45
	wait_for 20 grep -q '"cmd"' "$SIM_CMDS"
	[ "$(sim_commands | head -1)" = "$(sed -n 2p "$KFIX/commands.jsonl")" ]
}

@test "every fixture frame passes byte for byte, fragmented or not" {
	cat "$KFIX/frames-2026.jsonl" "$KFIX/captured-2026-02.jsonl" > "$W/replay"
	n=$(wc -l < "$W/replay")
	sim_start --replay "$W/replay" --fault fragment:2:7 --fault fragment:5:1 \
		--fault fragment:12:100
	wsk_client --channels ticker
	wait_for 20 wsk_ge "$n" data_lines
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	diff <(data_lines) "$W/replay"
}

@test "malformed JSON is kept as ssmd_invalid; unknown types pass" {
	sim_start --markets 3 --rate 300 --fault malformed:5 --fault unknown:8
	wsk_client --channels ticker --metrics-dir "$W"
	wait_for 20 grep -q 'market_fanout_v3' "$W/out"
	wait_for 20 wsk_has 1 ssmd_invalid
	json_lines_ok "$W/out"
	grep '"type":"ssmd_invalid"' "$W/out" | jq -e '.reason == "truncated" and
		(.raw | startswith("{\"type\":\"ticker\""))'
	kill -TERM "$CL_PID"; wsk_wait_client 20
	grep -q '^ssmd_ws_kalshi_invalid_total{feed="kalshi"} 1' "$W/ssmd-ws-kalshi.prom"
}

@test "a gap writes ssmd_gap and resubscribes the order book" {
	sim_start --markets 4 --rate 400 --fault gap:40
	wsk_client --discover --channels orderbook_delta --rest-interval 0
	wait_for 20 wsk_has 1 ssmd_gap
	grep '"type":"ssmd_gap"' "$W/out" | jq -e '.action == "resubscribe" and
		.channel == "orderbook_delta" and .seq > .expected_seq'
	# An unsubscribe of the old sid, then a new subscription, then a fresh
	# snapshot after the marker.
	wait_for 20 grep -q '"cmd":"unsubscribe"' "$SIM_CMDS"
	wait_for 20 wsk_ge 2 grep '"orderbook_delta"' "$SIM_CMDS"
	wait_for 20 sh -c "sed -n '/ssmd_gap/,\$p' '$W/out' | grep -q orderbook_snapshot"
	[ "$(wsk_count ssmd_gap)" -eq 1 ]
}

@test "--on-gap exit: marker, then exit 75" {
	sim_start --markets 4 --rate 400 --fault gap:40
	wsk_client --discover --channels orderbook_delta --rest-interval 0 \
		--on-gap exit
	wsk_wait_client 30
	[ "$CL_RC" -eq 75 ]
	grep '"type":"ssmd_gap"' "$W/out" | jq -e '.action == "exit"'
	json_lines_ok "$W/out"
}

@test "the exchange closes: exit 75" {
	sim_start --markets 3 --rate 200
	wsk_client --channels ticker
	wait_for 20 wsk_has 5 ticker
	sim_fault close:0:1011
	wsk_wait_client 20
	[ "$CL_RC" -eq 75 ]
	grep -q 'closed by the exchange: 1011' "$W/err"
}

@test "silence: exit 75 once --stale-after passes" {
	sim_start --markets 3 --rate 200
	wsk_client --channels ticker --stale-after 1.5
	wait_for 20 wsk_has 5 ticker
	start=$SECONDS
	sim_fault silence:0
	wsk_wait_client 20
	[ "$CL_RC" -eq 75 ]
	grep -Eq 'stale: no frame for (1\.[5-9]|[2-9])' "$W/err"
	[ $((SECONDS - start)) -ge 1 ]
}

@test "--reconnect: new signature, resubscribed, ssmd_reconnect marker" {
	sim_start --markets 3 --rate 200
	wsk_client --channels ticker,trade --reconnect --backoff-max 0.3 \
		--metrics-dir "$W"
	wait_for 20 wsk_has 5 ticker
	sleep 0.01
	sim_fault close:0:1001
	wait_for 20 wsk_has 1 ssmd_reconnect
	grep '"type":"ssmd_reconnect"' "$W/out" | jq -e '.conn == 0 and
		.attempt == 1 and (.reason | test("1001"))'
	[ "$(grep -c '"event":"open"' "$SIM_CMDS")" -eq 2 ]
	[ "$(sim_commands | grep -c '"id":1,"cmd":"subscribe"')" -eq 2 ]
	# Each connection was signed with its own timestamp (the simulator
	# verified both signatures).
	[ "$(jq -r 'select(.event == "open") | .auth_ts' "$SIM_CMDS" |
		sort -u | wc -l)" -eq 2 ]
	n=$(wsk_count ticker)
	wait_for 20 wsk_has $((n + 5)) ticker
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	grep -q '^ssmd_ws_kalshi_reconnects_total{feed="kalshi"} 1' "$W/ssmd-ws-kalshi.prom"
}

@test "an oversized frame is refused: close 1009, exit 75" {
	sim_start --markets 3 --rate 200 --fault oversized:5:200000
	wsk_client --channels ticker --max-frame 64k
	wsk_wait_client 20
	[ "$CL_RC" -eq 75 ]
	grep -q 'too_big' "$W/err"
	json_lines_ok "$W/out"
}

@test "discovery pages through 1,050 markets and shards them by 200" {
	sim_start --markets 1050 --rate 1
	wsk_client --discover --channels ticker --page-limit 100 --rest-interval 0
	wait_for 30 wsk_ge 6 sim_commands
	sleep 0.2
	grep -q 'starting.*connections=6 markets=1050' "$W/err"
	[ "$(grep -c 'msg="discovered"' "$W/err")" -eq 1 ]
	grep -q 'pages=11 markets=1050' "$W/err"
	[ "$(sim_commands | wc -l)" -eq 6 ]
	[ "$(sim_commands | jq '.params.market_tickers | length' | sort -n | tail -1)" -le 200 ]
	[ "$(sim_commands | jq -r '.params.market_tickers[]' | sort -u | wc -l)" -eq 1050 ]
}

@test "450 markets at shard size 200: 3 connections" {
	sim_start --markets 450 --rate 1
	wsk_client --discover --channels ticker,trade --rest-interval 0
	wait_for 30 wsk_ge 6 sim_commands
	[ "$(jq -r 'select(.frame) | .conn' "$SIM_CMDS" | sort -u | wc -l)" -eq 3 ]
	[ "$(sim_commands | jq '.params.market_tickers | length' | sort -u)" = 150 ]
}

@test "HTTP 429 on discovery: Retry-After is honoured" {
	sim_start --markets 250 --rate 1 --rest-429 2 --retry-after 1
	start=$SECONDS
	wsk_client --discover --channels ticker --page-limit 100 --rest-interval 0
	wait_for 30 grep -q 'msg="starting"' "$W/err"
	grep -q 'REST request refused: waiting.*status=429 retry_after=1' "$W/err"
	grep -q 'pages=3 markets=250' "$W/err"
	[ $((SECONDS - start)) -ge 1 ]
}

@test "a slow reader: reads pause, memory stays bounded, nothing lost" {
	sim_start --markets 20 --rate 0
	mkfifo "$W/fifo"
	( exec 3<"$W/fifo"; sleep 4; wc -l <&3 > "$W/count" ) &
	reader=$!
	ssmd-ws-kalshi $(wsk_opts) --channels ticker,trade --out-buffer 256k \
		--stale-after 30 --metrics-dir "$W" > "$W/fifo" 2> "$W/err" &
	CL_PID=$!
	sleep 1.5
	r1=$(rss_kib "$CL_PID")
	sleep 2
	r2=$(rss_kib "$CL_PID")
	echo "rss $r1 -> $r2 KiB" >&3
	[ $((r2 - r1)) -lt 1024 ]
	[ "$r2" -lt 32768 ]
	grep -q 'ssmd_ws_kalshi_output_pending_bytes{feed="kalshi"} [1-9]' \
		"$W/ssmd-ws-kalshi.prom"
	kill -TERM "$CL_PID"
	wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	wait "$reader"
	lines=$(awk '/msg="stopped"/ { for (i = 1; i <= NF; i++)
		if ($i ~ /^lines=/) { sub("lines=", "", $i); print $i } }' "$W/err")
	[ "$(cat "$W/count")" -eq "$lines" ]
	[ "$lines" -gt 1000 ]
}

@test "--config-dir and --feed/--env read the YAML files" {
	sim_start --markets 5 --rate 200
	mkdir -p "$W/cfg/environments" "$W/cfg/feeds"
	cat > "$W/cfg/environments/t.yaml" <<-EOF
	feed: kalshi
	ws_url: $SIM_URL
	rest_url: $SIM_REST
	ca_file: $SIM_CA
	keys:
	  kalshi:
	    source: env:T_KEY_ID,T_KEY
	EOF
	printf 'name: kalshi\nchannels: [ticker]\ndiscovery:\n  status: open\nshard_size: 2\n' \
		> "$W/cfg/feeds/kalshi.yaml"
	T_KEY_ID=test-key-id T_KEY=$SIM_KEY ssmd-ws-kalshi --config-dir "$W/cfg" \
		--env t --rest-interval 0 > "$W/out" 2> "$W/err" &
	CL_PID=$!
	wait_for 20 wsk_has 5 ticker
	grep -q 'connections=3 markets=5' "$W/err"
	kill -TERM "$CL_PID"; wsk_wait_client 20
	# The same files given directly; options override them.
	T_KEY_ID=test-key-id T_KEY=$SIM_KEY ssmd-ws-kalshi \
		--feed "$W/cfg/feeds/kalshi.yaml" --env "$W/cfg/environments/t.yaml" \
		--shard-size 5 --rest-interval 0 > "$W/out" 2> "$W/err" &
	CL_PID=$!
	wait_for 20 wsk_has 5 ticker
	grep -q 'connections=1 markets=5' "$W/err"
}

@test "configuration errors: exit 78 naming the file and the field" {
	printf 'name: kalshi\nchannels: [ticker]\nshard_size: 999\n' > "$W/f.yaml"
	printf 'feed: kalshi\nws_url: wss://127.0.0.1:1/x\n' > "$W/e.yaml"
	run ssmd-ws-kalshi --feed "$W/f.yaml" --env "$W/e.yaml"
	[ "$status" -eq 78 ]
	[[ "$output" == *"f.yaml: shard_size"* ]]
	printf 'name: kalshi\nchannels: [ticker]\n' > "$W/f.yaml"
	unset KALSHI_API_KEY
	run ssmd-ws-kalshi --feed "$W/f.yaml" --env "$W/e.yaml"
	[ "$status" -eq 78 ]
	[[ "$output" == *"e.yaml: keys.kalshi.source: environment variable KALSHI_API_KEY"* ]]
	KALSHI_API_KEY=x KALSHI_PRIVATE_KEY="not a key" \
		run ssmd-ws-kalshi --feed "$W/f.yaml" --env "$W/e.yaml"
	[ "$status" -eq 78 ]
	[[ "$output" == *"bad private key"*"KALSHI_PRIVATE_KEY"* ]]
	run ssmd-ws-kalshi --shard-size 300
	[ "$status" -eq 64 ]
	run ssmd-ws-kalshi --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
}

@test "a command without a reply within --ack-timeout: exit 75" {
	# The simulator reads 10 bytes a second from the start; the
	# resubscription that the gap causes cannot be acknowledged in time.
	sim_start --markets 2 --rate 300 --fault slowread:0:10 --fault gap:100
	wsk_client --discover --channels orderbook_delta --rest-interval 0 \
		--ack-timeout 1
	wsk_wait_client 30
	[ "$CL_RC" -eq 75 ]
	grep -q 'no reply to command [0-9]* within 1s' "$W/err"
	wsk_has 1 ssmd_gap
}

@test "the reader of standard output goes away: exit 0, counted" {
	sim_start --markets 3 --rate 500
	ssmd-ws-kalshi $(wsk_opts) --channels ticker 2> "$W/err" | head -5 > "$W/out"
	[ "${PIPESTATUS[0]}" -eq 0 ]
	[ "$(wc -l < "$W/out")" -eq 5 ]
	grep -q 'reason="the output reader went away"\|msg="stopped" code=0' "$W/err"
}

@test "nothing listening: exit 69" {
	port=$(free_port)
	run ssmd-ws-kalshi --url "ws://127.0.0.1:$port/trade-api/ws/v2" \
		--feed-name kalshi --channels ticker
	[ "$status" -eq 69 ]
	[[ "$output" == *"cannot connect"*"connect"* ]]
}

@test "an error frame is reported with its code; pings keep a quiet line alive" {
	sim_start --markets 3 --rate 100 --ping-interval 0.3s
	# A market the simulator does not have: an error, then only pings.
	wsk_client --channels ticker --tickers KXNONE-1 --stale-after 1.2 \
		--emit-control --metrics-dir "$W"
	wait_for 20 grep -q 'msg="exchange error" conn=0 id=1 code=16' "$W/err"
	grep -q '^{"id":1,"type":"error","msg":{"code":16,' "$W/out"
	sleep 3
	run ! wsk_gone "$CL_PID"
	[ "$(wsk_count ticker)" -eq 0 ]
	kill -TERM "$CL_PID"
	wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	grep -q '^ssmd_ws_kalshi_exchange_errors_total{feed="kalshi"} 1' \
		"$W/ssmd-ws-kalshi.prom"
}

# The raw server sends frame $1; the client must close with $2, log $3
# and exit 75.
bad_frame() {
	wsk_raw_server "$W/code" "$1"
	run ssmd-ws-kalshi --url "$RAW_URL" --feed-name kalshi --channels ticker
	[ "$status" -eq 75 ]
	[[ "$output" == *"$3"* ]]
	wait_for 10 test -s "$W/code"
	[ "$(cat "$W/code")" -eq "$2" ]
}

@test "invalid UTF-8 in a text frame: close 1007, exit 75" {
	bad_frame 8102fffe 1007 utf8
}

@test "a protocol violation (reserved bits): close 1002, exit 75" {
	bad_frame c1027b7d 1002 protocol
}

@test "a frame with raw line breaks is compacted to one line, counted" {
	wsk_raw_server "$W/code" 81257b2274797065223a227469636b6572222c0d0a22736964223a312c0a226d7367223a7b7d7d
	ssmd-ws-kalshi --url "$RAW_URL" --feed-name kalshi --channels ticker \
		--metrics-dir "$W" > "$W/out" 2> "$W/err" &
	CL_PID=$!
	wait_for 20 test -s "$W/out"
	kill -TERM "$CL_PID"
	wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	[ "$(cat "$W/out")" = '{"type":"ticker",  "sid":1, "msg":{}}' ]
	grep -q '^ssmd_ws_kalshi_compacted_total{feed="kalshi"} 1' "$W/ssmd-ws-kalshi.prom"
	wait_for 10 test -s "$W/code"
	[ "$(cat "$W/code")" -eq 1000 ]
}

@test "three connections at full speed: every line whole" {
	sim_start --markets 30 --rate 0
	wsk_client --discover --channels ticker,trade --shard-size 10 --rest-interval 0
	wait_for 30 grep -q 'connections=3 markets=30' "$W/err"
	wait_for 30 wsk_ge 30000 cat "$W/out"
	kill -TERM "$CL_PID"
	wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	json_lines_ok "$W/out"
	[ "$(jq -r 'select(.type == "ticker") | .sid' "$W/out" | sort -u | wc -l)" -ge 1 ]
}

@test "a malformed --url ends the client with 78 at once, never a hang" {
	local u
	for u in 'wss://127.0.0.1:99999/trade-api/ws/v2' 'wss://[::1' 'wss:///x' \
	    'wss://127.0.0.1:abc/x' 'wss://127.0.0.1:0/x'; do
		run timeout -k 2 10 ssmd-ws-kalshi --url "$u" --channels ticker \
			--no-discover --tickers KXA-1
		echo "url=$u status=$status"
		[ "$status" -eq 78 ]
		[[ "$output" == *'msg="giving up" code=78'* ]]
	done
}

@test "SIGTERM at any moment of the start ends the client with 0" {
	local d
	sim_start --markets 3 --rate 100
	for d in 0 0.005 0.02 0.05 0.1 0.2 0.4 0.8 1.5; do
		wsk_client --channels ticker --no-discover --tickers KXBTC15M-26JUL191145-45
		wait_for 10 wsk_catches_term "$CL_PID"
		sleep "$d"
		kill -TERM "$CL_PID"
		wsk_wait_client 10 || { echo "delay $d: still running" >&2; false; }
		echo "delay=$d status=$CL_RC"
		[ "$CL_RC" -eq 0 ]
	done
}

@test "SIGTERM while retrying an unreachable exchange ends the client with 0" {
	local port
	port=$(free_port)
	ssmd-ws-kalshi --url "wss://127.0.0.1:$port/trade-api/ws/v2" \
		--channels ticker --no-discover --tickers KXA-1 --reconnect \
		> "$W/out" 2> "$W/err" &
	CL_PID=$!
	wait_for 10 grep -q 'level=' "$W/err"
	sleep 0.5
	kill -TERM "$CL_PID"
	wsk_wait_client 10
	[ "$CL_RC" -eq 0 ]
}

@test "--reconnect keeps trying an exchange that is down at start, then captures" {
	local port
	port=$(free_port)
	ssmd-ws-kalshi --url "wss://127.0.0.1:$port/trade-api/ws/v2" \
		--ca-file "$BATS_FILE_TMPDIR/sim/ca.pem" --channels ticker \
		--no-discover --tickers KXBTC15M-26JUL191145-45 --reconnect \
		--backoff-max 0.3 --metrics-dir "$W" > "$W/out" 2> "$W/err" &
	CL_PID=$!
	wait_for 20 grep -q 'msg="reconnecting" conn=0 attempt=3' "$W/err"
	kill -0 "$CL_PID"
	grep -q 'level=warn .*msg="cannot connect"' "$W/err"
	echo KXBTC15M-26JUL191145-45 > "$W/tickers"
	sim_start --tickers-file "$W/tickers" --rate 200 --port "$port"
	wait_for 30 wsk_has 5 ticker
	metrics_flushed() { grep -q '^ssmd_ws_kalshi_connect_retries_total{feed="kalshi"} [1-9]' "$W/ssmd-ws-kalshi.prom"; }
	wait_for 10 metrics_flushed
	kill -TERM "$CL_PID"
	wsk_wait_client 10
	[ "$CL_RC" -eq 0 ]
}

# No log line of any key error holds 12 consecutive characters of the
# value given ($2: the value, white space removed before comparing).
no_key_bytes() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys, re
log = open(sys.argv[1], errors="replace").read()
val = re.sub(r"\s", "", sys.argv[2])
for i in range(0, max(0, len(val) - 11)):
    w = val[i:i + 12]
    if w in log and not w.startswith("-----"):
        print("key bytes in the log:", w)
        sys.exit(1)
PY
}

@test "key errors never show the key: bare body, damaged body, damaged PEM, public key, short text" {
	local body bad pem
	body=$(sed '/-----/d' "$BATS_FILE_TMPDIR/sim/key.pem" | tr -d '\n')
	bad=${body:0:200}${body:400}
	pem=$(sed '5s/./#/g' "$BATS_FILE_TMPDIR/sim/key.pem")
	for v in "$bad" "$pem" "$(cat "$BATS_FILE_TMPDIR/sim/pub.pem")" "${body:0:120}" \
	    "$(printf '%s\n' "$bad" | fold -w 64)"; do
		run env KALSHI_PRIVATE_KEY="$v" ssmd-ws-kalshi --url wss://127.0.0.1:1/x \
			--channels ticker --no-discover --tickers KXA-1
		[ "$status" -eq 78 ]
		[[ "$output" == *'variable=KALSHI_PRIVATE_KEY'* ]]
		printf '%s\n' "$output" > "$W/log"
		no_key_bytes "$W/log" "$v"
		no_key_bytes "$W/log" "$body"
	done
}

@test "the bare base64 body of the key is accepted; so is KALSHI_PRIVATE_KEY_FILE" {
	sim_start --markets 3 --rate 200
	KALSHI_PRIVATE_KEY=$(sed '/-----/d' "$SIM_KEY" | tr -d '\n') \
		wsk_client --channels ticker
	wait_for 20 wsk_has 3 ticker
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	rm -f "$W/out"
	KALSHI_PRIVATE_KEY= KALSHI_PRIVATE_KEY_FILE=$SIM_KEY wsk_client --channels ticker
	wait_for 20 wsk_has 3 ticker
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
}

@test "an empty first fragment (FIN=0, no payload) then the rest: one message, no undefined behaviour" {
	# The bytes a fuzzer found: 01 00, then a final continuation "{}".
	wsk_raw_server "$W/code" 010080027b7d
	ssmd-ws-kalshi --url "$RAW_URL" --feed-name kalshi --channels ticker \
		> "$W/out" 2> "$W/err" &
	CL_PID=$!
	wait_for 20 test -s "$W/out"
	kill -TERM "$CL_PID"
	wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	[ "$(cat "$W/out")" = '{}' ]
}

@test "--no-discover without tickers subscribes to every market (and starts cleanly under the sanitizers)" {
	sim_start --markets 3 --rate 200
	wsk_client --channels ticker --no-discover
	wait_for 20 wsk_has 3 ticker
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	[ "$(sim_commands | jq -r '.params.market_tickers // "all"' | head -1)" = all ]
}

@test "a refused connection is reported as refused, with the address, not as a TLS failure" {
	local port
	port=$(free_port)
	run ssmd-ws-kalshi --url "wss://127.0.0.1:$port/trade-api/ws/v2" \
		--channels ticker --no-discover --tickers KXA-1
	[ "$status" -eq 69 ]
	[[ "$output" == *"reason=\"connect: Connection refused (127.0.0.1:$port)\""* ]]
	[[ "$output" != *"TLS handshake"* ]]
}

@test "an environment file's ca_file is relative to that file; a CA error names the file and the field" {
	sim_start --markets 3 --rate 200
	mkdir -p "$W/cfg/environments" "$W/cfg/feeds" "$W/cfg/environments/tls" "$W/elsewhere"
	cp "$ROOT/exchanges/feeds/kalshi.yaml" "$W/cfg/feeds/"
	cp "$SIM_CA" "$W/cfg/environments/tls/ca.pem"
	printf 'name: t\nfeed: kalshi\nws_url: %s\nrest_url: %s\nca_file: tls/ca.pem\n' \
		"$SIM_URL" "$SIM_REST" > "$W/cfg/environments/t.yaml"
	cd "$W/elsewhere"
	ssmd-ws-kalshi --config-dir "$W/cfg" --env t --no-discover --channels ticker \
		> "$W/out" 2> "$W/err" &
	CL_PID=$!
	wait_for 20 wsk_has 3 ticker
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	rm "$W/cfg/environments/tls/ca.pem"
	run ssmd-ws-kalshi --config-dir "$W/cfg" --env t --no-discover --channels ticker
	[ "$status" -eq 78 ]
	[[ "$output" == *"ca_file=\"$W/cfg/environments/tls/ca.pem\" from=\"$W/cfg/environments/t.yaml: ca_file\""* ]]
	run ssmd-ws-kalshi --config-dir "$W/cfg" --env t --no-discover --channels ticker \
		--ca-file "$W/none.pem"
	[ "$status" -eq 78 ]
	[[ "$output" == *'from="--ca-file"'* ]]
}

@test "discovery by category: --categories takes those series' markets; SSMD_EXCLUDE_CATEGORIES drops a category's" {
	sim_start --markets 120 --rate 50
	wsk_client --channels ticker --discover --categories Economics,Sports
	wait_for 20 grep -q '"cmd"' "$SIM_CMDS"
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	sim_commands | jq -r '.params.market_tickers[]' | sort -u > "$W/subscribed"
	[ -s "$W/subscribed" ]
	run grep -cvE '^(KXFED|KXCPI|KXNBAGAME|KXMLBSPREAD)-' "$W/subscribed"
	[ "$output" -eq 0 ]
	grep -q 'msg="category" category="Economics"' "$W/err"
	: > "$SIM_CMDS"
	SSMD_EXCLUDE_CATEGORIES=Crypto wsk_client --channels ticker --discover
	wait_for 20 grep -q '"cmd"' "$SIM_CMDS"
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	sim_commands | jq -r '.params.market_tickers[]' | sort -u > "$W/subscribed"
	[ -s "$W/subscribed" ]
	run grep -cE '^(KXBTCD|KXETHD|KXSOLD|KXXRP|KXBTC15M|KXETHMINMON)-' "$W/subscribed"
	[ "$output" -eq 0 ]
	grep -q 'msg="excluded by category" markets=[1-9]' "$W/err"
	run ssmd-ws-kalshi $(wsk_opts) --channels ticker --categories $'bad\tname'
	[ "$status" -eq 64 ]
}

@test "ssmd-ws-kalshi --help: every option it takes, with its default, and its man page" {
	load helpers/help
	help_check ssmd-ws-kalshi
}

seed_client() {
	ssmd-ws-kalshi --feed "$W/seed/feed.yaml" --env "$W/seed/env.yaml" \
		--ca-file "$SIM_CA" --rest-interval 0 "$@" > "$W/out" 2> "$W/err" &
	CL_PID=$!
}

@test "seed form: the original operator's feed.yaml and env.yaml, every block, capture as they say" {
	# Markets that close from a day to three days from now.
	sim_start --markets 120 --rate 100 --start-time "$(date +%s)"
	seed_feed "$SIM_URL"
	seed_env 'secmaster:' \
		'  url: "http://ssmd-data-ts.ssmd.svc.cluster.local:8080"' \
		'  categories:' '    - Economics' '  close_within_hours: 48' \
		'  games_only: true' \
		'subscription:' '  batch_size: 100' '  retry_attempts: 3' \
		'  retry_delay_ms: 1000' \
		'cdc:' '  enabled: true' '  stream_name: SECMASTER_CDC' \
		'  consumer_name: kalshi-politics-cdc'
	seed_client --metrics-dir "$W"
	wait_for 30 wsk_has 5 ticker || { cat "$W/err"; false; }
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	json_lines_ok "$W/out"
	# The version's endpoint, signed with the keys' source.
	grep -q 'msg="feed version in effect" version="1.0" effective_from=2024-01-01 endpoint="wss://127.0.0.1:[0-9]*/trade-api/ws/v2" used=yes auth=api_key' "$W/err"
	run ! grep -q 'upgrade refused' "$SIM_LOG"
	# secmaster.categories: Kalshi's open markets of Economics' series,
	# through the REST URL that goes with the endpoint.
	grep -q "rest_url=\"$SIM_REST\"" "$W/err"
	grep -q 'msg="category" category="Economics"' "$W/err"
	sim_commands | jq -r '.params.market_tickers[]' | sort -u > "$W/subscribed"
	[ -s "$W/subscribed" ]
	run grep -cvE '^(KXFED|KXCPI)-' "$W/subscribed"
	[ "$output" -eq 0 ]
	# close_within_hours: 48, as Kalshi's max_close_ts: exactly the open
	# Economics markets that close by then, from the unfiltered list.
	curl -sf --cacert "$SIM_CA" "$SIM_REST/markets?limit=1000&status=open" |
	    jq -r --argjson by "$(($(date +%s) + 48 * 3600))" '.markets[] |
		select(.ticker | test("^(KXFED|KXCPI)-")) |
		select((.close_time | fromdateiso8601) <= $by) | .ticker' |
	    sort -u > "$W/closing"
	[ "$(wc -l < "$W/closing")" -gt 0 ]
	[ "$(curl -sf --cacert "$SIM_CA" "$SIM_REST/markets?limit=1000&status=open" |
	    jq '[.markets[] | select(.ticker | test("^(KXFED|KXCPI)-"))] | length')" -gt "$(wc -l < "$W/closing")" ]
	diff "$W/closing" "$W/subscribed"
	# No channels in the seed's feed: the default three.
	[ "$(sim_commands | jq -r '.params.channels[]' | sort -u | paste -sd,)" = \
		market_lifecycle_v2,ticker,trade ]
	# What is read but not acted on is named once.
	[ "$(grep -c 'msg="settings of the original ssmd read but not used"' "$W/err")" -eq 1 ]
	grep 'msg="settings of the original ssmd read but not used"' "$W/err" > "$W/unused"
	run grep -q 'secmaster.close_within_hours' "$W/unused"
	assert_failure
	for s in secmaster.url secmaster.games_only \
	    subscription.batch_size subscription.retry_attempts \
	    subscription.retry_delay_ms cdc.enabled cdc.stream_name cdc.consumer_name; do
		grep -q "[\",]$s[\",]" "$W/unused" || { echo "not named: $s"; false; }
	done
	grep -q '^ssmd_ws_kalshi_frames_total{feed="kalshi",type="ticker"} [1-9]' \
		"$W/ssmd-ws-kalshi.prom"
}

@test "seed form: rendered with a feed ConfigMap (display_name and auth_method empty, no keys block) still captures" {
	sim_start --markets 5 --rate 200
	seed_feed "$SIM_URL" ''
	sed -i 's/^display_name: Kalshi$/display_name: /' "$W/seed/feed.yaml"
	seed_env
	sed -i '/^keys:/,/^    source:/d' "$W/seed/env.yaml"
	grep -q '^auth_method: *$\|    auth_method: *$' "$W/seed/feed.yaml"
	run ! grep -q '^keys:' "$W/seed/env.yaml"
	seed_client
	wait_for 30 wsk_has 5 ticker || { cat "$W/err"; false; }
	grep -q 'auth=api_key' "$W/err"
}

@test "seed form: the version in effect is the latest effective_from not after today (UTC)" {
	sim_start --markets 5 --rate 200
	dead=wss://127.0.0.1:$(free_port)/trade-api/ws/v2
	seed_feed "$dead"
	cat >> "$W/seed/feed.yaml" <<-EOF
	  - version: "2.0"
	    effective_from: "$(date -u -d yesterday +%F)"
	    protocol: {transport: wss, message: json}
	    endpoint: $SIM_URL
	    auth_method: api_key
	  - version: "3.0"
	    effective_from: "2999-01-01"
	    endpoint: $dead
	  - version: "0.9"
	    effective_from: "2025-01-01"
	    effective_to: "2025-06-30"
	    endpoint: $dead
	EOF
	seed_env
	seed_client
	wait_for 30 wsk_has 5 ticker || { cat "$W/err"; false; }
	grep -q 'msg="feed version in effect" version="2.0"' "$W/err"
	# Only future versions: none in effect, said so.
	kill -TERM "$CL_PID"; wsk_wait_client 20
	sed -i -E 's/effective_(from|to): "20[0-9-]*"/effective_\1: "2998-12-31"/' \
		"$W/seed/feed.yaml"
	run ssmd-ws-kalshi --feed "$W/seed/feed.yaml" --env "$W/seed/env.yaml"
	[ "$status" -eq 78 ]
	[[ "$output" == *"feed.yaml: versions: no version is in effect on $(date -u +%F) (UTC)"* ]]
}

@test "seed form: --url wins over the environment's ws_url, which wins over the version's endpoint" {
	sim_start --markets 5 --rate 200
	dead=wss://127.0.0.1:$(free_port)/trade-api/ws/v2
	seed_feed "$dead"
	seed_env "ws_url: $SIM_URL"
	seed_client
	wait_for 30 wsk_has 5 ticker || { cat "$W/err"; false; }
	grep -q 'msg="feed version in effect" .* used=no' "$W/err"
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	seed_env "ws_url: $dead"
	seed_client --url "$SIM_URL"
	wait_for 30 wsk_has 5 ticker || { cat "$W/err"; false; }
	kill -TERM "$CL_PID"; wsk_wait_client 20
	[ "$CL_RC" -eq 0 ]
	# Without --url the environment's dead ws_url is used: exit 69.
	run ssmd-ws-kalshi --feed "$W/seed/feed.yaml" --env "$W/seed/env.yaml" \
		--ca-file "$SIM_CA"
	[ "$status" -eq 69 ]
}

@test "seed form: auth_method none connects without keys or a signature" {
	sim_start --markets 5 --rate 200
	seed_feed "$SIM_URL" none
	seed_env
	unset KALSHI_API_KEY KALSHI_PRIVATE_KEY
	# The simulator wants a signature: refused, 77 (no headers were sent).
	run ssmd-ws-kalshi --feed "$W/seed/feed.yaml" --env "$W/seed/env.yaml" \
		--ca-file "$SIM_CA"
	[ "$status" -eq 77 ]
	grep -q 'upgrade refused' "$SIM_LOG"
	sim_stop
	sim_start --markets 5 --rate 200 --no-auth
	seed_feed "$SIM_URL" none
	seed_client
	wait_for 30 wsk_has 5 ticker || { cat "$W/err"; false; }
	grep -q 'auth=none' "$W/err"
}

# seed_bad FILE FIELD MESSAGE: exit 78 naming the file and the field.
seed_bad() {
	run ssmd-ws-kalshi --feed "$W/seed/feed.yaml" --env "$W/seed/env.yaml"
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$1: $2: $3"* ]]
}

@test "seed form: a wrong type, status, auth_method, protocol, keys type or fields, or an unknown key: exit 78 naming the field" {
	seed_feed wss://127.0.0.1:1/trade-api/ws/v2
	seed_env
	sed -i 's/^type: websocket/type: rest/' "$W/seed/feed.yaml"
	seed_bad feed.yaml type "want websocket"
	seed_feed wss://127.0.0.1:1/trade-api/ws/v2
	sed -i 's/^status: active/status: disabled/' "$W/seed/feed.yaml"
	seed_bad feed.yaml status "disabled: the feed is switched off"
	seed_feed wss://127.0.0.1:1/trade-api/ws/v2 oauth
	seed_bad feed.yaml 'versions[0].auth_method' '\"oauth\": want api_key or none'
	seed_feed wss://127.0.0.1:1/trade-api/ws/v2
	sed -i 's/message: json/message: fix/' "$W/seed/feed.yaml"
	seed_bad feed.yaml 'versions[0].protocol.message' "want json"
	seed_feed ws://127.0.0.1:1/trade-api/ws/v2
	seed_bad feed.yaml 'versions[0].protocol.transport' "wss, but the endpoint is not wss://"
	seed_feed wss://127.0.0.1:1/trade-api/ws/v2
	sed -i 's/effective_from: "2024-01-01"/effective_from: "2024-02-30"/' "$W/seed/feed.yaml"
	seed_bad feed.yaml 'versions[0].effective_from' "want a date, YYYY-MM-DD"
	seed_feed wss://127.0.0.1:1/trade-api/ws/v2
	echo '    endpont: x' >> "$W/seed/feed.yaml"
	seed_bad feed.yaml 'versions[0].endpont' "unknown setting"
	seed_feed wss://127.0.0.1:1/trade-api/ws/v2
	sed -i 's/    type: api_key/    type: mtls/' "$W/seed/env.yaml"
	seed_bad env.yaml keys.kalshi.type "want api_key"
	seed_env
	sed -i 's/      - private_key/      - secret/' "$W/seed/env.yaml"
	seed_bad env.yaml keys.kalshi.fields "want [api_key, private_key]"
	seed_env 'subscription:' '  batch_size: many'
	seed_bad env.yaml subscription.batch_size "want a whole number"
	seed_env 'secmaster:' '  categorys: [Economics]'
	seed_bad env.yaml secmaster.categorys "unknown setting"
	seed_env
	sed -i 's/  subject_prefix:/  subjectprefix:/' "$W/seed/env.yaml"
	seed_bad env.yaml transport.subjectprefix "unknown setting"
}

@test "seed form: the original operator's placeholder endpoint (no feed ConfigMap) is a configuration error" {
	seed_feed wss://kalshi.example.com/MISSING_FEED_CONFIGMAP none
	seed_env
	seed_bad feed.yaml endpoint "wss://kalshi.example.com/MISSING_FEED_CONFIGMAP is the original operator's placeholder"
}
