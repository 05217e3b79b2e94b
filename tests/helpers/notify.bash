# Local receivers for ssmd-notify's tests.
#
# Load after helpers/common:  load helpers/common; load helpers/notify
#
#   recv_start            start tests/tools/ssmd-notify/http-recv; exports RECV_PORT,
#                         RECV_URL (http://127.0.0.1:PORT), RECV_LOG (its
#                         JSON lines), RECV_SCRIPT (edit to script answers)
#   recv_count [PATH]     requests logged (under PATH) that were delivered
#   recv_bodies PATH      the bodies logged under PATH, one per line
#   smtp_start [TLS]      start tests/tools/ssmd-notify/smtp-recv with STARTTLS and AUTH
#                         (user alerts@example.com), or TLS implicit or none;
#                         exports SMTP_PORT,
#                         SMTP_LOG, SMTP_CA, SMTP_MODE
#   fires N [FROM]        N fire lines with ids f<FROM>..., payload n=i
#   notify_stop           kill every receiver and ssmd-notify started here
#
# Receivers are killed by notify_stop; call it in teardown.

recv_start() {
	RECV_LOG=$BATS_TEST_TMPDIR/recv.log
	RECV_SCRIPT=$BATS_TEST_TMPDIR/recv.script
	: > "$RECV_LOG"
	touch "$RECV_SCRIPT"
	rm -f "$BATS_TEST_TMPDIR/recv.port"
	"$ROOT/tests/tools/ssmd-notify/http-recv" --port-file "$BATS_TEST_TMPDIR/recv.port" \
		--log "$RECV_LOG" --script "$RECV_SCRIPT" &
	NOTIFY_PIDS="${NOTIFY_PIDS:-} $!"
	wait_for 20 test -s "$BATS_TEST_TMPDIR/recv.port" || return 1
	RECV_PORT=$(cat "$BATS_TEST_TMPDIR/recv.port")
	RECV_URL=http://127.0.0.1:$RECV_PORT
	export RECV_LOG RECV_SCRIPT RECV_PORT RECV_URL
}

recv_count() {
	jq -c --arg p "${1:-/}" 'select((.path | startswith($p)) and
		(.gone | not) and (.action == "ok" or (.action | startswith("json")) or
		(.action | startswith("delay"))))' "$RECV_LOG" | wc -l
}

recv_has() {
	[ "$(recv_count "$1")" -ge "$2" ]
}

recv_bodies() {
	jq -r --arg p "$1" 'select(.path | startswith($p)) | .body' "$RECV_LOG"
}

smtp_start() {
	local d=$BATS_TEST_TMPDIR/smtp
	mkdir -p "$d"
	"$ROOT/scripts/mkcerts" "$d" || return 1
	SMTP_PORT=$(free_port)
	SMTP_LOG=$d/mail.log
	SMTP_CA=$d/ca.pem
	SMTP_MODE=$d/mode
	rm -f "$d/ready"
	: > "$SMTP_LOG"
	/usr/bin/python3 "$ROOT/tests/tools/ssmd-notify/smtp-recv" --port "$SMTP_PORT" \
		--cert "$d/server.pem" --key "$d/server.key" --log "$SMTP_LOG" \
		--ready "$d/ready" --user alerts@example.com \
		--password "${SMTP_PASSWORD:-Smtp-S3cret-pw}" --mode "$SMTP_MODE" \
		--tls "${1:-starttls}" 2> "$d/stderr" &
	NOTIFY_PIDS="${NOTIFY_PIDS:-} $!"
	wait_for 30 test -s "$d/ready" || { cat "$d/stderr" >&2; return 1; }
	export SMTP_PORT SMTP_LOG SMTP_CA SMTP_MODE
}

fires() {
	local n=$1 from=${2:-1} i
	for ((i = from; i < from + n; i++)); do
		printf '{"id":"f%d","signalId":"momentum","ts":1770897990,"time":"2026-02-12T12:06:30.123456Z","ticker":"KXBTCD-%d","payload":{"n":%d,"dollarVolume":%d}}\n' \
			"$i" "$i" "$i" "$((i * 1000))"
	done
}

notify_stop() {
	local p
	for p in ${NOTIFY_PIDS:-}; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	NOTIFY_PIDS=
	return 0
}
