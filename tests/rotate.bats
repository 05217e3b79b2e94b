#!/usr/bin/env bats
# ssmd-jsonl-rotate: layout, rotation, crash safety, recovery, manifest,
# bad input, on-close, disk full.
load helpers/common
load helpers/rotate

# faketime preloads its library; an ASan build must accept that.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

setup() {
	T=$BATS_TEST_TMPDIR
	D=$T/arch
	PIDS=()
	MNT=
}

teardown() {
	local p
	exec 5>&- 2>/dev/null || true
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	if [ -f "$T/slow.pids" ]; then
		while read -r p; do kill -9 "$p" 2>/dev/null || true; done < "$T/slow.pids"
	fi
	if [ -n "$MNT" ]; then umount "$MNT" 2>/dev/null || true; fi
}

# Start the rotator reading the FIFO $T/in (held open on fd 5).
start_fifo() {
	mkfifo "$T/in"
	"$@" < "$T/in" 2> "$T/log" &
	PID=$!
	PIDS+=("$PID")
	exec 5> "$T/in"
}

# Whether an in-progress gzip file $1 shows $2 lines yet.
partial_has() {
	[ "$(zcat "$1" 2>/dev/null | wc -l)" -eq "$2" ]
}

@test "rotate: all output equals the input in order; files aligned to 15-minute UTC slots; gzip -t and JSON pass" {
	rot_gen 600 "2026-11-21 10:00:00" 6 > "$T/in.jsonl"
	run ssmd-jsonl-rotate "$D" < "$T/in.jsonl"
	assert_success
	run rot_files "$D"
	assert_output "2026-11-21/kalshi-1000.jsonl.gz
2026-11-21/kalshi-1015.jsonl.gz
2026-11-21/kalshi-1030.jsonl.gz
2026-11-21/kalshi-1045.jsonl.gz"
	rot_cat "$D" | cmp - "$T/in.jsonl"
	rot_valid "$D"
	# 150 lines per slot: the boundary lines land on the right side.
	[ "$(zcat "$D/2026-11-21/kalshi-1015.jsonl.gz" | head -1 | jq -r .ts)" = "2026-11-21T10:15:00.000000Z" ]
	[ "$(zcat "$D/2026-11-21/kalshi-1000.jsonl.gz" | wc -l)" -eq 150 ]
	run cat "$D/.sync-ready"
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z$'
}

@test "rotate: two days of envelopes split at UTC midnight by their ts" {
	rot_gen 400 "2026-11-21 23:30:00" 9 > "$T/in.jsonl"
	run ssmd-jsonl-rotate "$D" < "$T/in.jsonl"
	assert_success
	run rot_files "$D"
	assert_output "2026-11-21/kalshi-2330.jsonl.gz
2026-11-21/kalshi-2345.jsonl.gz
2026-11-22/kalshi-0000.jsonl.gz
2026-11-22/kalshi-0015.jsonl.gz"
	for day in 2026-11-21 2026-11-22; do
		run bash -c "zcat $D/$day/*.gz | jq -r .ts | cut -c1-10 | sort -u"
		assert_output "$day"
	done
	rot_cat "$D" | cmp - "$T/in.jsonl"
	# The same with --max-age 0: one file per day.
	run ssmd-jsonl-rotate --max-age 0 "$T/daily" < "$T/in.jsonl"
	assert_success
	run rot_files "$T/daily"
	assert_output "2026-11-21/kalshi-0000.jsonl.gz
2026-11-22/kalshi-0000.jsonl.gz"
	rot_cat "$T/daily" | cmp - "$T/in.jsonl"
}

@test "rotate: --max-size rotates into numbered files of at most that size" {
	rot_gen 1000 "2026-11-21 10:00:00" 0.1 > "$T/in.jsonl"
	run ssmd-jsonl-rotate --max-size 20k "$D" < "$T/in.jsonl"
	assert_success
	run rot_files "$D"
	assert_line "2026-11-21/kalshi-1000.jsonl.gz"
	assert_line "2026-11-21/kalshi-1000.1.jsonl.gz"
	assert_line "2026-11-21/kalshi-1000.2.jsonl.gz"
	[ "${#lines[@]}" -ge 4 ]
	for f in "$D"/2026-11-21/*.gz; do
		[ "$(zcat "$f" | wc -c)" -le 20480 ]
	done
	rot_cat "$D" | cmp - "$T/in.jsonl"
	rot_valid "$D"
}

@test "rotate: --max-age 0 --no-gzip appends to DIR/<date>/<feed>.jsonl across restarts and cuts a half line" {
	rot_gen 50 "2026-11-21 10:00:00" 1 a > "$T/a.jsonl"
	rot_gen 50 "2026-11-21 12:00:00" 1 b > "$T/b.jsonl"
	run ssmd-jsonl-rotate --max-age 0 --no-gzip "$D" < "$T/a.jsonl"
	assert_success
	printf '{"ts":"2026-11-21T11:00:00Z","fe' >> "$D/2026-11-21/kalshi.jsonl"
	run ssmd-jsonl-rotate --max-age 0 --no-gzip "$D" < "$T/b.jsonl"
	assert_success
	assert_output --partial 'msg="cut a half line off the end of a file"'
	assert_output --partial 'cut_bytes=32'
	run rot_files "$D"
	assert_output "2026-11-21/kalshi.jsonl"
	cat "$T/a.jsonl" "$T/b.jsonl" | cmp - "$D/2026-11-21/kalshi.jsonl"
	run jq -r '.files[0] | "\(.name) \(.records)"' "$D/2026-11-21/manifest.json"
	assert_output "kalshi.jsonl 100"
}

@test "rotate: a restart in the same slot never overwrites; the new file gets the next number" {
	rot_gen 10 "2026-11-21 10:00:00" 1 a > "$T/a.jsonl"
	rot_gen 10 "2026-11-21 10:01:00" 1 b > "$T/b.jsonl"
	rot_gen 10 "2026-11-21 10:02:00" 1 c > "$T/c.jsonl"
	ssmd-jsonl-rotate "$D" < "$T/a.jsonl" 2>/dev/null
	ssmd-jsonl-rotate "$D" < "$T/b.jsonl" 2>/dev/null
	ssmd-jsonl-rotate "$D" < "$T/c.jsonl" 2>/dev/null
	run rot_files "$D"
	assert_output "2026-11-21/kalshi-1000.1.jsonl.gz
2026-11-21/kalshi-1000.2.jsonl.gz
2026-11-21/kalshi-1000.jsonl.gz"
	zcat "$D/2026-11-21/kalshi-1000.jsonl.gz" | cmp - "$T/a.jsonl"
	zcat "$D/2026-11-21/kalshi-1000.1.jsonl.gz" | cmp - "$T/b.jsonl"
	zcat "$D/2026-11-21/kalshi-1000.2.jsonl.gz" | cmp - "$T/c.jsonl"
}

@test "rotate: the manifest lists every final file with records, bytes, ts range and SHA-256, and survives restarts" {
	rot_gen 200 "2026-11-21 10:00:00" 6 a > "$T/a.jsonl"
	rot_gen 30 "2026-11-21 11:00:00" 1 b > "$T/b.jsonl"
	ssmd-jsonl-rotate "$D" < "$T/a.jsonl" 2>/dev/null
	ssmd-jsonl-rotate "$D" < "$T/b.jsonl" 2>/dev/null
	m=$D/2026-11-21/manifest.json
	run jq -r '.date, (.files[] | .name)' "$m"
	assert_output "2026-11-21
kalshi-1000.jsonl.gz
kalshi-1015.jsonl.gz
kalshi-1100.jsonl.gz"
	check_entries() {
		local name f
		for name in $(jq -r '.files[].name' "$m"); do
			f=$D/2026-11-21/$name
			[ "$(jq -r --arg n "$name" '.files[] | select(.name == $n) | .sha256' "$m")" = "$(sha256sum "$f" | cut -d' ' -f1)" ]
			[ "$(jq -r --arg n "$name" '.files[] | select(.name == $n) | .records' "$m")" = "$(zcat "$f" | wc -l)" ]
			[ "$(jq -r --arg n "$name" '.files[] | select(.name == $n) | .bytes' "$m")" = "$(zcat "$f" | wc -c)" ]
			[ "$(jq -r --arg n "$name" '.files[] | select(.name == $n) | .compressed_bytes' "$m")" = "$(stat -c %s "$f")" ]
			[ "$(jq -r --arg n "$name" '.files[] | select(.name == $n) | .first_ts' "$m")" = "$(zcat "$f" | head -1 | jq -r .ts)" ]
			[ "$(jq -r --arg n "$name" '.files[] | select(.name == $n) | .last_ts' "$m")" = "$(zcat "$f" | tail -1 | jq -r .ts)" ]
		done
	}
	check_entries
	# Lost manifest: rebuilt from the directory at start.
	rm "$m"
	run ssmd-jsonl-rotate "$D" < /dev/null
	assert_success
	assert_output --partial 'msg="manifest rebuilt"'
	[ "$(jq '.files | length' "$m")" -eq 3 ]
	check_entries
}

@test "rotate: bad lines are archived as valid error records, counted and logged; empty lines skipped" {
	long=$(head -c 300 /dev/zero | tr '\0' 'x')
	{
		echo '{"ts":"2026-11-21T10:00:00Z","feed":"kalshi","data":1}'
		echo 'not json'
		printf '\xff\xfe{}\n'
		echo "{\"ts\":\"2026-11-21T10:00:01Z\",\"feed\":\"kalshi\",\"data\":\"$long\"}"
		echo
		echo '  '
		printf '{"ts":"2026-11-21T10:00:02Z","feed":"kalshi","data":2}\r\n'
		printf '{"ts":"2026-11-21T10:00:03Z","feed":"kalshi","data":3}'
	} > "$T/in.jsonl"
	run ssmd-jsonl-rotate --max-line 200 --metrics-dir "$T" "$D" < "$T/in.jsonl"
	assert_success
	assert_output --partial 'reason=syntax'
	assert_output --partial 'reason=utf8'
	assert_output --partial 'reason=too_long'
	rot_valid "$D"
	rot_cat "$D" > "$T/out.jsonl"
	[ "$(wc -l < "$T/out.jsonl")" -eq 7 ]
	run jq -c 'select(.error) | [.error, .line, .bytes, .raw, .feed, .ts]' "$T/out.jsonl"
	# Filed with the line before them: same feed, same time.
	assert_output '["syntax",2,8,"not json","kalshi","2026-11-21T10:00:00.000000Z"]
["utf8",3,4,null,"kalshi","2026-11-21T10:00:00.000000Z"]
["too_long",4,355,null,"kalshi","2026-11-21T10:00:00.000000Z"]
["blank",6,2,"  ","kalshi","2026-11-21T10:00:00.000000Z"]'
	[ "$(jq -r 'select(.error == "utf8") | .raw_b64' "$T/out.jsonl" | base64 -d | od -An -tx1 | tr -d ' ')" = "fffe7b7d" ]
	[ "$(jq -r 'select(.error == "too_long") | .raw_b64' "$T/out.jsonl" | base64 -d)" = "$(sed -n 4p "$T/in.jsonl")" ]
	run jq -c 'select(.data) | .data' "$T/out.jsonl"
	assert_output '1
2
3'
	p=$T/ssmd-jsonl-rotate.prom
	[ "$(rot_metric "$p" 'ssmd_jsonl_rotate_invalid_lines_total{reason="syntax"}')" = 1 ]
	[ "$(rot_metric "$p" 'ssmd_jsonl_rotate_invalid_lines_total{reason="too_long"}')" = 1 ]
	[ "$(rot_metric "$p" 'ssmd_jsonl_rotate_empty_lines_total')" = 1 ]
	[ "$(rot_metric "$p" 'ssmd_jsonl_rotate_invalid_lines_total{reason="blank"}')" = 1 ]
	[ "$(rot_metric "$p" 'ssmd_jsonl_rotate_lines_out_total{feed="kalshi"}')" = 7 ]
}

@test "rotate: ssmd-nats-sub --annotate lines and ssmd-stamp error records are archived byte for byte" {
	{
		echo '{"ts":"2026-11-21T10:00:00.000001Z","feed":"kalshi","data":{"type":"trade"},"_nats_seq":5,"_received_at":"2026-11-21T10:00:00.100000Z"}'
		echo '{"ts":"2026-11-21T10:00:01.000000Z","feed":"kalshi","error":"syntax","line":3,"raw":"x{","bytes":2}'
	} > "$T/in.jsonl"
	run ssmd-jsonl-rotate "$D" < "$T/in.jsonl"
	assert_success
	rot_cat "$D" | cmp - "$T/in.jsonl"
}

@test "rotate: lines without ts are filed by the wall clock (faketime); --feed names the files; other feeds get their own files" {
	printf '{"type":"trade","msg":{}}\n' |
	    faketime '2026-03-04 05:06:07' ssmd-jsonl-rotate --feed kx "$D" 2>/dev/null
	run rot_files "$D"
	assert_output "2026-03-04/kx-0500.jsonl.gz"
	printf '%s\n' '{"ts":"2026-11-21T10:00:00Z","feed":"polymarket","data":1}' \
	    '{"ts":"2026-11-21T10:00:01Z","feed":"kalshi","data":2}' \
	    '{"ts":"2026-11-21T10:00:02Z","feed":"../etc","data":3}' |
	    ssmd-jsonl-rotate "$T/multi" 2>/dev/null
	run rot_files "$T/multi"
	assert_output "2026-11-21/kalshi-1000.jsonl.gz
2026-11-21/polymarket-1000.jsonl.gz
2026-11-21/unknown-1000.jsonl.gz"
}

@test "rotate: --date-from now files envelopes by the wall clock, not their ts" {
	rot_gen 3 "2020-01-01 00:00:00" 1 > "$T/in.jsonl"
	faketime '2026-03-04 05:20:00' ssmd-jsonl-rotate --date-from now "$D" < "$T/in.jsonl" 2>/dev/null
	run rot_files "$D"
	assert_output "2026-03-04/kalshi-0515.jsonl.gz"
}

@test "rotate: a file is closed when its slot has passed and no input arrives (idle timer on a faked clock)" {
	start_fifo faketime -f '@2026-11-21 10:14:57' ssmd-jsonl-rotate --idle-close 1s --flush-interval 0 "$D"
	rot_gen 3 "2026-11-21 10:14:50" 1 >&5
	p=$D/2026-11-21/kalshi-1000.jsonl.gz
	wait_for 20 test -f "$p.partial"
	# The wall clock passes 10:15:01 while the input stays open.
	wait_for 30 test -f "$p"
	[ ! -e "$p.partial" ]
	kill -0 "$PID"
	[ "$(zcat "$p" | wc -l)" -eq 3 ]
	grep -q 'reason=idle' "$T/log"
	exec 5>&-
	wait "$PID"
}

@test "rotate: SIGHUP rotates now; later lines of the slot go to the next numbered file" {
	start_fifo ssmd-jsonl-rotate --flush-interval 0 "$D"
	rot_gen 3 "2026-11-21 10:00:00" 1 a >&5
	p=$D/2026-11-21/kalshi-1000
	wait_for 20 partial_has "$p.jsonl.gz.partial" 3
	kill -HUP "$PID"
	wait_for 20 test -f "$p.jsonl.gz"
	rot_gen 2 "2026-11-21 10:00:05" 1 b >&5
	wait_for 20 partial_has "$p.1.jsonl.gz.partial" 2
	exec 5>&-
	wait "$PID"
	[ "$(zcat "$p.jsonl.gz" | wc -l)" -eq 3 ]
	[ "$(zcat "$p.1.jsonl.gz" | wc -l)" -eq 2 ]
	grep -q 'reason=hup' "$T/log"
}

@test "rotate: SIGTERM mid-stream finalizes every file, writes .sync-ready and exits 0" {
	start_fifo ssmd-jsonl-rotate --flush-interval 0 "$D"
	rot_gen 100 "2026-11-21 10:00:00" 1 >&5
	wait_for 20 partial_has "$D/2026-11-21/kalshi-1000.jsonl.gz.partial" 100
	[ ! -e "$D/.sync-ready" ]
	kill -TERM "$PID"
	rc=0
	wait "$PID" || rc=$?
	[ "$rc" -eq 0 ]
	[ -f "$D/.sync-ready" ]
	[ -z "$(find "$D" -name '*.partial')" ]
	[ "$(zcat "$D/2026-11-21/kalshi-1000.jsonl.gz" | wc -l)" -eq 100 ]
	grep -q 'reason=exit' "$T/log"
}

@test "rotate: more feeds than open files: the least recently used is closed, nothing is lost" {
	/usr/bin/python3 -c '
for i in range(2000):
    print("{\"ts\":\"2026-11-21T10:00:%02d.%06dZ\",\"feed\":\"f%d\",\"data\":%d}" % (i // 100, i, i % 20, i))
' > "$T/in.jsonl"
	run ssmd-jsonl-rotate "$D" < "$T/in.jsonl"
	assert_success
	assert_output --partial 'reason=evicted'
	rot_cat "$D" > "$T/out.jsonl"
	[ "$(wc -l < "$T/out.jsonl")" -eq 2000 ]
	run jq -r .feed "$T/out.jsonl"
	[ "$(printf '%s\n' "$output" | sort | uniq -c | awk '$1 == 100' | wc -l)" -eq 20 ]
	rot_valid "$D"
}

@test "rotate: kill -9 at 20 random points, then a restart: no flushed line lost, nothing corrupt, no file overwritten" {
	seed=${ROT_SEED:-$RANDOM}
	echo "# seed $seed (ROT_SEED=$seed repeats this run)" >&3
	RANDOM=$seed
	# Twenty inputs of distinct lines, in chunks fed with pauses so that
	# the kill lands while lines flow.
	/usr/bin/python3 -c '
import sys
d = sys.argv[1]
for k in range(1, 21):
    for c in range(25):
        with open("%s/k%d.%02d" % (d, k, c), "w") as out:
            for i in range(c * 160, c * 160 + 160):
                s = 36000 + i // 50
                out.write("{\"ts\":\"2026-11-21T%02d:%02d:%02d.%06dZ\",\"feed\":\"kalshi\",\"data\":{\"tag\":\"k%d\",\"n\":%d,\"pad\":\"%s\"}}\n"
                          % (s // 3600, s // 60 % 60, s % 60, i, k, i, "ab" * (i % 40)))
' "$T"
	for i in $(seq 1 20); do
		touch "$T/mark"
		for c in "$T"/k$i.*; do cat "$c"; sleep 0.004; done 2>/dev/null |
		    ssmd-jsonl-rotate --flush-interval 0.01 --max-size 48k "$D" 2>> "$T/log" &
		pid=$!
		PIDS+=("$pid")
		sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
		# Lines readable on disk now were flushed before the kill.
		k=$(rot_count_tag "$D" "k$i" "$T/mark")
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		echo "k$i $k" >> "$T/seen"
		run ssmd-jsonl-rotate "$D" < /dev/null
		assert_success
		[ -z "$(find "$D" -name '*.partial' -o -name '*.recovering')" ]
	done
	rot_valid "$D"
	rot_cat "$D" | /usr/bin/python3 -c '
import sys, json
seen = dict(l.split() for l in open(sys.argv[1]))
got = {}
for line in sys.stdin:
    d = json.loads(line)["data"]
    got.setdefault(d["tag"], []).append(d["n"])
for tag, k in seen.items():
    ns = got.get(tag, [])
    assert ns == list(range(len(ns))), "%s: not a prefix in order" % tag
    assert len(ns) >= int(k), "%s: %d lines kept, %s were on disk" % (tag, len(ns), k)
print("ok", sum(len(v) for v in got.values()))
' "$T/seen"
	# Some kills must land mid-stream for this test to mean anything.
	[ "$(awk '$2 > 0 && $2 < 4000' "$T/seen" | wc -l)" -ge 5 ]
}

@test "rotate: recovery keeps every whole line of what a crash left: cut gzip, half line, stale temporary, taken name, empty file, linked twice" {
	rot_gen 3000 "2026-11-21 10:00:00" 0.1 a > "$T/a.jsonl"
	rot_gen 20 "2026-11-21 11:00:00" 1 b > "$T/b.jsonl"
	ssmd-jsonl-rotate --flush-interval 0 "$T/src" < "$T/a.jsonl" 2>/dev/null
	ssmd-jsonl-rotate --no-gzip "$T/src" < "$T/b.jsonl" 2>/dev/null
	day=$D/2026-11-21
	mkdir -p "$day"
	gz=$T/src/2026-11-21/kalshi-1000.jsonl.gz
	# A gzip stream cut in the middle of a block.
	head -c $(($(stat -c %s "$gz") / 2)) "$gz" > "$day/kalshi-1000.jsonl.gz.partial"
	# A stale temporary of an earlier recovery.
	head -c 100 "$gz" > "$day/kalshi-1000.jsonl.gz.partial.recovering"
	# A plain file with a half line, whose final name is taken.
	cp "$T/src/2026-11-21/kalshi-1100.jsonl" "$day/kalshi-1100.jsonl"
	{ cat "$T/b.jsonl"; printf '{"ts":"2026-11-21T11:' ; } > "$day/kalshi-1100.jsonl.partial"
	# Nothing whole at all.
	printf '{"half' > "$day/kalshi-1200.jsonl.partial"
	# One file under both names (a crash inside a link-then-unlink rename).
	cp "$T/b.jsonl" "$day/kalshi-1300.jsonl"
	ln "$day/kalshi-1300.jsonl" "$day/kalshi-1300.jsonl.partial"
	run ssmd-jsonl-rotate "$D" < /dev/null
	assert_success
	assert_output --partial 'action=rewritten'
	assert_output --partial 'cut_bytes=21'
	assert_output --partial 'msg="removed in-progress file without a whole line"'
	run rot_files "$D"
	assert_output "2026-11-21/kalshi-1000.jsonl.gz
2026-11-21/kalshi-1100.1.jsonl
2026-11-21/kalshi-1100.jsonl
2026-11-21/kalshi-1300.jsonl"
	gzip -t "$day/kalshi-1000.jsonl.gz"
	n=$(zcat "$day/kalshi-1000.jsonl.gz" | wc -l)
	[ "$n" -gt 100 ]
	zcat "$day/kalshi-1000.jsonl.gz" | cmp - <(head -n "$n" "$T/a.jsonl")
	cmp "$day/kalshi-1100.1.jsonl" "$T/b.jsonl"
	cmp "$day/kalshi-1100.jsonl" "$T/b.jsonl"
	cmp "$day/kalshi-1300.jsonl" "$T/b.jsonl"
	[ "$(jq '.files | length' "$day/manifest.json")" -eq 4 ]
	[ -z "$(find "$D" -name '*.recovering')" ]
}

@test "rotate: recovery keeps only validated lines: a partial damaged at 20 random offsets recovers to a clean prefix, the original kept as .damaged" {
	seed=${ROT_SEED:-$RANDOM}
	echo "# seed $seed (ROT_SEED=$seed repeats this run)" >&3
	RANDOM=$seed
	rot_gen 20000 "2026-11-21 10:00:00" 0.01 > "$T/in.jsonl"
	start_fifo ssmd-jsonl-rotate --flush-interval 50ms "$D"
	cat "$T/in.jsonl" >&5
	DAY=$D/2026-11-21
	part=$DAY/kalshi-1000.jsonl.gz.partial
	wait_for 60 partial_has "$part" 20000
	# A crash: the in-progress file is left as it is on disk.
	kill -9 "$PID"
	wait "$PID" 2>/dev/null || true
	cp "$part" "$T/orig"
	size=$(stat -c %s "$T/orig")
	for i in $(seq 1 20); do
		R=$T/r$i
		mkdir -p "$R/2026-11-21"
		off=$((200 + (RANDOM * 32768 + RANDOM) % (size - 400)))
		if [ $((i % 2)) -eq 0 ]; then
			# 100 bytes of a bad sector in the middle.
			cp "$T/orig" "$T/bad"
			head -c 100 /dev/urandom | dd of="$T/bad" bs=1 seek="$off" conv=notrunc 2> /dev/null
		else
			# Cut, and zeros after it: a size kept without its data.
			{ head -c "$off" "$T/orig"; head -c 512 /dev/zero; } > "$T/bad"
		fi
		cp "$T/bad" "$R/2026-11-21/kalshi-1000.jsonl.gz.partial"
		run ssmd-jsonl-rotate "$R" < /dev/null
		assert_success
		f=$R/2026-11-21/kalshi-1000.jsonl.gz
		n=0
		if [ -e "$f" ]; then
			gzip -t "$f"
			n=$(zcat "$f" | wc -l)
			# A clean prefix of what was written: whole, valid, in
			# order.
			zcat "$f" | cmp - <(head -n "$n" "$T/in.jsonl")
			ssmd-verify "$f"
			[ "$(jq --arg n kalshi-1000.jsonl.gz '.files[] | select(.name == $n) | .records' "$R/2026-11-21/manifest.json")" -eq "$n" ]
		else
			# Damage in the first gzip member: no line is sure.
			assert_output --partial "damaged in-progress file without a valid line"
		fi
		if [ "$n" -lt 20000 ]; then
			# What was dropped is kept byte for byte, listed and logged.
			cmp "$R/2026-11-21/kalshi-1000.jsonl.gz.damaged" "$T/bad"
			[ "$(jq -r '.damaged[0].name' "$R/2026-11-21/manifest.json")" = kalshi-1000.jsonl.gz.damaged ]
			assert_output --regexp 'level=error .*msg="(recovered a damaged in-progress file|damaged in-progress file without a valid line).*damaged=.*kalshi-1000.jsonl.gz.damaged'
			assert_output --partial "damaged=1"
		fi
		echo "# trial $i: offset $off, $n lines kept" >&3
	done
}

@test "rotate: the 36-byte partial from the fuzzer (a cut gzip tail plus a zero byte) keeps only its whole valid line" {
	mkdir -p "$D/2026-11-21"
	p=$D/2026-11-21/kalshi-0000.jsonl.gz.partial
	echo 1f8b0800000000000003aa56ca54b232d051ca50b25252aae5aa06710d215c0320000a00 | xxd -r -p > "$p"
	[ "$(stat -c %s "$p")" -eq 36 ]
	cp "$p" "$T/orig"
	run ssmd-jsonl-rotate "$D" < /dev/null
	assert_success
	assert_output --regexp 'level=error .*lines=1 .*bad_line=2 reason=truncated'
	run zcat "$D/2026-11-21/kalshi-0000.jsonl.gz"
	assert_output '{"i":0,"h":""}'
	cmp "$D/2026-11-21/kalshi-0000.jsonl.gz.damaged" "$T/orig"
	[ "$(jq '.files[0].records' "$D/2026-11-21/manifest.json")" -eq 1 ]
	[ "$(jq -r '.damaged[0].sha256' "$D/2026-11-21/manifest.json")" = "$(sha256sum < "$T/orig" | cut -d' ' -f1)" ]
	# A second start finds nothing more to do and keeps the listing.
	run ssmd-jsonl-rotate "$D" < /dev/null
	assert_success
	[ "$(jq '.damaged | length' "$D/2026-11-21/manifest.json")" -eq 1 ]
	# ssmd-verify reports the kept original for a person to look at.
	run ssmd-verify "$D"
	[ "$status" -eq 65 ]
	assert_output --partial "kalshi-0000.jsonl.gz.damaged: damaged original kept by a recovery"
}

@test "rotate: recovery of a plain partial with a bad line keeps the lines before it and the original" {
	rot_gen 10 "2026-11-21 11:00:00" 1 > "$T/b.jsonl"
	mkdir -p "$D/2026-11-21"
	p=$D/2026-11-21/kalshi-1100.jsonl.partial
	{ head -4 "$T/b.jsonl"; echo '{"ts":"2026-11-21T11:00:04.000000Z","feed":"kalshi","data":{"x":'; tail -n +5 "$T/b.jsonl"; } > "$p"
	cp "$p" "$T/orig"
	run ssmd-jsonl-rotate "$D" < /dev/null
	assert_success
	cmp "$D/2026-11-21/kalshi-1100.jsonl" <(head -4 "$T/b.jsonl")
	cmp "$D/2026-11-21/kalshi-1100.jsonl.damaged" "$T/orig"
	# A line that is JSON but not an envelope, in a file of envelopes.
	p=$D/2026-11-21/kalshi-1130.jsonl.partial
	{ head -2 "$T/b.jsonl"; echo '{"type":"trade"}'; } > "$p"
	run ssmd-jsonl-rotate "$D" < /dev/null
	assert_success
	assert_output --partial "reason=not_envelope"
	cmp "$D/2026-11-21/kalshi-1130.jsonl" <(head -2 "$T/b.jsonl")
	# Bare frames after an error record: error records decide nothing,
	# so nothing is cut.
	p=$D/2026-11-21/kalshi-1200.jsonl.partial
	{ echo '{"ts":"2026-11-21T12:00:00.000000Z","feed":"kalshi","error":"syntax","line":1,"raw":"x","bytes":1}'
	  echo '{"type":"trade","sid":1}'; echo '{"type":"ticker"}'; } > "$p"
	cp "$p" "$T/bare"
	run ssmd-jsonl-rotate "$D" < /dev/null
	assert_success
	cmp "$D/2026-11-21/kalshi-1200.jsonl" "$T/bare"
	[ ! -e "$D/2026-11-21/kalshi-1200.jsonl.damaged" ]
	ssmd-verify "$D/2026-11-21/kalshi-1200.jsonl"
}

@test "rotate: disk full: exit 74, only whole lines on disk, nothing half-written made final; recovery once space is freed" {
	MNT=$T/full
	mkdir -p "$MNT"
	# A 1 MiB tmpfs is the full disk; the tests run as root (CI does).
	mount -t tmpfs -o size=1m tmpfs "$MNT" || {
		MNT=
		echo "cannot mount a tmpfs: this test needs root (CAP_SYS_ADMIN)" >&2
		false
	}
	/usr/bin/python3 -c '
import os, binascii
for i in range(40000):
    print("{\"ts\":\"2026-11-21T10:%02d:%02d.000000Z\",\"feed\":\"kalshi\",\"data\":{\"n\":%d,\"r\":\"%s\"}}"
          % (i // 6000, i // 100 % 60, i, binascii.hexlify(os.urandom(24)).decode()))
' > "$T/in.jsonl"
	run ssmd-jsonl-rotate --max-size 400k --flush-interval 0 "$MNT/d" < "$T/in.jsonl"
	assert_failure 74
	assert_output --partial 'No space left on device'
	assert_output --partial 'lines_unwritten='
	# Finals are whole; the in-progress file holds whole lines only
	# (maybe none: what was not yet flushed when the disk filled).
	ssmd-verify -q $(find "$MNT/d" -name '*.jsonl.gz')
	part=$(find "$MNT/d" -name '*.partial')
	[ -n "$part" ]
	zcat "$part" 2>/dev/null > "$T/part.jsonl" || true
	if [ -s "$T/part.jsonl" ]; then
		[ "$(tail -c1 "$T/part.jsonl" | od -An -tx1 | tr -d ' ')" = 0a ]
		jq -e . "$T/part.jsonl" > /dev/null
	fi
	mount -o remount,size=16m "$MNT"
	run ssmd-jsonl-rotate "$MNT/d" < /dev/null
	assert_success
	assert_output --regexp 'msg="(recovered in-progress file|removed in-progress file without a whole line)"'
	[ -z "$(find "$MNT/d" -name '*.partial')" ]
	rot_valid "$MNT/d"
	n=$(rot_cat "$MNT/d" | wc -l)
	[ "$n" -gt 1000 ]
	rot_cat "$MNT/d" | cmp - <(head -n "$n" "$T/in.jsonl")
}

@test "rotate: --on-close runs for every final file with its path last" {
	mkdir "$T/up"
	rot_gen 300 "2026-11-21 10:00:00" 9 > "$T/in.jsonl"
	run ssmd-jsonl-rotate --on-close "cp -t $T/up" "$D" < "$T/in.jsonl"
	assert_success
	run ls "$T/up"
	assert_output "kalshi-1000.jsonl.gz
kalshi-1015.jsonl.gz
kalshi-1030.jsonl.gz"
	cmp "$T/up/kalshi-1015.jsonl.gz" "$D/2026-11-21/kalshi-1015.jsonl.gz"
}

@test "rotate: --on-close failures are retried with backoff, counted, time out, and never block writing" {
	rot_gen 300 "2026-11-21 10:00:00" 9 > "$T/in.jsonl"
	run ssmd-jsonl-rotate --on-close false --on-close-attempts 3 \
	    --on-close-retry 0.05s --metrics-dir "$T" "$D" < "$T/in.jsonl"
	assert_success
	rot_cat "$D" | cmp - "$T/in.jsonl"
	[ "$(grep -c 'msg="on-close command failed; giving up"' <<< "$output")" -eq 3 ]
	[ "$(rot_metric "$T/ssmd-jsonl-rotate.prom" ssmd_jsonl_rotate_on_close_failures_total)" = 9 ]
	# A command that hangs: writing goes on, and what is left is listed.
	printf '#!/bin/sh\necho $$ >> %s/slow.pids\nexec sleep 60\n' "$T" > "$T/slow.sh"
	chmod +x "$T/slow.sh"
	start=$SECONDS
	# (Not run: the hanging command holds a captured output open.)
	ssmd-jsonl-rotate --on-close "$T/slow.sh" --on-close-wait 0 "$T/d2" \
	    < "$T/in.jsonl" 2> "$T/log2"
	[ $((SECONDS - start)) -lt 20 ]
	rot_cat "$T/d2" | cmp - "$T/in.jsonl"
	grep -q 'msg="on-close command still running at exit"' "$T/log2"
	[ "$(grep -c 'msg="file still queued for on-close at exit"' "$T/log2")" -eq 3 ]
	# With a timeout, a hanging command is killed and counts as failed.
	ssmd-jsonl-rotate --on-close "$T/slow.sh" --on-close-timeout 0.2s \
	    --on-close-attempts 1 "$T/d3" < "$T/in.jsonl" 2> "$T/log3"
	[ "$(grep -c 'msg="on-close command timed out; killing it"' "$T/log3")" -eq 3 ]
	[ "$(grep -c 'msg="on-close command failed; giving up"' "$T/log3")" -eq 3 ]
	# (Gone, or a zombie its new parent has not reaped yet.)
	for p in $(tail -n 3 "$T/slow.pids"); do
		[ ! -e "/proc/$p" ] || grep -q '^State:.*Z' "/proc/$p/status"
	done
}

@test "rotate: metrics file counts lines, bytes and files" {
	rot_gen 300 "2026-11-21 10:00:00" 9 > "$T/in.jsonl"
	run ssmd-jsonl-rotate --metrics-dir "$T" "$D" < "$T/in.jsonl"
	assert_success
	p=$T/ssmd-jsonl-rotate.prom
	[ "$(rot_metric "$p" 'ssmd_jsonl_rotate_lines_out_total{feed="kalshi"}')" = 300 ]
	[ "$(rot_metric "$p" 'ssmd_jsonl_rotate_files_finalized_total{feed="kalshi"}')" = 3 ]
	[ "$(rot_metric "$p" ssmd_jsonl_rotate_bytes_in_total)" = "$(stat -c %s "$T/in.jsonl")" ]
	[ "$(rot_metric "$p" ssmd_jsonl_rotate_bytes_out_total)" = "$(cat "$D"/2026-11-21/*.gz | wc -c)" ]
}

@test "rotate: one writer per directory (exit 75); usage errors exit 64; --help exits 0" {
	start_fifo ssmd-jsonl-rotate "$D"
	wait_for 20 test -f "$D/.lock"
	sleep 0.2
	run ssmd-jsonl-rotate "$D" < /dev/null
	assert_failure 75
	assert_output --partial 'another ssmd-jsonl-rotate writes to this directory'
	exec 5>&-
	wait "$PID"
	run ssmd-jsonl-rotate
	assert_failure 64
	run ssmd-jsonl-rotate --max-age 10x "$D"
	assert_failure 64
	run ssmd-jsonl-rotate --level 0 "$D"
	assert_failure 64
	run ssmd-jsonl-rotate --help
	assert_success
	assert_output --partial 'usage: ssmd-jsonl-rotate'
}

@test "rotate: memory stays under 8 MiB on a 30 MB input" {
	case $(cat "$ROOT/build/.mode" 2>/dev/null) in
	*-san) skip "RSS means nothing under the sanitizers" ;;
	esac
	rot_gen 20000 "2026-11-21 10:00:00" 0.05 > "$T/a.jsonl"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do cat "$T/a.jsonl"; done > "$T/in.jsonl"
	kib=$(rot_peak_rss_kib ssmd-jsonl-rotate "$D" < "$T/in.jsonl")
	echo "# peak RSS ${kib} KiB" >&3
	[ "$kib" -lt 8192 ]
}

@test "ssmd-jsonl-rotate --help: every option it takes, with its default, and its man page" {
	load helpers/help
	help_check ssmd-jsonl-rotate
}
