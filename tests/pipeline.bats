#!/usr/bin/env bats
# ssmd-pipeline: status, stop semantics, process group, stderr, metrics.
load helpers/common
bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	# A source: JSON lines until SIGTERM or SIGINT, then one last line
	# ({"end":1}) and exit 0, so a test can tell that the stages after it
	# were still reading when it stopped.  Ctrl-C reaches it twice (the
	# terminal's SIGINT to the group, the runner's stop): like every ssmd
	# source it stops once, so the handler ignores what follows.
	cat > "$T/src" <<-'EOF2'
	#!/bin/sh
	stop() { trap '' TERM INT; echo '{"end":1}'; exit 0; }
	trap stop TERM INT
	echo $$ > "$0.pid"
	i=0
	while :; do echo "{\"i\":$i}"; i=$((i + 1)); sleep 0.01; done
	EOF2
	chmod +x "$T/src"
}

teardown() {
	[ -n "${RPID:-}" ] && kill -KILL "$RPID" 2>/dev/null
	[ -s "$T/src.pid" ] && kill -KILL "$(cat "$T/src.pid")" 2>/dev/null
	true
}

@test "pipeline: --help on stdout exits 0, --version, no stage is a usage error" {
	run ssmd-pipeline --help
	assert_success
	assert_output --partial 'ssmd-pipeline(1)'
	run ssmd-pipeline --version
	assert_success
	assert_output 'ssmd-pipeline 0.1.0'
	run ssmd-pipeline
	assert_failure 64
}

@test "pipeline: runs A | B | C without a shell, arguments kept as given" {
	run --separate-stderr ssmd-pipeline -- printf '%s\n' 'a b' '$HOME' '*' \| sed 's/^/>/' \| cat
	assert_success
	assert_output $'>a b\n>$HOME\n>*'
	# stages as one quoted separator or a chosen one
	run --separate-stderr ssmd-pipeline --separator ::: echo 'x | y' ::: tr a-z A-Z
	assert_success
	assert_output 'X | Y'
}

@test "pipeline: empty stages are usage errors, a missing program starts nothing" {
	run ssmd-pipeline -- echo a \| \| cat
	assert_failure 64
	assert_output --partial 'empty stage'
	run ssmd-pipeline -- \| cat
	assert_failure 64
	run ssmd-pipeline -- "$T/src" \| no-such-program-ssmd
	assert_failure 78
	assert_output --partial 'program not found'
	assert_output --partial 'no-such-program-ssmd'
	[ ! -e "$T/src.pid" ]	# the source never started
}

@test "pipeline: the source's exit status comes through" {
	run ssmd-pipeline -- sh -c 'echo a; exit 75' \| cat \| cat
	assert_failure 75
	run ssmd-pipeline -- sh -c 'exit 69' \| ssmd-stamp
	assert_failure 69
}

@test "pipeline: a failing later stage is reported and is the status" {
	run ssmd-pipeline -- "$T/src" \| sh -c 'head -n 3 >/dev/null; exit 74' \| cat
	assert_failure 74
	assert_output --partial 'stage=1 prog=sh status=74'
	# the source was stopped because of it, not left running
	assert_output --partial 'reason="a later stage ended"'
	# a stage that fails after the source's own failure: the source's wins
	run ssmd-pipeline -- sh -c 'echo x; exit 75' \| sh -c 'cat >/dev/null; sleep 0.2; exit 74'
	assert_failure 75
	assert_output --partial 'stage=1 prog=sh status=74'
}

@test "pipeline: SIGTERM stops only the source; stamp and rotate drain and finalize" {
	ssmd-pipeline -- "$T/src" \| ssmd-stamp \| ssmd-jsonl-rotate "$T/data" \
	    2> "$T/err" &
	RPID=$!
	wait_for 20 grep -q '"started"' "$T/err"
	sleep 1
	kill -TERM "$RPID"
	rc=0
	wait "$RPID" || rc=$?
	RPID=
	[ "$rc" = 0 ] || { cat "$T/err"; false; }
	run find "$T/data" -name '*.partial'
	assert_output ''
	zcat "$T/data"/*/*.jsonl.gz > "$T/all"
	# the source's last line, written after SIGTERM, went through both
	run grep -c '"data":{"end":1}' "$T/all"
	assert_output 1
	[ "$(wc -l < "$T/all")" -gt 10 ]
	run grep -c 'level=error' "$T/err"
	assert_output 0
}

@test "pipeline: Ctrl-C to the whole process group stops only the source" {
	# setsid gives the runner a process group of its own, as a terminal's
	# job control does; kill -INT -PGID is what Ctrl-C sends to it.
	setsid ssmd-pipeline -- "$T/src" \| ssmd-stamp \| ssmd-jsonl-rotate "$T/data" \
	    2> "$T/err" &
	RPID=$!
	wait_for 20 grep -q '"started"' "$T/err"
	sleep 0.5
	kill -INT -- "-$RPID"
	rc=0
	wait "$RPID" || rc=$?
	RPID=
	[ "$rc" = 0 ] || { cat "$T/err"; false; }
	run find "$T/data" -name '*.partial'
	assert_output ''
	run sh -c "zcat '$T'/data/*/*.jsonl.gz | grep -c '\"data\":{\"end\":1}'"
	assert_output 1
}

@test "pipeline: stages stay in the runner's process group; SIGKILL of the runner ends them" {
	ssmd-pipeline -- "$T/src" \| cat \| sh -c 'echo $$ > '"$T"'/last.pid; exec cat >/dev/null' \
	    2> "$T/err" &
	RPID=$!
	wait_for 20 test -s "$T/last.pid"
	wait_for 20 test -s "$T/src.pid"
	rpg=$(ps -o pgid= -p "$RPID" | tr -d ' ')
	for p in $(cat "$T/src.pid") $(cat "$T/last.pid"); do
		run ps -o pgid= -p "$p"
		assert_equal "$(echo $output | tr -d ' ')" "$rpg"
	done
	kill -KILL "$RPID"
	wait "$RPID" 2>/dev/null || true
	RPID=
	# the source gets SIGTERM when the runner dies; the rest end on EOF
	wait_for 20 sh -c "! kill -0 $(cat "$T/src.pid") 2>/dev/null"
	wait_for 20 sh -c "! kill -0 $(cat "$T/last.pid") 2>/dev/null"
}

@test "pipeline: a source that ignores SIGTERM is killed after --stop-timeout" {
	ssmd-pipeline --stop-timeout 0.5 -- sh -c 'trap "" TERM; echo $$ > '"$T"'/src.pid; while :; do sleep 0.05; done' \| cat \
	    2> "$T/err" &
	RPID=$!
	wait_for 20 test -s "$T/src.pid"
	kill -TERM "$RPID"
	rc=0
	wait "$RPID" || rc=$?
	RPID=
	assert_equal "$rc" 137
	grep -q 'did not stop in time' "$T/err"
}

@test "pipeline: fd 2 is inherited: a file opened without append keeps every line" {
	# 2> truncates without O_APPEND: a stage that reopened /dev/stderr
	# would write from offset 0 over the runner's lines.
	ssmd-pipeline -- sh -c 'sleep 0.3; echo stage-one-line >&2' \| \
	    sh -c 'cat; sleep 0.3; echo stage-two-line >&2' 2> "$T/err"
	grep -q '"started"' "$T/err"
	grep -q 'stage-one-line' "$T/err"
	grep -q 'stage-two-line' "$T/err"
	grep -q '"done"' "$T/err"
	# the stages' fd 2 is the runner's, even when it is a socket
	run /usr/bin/python3 - "$BIN/ssmd-pipeline" <<-'EOF2'
	import socket, subprocess, sys
	a, b = socket.socketpair()
	p = subprocess.run([sys.argv[1], "--", "sh", "-c", "echo via-socket >&2", "|", "cat"],
	                   stderr=a.fileno(), stdout=subprocess.DEVNULL)
	a.close()
	data = b"".join(iter(lambda: b.recv(65536), b""))
	print(p.returncode, b"via-socket" in data)
	EOF2
	assert_output '0 True'
}

@test "pipeline: metrics: up while every stage runs, 0 with the dead stage's status" {
	mkdir "$T/m"
	ssmd-pipeline --name cap --metrics-dir "$T/m" -- "$T/src" \| \
	    sh -c 'read x; sleep 1; exit 69' \| cat 2> "$T/err" &
	RPID=$!
	f=$T/m/ssmd-pipeline-cap.prom
	wait_for 20 grep -q '^ssmd_pipeline_up{pipeline="cap"} 1$' "$f"
	rc=0
	wait "$RPID" || rc=$?
	RPID=
	assert_equal "$rc" 69
	grep -q '^ssmd_pipeline_up{pipeline="cap"} 0$' "$f"
	grep -q '^ssmd_pipeline_stage_exit_status{pipeline="cap",stage="1",prog="sh"} 69$' "$f"
	grep -q '^ssmd_pipeline_stages{pipeline="cap"} 3$' "$f"
}

@test "pipeline: --until-eof ignores stop signals and ends with its input" {
	mkfifo "$T/fifo"
	setsid ssmd-pipeline --until-eof -- ssmd-stamp \| cat < "$T/fifo" > "$T/out" 2> "$T/err" &
	RPID=$!
	exec 7> "$T/fifo"
	echo '{"a":1}' >&7
	wait_for 20 grep -q '"started"' "$T/err"
	kill -INT -- "-$RPID"
	kill -TERM "$RPID"
	wait_for 20 grep -q 'stop signal ignored' "$T/err"
	echo '{"a":2}' >&7
	exec 7>&-
	rc=0
	wait "$RPID" || rc=$?
	RPID=
	assert_equal "$rc" 0
	run grep -c '"data":{"a":[12]}' "$T/out"
	assert_output 2
}
