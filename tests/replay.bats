#!/usr/bin/env bats
# ssmd-replay: merge order, selection against a Python reference, pacing,
# --data, bad and in-progress files, memory, files skipped.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/archive

setup() {
	T=$BATS_TEST_TMPDIR
	D=$T/arch
	PIDS=()
}

# Whether in-progress gzip file $1 shows $2 whole lines yet.
partial_lines() {
	[ "$(zcat "$1" 2> /dev/null | wc -l)" -eq "$2" ]
}

teardown() {
	local p
	exec 5>&- 2>/dev/null || true
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}

@test "replay: two feeds over many files come back merged in ts order, byte for byte" {
	# 30 minutes across midnight, two feeds, 15-minute files and
	# size-rotated ones in between.
	arc_gen 6000 "2026-11-21 23:45:00" 0.3 > "$T/in.jsonl"
	ssmd-jsonl-rotate --max-size 24k "$D" < "$T/in.jsonl" 2> /dev/null
	[ "$(find "$D" -name '*.jsonl.gz' | wc -l)" -gt 20 ]
	run --separate-stderr ssmd-replay "$D"
	assert_success
	cmp <(printf '%s\n' "$output") "$T/in.jsonl"
	[[ $stderr == *"lines_out=6000"* ]]
	# Two days given as directories, and files given by name, too.
	ssmd-replay "$D/2026-11-21" "$D/2026-11-22" 2> /dev/null | cmp - "$T/in.jsonl"
	ssmd-replay $(find "$D" -name 'kalshi2-*') 2> /dev/null | cmp - <(grep '"feed":"kalshi2"' "$T/in.jsonl")
}

@test "replay: within a file the written order is kept, equal ts keep file order" {
	mkdir -p "$D/2026-11-21"
	{ echo '{"ts":"2026-11-21T10:00:02.000000Z","feed":"a","data":{"n":1}}'
	  echo '{"ts":"2026-11-21T10:00:01.000000Z","feed":"a","data":{"n":2}}'
	  echo '{"ts":"2026-11-21T10:00:03.000000Z","feed":"a","data":{"n":3}}'; } | gzip > "$D/2026-11-21/a-1000.jsonl.gz"
	{ echo '{"ts":"2026-11-21T10:00:02.000000Z","feed":"b","data":{"n":4}}'
	  echo '{"ts":"2026-11-21T10:00:02.500000Z","feed":"b","data":{"n":5}}'; } | gzip > "$D/2026-11-21/b-1000.jsonl.gz"
	run --separate-stderr ssmd-replay --no-progress --data "$D"
	assert_output '{"n":1}
{"n":2}
{"n":4}
{"n":5}
{"n":3}'
}

@test "replay: selection equals a Python json-module filter over the same archive" {
	arc_gen 8000 "2026-11-21 09:50:00" 0.25 > "$T/in.jsonl"
	ssmd-jsonl-rotate "$D" < "$T/in.jsonl" 2> /dev/null
	while IFS= read -r sel; do
		# shellcheck disable=SC2086
		ssmd-replay --no-progress $sel "$D" > "$T/got" 2> /dev/null
		arc_ref "$D" $sel > "$T/want"
		[ -s "$T/want" ] || { echo "empty reference for: $sel"; false; }
		cmp "$T/got" "$T/want" || { echo "differs for: $sel"; false; }
		echo "# $(wc -l < "$T/got") lines: $sel" >&3
	done <<'SEL'
--type trade
--type trade,ticker --market KXBTC*
--market KXETH-26NOV21-B[1-3]
--market *T7
--sid 2,4 --type orderbook_delta
--from 2026-11-21T10:05Z --to 2026-11-21T10:17:30.5Z
--from 2026-11-21T10:00:00Z --to 2026-11-21T10:15Z --feed kalshi2 --market KXBTC-26NOV21-T3
--date 2026-11-21 --type ssmd_gap
--feed kalshi --data --type ticker
SEL
	# Outside the archive: nothing, and no file opened.
	run --separate-stderr ssmd-replay --no-progress --date 2026-11-22 "$D"
	assert_success
	assert_output ""
	[[ $stderr == *"files_opened=0"* ]]
}

@test "replay: a time range opens only the files that may hold it (manifest first/last ts)" {
	arc_gen 9600 "2026-11-21 00:00:00" 9 > "$T/in.jsonl"	# 24 hours
	ssmd-jsonl-rotate "$D" < "$T/in.jsonl" 2> /dev/null
	total=$(find "$D" -name '*.jsonl.gz' | wc -l)
	[ "$total" -ge 190 ]
	run --separate-stderr ssmd-replay --no-progress --from 2026-11-21T14:00Z --to 2026-11-21T15:00Z "$D"
	assert_success
	cmp <(printf '%s\n' "$output") <(arc_ref "$D" --from 2026-11-21T14:00Z --to 2026-11-21T15:00Z)
	opened=$(grep -o 'files_opened=[0-9]*' <<< "$stderr" | cut -d= -f2)
	echo "# opened $opened of $total files" >&3
	[ "$opened" -le 10 ]
}

@test "replay: --speed 100 replays a recorded minute in 0.6 s (within 10%); --max-gap shortens pauses" {
	mkdir -p "$D"
	# 121 lines, one every half second: a minute.
	arc_gen 121 "2026-11-21 10:00:00" 0.5 | ssmd-jsonl-rotate "$D" 2> /dev/null
	# From the first line out to the last (start-up, which a loaded
	# machine can stretch, is not pacing).
	ssmd-replay --no-progress --speed 100 "$D" 2> /dev/null |
	    /usr/bin/python3 -c '
import sys, time
n, t0 = 0, None
for line in sys.stdin:
    n += 1
    t = time.monotonic()
    t0 = t if t0 is None else t0
print(n, round((t - t0) * 1000))' > "$T/pace"
	read -r n ms < "$T/pace"
	echo "# 60 s at --speed 100: $ms ms from the first line to the last" >&3
	[ "$n" -eq 121 ]
	[ "$ms" -ge 540 ] && [ "$ms" -le 660 ]
	# A gap of an hour, shortened to one second at --speed 10: ~0.1 s.
	mkdir -p "$T/g"
	{ echo '{"ts":"2026-11-21T10:00:00.000000Z","feed":"kalshi","data":{}}'
	  echo '{"ts":"2026-11-21T11:00:00.000000Z","feed":"kalshi","data":{}}'; } > "$T/g/in"
	t0=$(date +%s%N)
	ssmd-replay --no-progress --speed 10 --max-gap 1s "$T/g/in" > /dev/null 2>&1
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	[ "$ms" -ge 90 ] && [ "$ms" -le 1000 ]
}

@test "replay: a kill -9 leftover .partial is read up to its last whole line" {
	arc_gen 3000 "2026-11-21 10:00:00" 0.1 > "$T/in.jsonl"
	mkfifo "$T/fifo"
	ssmd-jsonl-rotate --flush-interval 50ms "$D" < "$T/fifo" 2> /dev/null &
	PID=$!
	PIDS+=("$PID")
	exec 5> "$T/fifo"
	cat "$T/in.jsonl" >&5
	part=$D/2026-11-21/kalshi-1000.jsonl.gz.partial
	wait_for 60 partial_lines "$part" 2000
	kill -9 "$PID"
	exec 5>&-
	# Everything was flushed: whole gzip members.
	cp "$part" "$T/p"
	run --separate-stderr ssmd-replay --no-progress "$D"
	assert_success
	cmp <(printf '%s\n' "$output") "$T/in.jsonl"
	# One file under both names (a crash inside a rename) is read once.
	mkdir -p "$T/twice/2026-11-21"
	zcat "$part" | gzip > "$T/twice/2026-11-21/kalshi-1000.jsonl.gz"
	ln "$T/twice/2026-11-21/kalshi-1000.jsonl.gz" "$T/twice/2026-11-21/kalshi-1000.jsonl.gz.partial"
	run --separate-stderr ssmd-replay --no-progress "$T/twice"
	assert_success
	cmp <(printf '%s\n' "$output") <(zcat "$part")
	# Cut in the middle of a gzip block: whole lines only, in order.
	head -c $(($(stat -c %s "$T/p") * 2 / 3)) "$T/p" > "$part"
	run --separate-stderr ssmd-replay --no-progress --feed kalshi "$D"
	assert_success
	[[ $stderr == *"in-progress file read up to its last whole line"* ]]
	n=${#lines[@]}
	[ "$n" -gt 100 ]
	cmp <(printf '%s\n' "$output") <(grep '"feed":"kalshi"' "$T/in.jsonl" | head -n "$n")
}

@test "replay: a damaged gzip member yields its valid lines and a counted error; missing and bad files are skipped, exit 65" {
	arc_gen 4000 "2026-11-21 10:00:00" 0.5 > "$T/in.jsonl"
	ssmd-jsonl-rotate "$D" < "$T/in.jsonl" 2> /dev/null
	day=$D/2026-11-21
	f=$day/kalshi-1015.jsonl.gz
	cp "$f" "$T/clean.gz"
	rm "$day/kalshi2-1000.jsonl.gz"
	printf 'not gzip at all\n' > "$day/kalshi2-1015.jsonl.gz"
	# Damage decodes to lines that look valid before zlib notices; none
	# may come out.  20 places, as a bad sector might hit.
	size=$(stat -c %s "$T/clean.gz")
	for trial in $(seq 20); do
		cp "$T/clean.gz" "$f"
		head -c 100 /dev/urandom | dd of="$f" bs=1 conv=notrunc \
		    seek=$(((RANDOM * 32768 + RANDOM) % (size - 200) + 100)) 2> /dev/null
		run --separate-stderr ssmd-replay --no-progress "$D"
		[ "$status" -eq 65 ]
		# Every line written is valid and was in the input.
		printf '%s\n' "$output" | /usr/bin/python3 -c '
import sys, json
want = set(open(sys.argv[1]).read().splitlines())
got = sys.stdin.read().splitlines()
for l in got:
    json.loads(l)
    assert l in want, "a line not in the input: " + l[:200]
assert len(got) > 1000, len(got)
' "$T/in.jsonl"
	done
	# Files before and after the damaged one are whole.
	for g in kalshi-1000 kalshi-1030; do
		[ "$(printf '%s\n' "$output" | grep -cFf <(zcat "$day/$g.jsonl.gz"))" -eq "$(zcat "$day/$g.jsonl.gz" | wc -l)" ]
	done
	[[ $stderr == *'file listed in the manifest is missing'*'kalshi2-1000.jsonl.gz'* ]]
	[[ $stderr == *'invalid line skipped'*'kalshi2-1015.jsonl.gz'* ]]
	[[ $stderr == *'kalshi-1015.jsonl.gz'* ]]
	[[ $stderr =~ bad_files=([3-9]) ]]
}

@test "replay: not found exits 66; usage errors exit 64; --help and --version" {
	run ssmd-replay "$T/none"
	[ "$status" -eq 66 ]
	run ssmd-replay
	[ "$status" -eq 64 ]
	run ssmd-replay --speed 0 "$T"
	[ "$status" -eq 64 ]
	run ssmd-replay --from 2026-11-21T10:00Z --to 2026-11-21T09:00Z "$T"
	[ "$status" -eq 64 ]
	run ssmd-replay --from yesterday "$T"
	[ "$status" -eq 64 ]
	run ssmd-replay --sid x "$T"
	[ "$status" -eq 64 ]
	run ssmd-replay --help
	assert_success
	assert_output --partial "ssmd-replay(1)"
	run ssmd-replay --version
	assert_success
}

@test "replay: a reader that goes away ends it quietly with exit 0" {
	arc_gen 20000 "2026-11-21 10:00:00" 0.01 | ssmd-jsonl-rotate "$D" 2> /dev/null
	set -o pipefail
	run bash -c "ssmd-replay --no-progress '$D' | head -1"
	assert_success
	[ "${#lines[@]}" -ge 1 ]
}

@test "replay: memory stays flat with the number of files; --progress writes periodic log lines" {
	arc_gen 9600 "2026-11-21 00:00:00" 9 | ssmd-jsonl-rotate "$D" 2> /dev/null
	kib=$(peak_rss_kib ssmd-replay --no-progress "$D")
	echo "# peak RSS over $(find "$D" -name '*.gz' | wc -l) files: $kib KiB" >&3
	# RSS means nothing under ASan (shadow memory).
	[ -n "${SSMD_SAN:-}" ] || [ "$kib" -lt 16384 ]
	run --separate-stderr ssmd-replay --progress --speed 2000 --from 2026-11-21T00:00Z --to 2026-11-21T06:00Z "$D"
	assert_success
	[[ $stderr == *'msg="progress" bytes='* ]]
}
