#!/usr/bin/env bats
# Every man page EXAMPLE marked runnable runs as written.
#
# The convention, in the mdoc source of a page's EXAMPLES section: a
# display is runnable when the line right before its ".Bd -literal" is the
# comment
#
#     .\" runnable [timeout=SECONDS] [nats] [output]
#
#   timeout=SECONDS  a long-running example (a capture, a server): it is
#                    stopped after SECONDS by SIGTERM to its process group,
#                    as Ctrl-C would, and that stop counts as success.
#                    Without it an example must end by itself, within 120 s.
#   nats             a nats-server runs for the page; NATS_URL names it, and
#                    its stream PROD_KALSHI (subjects prod.kalshi.>) holds a
#                    day of envelopes.
#   output           the output lines the display shows (lines not after a
#                    "$ " prompt) must be exactly what the commands print.
#
# Only .Bd -literal displays can be runnable (.Dl is filled and may wrap).
# tests/helpers/examples takes each display as mandoc -Tutf8 renders it (so
# \e, \(dq, \& are what the reader sees); in a display with "$ " prompts a
# command is the prompt line, continued while a line ends in \, |, && or
# ||, and other lines are output; a display without prompts is all commands.
#
# tests/helpers/run-examples runs a page's runnable examples in order, under
# bash -e -o pipefail, in one fresh directory (a later example may use what
# an earlier one made or left running; all is stopped after the page), in a
# network namespace of their own (unshare(1); where the system refuses one,
# on the machine's loopback) so the fixed ports the pages show (8080, 8443,
# 8765) meet no other test.  An example fails on a non-zero status,
# a timeout it is not marked for, a level=error log line, or (with output)
# different output.  What the directory holds (bin/ on PATH, scripts/,
# exchanges/, frames.jsonl, day.jsonl, an archive in data/ and old/, the
# metrics directory run/) is listed in tests/helpers/run-examples.
#
# Not marked, because they need what a test cannot have: the examples that
# capture from Kalshi's production exchange (ssmd-stamp 2, ssmd-jsonl-rotate
# 1, ssmd-nats-pub 1, ssmd-ws-kalshi 1: real credentials; no environment
# variable moves kalshi-prod to the simulator), ssmd-jsonl-rotate 3 (a
# Google Cloud bucket, and it writes /usr/local/bin), ssmd-jsonl-rotate 5
# (signals every ssmd-jsonl-rotate on the machine) and ssmd-healthd 2 (a
# Kubernetes manifest fragment, not a command), ssmd-notify 1 and 2 (Slack's
# and ntfy.sh's servers, a collector host and a stream of fires).

bats_require_minimum_version 1.5.0
load helpers/common

EX=$BATS_TEST_DIRNAME/helpers/examples
RUN=$BATS_TEST_DIRNAME/helpers/run-examples

# In a network namespace of its own where the system allows one (user
# namespaces may be off in a container); else on the machine's loopback,
# where the pages' fixed ports may meet another process.
in_netns() {
	if unshare --net --map-root-user true 2> /dev/null; then
		unshare --net --map-root-user "$@"
	else
		echo "# examples: no network namespace; ports are shared" >&3
		"$@"
	fi
}

# run_page PAGE N: the page's runnable examples pass, and there are N of
# them (a marker lost in an edit fails here).
run_page() {
	local dir
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/ex.XXXXXX")
	run in_netns "$RUN" "$ROOT/man/$1" "$dir"
	echo "$output"
	assert_success
	assert_line "$1: $2 run, 0 failed"
	refute_output --partial FAILED
}

@test "examples: each display is taken as mandoc renders the page" {
	local p n text
	for p in "$ROOT"/man/*.1; do
		text=$(mandoc -Tutf8 "$p" | sed 's/.\x08//g' |
			sed -n '/^EXAMPLES/,/^SEE ALSO/p')
		for n in $("$EX" list "$p" | cut -f1); do
			"$EX" script "$p" "$n" > "$BATS_TEST_TMPDIR/script"
			[ -s "$BATS_TEST_TMPDIR/script" ]
			while IFS= read -r line; do
				[[ "$text" == *"$line"* ]] || {
					echo "$p example $n: '$line' is not in the page as rendered" >&2
					return 1; }
			done < "$BATS_TEST_TMPDIR/script"
		done
	done
	# Escapes come out as the reader sees them.
	run "$EX" script "$FIX/examples/broken.1" 7
	assert_output "printf '%s\n' \"a\\\\&b\" 'xy'"
	run "$EX" output "$FIX/examples/broken.1" 7
	assert_output "$(printf 'a\\&b\nxy')"
	# A runnable .Dl is refused, as is an unknown marker word.
	printf '.Dd\n.Dt X 1\n.Os\n.Sh EXAMPLES\n.\\" runnable\n.Dl true\n' > "$BATS_TEST_TMPDIR/dl.1"
	run "$EX" list "$BATS_TEST_TMPDIR/dl.1"
	assert_failure 2
	assert_output --partial "must be a .Bd -literal display"
	printf '.Dd\n.Dt X 1\n.Os\n.Sh EXAMPLES\n.\\" runnable forever\n.Bd -literal\ntrue\n.Ed\n' > "$BATS_TEST_TMPDIR/w.1"
	run "$EX" list "$BATS_TEST_TMPDIR/w.1"
	assert_failure 2
	assert_output --partial "unknown marker word"
}

@test "examples: the runner fails each way an example can fail" {
	local dir
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/ex.XXXXXX")
	EXAMPLE_TIMEOUT=3 run in_netns "$RUN" "$FIX/examples/broken.1" "$dir"
	assert_failure
	assert_line "broken.1 example 1: FAILED: exit status 1"
	assert_line "broken.1 example 2: FAILED: output differs from the page's"
	assert_line "broken.1 example 3: FAILED: exit status 1"
	assert_line "broken.1 example 4: FAILED: did not finish within 3s"
	assert_line "broken.1 example 5: FAILED: logged an error"
	assert_line "broken.1 example 6: ok (stopped after 1s)"
	assert_line "broken.1 example 7: ok"
	assert_line "broken.1 example 8: not marked runnable"
	assert_line "broken.1: 7 run, 5 failed"
	# Stopped at the failing command.
	assert_file_empty "$dir/ex1.out"
}

@test "examples: ssmd-stamp(1)" {
	run_page ssmd-stamp.1 3
}

@test "examples: ssmd-jsonl-rotate(1)" {
	run_page ssmd-jsonl-rotate.1 2
}

@test "examples: ssmd-kalshi-sim(1), against the simulator it starts" {
	run_page ssmd-kalshi-sim.1 3
}

@test "examples: ssmd-ws-kalshi(1), against the simulator" {
	run_page ssmd-ws-kalshi.1 4
}

@test "examples: ssmd-nats-pub(1), against a local nats-server" {
	run_page ssmd-nats-pub.1 2
}

@test "examples: ssmd-nats-sub(1), against a local nats-server" {
	run_page ssmd-nats-sub.1 3
}

@test "examples: ssmd-notify(1)" {
	run_page ssmd-notify.1 1
}

@test "examples: ssmd-healthd(1)" {
	run_page ssmd-healthd.1 2
}
