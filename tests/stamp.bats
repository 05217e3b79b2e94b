#!/usr/bin/env bats
# ssmd-stamp: envelopes, every class of bad input, signals, EPIPE, disk full.
load helpers/common

setup() {
	T=$BATS_TEST_TMPDIR
}

# The data of each envelope on stdin, one per line, byte for byte.
unwrap() {
	sed -E 's/^\{"ts":"[0-9T:.Z-]{27}","feed":"[a-z]+","data":(.*)\}$/\1/'
}

@test "stamp: every fixture frame passes byte for byte" {
	cat "$KFIX"/*.jsonl | grep -v '^$' > "$T/in"
	ssmd-stamp < "$T/in" > "$T/out" 2> "$T/err"
	assert_equal "$(wc -l < "$T/out")" "$(wc -l < "$T/in")"
	unwrap < "$T/out" > "$T/data"
	cmp "$T/in" "$T/data"
	json_lines_ok "$T/out"
}

@test "stamp: envelope key order, timestamp format, time order" {
	for i in $(seq 1 2000); do echo "{\"n\":$i}"; done | ssmd-stamp --feed demo > "$T/out" 2>/dev/null
	run grep -cvE '^\{"ts":"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z","feed":"demo","data":\{"n":[0-9]+\}\}$' "$T/out"
	assert_output 0
	# strictly increasing, so identical frames never share an envelope
	cut -c8-34 "$T/out" | sort -c -u
	# the timestamp is now, to the second
	first=$(head -1 "$T/out" | cut -c8-26)
	now=$(date -u +%s)
	then=$(date -u -d "${first/T/ } UTC" +%s)
	[ $((now - then)) -le 60 ]
}

@test "stamp: SSMD_FEED sets the feed, --feed overrides it" {
	run bash -c 'echo 1 | SSMD_FEED=envfeed ssmd-stamp 2>/dev/null'
	assert_output --partial '"feed":"envfeed","data":1}'
	run bash -c 'echo 1 | SSMD_FEED=envfeed ssmd-stamp --feed opt 2>/dev/null'
	assert_output --partial '"feed":"opt","data":1}'
	run ssmd-stamp --feed 'bad"name' < /dev/null
	assert_failure 64
}

@test "stamp: CRLF endings, no final newline, empty and blank lines" {
	printf '{"a":1}\r\n\n\r\n  \n{"b":2}' | ssmd-stamp > "$T/out" 2> "$T/err"
	assert_equal "$(wc -l < "$T/out")" 3
	run unwrap < "$T/out"
	assert_line -n 0 '{"a":1}'
	assert_line -n 2 '{"b":2}'
	# white space alone is not JSON: kept as an error record, not dropped
	run jq -c '[.error, .raw]' "$T/out"
	assert_line -n 1 '["blank","  "]'
	grep -q 'empty=2' "$T/err"
}

@test "stamp: empty input gives empty output" {
	run bash -c 'ssmd-stamp < /dev/null'
	assert_success
	assert_output --partial 'lines_in=0'
	[ ! -s "$T/out" ]
}

# Each bad class: the record names the reason and keeps the exact bytes.
check_kept() {	# reason input-file
	ssmd-stamp < "$2" > "$T/out" 2> "$T/err"
	json_lines_ok "$T/out"
	run jq -r .error "$T/out"
	assert_output "$1"
	if jq -e 'has("raw")' "$T/out" > /dev/null; then
		jq -j .raw "$T/out" > "$T/back"
	else
		jq -r .raw_b64 "$T/out" | base64 -d > "$T/back"
	fi
	head -c -1 "$2" | cmp - "$T/back"
	grep -q "reason=$1" "$T/err"
}

@test "stamp: truncated JSON is kept as an escaped string" {
	printf '{"type":"trade","msg":{"x":1\n' > "$T/in"
	check_kept truncated "$T/in"
	jq -e 'has("raw") and .line == 1 and .bytes == 28 and (has("data") | not)' "$T/out"
}

@test "stamp: two values on a line" {
	printf '{"a":1}{"b":2}\n' > "$T/in"
	check_kept trailing "$T/in"
}

@test "stamp: NUL bytes" {
	printf '{"a":1}\0\n' > "$T/in"
	check_kept nul "$T/in"
	printf '{"a":"x\0y"}\n' > "$T/in"
	check_kept nul "$T/in"
}

@test "stamp: invalid UTF-8 is kept as base64" {
	printf '{"a":"\xff\xfe"}\n' > "$T/in"
	check_kept utf8 "$T/in"
	jq -e 'has("raw_b64")' "$T/out"
}

@test "stamp: plain garbage and binary" {
	printf 'hello world\n' > "$T/in"
	check_kept syntax "$T/in"
	head -c 3000 /dev/urandom | tr -d '\n' > "$T/in"; echo >> "$T/in"
	ssmd-stamp < "$T/in" > "$T/out" 2>/dev/null
	json_lines_ok "$T/out"
	jq -e '.error != null' "$T/out"
}

@test "stamp: a 20 MB line is kept whole as base64 with the default 16 MiB maximum" {
	{ printf '{"big":"'; head -c 20000000 /dev/zero | tr '\0' x; printf '"}\n'; echo '{"after":1}'; } > "$T/in"
	ssmd-stamp < "$T/in" > "$T/out" 2> "$T/err"
	assert_equal "$(wc -l < "$T/out")" 2
	head -1 "$T/out" | jq -e '.error == "too_long" and .bytes == 20000010 and .line == 1' > /dev/null
	head -1 "$T/out" | jq -r .raw_b64 | base64 -d | cmp - <(head -1 "$T/in" | head -c 20000010)
	tail -1 "$T/out" | unwrap | grep -qx '{"after":1}'
	# The warning names the real line and length, not the limit.
	grep -q 'msg="invalid line" line=1 reason=too_long bytes=20000010 ' "$T/err"
	grep -q 'msg="done" .* invalid=1 policy=keep' "$T/err"
}

@test "stamp: a byte order mark or UTF-16 input gets an encoding hint in the first warning" {
	printf '\xef\xbb\xbf{"a":1}\n{"b":2}\n' | ssmd-stamp > "$T/out" 2> "$T/err"
	grep -q 'line=1 reason=.*hint="the input starts with a UTF-8 byte order mark' "$T/err"
	printf '{"a":1}\n{"b":2}\n' | iconv -f UTF-8 -t UTF-16LE | ssmd-stamp > "$T/out" 2> "$T/err"
	grep -q 'hint="the input looks like UTF-16' "$T/err"
	[ "$(grep -c 'hint=' "$T/err")" -eq 1 ]
	json_lines_ok "$T/out"
	printf '{"a":1}\nnot json\n' | ssmd-stamp > "$T/out" 2> "$T/err"
	run grep -c 'hint=' "$T/err"
	[ "$output" -eq 0 ]
}

@test "stamp: the done line counts invalid lines (1 MB of random bytes)" {
	head -c 1000000 /dev/urandom > "$T/in"
	ssmd-stamp < "$T/in" > "$T/out" 2> "$T/err"
	n=$(jq -r 'select(.error != null) | .error' "$T/out" | wc -l)
	[ "$n" -gt 0 ]
	grep -q "msg=\"done\" .* invalid=$n policy=keep" "$T/err"
}

@test "stamp: a 20 MB line passes with --max-line 32M" {
	{ printf '{"big":"'; head -c 20000000 /dev/zero | tr '\0' x; printf '"}\n'; } > "$T/in"
	ssmd-stamp --max-line 32M < "$T/in" | unwrap | cmp - "$T/in"
}

@test "stamp: --invalid reject writes bad lines to the reject file" {
	printf '{"ok":1}\nbad one\n{"ok":2}\n{"x":\n' > "$T/in"
	ssmd-stamp --invalid reject --reject-file "$T/rej" < "$T/in" > "$T/out" 2>/dev/null
	assert_equal "$(unwrap < "$T/out")" "$(printf '{"ok":1}\n{"ok":2}')"
	assert_equal "$(cat "$T/rej")" "$(printf 'bad one\n{"x":')"
	run ssmd-stamp --invalid reject < /dev/null
	assert_failure 64
}

@test "stamp: --invalid stop exits 65 after flushing the lines before" {
	printf '{"ok":1}\nbad\n{"ok":2}\n' > "$T/in"
	run bash -c "ssmd-stamp --invalid stop < '$T/in' > '$T/out'"
	assert_failure 65
	assert_output --partial 'stopping at invalid line'
	assert_equal "$(unwrap < "$T/out")" '{"ok":1}'
}

@test "stamp: SIGTERM mid-stream flushes whole lines and exits 0" {
	mkfifo "$T/fifo"
	ssmd-stamp < "$T/fifo" > "$T/out" 2> "$T/err" &
	pid=$!
	exec {w}> "$T/fifo"
	for i in $(seq 1 500); do echo "{\"n\":$i}" >&$w; done
	printf '{"half":' >&$w		# a line in progress
	wait_for 10 grep -q '"n":500' "$T/out" || true
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	exec {w}>&-
	assert_equal "$rc" 0
	json_lines_ok "$T/out"
	assert_equal "$(grep -c '"data":{"n"' "$T/out")" 500
	# the unfinished line is not lost: kept as truncated
	grep -q '"error":"truncated"' "$T/out"
	grep -q 'signal=15' "$T/err"
}

@test "stamp: a reader that goes away (EPIPE) stops it quietly with 0" {
	run bash -c 'set -o pipefail; yes "{\"a\":1}" | head -n 200000 | ssmd-stamp 2> '"$T/err"' | head -n 1 > /dev/null; echo "rc=${PIPESTATUS[2]}"'
	assert_output --partial 'rc=0'
	grep -q 'standard output closed by its reader' "$T/err"
	grep -q 'lines_unwritten=' "$T/err"
}

@test "stamp: /dev/full on stdout is exit 74 with a clear message" {
	run bash -c 'echo "{\"a\":1}" | ssmd-stamp > /dev/full'
	assert_failure 74
	assert_output --partial 'cannot write standard output'
	assert_output --partial 'No space left on device'
}

@test "stamp: metrics file counts lines by kind" {
	mkdir "$T/m"
	printf '{"a":1}\n\nbad\n{"x":"\xff"}\n{"b":2}\n' | ssmd-stamp --metrics-dir "$T/m" > /dev/null 2>&1
	f=$T/m/ssmd-stamp.prom
	assert_file_exists "$f"
	grep -qx 'ssmd_stamp_lines_in_total{feed="kalshi"} 5' "$f"
	grep -qx 'ssmd_stamp_lines_out_total{feed="kalshi"} 4' "$f"
	grep -qx 'ssmd_stamp_empty_lines_total{feed="kalshi"} 1' "$f"
	grep -qx 'ssmd_stamp_invalid_lines_total{feed="kalshi",reason="syntax"} 1' "$f"
	grep -qx 'ssmd_stamp_invalid_lines_total{feed="kalshi",reason="utf8"} 1' "$f"
	/usr/bin/python3 -c 'import sys
from prometheus_client.parser import text_string_to_metric_families as p
list(p(open(sys.argv[1]).read()))' "$f"
	# A missing directory is made; one that cannot be says why.
	ssmd-stamp --metrics-dir "$T/new/sub" < /dev/null
	[ -f "$T/new/sub/ssmd-stamp.prom" ]
	: > "$T/file"
	run ssmd-stamp --metrics-dir "$T/file/sub" < /dev/null
	assert_failure 73
	assert_output --partial 'msg="cannot use the metrics directory"'
	assert_output --partial 'error="Not a directory"'
}

@test "stamp: usage errors exit 64, --help exits 0" {
	run ssmd-stamp --no-such-option
	assert_failure 64
	run ssmd-stamp extra-arg
	assert_failure 64
	run ssmd-stamp --max-line 0
	assert_failure 64
	run ssmd-stamp --invalid maybe
	assert_failure 64
	run ssmd-stamp --help
	assert_success
	assert_output --partial 'usage: ssmd-stamp'
}

@test "stamp: memory stays flat over a long input" {
	[ -z "${SSMD_SAN:-}" ] || skip "RSS means nothing under ASan"
	line=$(head -1 "$KFIX/captured-2026-02.jsonl")
	yes "$line" | head -n 300000 > "$T/in"
	kib=$(peak_rss_kib ssmd-stamp < "$T/in")
	echo "peak RSS $kib KiB"
	[ "$kib" -lt 4096 ]
}

@test "ssmd-stamp --help: every option it takes, with its default, and its man page" {
	load helpers/help
	help_check ssmd-stamp
}
