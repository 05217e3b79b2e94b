#!/usr/bin/env bats
# The JSON checker against another strict parser (Python's json), on
# mutated fixture frames: they must agree on every line.
load helpers/common

@test "json: json_check agrees with Python's strict parser on 50,000 mutants" {
	T=$BATS_TEST_TMPDIR
	/usr/bin/python3 "$ROOT/tests/tools/json-mutants" 50000 "$RANDOM" "$T/lines" "$T/py"
	"$TOOLS/json-verdicts" < "$T/lines" > "$T/c"
	run paste -d' ' "$T/py" "$T/c"
	bad=$(echo "$output" | awk '$1 != "skip" && (($1 == "ok") != ($2 == "ok"))' | head -5)
	[ -z "$bad" ] || { echo "disagree: $bad"; false; }
	# both verdicts occur: the mutants exercise the checker
	[ "$(grep -c ' ok$' <<< "$output")" -gt 5000 ]
	[ "$(grep -vc ' ok$' <<< "$output")" -gt 5000 ]
}
