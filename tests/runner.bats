#!/usr/bin/env bats
# Self-tests of tests/run: what it must count as failed.

load helpers/common

@test "a unit binary that exits after its first test is failed, not passed" {
	cc -o "$BATS_TEST_TMPDIR/early" "$FIX/run/early-exit.c" \
		$(pkg-config --cflags --libs cmocka)
	run "$ROOT/tests/run" --unit-only "$BATS_TEST_TMPDIR/early"
	[ "$status" -ne 0 ]
	[[ "$output" == *"1 of 3 results"* ]]
	[ "${lines[-1]}" = "1 passed, 2 failed" ]
}

@test "a unit binary that exits non-zero after all its results is failed" {
	printf '#!/bin/sh\necho 1..1\necho "ok 1 - fine"\nexit 3\n' > "$BATS_TEST_TMPDIR/late"
	chmod +x "$BATS_TEST_TMPDIR/late"
	run "$ROOT/tests/run" --unit-only "$BATS_TEST_TMPDIR/late"
	[ "$status" -ne 0 ]
	[ "${lines[-1]}" = "1 passed, 1 failed" ]
}

@test "a unit binary that prints no plan is failed" {
	printf '#!/bin/sh\necho "ok 1 - fine"\n' > "$BATS_TEST_TMPDIR/noplan"
	chmod +x "$BATS_TEST_TMPDIR/noplan"
	run "$ROOT/tests/run" --unit-only "$BATS_TEST_TMPDIR/noplan"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no TAP plan"* ]]
}

@test "a bare false negation in a bats file is failed" {
	# Written here, so that no such statement stands in the tree.
	printf '@test "a false negation" {\n\t%s true\n\ttrue\n}\n' '!' \
		> "$BATS_TEST_TMPDIR/bare-negation.bats"
	BATS_FILES="$BATS_TEST_TMPDIR/bare-negation.bats" run "$ROOT/tests/run" --bats-only
	[ "$status" -ne 0 ]
	[[ "$output" == *"bare '! cmd' never fails"* ]]
	[ "${lines[-1]}" = "1 passed, 1 failed" ]
}

@test "a missing bats file is failed" {
	BATS_FILES="$BATS_TEST_TMPDIR/nope.bats" run "$ROOT/tests/run" --bats-only
	[ "$status" -ne 0 ]
	[ "${lines[-1]}" = "0 passed, 1 failed" ]
}
