#!/usr/bin/env bats
# ssmd-nats-sub --annotate --resume-from DIR | ssmd-jsonl-rotate DIR:
# killing either process at any point and restarting both leaves the
# archive equal to the stream.

load helpers/common
load helpers/nats

setup() {
	T=$BATS_TEST_TMPDIR
	A=$T/archive
	PIDS=
	nats_start
}

teardown() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	nats_stop
}

# Start the archiver pipeline through a named pipe, so that each side has
# its own pid; sets SUB and ROT.
start_pipeline() {
	rm -f "$T/pipe"
	mkfifo "$T/pipe"
	ssmd-nats-sub --stream S --annotate --resume-from "$A" "$@" \
	    > "$T/pipe" 2>> "$T/sub.log" &
	SUB=$!
	ssmd-jsonl-rotate --flush-interval 200ms "$A" < "$T/pipe" \
	    2>> "$T/rot.log" &
	ROT=$!
	PIDS="$PIDS $SUB $ROT"
	# Each side's shell opens the FIFO before it runs the program, and
	# that open waits for the other side: a kill before both are open
	# would leave the survivor waiting in open(2) forever.
	wait_for 30 piped
}

# Both ends of the FIFO are open (or a side has already gone).
piped() {
	gone "$SUB" || gone "$ROT" || {
		[ "$(readlink "/proc/$SUB/fd/1")" = "$T/pipe" ] &&
		    [ "$(readlink "/proc/$ROT/fd/0")" = "$T/pipe" ]
	}
}

gone() {
	if kill -0 "$1" 2>/dev/null; then return 1; fi
}

# Every line of the archive, annotation removed, sorted by _nats_seq, as
# "seq TAB payload".
archive_by_seq() {
	find "$A" -name '*.jsonl*' | sort | xargs zcat -f |
	    sed -nE 's/^(.*),"_nats_seq":([0-9]+),"_received_at":[0-9]+}$/\2\t\1}/p' |
	    sort -n -k1,1 -s
}

@test "kill -9 of sub or rotate at 10 random points: archive equals the stream" {
	"$ROOT/tests/helpers/nats-corpus" "$KFIX" 60000 > "$T/in"
	head -30000 "$T/in" | ssmd-nats-pub --stream S --prefix p \
	    --create-stream --no-progress 2> /dev/null
	# The rest arrives while the archiver is being killed.
	python3 -c '
import sys, time
for i, line in enumerate(sys.stdin):
    sys.stdout.write(line)
    if i % 500 == 499:
        sys.stdout.flush(); time.sleep(0.25)
' < <(tail -n +30001 "$T/in") | ssmd-nats-pub --stream S --prefix p \
	    --no-progress 2> "$T/pub.log" &
	local pubpid=$! i victim
	PIDS="$PIDS $pubpid"
	RANDOM=$$
	for i in $(seq 1 10); do
		start_pipeline
		sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", r % 150 / 100 }')"
		if [ $((RANDOM % 2)) -eq 0 ]; then victim=$SUB; else victim=$ROT; fi
		kill -9 "$victim"
		# The survivor notices (EOF or EPIPE) and stops by itself.
		wait_for 30 gone "$SUB"
		wait_for 30 gone "$ROT"
		echo "# round $i: killed $([ "$victim" = "$SUB" ] && echo sub || echo rotate)" >&3
	done
	wait "$pubpid"
	start_pipeline --exit-at-end
	wait "$SUB"
	wait "$ROT"
	[ "$(nats_stream_msgs S)" -eq 60000 ]
	archive_by_seq > "$T/got"
	# No message missing, none twice, each one byte for byte.
	cut -f1 "$T/got" | cmp - <(seq 1 60000)
	cut -f2- "$T/got" | cmp - "$T/in"
	# Nothing else in the archive (no half line kept as an error record).
	[ "$(find "$A" -name '*.jsonl*' | sort | xargs zcat -f | wc -l)" -eq 60000 ]
	# And the archive as a whole checks out: gzip, lines, envelopes in
	# order inside their slots, manifests, no leftovers.
	ssmd-verify "$A"
}
