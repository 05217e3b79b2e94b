#!/usr/bin/env bats
# ssmd-nats-pub and ssmd-nats-sub against a real nats-server with JetStream.

load helpers/common
load helpers/nats

setup() {
	T=$BATS_TEST_TMPDIR
	nats_start
}

teardown() {
	for p in ${PIDS:-}; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	nats_stop
}

pub() {
	ssmd-nats-pub --stream S --prefix p --create-stream --no-progress "$@"
}

# Subscriber output only; its log goes to $T/sub.log.
sub_all() {
	ssmd-nats-sub --stream S --start all --exit-at-end "$@" 2>> "$T/sub.log"
}

# Subject of every message of stream S, in order.
subjects() {
	local i n
	n=$(nats_stream_last S)
	for i in $(seq 1 "$n"); do nats_stream_get S "$i" | cut -f1; done
}

@test "round trip is byte-exact for every fixture frame and for envelopes" {
	cat "$KFIX"/*.jsonl > "$T/frames"
	ssmd-stamp < "$T/frames" > "$T/env"
	cat "$T/frames" "$T/env" > "$T/in"
	run pub < "$T/in"
	assert_success
	assert_output --partial "published=$(wc -l < "$T/in")"
	sub_all > "$T/out"
	cmp "$T/in" "$T/out"
}

@test "subjects for every kind, markers, fallbacks, and a ticker with a dot" {
	cat > "$T/in" <<'EOF'
{"type":"ticker","sid":1,"msg":{"market_ticker":"KXBTCD-26FEB1217-T67749.99"}}
{"type":"ticker_v2","sid":1,"msg":{"market_ticker":"A-1"}}
{"ts":"2026-11-21T14:03:07.123456Z","feed":"kalshi","data":{"type":"trade","sid":2,"seq":1,"msg":{"market_ticker":"B-2"}}}
{"type":"orderbook_snapshot","sid":3,"seq":1,"msg":{"market_ticker":"C"}}
{"type":"orderbook_delta","sid":3,"seq":2,"msg":{"market_ticker":"C"}}
{"type":"market_lifecycle_v2","sid":4,"seq":1,"msg":{"market_ticker":"D"}}
{"type":"event_lifecycle","sid":4,"seq":2,"msg":{"event_ticker":"KXE-26"}}
{"type":"ssmd_gap","sid":5,"expected_seq":43,"seq":45}
{"type":"subscribed","id":1,"msg":{"channel":"ticker","sid":1}}
{"type":"trade","sid":2,"seq":2,"msg":{}}
[1,2,3]
this is not json
EOF
	run pub < "$T/in"
	assert_success
	run subjects
	assert_output "p.json.ticker.KXBTCD-26FEB1217-T67749%2E99
p.json.ticker.A-1
p.json.trade.B-2
p.json.orderbook.C
p.json.orderbook.C
p.json.lifecycle.D
p.json.event_lifecycle.KXE-26
p.ssmd.gap
p.other.subscribed
p.other.trade
p.other._
p.invalid"
	# Existing consumers' filters keep working, dots included.
	run sub_all --filter 'p.json.ticker.KXBTCD-26FEB1217-T67749%2E99'
	assert_output "$(head -1 "$T/in")"
	run sub_all --filter 'p.json.trade.>' --filter 'p.ssmd.>'
	assert_output "$(sed -n '3p;8p' "$T/in")"
}

@test "--subject publishes everything to one subject" {
	head -3 "$KFIX/frames-2026.jsonl" > "$T/in"
	run pub --subject p.fixed < "$T/in"
	assert_success
	run subjects
	assert_output "p.fixed
p.fixed
p.fixed"
}

@test "the same file published twice leaves the stream unchanged" {
	"$ROOT/tests/helpers/nats-corpus" "$KFIX" 3000 > "$T/in"
	pub < "$T/in"
	[ "$(nats_stream_msgs S)" -eq 3000 ]
	run pub < "$T/in"
	assert_success
	assert_output --partial "published=0 duplicates=3000"
	[ "$(nats_stream_msgs S)" -eq 3000 ]
	# Without message ids the server cannot tell.
	run pub --msg-id none < "$T/in"
	assert_output --partial "published=3000 duplicates=0"
	[ "$(nats_stream_msgs S)" -eq 6000 ]
}

@test "nats-server killed and restarted mid-publish: every line exactly once" {
	"$ROOT/tests/helpers/nats-corpus" "$KFIX" 60000 > "$T/in"
	mkfifo "$T/fifo"
	# Feed the second half only after the server came back, so the
	# publisher is surely in the middle of its input when it dies.
	( head -30000 "$T/in"; while [ ! -e "$T/go" ]; do sleep 0.05; done
	  tail -n +30001 "$T/in" ) > "$T/fifo" &
	PIDS="$!"
	ssmd-nats-pub --stream S --prefix p --create-stream --no-progress \
	    --ack-timeout 60s < "$T/fifo" 2> "$T/log" &
	local pub_pid=$!
	PIDS="$PIDS $pub_pid"
	wait_for 60 nats_stream_has S 10000
	nats_kill
	sleep 0.5
	nats_restart
	touch "$T/go"
	wait "$pub_pid"
	cat "$T/log" >&3 || true
	grep -q 'msg="done".*failed=0' "$T/log"
	[ "$(nats_stream_msgs S)" -eq 60000 ]
	sub_all > "$T/out"
	# Every line exactly once...
	sort "$T/in" > "$T/in.sorted"
	sort "$T/out" | cmp - "$T/in.sorted"
	# ...and in input order, but for at most one message caught in the
	# instant of the break (see ssmd-nats-pub(1)).
	[ "$(diff "$T/in" "$T/out" | grep -c '^[<>]')" -le 2 ]
}

@test "server gone for good: exit 75 with the line to resume from" {
	"$ROOT/tests/helpers/nats-corpus" "$KFIX" 5000 > "$T/in"
	mkfifo "$T/fifo"
	( head -2000 "$T/in"; while [ ! -e "$T/go" ]; do sleep 0.05; done
	  tail -n +2001 "$T/in" ) > "$T/fifo" &
	PIDS="$!"
	ssmd-nats-pub --stream S --prefix p --create-stream --no-progress \
	    --ack-timeout 2s < "$T/fifo" 2> "$T/log" &
	local pub_pid=$! rc=0
	PIDS="$PIDS $pub_pid"
	wait_for 60 nats_stream_has S 2000
	nats_stop
	touch "$T/go"
	wait "$pub_pid" || rc=$?
	[ "$rc" -eq 75 ]
	run grep -o 'resume_line=[0-9]*' "$T/log"
	assert_success
	local n=${output#resume_line=}
	[ "$n" -gt 2000 ]
	nats_restart
	[ "$(nats_stream_msgs S)" -eq $((n - 1)) ]
	tail -n +"$n" "$T/in" | pub
	sub_all > "$T/out"
	cmp "$T/in" "$T/out"
}

@test "missing stream or a stream that does not cover the prefix: exit 78" {
	run ssmd-nats-pub --stream NOPE --prefix p < /dev/null
	[ "$status" -eq 78 ]
	assert_output --partial "stream does not exist"
	nats_stream_add OTHER 'q.>'
	run ssmd-nats-pub --stream OTHER --prefix p < /dev/null
	[ "$status" -eq 78 ]
	assert_output --partial "does not cover"
	assert_output --partial 'publishes="p.>" stream_subjects="q.>"'
	run ssmd-nats-sub --stream NOPE
	[ "$status" -eq 78 ]
}

@test "NATS URLs: only nats:// and tls://; errors name the URL without its password" {
	run ssmd-nats-pub --url http://u:secret@127.0.0.1:1 --stream S < /dev/null
	[ "$status" -eq 64 ]
	assert_output --partial 'url="http://127.0.0.1:1"'
	refute_output --partial secret
	run env NATS_URL=localhost:4222 ssmd-nats-sub --stream S
	[ "$status" -eq 78 ]
	assert_output --partial 'bad NATS URL'
	port=$(free_port)
	run env NATS_URL="nats://u:secret@127.0.0.1:$port" ssmd-nats-pub --stream S < /dev/null
	[ "$status" -eq 69 ]
	assert_output --partial "msg=\"cannot connect to NATS\" url=\"nats://127.0.0.1:$port\""
	refute_output --partial secret
	run ssmd-nats-sub --stream S --filter 'a..b'
	[ "$status" -eq 64 ]
	assert_output --partial "'*' stands for one token"
}

@test "no server: exit 69; usage errors: exit 64" {
	run ssmd-nats-pub --url nats://127.0.0.1:1 --stream S < /dev/null
	[ "$status" -eq 69 ]
	run ssmd-nats-pub --prefix 'a.*' --stream S
	[ "$status" -eq 64 ]
	run ssmd-nats-pub
	[ "$status" -eq 64 ]
	run ssmd-nats-sub --stream S --resume-from "$T" --durable D --annotate
	[ "$status" -eq 64 ]
	run ssmd-nats-sub --help
	[ "$status" -eq 0 ]
	assert_output --partial "usage: ssmd-nats-sub"
}

@test "sub writes an ssmd_stream_gap marker when messages were deleted" {
	"$ROOT/tests/helpers/nats-corpus" "$KFIX" 10 > "$T/in"
	pub < "$T/in"
	nats_msg_delete S 4
	nats_msg_delete S 5
	sub_all --metrics-dir "$T" > "$T/out"
	run jq -c 'select(.type == "ssmd_stream_gap") | [.expected_seq, .seq, .missing]' "$T/out"
	assert_output "[4,6,2]"
	[ "$(wc -l < "$T/out")" -eq 9 ]
	grep -q '^ssmd_nats_sub_stream_gaps_total{stream="S"} 1$' "$T/ssmd-nats-sub.prom"
	grep -q '^ssmd_nats_sub_missing_messages_total{stream="S"} 2$' "$T/ssmd-nats-sub.prom"
	# A start sequence that was deleted is a gap too.
	run sub_all --start 4
	assert_line --index 0 --partial '"expected_seq":4,"seq":6'
}

@test "--annotate adds _nats_seq and _received_at inside the object" {
	printf '%s\n' '{"type":"x","a":1}' '{}' ' {"b":2} ' > "$T/in"
	pub < "$T/in"
	sub_all --annotate > "$T/out"
	json_lines_ok "$T/out"
	run jq -c '[._nats_seq, (._received_at > 1700000000000000), .a, .b]' "$T/out"
	assert_output '[1,true,1,null]
[2,true,null,null]
[3,true,null,2]'
}

@test "--resume-from starts after the highest _nats_seq of an archive" {
	"$ROOT/tests/helpers/nats-corpus" "$KFIX" 20 > "$T/in"
	pub < "$T/in"
	mkdir -p "$T/arch/2026-11-20" "$T/arch/2026-11-21"
	sub_all --annotate --start 1 | head -5 > "$T/arch/2026-11-20/kalshi-2345.jsonl"
	sub_all --annotate --start 6 | head -3 | gzip > "$T/arch/2026-11-21/kalshi-0000.jsonl.gz"
	# An in-progress file with a half line at its end.
	sub_all --annotate --start 9 | head -3 > "$T/arch/2026-11-21/kalshi-0015.jsonl.partial"
	printf '{"half":' >> "$T/arch/2026-11-21/kalshi-0015.jsonl.partial"
	run sub_all --annotate --resume-from "$T/arch"
	assert_success
	[ "$(echo "$output" | grep -c _nats_seq)" -eq 9 ]
	assert_line --index 0 --partial '"_nats_seq":12,'
	# An empty archive starts at the beginning.
	run sub_all --annotate --resume-from "$T/none"
	[ "$(echo "$output" | grep -c _nats_seq)" -eq 20 ]
}

@test "bad lines: published to p.invalid, rejected, or stop; all counted" {
	printf '%s\n' '{"type":"trade","msg":{"market_ticker":"X"}}' 'not json' '' \
	    '{"a":' "$(head -c 3000 /dev/zero | tr '\0' x)" > "$T/in"
	run pub --metrics-dir "$T" --max-line 1000 --reject-file "$T/rej" < "$T/in"
	assert_success
	assert_output --partial 'empty=1 invalid=2 rejected=0 too_long=1 dropped=0'
	# Without a reject file the too-long line is lost: the status says so.
	run pub --max-line 1000 < "$T/in"
	[ "$status" -eq 65 ]
	assert_output --partial 'too_long=1 dropped=1'
	assert_output --partial 'lost=1'
	[ "$(nats_stream_msgs S)" -eq 3 ]
	[ "$(nats_stream_msgs S)" -eq 3 ]
	[ "$(wc -c < "$T/rej")" -eq 3001 ]
	grep -q 'ssmd_nats_pub_invalid_published_total{stream="S"} 2' "$T/ssmd-nats-pub.prom"
	grep -q 'ssmd_nats_pub_empty_lines_total{stream="S"} 1' "$T/ssmd-nats-pub.prom"
	grep -q 'ssmd_nats_pub_rejected_lines_total{stream="S",reason="too_long"} 1' "$T/ssmd-nats-pub.prom"
	# The subscriber never writes an invalid line: bad payloads are kept
	# inside a marker.
	sub_all > "$T/out"
	json_lines_ok "$T/out"
	run jq -r 'select(.type == "ssmd_nats_bad_payload") | .raw' "$T/out"
	assert_output 'not json
{"a":'
	run pub --invalid reject --reject-file "$T/rej2" < "$T/in"
	assert_success
	[ "$(nats_stream_msgs S)" -eq 3 ]	# the good line was a duplicate
	[ "$(sed -n 2p "$T/rej2")" = '{"a":' ]
	run pub --invalid stop < "$T/in"
	[ "$status" -eq 65 ]
	assert_output --partial "line=2 resume_line=2"
	# Deeper in: everything before is acknowledged, so the resume line is
	# the bad one, not the first.
	printf '{"n":%d}\n' 1 2 3 4 5 > "$T/in6"
	echo 'not json' >> "$T/in6"
	run pub --invalid stop < "$T/in6"
	[ "$status" -eq 65 ]
	assert_output --partial "line=6 resume_line=6"
}

@test "--core publishes without acknowledgements and says so" {
	nats_stream_add S 'p.>'
	head -5 "$KFIX/frames-2026.jsonl" > "$T/in"
	run ssmd-nats-pub --core --prefix p --no-progress < "$T/in"
	assert_success
	assert_output --partial "no acknowledgements"
	wait_for 10 nats_stream_has S 5
}

@test "durable consumer continues where it left off" {
	"$ROOT/tests/helpers/nats-corpus" "$KFIX" 2000 > "$T/in"
	pub < "$T/in"
	# Stopped part way while a slow reader reads everything it wrote (a
	# reader that leaves with lines unread in the pipe loses them,
	# whatever the writer does: that is not what is tested here).
	mkfifo "$T/fifo"
	( while IFS= read -r l; do printf '%s\n' "$l"; sleep 0.002; done ) \
		< "$T/fifo" > "$T/out1" &
	local rpid=$! pid
	ssmd-nats-sub --stream S --durable D --start all --batch 10 \
		> "$T/fifo" 2> "$T/err1" &
	pid=$!
	has30() { [ "$(wc -l < "$T/out1")" -ge 30 ]; }
	wait_for 30 has30
	kill -TERM "$pid"
	wait "$pid"
	wait "$rpid"
	[ "$(wc -l < "$T/out1")" -lt 2000 ]
	ssmd-nats-sub --stream S --durable D --exit-at-end --batch 10 > "$T/out2"
	# Acknowledged after writing: what was written is not sent again,
	# what was received but not written is.
	cat "$T/out1" "$T/out2" | sort | uniq -d > "$T/dups"
	[ ! -s "$T/dups" ]
	cat "$T/out1" "$T/out2" | sort > "$T/all"
	sort "$T/in" | cmp - "$T/all"
}

@test "SIGTERM: pub drains its acks and exits 0; sub exits 0; EPIPE is quiet" {
	"$ROOT/tests/helpers/nats-corpus" "$KFIX" 1000 > "$T/in"
	mkfifo "$T/fifo"
	( cat "$T/in"; sleep 30 ) > "$T/fifo" &
	PIDS="$!"
	ssmd-nats-pub --stream S --prefix p --create-stream --no-progress \
	    < "$T/fifo" 2> "$T/log" &
	local pid=$!
	PIDS="$PIDS $pid"
	wait_for 30 nats_stream_has S 1000
	kill -TERM "$pid"
	wait "$pid"
	grep -q 'msg="done".*published=1000 .*acked_line=1000' "$T/log"
	ssmd-nats-sub --stream S --start all > /dev/null 2> "$T/slog" &
	pid=$!
	PIDS="$PIDS $pid"
	wait_for 30 grep -q consuming "$T/slog"
	kill -TERM "$pid"
	wait "$pid"
	run bash -c 'ssmd-nats-sub --stream S --start all 2>/dev/null | head -1'
	assert_success
	assert_output "$(head -1 "$T/in")"
}

@test "a --prefix too long for every subject to fit is refused at start" {
	run ssmd-nats-pub --stream X --prefix "$(printf 'p%.0s' $(seq 298))" < /dev/null
	[ "$status" -eq 64 ]
	[[ "$output" == *'--prefix is too long'* ]]
}

@test "ssmd-nats-pub --help: every option it takes, with its default, and its man page" {
	load helpers/help
	help_check ssmd-nats-pub
}

@test "ssmd-nats-sub --help: every option it takes, with its default, and its man page" {
	load helpers/help
	help_check ssmd-nats-sub
}
