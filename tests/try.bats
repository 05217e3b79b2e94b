load helpers/common
load helpers/nats
teardown() { nats_stop; }
@test "try" {
	nats_start
	cat $KFIX/frames-2026.jsonl $KFIX/captured-2026-02.jsonl > $BATS_TEST_TMPDIR/in
	ssmd-nats-pub --stream T --prefix p --create-stream --no-progress < $BATS_TEST_TMPDIR/in
	nats_stream_msgs T
	ssmd-nats-sub --stream T --start all --exit-at-end > $BATS_TEST_TMPDIR/out
	cmp $BATS_TEST_TMPDIR/in $BATS_TEST_TMPDIR/out
	ssmd-nats-sub --stream T --start all --exit-at-end --annotate | head -3
	ssmd-nats-sub --stream T --start all --exit-at-end --durable D | wc -l
	false
}
