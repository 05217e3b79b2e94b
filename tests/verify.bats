#!/usr/bin/env bats
# ssmd-verify: clean, truncated, bit-flipped, re-ordered and
# manifest-mismatched archives, leftovers, exit codes.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/archive

setup() {
	T=$BATS_TEST_TMPDIR
	D=$T/arch
	DAY=$D/2026-11-21
	arc_build "$D" 3000 "2026-11-21 10:00:00" 0.5
	[ -f "$DAY/kalshi-1015.jsonl.gz" ]
}

# recompress FILE: replace a .gz by the gzip of what stdin gives.
regzip() {
	gzip -c > "$1.new" && mv "$1.new" "$1"
}

@test "verify: a clean archive, a date directory and a single file pass with exit 0 and no output" {
	run --separate-stderr ssmd-verify "$D"
	assert_success
	assert_output ""
	[[ $stderr == *'msg="archive verified: no problems" files=4 lines=3000'* ]]
	run ssmd-verify "$DAY"
	assert_success
	run ssmd-verify "$DAY/kalshi-1015.jsonl.gz" "$DAY/kalshi2-1000.jsonl.gz"
	assert_success
	run ssmd-verify --max-age 15m "$D"
	assert_success
	# The plain one-file-per-day layout, and bare frames.
	arc_gen 500 "2026-11-21 10:00:00" 60 | ssmd-jsonl-rotate --max-age 0 --no-gzip "$T/plain" 2> /dev/null
	jq -c .data "$T/plain/2026-11-21/kalshi.jsonl" | ssmd-jsonl-rotate --feed bare "$T/bare" 2> /dev/null
	run ssmd-verify -q "$T/plain" "$T/bare"
	assert_success
	assert_output ""
}

@test "verify: a truncated file is reported with its name and the manifest mismatch, exit 65" {
	f=$DAY/kalshi-1000.jsonl.gz
	truncate -s $(($(stat -c %s "$f") / 2)) "$f"
	run --separate-stderr ssmd-verify "$D"
	[ "$status" -eq 65 ]
	assert_line --regexp "^$f:[0-9]+: half line of [0-9]+ bytes at the end \\(gzip stream ends early\\)\$"
	assert_line --regexp "^$f: manifest says [0-9]+ records, the file has [0-9]+\$"
	assert_line --partial "$f: manifest's sha256 differs"
	# Only that file.
	run grep -vc "^$f" <<< "$output"
	assert_output 0
	[[ $stderr == *"bad_files=1"* ]]
}

@test "verify: a bit flipped in the compressed data or in the gzip trailer is found" {
	f=$DAY/kalshi-1015.jsonl.gz
	cp "$f" "$T/orig.gz"
	arc_flip "$f" $(($(stat -c %s "$f") / 2))
	run ssmd-verify "$D"
	[ "$status" -eq 65 ]
	assert_output --partial "$f: gzip data damaged"
	cp "$T/orig.gz" "$f"
	arc_flip "$f" -6	# the CRC-32
	run ssmd-verify "$D"
	[ "$status" -eq 65 ]
	# One member (rotate ends one per flush): none of its lines is
	# vouched for, so none is checked, all its bytes are counted.
	assert_line "$f: gzip data damaged (incorrect data check), found after line 0; $(zcat "$T/orig.gz" | wc -c) decoded bytes of the damaged member not checked"
	cp "$T/orig.gz" "$f"
	arc_flip "$f" -2	# the length
	run ssmd-verify "$D"
	[ "$status" -eq 65 ]
	assert_output --partial "(incorrect length check)"
}

@test "verify: re-ordered lines are reported at the line where ts goes back" {
	f=$DAY/kalshi-1000.jsonl.gz
	zcat "$f" > "$T/lines"
	{ sed -n 1,9p "$T/lines"; sed -n 11p "$T/lines"; sed -n 10p "$T/lines"; sed -n '12,$p' "$T/lines"; } | regzip "$f"
	run ssmd-verify "$D"
	[ "$status" -eq 65 ]
	assert_line --regexp "^$f:11: ts 2026-11-21T10:00:[0-9.]+Z goes back \\(after 2026-11-21T10:00:[0-9.]+Z\\)\$"
	assert_line --partial "$f: manifest's sha256 differs"
}

@test "verify: lines outside the file's slot, a foreign feed and a non-envelope are reported" {
	f=$DAY/kalshi-1015.jsonl.gz
	{ zcat "$f"
	  echo '{"ts":"2026-11-21T10:40:00.000000Z","feed":"kalshi","data":{"type":"trade"}}'
	  echo '{"ts":"2026-11-21T10:40:00.000000Z","feed":"other","data":{"type":"trade"}}'
	  echo '{"type":"trade"}'; } | regzip "$f"
	n=$(zcat "$f" | wc -l)
	run ssmd-verify --max-age 15m "$DAY"
	[ "$status" -eq 65 ]
	assert_line "$f:$((n - 2)): ts 2026-11-21T10:40:00.000000Z after the file's slot (ends 2026-11-21T10:30:00.000000Z)"
	assert_line "$f:$((n - 1)): feed \"other\" in a file of feed \"kalshi\""
	assert_line "$f:$n: not an envelope: ts is not its first member"
	# Without --max-age the next file of the feed bounds the slot, the
	# last one ends at midnight.
	g=$DAY/kalshi-1000.jsonl.gz
	{ zcat "$g"; echo '{"ts":"2026-11-21T10:16:00.000000Z","feed":"kalshi","data":{"type":"trade"}}'; } | regzip "$g"
	m=$(zcat "$g" | wc -l)
	run ssmd-verify "$DAY"
	assert_line "$g:$m: ts 2026-11-21T10:16:00.000000Z after the file's slot (ends 2026-11-21T10:15:00.000000Z)"
	refute_line --partial "$f:$((n - 2)):"
}

@test "verify: a line that is not JSON is reported with its number and reason" {
	f=$DAY/kalshi2-1000.jsonl.gz
	{ zcat "$f" | head -5; echo '{"ts":"2026-11-21T10:01:00.000000Z","feed":"kalshi2","data":{"type":'; zcat "$f" | sed -n '6,$p'; } | regzip "$f"
	run ssmd-verify "$f"
	[ "$status" -eq 65 ]
	assert_line --regexp "^$f:6: not one JSON value: truncated at byte [0-9]+\$"
}

@test "verify: manifest entries without files, files without entries, a bad or missing manifest" {
	rm "$DAY/kalshi-1000.jsonl.gz"
	cp "$DAY/kalshi-1015.jsonl.gz" "$DAY/kalshi-1015.1.jsonl.gz"
	run ssmd-verify "$D"
	[ "$status" -eq 65 ]
	assert_line "$DAY: kalshi-1000.jsonl.gz: listed in manifest.json but missing"
	assert_line "$DAY/kalshi-1015.1.jsonl.gz: not listed in manifest.json"
	first=kalshi2-1000.jsonl.gz
	jq --arg n $first '(.files[] | select(.name == $n)) |= (.records += 1 | .first_ts = "2026-11-21T09:00:00.000000Z")' "$DAY/manifest.json" > "$T/m" && mv "$T/m" "$DAY/manifest.json"
	run ssmd-verify "$D"
	assert_line --regexp "^$DAY/$first: manifest says [0-9]+ records, the file has [0-9]+\$"
	assert_line --partial "$DAY/$first: manifest's first_ts/last_ts differ"
	echo '{"files":[{"name":3}]}' > "$DAY/manifest.json"
	run ssmd-verify "$D"
	[ "$status" -eq 65 ]
	assert_line "$DAY/manifest.json: entry 1: bad or missing name"
	rm "$DAY/manifest.json"
	run ssmd-verify "$D"
	[ "$status" -eq 65 ]
	assert_line "$DAY/manifest.json: missing (ssmd-jsonl-rotate rebuilds it at start)"
}

@test "verify: .partial, .damaged and .recovering leftovers are reported; a running writer's files are not" {
	zcat "$DAY/kalshi-1030.jsonl.gz" | head -3 | gzip > "$DAY/kalshi-1045.jsonl.gz.partial"
	touch "$DAY/kalshi-1030.jsonl.gz.damaged" "$DAY/kalshi-1045.jsonl.gz.partial.recovering"
	run --separate-stderr ssmd-verify "$D"
	[ "$status" -eq 65 ]
	assert_line --partial "$DAY/kalshi-1045.jsonl.gz.partial: in-progress file and no writer runs"
	assert_line --partial "$DAY: kalshi-1030.jsonl.gz.damaged: damaged original kept by a recovery"
	assert_line --partial "$DAY: kalshi-1045.jsonl.gz.partial.recovering: temporary of an interrupted recovery"
	[[ $stderr == *"leftovers=3"* ]]
	rm "$DAY"/*.damaged "$DAY"/*.recovering
	# A writer holding the lock: its in-progress file is expected.
	flock "$D/.lock" ssmd-verify "$D" > "$T/out" 2> "$T/err"
	[ ! -s "$T/out" ]
	grep -q "being_written=1" "$T/err"
}

@test "verify: a missing path exits 66, a directory without days too, usage errors 64" {
	run ssmd-verify "$T/nothing"
	[ "$status" -eq 66 ]
	assert_output --partial "$T/nothing: not found"
	mkdir "$T/empty"
	run ssmd-verify "$T/empty"
	[ "$status" -eq 66 ]
	run ssmd-verify
	[ "$status" -eq 64 ]
	run ssmd-verify --bogus "$D"
	[ "$status" -eq 64 ]
	run ssmd-verify --help
	assert_success
	assert_output --partial "ssmd-verify(1)"
	run ssmd-verify --version
	assert_success
}

@test "verify: problems are capped per file and counted" {
	f=$DAY/kalshi-1000.jsonl.gz
	zcat "$f" | tac | regzip "$f"
	run --separate-stderr ssmd-verify --max-problems 3 "$f"
	[ "$status" -eq 65 ]
	[ "$(grep -c 'goes back' <<< "$output")" -eq 3 ]
	assert_line --regexp "^$f: [0-9]+ more problems in lines not shown\$"
}
