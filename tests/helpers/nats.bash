# A real nats-server with JetStream for integration tests.
#
# Load after helpers/common:  load helpers/common; load helpers/nats
#
#   nats_start            start nats-server -js on a free loopback port (on
#                         $NATS_ADDR if set, e.g. 0.0.0.0) with a
#                         fresh store dir; exports NATS_PORT, NATS_URL,
#                         NATS_STORE, NATS_MON (monitoring port), NATS_PID,
#                         NATS_LOG; waits until JetStream answers
#   nats_stop             SIGTERM and wait (safe to call twice; use in teardown)
#   nats_kill             kill -9 (unclean stop; the store keeps what was synced)
#   nats_restart          nats_start again on the same port and store
#                         (after nats_stop or nats_kill)
#   nats_req SUBJ [DATA]  one request/reply over the NATS protocol; prints the
#                         reply payload (e.g. nats_req '$JS.API.STREAM.INFO.S')
#   nats_stream_add NAME SUBJECT [DUPWINDOW_S]
#                         create a file-backed stream
#   nats_stream_msgs NAME prints the stream's message count
#   nats_stream_has NAME N
#                         true if the stream holds at least N messages (for
#                         wait_for)
#   nats_stream_last NAME prints the stream's last sequence
#   nats_msg_delete NAME SEQ
#                         delete one message (leaves a sequence gap)
#   nats_stream_get NAME SEQ
#                         prints subject TAB payload of message SEQ
#
# Every nats-server started is stopped by nats_stop; call it in teardown.

nats_start() {
	NATS_PORT=${NATS_PORT:-$(free_port)}
	NATS_MON=${NATS_MON:-$(free_port)}
	NATS_STORE=${NATS_STORE:-$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/nats-store.XXXXXX")}
	NATS_LOG=${NATS_LOG:-$NATS_STORE.log}
	NATS_URL=nats://127.0.0.1:$NATS_PORT
	export NATS_PORT NATS_MON NATS_STORE NATS_LOG NATS_URL
	nats-server -js -a "${NATS_ADDR:-127.0.0.1}" -p "$NATS_PORT" -m "$NATS_MON" \
		-sd "$NATS_STORE" >> "$NATS_LOG" 2>&1 &
	NATS_PID=$!
	export NATS_PID
	wait_for 30 _nats_ready || {
		echo "nats-server did not start; log:" >&2
		tail -20 "$NATS_LOG" >&2
		return 1
	}
}

_nats_ready() {
	kill -0 "$NATS_PID" &&
	curl -sf "http://127.0.0.1:$NATS_MON/healthz?js-enabled-only=true" > /dev/null &&
	nats_req '$JS.API.INFO' | grep -q '"type":"io.nats.jetstream.api.v1.account_info_response"'
}

nats_stop() {
	[ -n "${NATS_PID:-}" ] || return 0
	kill -TERM "$NATS_PID" 2>/dev/null
	wait_for 20 _nats_gone || kill -9 "$NATS_PID" 2>/dev/null
	wait "$NATS_PID" 2>/dev/null || true
	NATS_PID=
	return 0
}

nats_kill() {
	[ -n "${NATS_PID:-}" ] || return 0
	kill -9 "$NATS_PID" 2>/dev/null
	wait "$NATS_PID" 2>/dev/null || true
	NATS_PID=
	return 0
}

_nats_gone() {
	! kill -0 "$NATS_PID" 2>/dev/null
}

nats_restart() {
	nats_start
}

# Speak the NATS text protocol directly (no client tool is packaged).
nats_req() {
	/usr/bin/python3 - "$NATS_PORT" "$1" "${2:-}" <<'PY'
import socket, sys
port, subj, data = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
f.readline()                                  # INFO
s.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n')
s.sendall(b"SUB _INBOX.helper 1\r\n")
s.sendall(b"PUB %s _INBOX.helper %d\r\n%s\r\nPING\r\n" % (subj.encode(), len(data), data))
while True:
    line = f.readline()
    if not line:
        sys.exit(1)
    if line.startswith(b"PING"):
        s.sendall(b"PONG\r\n")
    elif line.startswith(b"MSG "):
        n = int(line.split()[-1])
        sys.stdout.buffer.write(f.read(n + 2)[:n] + b"\n")
        break
    elif line.startswith(b"HMSG "):
        parts = line.split()
        hlen, n = int(parts[-2]), int(parts[-1])
        body = f.read(n + 2)[:n]
        sys.stdout.buffer.write(body[hlen:] + b"\n")
        if b" 503" in body[:hlen]:
            sys.exit(2)
        break
    elif line.startswith(b"-ERR"):
        sys.stderr.buffer.write(line)
        sys.exit(1)
PY
}

nats_stream_add() {
	local dup=${3:-120}
	nats_req "\$JS.API.STREAM.CREATE.$1" \
		"{\"name\":\"$1\",\"subjects\":[\"$2\"],\"storage\":\"file\",\"duplicate_window\":${dup}000000000}" |
		grep -q '"config"'
}

nats_stream_msgs() {
	nats_req "\$JS.API.STREAM.INFO.$1" | jq -r .state.messages
}

nats_stream_has() {
	local n
	n=$(nats_stream_msgs "$1" 2>/dev/null) || return 1
	[ "${n:-0}" -ge "$2" ]
}

nats_stream_last() {
	nats_req "\$JS.API.STREAM.INFO.$1" | jq -r .state.last_seq
}

nats_msg_delete() {
	nats_req "\$JS.API.STREAM.MSG.DELETE.$1" "{\"seq\":$2,\"no_erase\":true}" |
		grep -q '"success":true'
}

nats_stream_get() {
	nats_req "\$JS.API.STREAM.MSG.GET.$1" "{\"seq\":$2}" |
		jq -r '.message | .subject + "\t" + (.data | @base64d)'
}
