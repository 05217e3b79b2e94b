#!/usr/bin/env bats
# scripts/pipeline, scripts/supervise, scripts/run, scripts/mkcerts: their
# own --help, stderr inherited, retrying an outage, one run per run
# directory, nothing left running, real causes, readiness of dead stages.
load helpers/common
load helpers/sim
load helpers/healthd
bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	SUP_PID= RUN_PGID= ROT_PID=
}

teardown() {
	local p
	[ -n "$SUP_PID" ] && kill -TERM "$SUP_PID" 2>/dev/null
	if [ -n "$RUN_PGID" ]; then
		kill -TERM -- "-$RUN_PGID" 2>/dev/null
		wait_for 30 gone "$RUN_PGID" || kill -KILL -- "-$RUN_PGID" 2>/dev/null
	fi
	[ -n "$ROT_PID" ] && kill -TERM "$ROT_PID" 2>/dev/null
	sim_stop
	# Nothing a test started may outlive it.
	for p in $(pgrep -f -- "$T/" || true); do kill -KILL "$p" 2>/dev/null; done
	true
}

gone() {
	if kill -0 "$1" 2>/dev/null; then return 1; fi
}

# Run a command in a process group of its own, like a terminal's job,
# with SIGINT at its default: RUN_PGID is its pid and group.
job() {
	/usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setpgid(0, 0)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" &
	RUN_PGID=$!
	wait_for 10 kill -0 -- "-$RUN_PGID"
}

# The processes still alive whose command line names the test's directory.
leftovers() {
	pgrep -a -f -- "$T/" || true
}

no_leftovers() {
	[ -z "$(leftovers)" ]
}

@test "scripts: --help is parsed by each script, printed on stdout, and does nothing else" {
	cd "$T"
	for s in pipeline supervise run mkcerts install-deps build-image check-layout \
	    bench-nats bench-rotate bench-stamp bench-ws-kalshi; do
		run --separate-stderr env SSMD_DATA="$T/data" DATA="$T/data" \
		    SSMD_RUN_DIR="$T/run" "$ROOT/scripts/$s" --help
		assert_success
		assert_output --partial "$s"
		[ -z "$stderr" ] || fail "$s --help wrote to stderr: $stderr"
		[ ! -e "$T/data" ] || fail "$s --help made the data directory"
		[ ! -e "$T/run" ] || fail "$s --help made the run directory"
	done
	[ ! -e "$T/--help" ] || fail "mkcerts --help made a directory"
	# -h too, and after other arguments
	run "$ROOT/scripts/supervise" --env x -h
	assert_success
	assert_output --partial 'Only statuses a retry cannot fix'
	run "$ROOT/scripts/run" --bogus
	assert_failure 64
}

@test "scripts: pipeline inherits fd 2: a socket as stderr works and gets every program's lines" {
	# The old script reopened /dev/stderr, which fails on a socket
	# (the journal's) with "No such device or address".
	run /usr/bin/python3 - "$ROOT/scripts/pipeline" "$T/data" <<-'EOF2'
	import os, socket, subprocess, sys
	a, b = socket.socketpair()
	env = dict(os.environ, SSMD_DATA=sys.argv[2])
	p = subprocess.run([sys.argv[1], "--no-such-option"], stderr=a.fileno(),
	                   stdout=subprocess.DEVNULL, env=env)
	a.close()
	data = b"".join(iter(lambda: b.recv(65536), b"")).decode()
	print(p.returncode)
	print(data)
	EOF2
	assert_success
	assert_line --index 0 64
	assert_output --partial 'usage: ssmd-ws-kalshi'
	assert_output --partial 'prog=ssmd-pipeline msg="stage exited" stage=0 prog=ssmd-ws-kalshi status=64'
	refute_output --partial 'No such device'
}

restarts() {	# restarts STATUS FILE: how many restarts after STATUS
	grep -c "msg=\"pipeline ended; restarting\" status=$1 " "$2" || true
}

@test "scripts: supervise keeps retrying an unreachable exchange (69), then captures when it is back" {
	sim_certs "$T/sim"
	sim_keypair "$T/sim"
	port=$(free_port)
	mkdir -p "$T/m"
	SIM_API_KEY=k SIM_PRIVATE_KEY=$T/sim/key.pem SSMD_DATA=$T/data \
	    SSMD_METRICS_DIR=$T/m SUPERVISE_MAX_BACKOFF=1 \
	    "$ROOT/scripts/supervise" --config-dir "$ROOT/exchanges" --env local-sim \
	    --url "wss://127.0.0.1:$port/trade-api/ws/v2" \
	    --rest-url "https://127.0.0.1:$port/trade-api/v2" \
	    --ca-file "$T/sim/ca.pem" --no-discover --channels ticker 2> "$T/sup.err" &
	SUP_PID=$!
	# The outage: several 69s, each logged with its attempt and backoff.
	wait_for 60 bash -c "[ \$(grep -c 'status=69 ' '$T/sup.err') -ge 3 ]" ||
	    { cat "$T/sup.err"; false; }
	kill -0 "$SUP_PID"
	grep -q 'status=69 attempt=3 restarts=3 in_seconds=1 max_backoff=1' "$T/sup.err"
	grep -q '^ssmd_supervise_restarts_total{status="69"} [3-9]' "$T/m/ssmd-supervise.prom"
	# The exchange comes back on the same port: the capture resumes.
	SIM_DIR=$T/sim sim_start --api-key k --port "$port" --rate 200
	wait_for 60 bash -c "zcat '$T'/data/*/*.partial 2>/dev/null | grep -q '\"data\":{\"type\":\"ticker\"'" ||
	    { cat "$T/sup.err"; false; }
	kill -TERM "$SUP_PID"
	rc=0
	wait "$SUP_PID" || rc=$?
	SUP_PID=
	assert_equal "$rc" 0
	run find "$T/data" -name '*.partial'
	assert_output ''
}

@test "scripts: supervise stops on a status a retry cannot fix (78, 64)" {
	run env SSMD_DATA="$T/data" "$ROOT/scripts/supervise" \
	    --config-dir "$ROOT/exchanges" --env no-such-environment
	assert_failure 78
	assert_output --partial 'not restarting'
	run env SSMD_DATA="$T/data" "$ROOT/scripts/supervise" --bogus
	assert_failure 64
	refute_output --partial 'msg="pipeline ended; restarting"'
}

# Start scripts/run as a terminal job on a free health port.
start_run() {
	HPORT=$(free_port)
	job env -u KALSHI_API_KEY -u KALSHI_PRIVATE_KEY -u KALSHI_PRIVATE_KEY_FILE \
	    DATA="${RUN_DATA:-$T/data}" SSMD_RUN_DIR="$T/run" \
	    HEALTH_LISTEN="127.0.0.1:$HPORT" "$@" "$ROOT/scripts/run"
}

@test "scripts: run: Ctrl-C at any moment of the start leaves nothing running" {
	for delay in 0.05 0.2 0.4 0.8 1.5; do
		start_run > "$T/out.$delay" 2>&1
		sleep "$delay"
		kill -INT -- "-$RUN_PGID" || { cat "$T/out.$delay"; false; }
		wait_for 60 gone "$RUN_PGID" || { cat "$T/out.$delay"; false; }
		wait "$RUN_PGID" || true
		RUN_PGID=
		# every process of the run was in its group, and has ended
		wait_for 10 no_leftovers ||
		    { echo "after Ctrl-C at $delay s:"; leftovers; false; }
		[ ! -e "$T/run/run.pid" ]
		run find "$T/data" -name '*.partial'
		assert_output ''
	done
}

@test "scripts: run: a second run on the same run directory is refused, naming the first, and touches nothing" {
	start_run > "$T/out1" 2>&1
	wait_for 60 grep -q 'Ctrl-C stops' "$T/out1" || { cat "$T/out1"; false; }
	first=$RUN_PGID
	wait_for 30 test -e "$T/run/metrics/ssmd-stamp.prom"
	ls "$T/run/metrics" > "$T/before"
	run env -u KALSHI_API_KEY DATA="$T/data2" SSMD_RUN_DIR="$T/run" \
	    HEALTH_LISTEN="127.0.0.1:$(free_port)" "$ROOT/scripts/run"
	assert_failure 75
	assert_output --partial "another make run (pid $first"
	assert_output --partial "$T/run"
	refute_output --partial 'health:'
	ls "$T/run/metrics" > "$T/after"
	cmp "$T/before" "$T/after"
	[ "$(sed -n 1p "$T/run/run.pid")" = "$first" ]
	[ ! -e "$T/data2" ]
	# the first one goes on and stops cleanly
	HD_URL=http://127.0.0.1:$HPORT
	wait_for 30 bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' $HD_URL/ready) = 200 ]"
	kill -INT -- "-$RUN_PGID"
	wait_for 60 gone "$RUN_PGID"
	RUN_PGID=
	grep -q 'run: stopped (status 0)' "$T/out1"
}

@test "scripts: run: a failure prints its real cause, and no earlier run's log lines" {
	# An earlier run's log, and an archive another writer holds.
	mkdir -p "$T/run/logs" "$T/data"
	echo 'ts=x level=error prog=ssmd-stamp msg="OLD RUN LINE"' > "$T/run/logs/capture.log"
	mkfifo "$T/fifo"
	ssmd-jsonl-rotate "$T/data" < "$T/fifo" 2> "$T/rot.err" &
	ROT_PID=$!
	exec 7> "$T/fifo"
	wait_for 20 test -e "$T/data/.lock"
	sleep 0.5	# from the lock file's creation to its flock
	start_run > "$T/out" 2>&1
	wait_for 60 gone "$RUN_PGID"
	rc=0
	wait "$RUN_PGID" || rc=$?
	RUN_PGID=
	[ "$rc" != 0 ] || { cat "$T/out"; false; }
	run cat "$T/out"
	assert_output --partial 'another ssmd-jsonl-rotate'
	refute_output --partial 'OLD RUN LINE'
	# the earlier run's log is kept beside this one's
	grep -q 'OLD RUN LINE' "$T/run/logs/capture.log.1"
	exec 7>&-
	wait "$ROT_PID"
	ROT_PID=
	run leftovers
	assert_output ''
}

ready_body() {
	curl -s -m 5 "http://127.0.0.1:$HPORT/ready" > "$T/ready" 2>/dev/null
	grep -q "$1" "$T/ready"
}

@test "scripts: run: NATS_URL of a dead server: ssmd-nats-pub's exit makes /ready not ready" {
	start_run NATS_URL="nats://127.0.0.1:$(free_port)" > "$T/out" 2>&1
	wait_for 60 grep -q 'Ctrl-C stops' "$T/out" || { cat "$T/out"; false; }
	# the capture itself is connected, but the NATS stage is gone
	wait_for 60 ready_body '"reason":"stage_exited","pipeline":"nats"' ||
	    { cat "$T/ready" "$T/run/logs/capture.log"; false; }
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/ready"
	assert_output 503
	grep -q 'prog=ssmd-pipeline msg="stage exited" stage=0 prog=ssmd-nats-pub status=69' "$T/run/logs/capture.log"
	# the archive still gets everything
	wait_for 30 bash -c "zcat '$T'/data/*/*.partial 2>/dev/null | head -1 | grep -q data"
	kill -INT -- "-$RUN_PGID"
	wait_for 60 gone "$RUN_PGID"
	RUN_PGID=
	grep -q 'ssmd-nats-pub exited 69' "$T/run/logs/capture.log"
	grep -q 'run: stopped (status 69)' "$T/out"
}
