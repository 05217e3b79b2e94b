#!/usr/bin/env bats
# End to end, with real processes: ssmd-kalshi-sim over TLS ->
# ssmd-ws-kalshi -> ssmd-stamp -> tee -> ssmd-jsonl-rotate and ssmd-nats-pub
# -> nats-server (JetStream) -> ssmd-nats-sub -> a second archive, watched by
# ssmd-healthd; the supervisor example; and `make run`.
# A program or helper that a test needs and that is missing fails it.
load helpers/common
load helpers/healthd
load helpers/sim
load helpers/nats

needs() {
	local p
	for p in "$@"; do
		[ -x "$BIN/$p" ] || { echo "missing program: $BIN/$p" >&2; return 1; }
	done
}

setup() {
	W=$BATS_TEST_TMPDIR
	M=$W/metrics
	mkdir -p "$M"
	PIPE_PID= SUP_PID= RUN_PGID=
}

teardown() {
	local p
	for p in $PIPE_PID $SUP_PID; do
		kill -TERM "$p" 2>/dev/null
		wait_for 30 gone "$p" || kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$RUN_PGID" ]; then
		kill -INT -- "-$RUN_PGID" 2>/dev/null
		wait_for 30 gone "$RUN_PGID" || kill -KILL -- "-$RUN_PGID" 2>/dev/null
		[ -f "$W/run/run.pid" ] && kill -TERM "$(sed -n 1p "$W/run/run.pid")" 2>/dev/null
	fi
	stop_healthd
	[ "$(type -t sim_stop)" = function ] && sim_stop
	[ "$(type -t nats_stop)" = function ] && nats_stop
	true
}

gone() {
	if kill -0 "$1" 2>/dev/null; then return 1; fi
}

# corpus N FILE: N distinct Kalshi ticker frames built from the fixtures,
# with values varied and some non-ASCII and escaped text, one per line.
corpus() {
	/usr/bin/python3 - "$1" "$2" "$KFIX" <<-'EOF2'
	import json, os, random, re, sys
	n, out, fix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	tpl = []
	for f in ("captured-2026-02.jsonl", "frames-2026.jsonl"):
	    for line in open(os.path.join(fix, f), encoding="utf-8"):
	        line = line.rstrip("\n")
	        if line.startswith('{"type":"ticker"') and '"market_id":"' in line:
	            tpl.append(line)
	rnd = random.Random(7)
	with open(out, "w", encoding="utf-8") as o:
	    for i in range(n):
	        t = rnd.choice(tpl)
	        t = re.sub(r'"market_id":"[^"]*"', '"market_id":"e2e-%06d"' % i, t, 1)
	        t = re.sub(r'"yes_bid":\d+', '"yes_bid":%d' % rnd.randint(1, 99), t, 1)
	        if i % 97 == 0:
	            t = t[:-1] + ',"note":"caf\u00e9 \\"q\\" \\u00e9 \U0001F600"}'
	        json.loads(t)
	        o.write(t + "\n")
	EOF2
}

# The data member of each envelope in archive DIR, byte for byte, sorted.
archive_data() {
	find "$1" -name '*.jsonl.gz' -print0 | sort -z | xargs -0 zcat |
		sed -E 's/^\{"ts":"[^"]*","feed":"kalshi","data":(.*)\}$/\1/' |
		LC_ALL=C sort
}

# The options that point ssmd-ws-kalshi at the simulator.
src_opts() {
	echo --config-dir "$ROOT/exchanges" --env local-sim --url "$SIM_URL" \
		--rest-url "$SIM_REST" --ca-file "$SIM_CA" --no-discover "$@"
}

ready_is() {
	[ "$(http_code "$HD_URL/ready")" = "$1" ]
}

stamp_lines_are() {
	curl -s -o "$W/m.now" "$HD_URL/metrics" &&
	[ "$(prom_value "$W/m.now" ssmd_stamp_lines_in_total '{"feed": "kalshi"}')" = "$1" ]
}

@test "e2e: sim -> ws-kalshi -> stamp -> tee -> rotate + nats-pub -> nats-sub -> rotate: every frame once, byte-exact; health follows" {
	needs ssmd-ws-kalshi ssmd-kalshi-sim ssmd-jsonl-rotate ssmd-nats-pub ssmd-nats-sub
	N=1500
	corpus $N "$W/corpus.jsonl"
	nats_start
	sim_start --api-key e2e-key --replay "$W/corpus.jsonl" --rate 300
	start_healthd "$M" --stale-after 3

	# Before the client connects: not ready, but alive.
	ready_is 503
	run curl -s "$HD_URL/ready"
	assert_output '{"status":"not_ready","reason":"not_connected","feed":"kalshi","connected":false,"last_message_secs_ago":null}'
	[ "$(http_code "$HD_URL/health")" = 200 ]

	export SIM_API_KEY=e2e-key SIM_PRIVATE_KEY=$SIM_KEY
	NATS_STREAM=E2E NATS_PREFIX=e2e SSMD_DATA=$W/a SSMD_METRICS_DIR=$M \
	    SSMD_LOG_DIR=$W/logs "$ROOT/scripts/pipeline" $(src_opts --channels ticker) \
	    2> "$W/pipeline.err" &
	PIPE_PID=$!

	# Subscribed: ready (the frames keep coming for about 5 s).
	wait_for 30 ready_is 200
	run curl -s "$HD_URL/health"
	assert_output --regexp '^\{"status":"ok","feed":"kalshi","connected":true,"last_message_secs_ago":(null|[0-9])\}$'
	run sim_commands
	assert_output --partial '"cmd":"subscribe"'

	# Every frame through; then the simulator is silent: stale after 3 s.
	wait_for 90 stamp_lines_are "$N.0"
	wait_for 30 ready_is 503
	run curl -s "$HD_URL/ready"
	assert_output --regexp '^\{"status":"not_ready","reason":"stale","feed":"kalshi","connected":true,"last_message_secs_ago":[0-9]+\}$'
	[ "$(http_code "$HD_URL/health")" = 503 ]
	run curl -s "$HD_URL/health"
	assert_output --partial '"status":"error","reason":"stale"'

	# /metrics: valid for a real parser, with each program's counters.
	curl -s -o "$W/m" "$HD_URL/metrics"
	run prom_check "$W/m"
	assert_success
	for m in ssmd_ws_kalshi_lines_out_total ssmd_stamp_lines_out_total \
	    ssmd_jsonl_rotate_lines_in_total ssmd_nats_pub_published_total \
	    ssmd_healthd_requests_total; do
		grep -q "^$m[{ ]" "$W/m" || fail "no $m in /metrics"
	done

	# Stop the source: everything drains, the archive is finalized.
	kill -TERM "$PIPE_PID"
	rc=0
	wait "$PIPE_PID" || rc=$?
	PIPE_PID=
	[ "$rc" = 0 ] || { cat "$W/pipeline.err" "$W"/logs/*.log; false; }
	run find "$W/a" -name '*.partial'
	assert_output ''
	[ "$(nats_stream_msgs E2E)" = $N ]
	# The client said it disconnected as it stopped; the pipeline has
	# ended, which is the first reason given.
	run curl -s "$HD_URL/ready"
	assert_output --partial '"status":"not_ready","reason":"stage_exited","pipeline":"capture"'
	assert_output --partial '"connected":false'
	[ "$(http_code "$HD_URL/health")" = 200 ]

	# The archiver: NATS -> a second archive.
	run bash -c "ssmd-nats-sub --url '$NATS_URL' --stream E2E --start all \
	    --exit-at-end --metrics-dir '$M' 2>'$W/sub.err' |
	    ssmd-jsonl-rotate --metrics-dir '$M' '$W/b' 2>'$W/rot.err'"
	assert_success

	LC_ALL=C sort "$W/corpus.jsonl" > "$W/want"
	archive_data "$W/a" > "$W/got.a"
	archive_data "$W/b" > "$W/got.b"
	cmp "$W/want" "$W/got.a"
	cmp "$W/want" "$W/got.b"
	# The two archives hold the same envelopes.
	cmp <(find "$W/a" -name '*.jsonl.gz' -exec zcat {} + | LC_ALL=C sort) \
	    <(find "$W/b" -name '*.jsonl.gz' -exec zcat {} + | LC_ALL=C sort)
	for f in $(find "$W/a" "$W/b" -name '*.jsonl.gz'); do
		gzip -t "$f"
	done

	curl -s -o "$W/m" "$HD_URL/metrics"
	run prom_check "$W/m"
	assert_success
	run prom_conventions "$W/m"
	assert_success
	grep -q '^ssmd_nats_sub_messages_total' "$W/m"
	run prom_value "$W/m" ssmd_nats_sub_messages_total '{"stream": "E2E"}'
	assert_output "$N.0"
	run prom_value "$W/m" ssmd_nats_pub_published_total '{"stream": "E2E"}'
	assert_output "$N.0"
}

restarts_at_least() {
	[ "$(grep -c 'restarting.*status=75' "$2")" -ge "$1" ]
}

@test "e2e: scripts/supervise restarts the pipeline when the source exits 75" {
	needs ssmd-ws-kalshi ssmd-kalshi-sim ssmd-jsonl-rotate
	sim_start --api-key e2e-key --rate 200 --fault close:40
	export SIM_API_KEY=e2e-key SIM_PRIVATE_KEY=$SIM_KEY
	SSMD_DATA=$W/a SSMD_LOG_DIR=$W/logs SUPERVISE_MAX_BACKOFF=1 \
	    "$ROOT/scripts/supervise" $(src_opts --channels ticker) 2> "$W/sup.err" &
	SUP_PID=$!
	wait_for 90 restarts_at_least 2 "$W/sup.err"
	kill -TERM "$SUP_PID"
	rc=0
	wait "$SUP_PID" || rc=$?
	SUP_PID=
	[ "$rc" = 0 ]
	run find "$W/a" -name '*.partial'
	assert_output ''
	lines=$(find "$W/a" -name '*.jsonl.gz' -exec zcat {} + | wc -l)
	[ "$lines" -ge 80 ]
	find "$W/a" -name '*.jsonl.gz' -exec zcat {} + | jq -e .data > /dev/null
	# A status a restart will not fix ends the supervisor.
	run env SSMD_DATA="$W/a" SSMD_LOG_DIR="$W/logs" "$ROOT/scripts/supervise" --bogus
	assert_failure 64
}

@test "e2e: make run captures from the simulator; Ctrl-C leaves only final files" {
	needs ssmd-ws-kalshi ssmd-kalshi-sim ssmd-jsonl-rotate ssmd-healthd
	local port mode=${SSMD_BUILD##*/} mk=()
	port=$(free_port)
	# The build mode of this test run, so that make finds nothing to do.
	case $mode in
	"") ;;
	*-san) mk=(CC="${mode%-san}" SAN=1) ;;
	*) mk=(CC="$mode") ;;
	esac
	# Like a terminal: make in a process group of its own with SIGINT at
	# its default, so that "Ctrl-C" (SIGINT to the group) reaches it.
	env -u KALSHI_API_KEY -u KALSHI_PRIVATE_KEY -u KALSHI_PRIVATE_KEY_FILE \
	    -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    DATA="$W/data" SSMD_RUN_DIR="$W/run" HEALTH_LISTEN="127.0.0.1:$port" \
	    /usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setpgid(0, 0)
os.execvp(sys.argv[1], sys.argv[1:])' make -C "$ROOT" "${mk[@]}" run \
	    > "$W/out" 2>&1 &
	RUN_PGID=$!
	wait_for 60 grep -q 'Ctrl-C stops' "$W/out" || { cat "$W/out"; false; }
	run cat "$W/out"
	assert_output --partial 'LOCAL SIMULATOR'
	assert_output --partial "$W/data"
	assert_output --partial "curl -s http://127.0.0.1:$port/ready"
	# Data within seconds, readable while being written.
	wait_for 30 bash -c "zcat '$W'/data/*/*.partial 2>/dev/null | head -1 | jq -e .data"
	HD_URL=http://127.0.0.1:$port
	wait_for 30 ready_is 200
	kill -INT -- "-$RUN_PGID"
	wait_for 60 gone "$RUN_PGID"
	rc=0
	wait "$RUN_PGID" || rc=$?
	RUN_PGID=
	run cat "$W/out"
	assert_output --partial 'run: stopped (status 0)'
	run find "$W/data" -name '*.partial'
	assert_output ''
	n=0
	for f in $(find "$W/data" -name '*.jsonl.gz'); do
		gzip -t "$f"
		zcat "$f" | jq -e .data > /dev/null
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
	# Nothing left running.
	run pgrep -f "$W/run"
	assert_failure
	[ ! -e "$W/run/run.pid" ]
}

@test "e2e: scripts/run with credentials and an unknown ENV is a configuration error" {
	needs ssmd-ws-kalshi
	run env KALSHI_API_KEY=id KALSHI_PRIVATE_KEY_FILE=/nonexistent ENV=nope \
	    DATA="$W/data" SSMD_RUN_DIR="$W/run" "$ROOT/scripts/run"
	assert_failure 78
	assert_output --partial 'no environment file'
	refute_output --partial '/nonexistent'
}
