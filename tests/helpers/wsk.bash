# Helpers for tests/ws-kalshi.bats, on top of helpers/sim: keys and
# certificates made once per file, ssmd-ws-kalshi in the background.

# Once per file: the simulator's CA, server certificate and client key
# pair (helpers/sim), a key the simulator does not know, and an unrelated
# CA for the wrong-CA test.
wsk_setup_file() {
	local d=$BATS_FILE_TMPDIR
	sim_certs "$d/sim"
	sim_keypair "$d/sim"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$d/wrong.key" 2>/dev/null
	sim_certs "$d/other"
}

# Per test: a fresh simulator directory holding the file's keys (so no
# key is made again), and the variables the client reads its key from.
wsk_env() {
	W=$BATS_TEST_TMPDIR
	SIM_DIR=$W/sim
	mkdir -p "$SIM_DIR"
	cp "$BATS_FILE_TMPDIR"/sim/*.pem "$BATS_FILE_TMPDIR"/sim/*.key "$SIM_DIR/"
	export KALSHI_API_KEY=test-key-id
	export KALSHI_PRIVATE_KEY=$SIM_DIR/key.pem
	SIM_PID= CL_PID=
}

# The client's options for the running simulator.
wsk_opts() {
	echo --url "$SIM_URL" --rest-url "$SIM_REST" --ca-file "$SIM_CA" \
		--feed-name kalshi
}

# Run the client in the background: stdout to $W/out, stderr to $W/err.
wsk_client() {
	ssmd-ws-kalshi $(wsk_opts) "$@" > "$W/out" 2> "$W/err" &
	CL_PID=$!
}

wsk_gone() {
	if kill -0 "$1" 2>/dev/null; then return 1; fi
}

# Has process $1 caught SIGTERM (its handler installed)?  A signal sent
# before that kills it the default way, as it would any program.
wsk_catches_term() {
	local m
	case $(readlink "/proc/$1/exe" 2>/dev/null) in
	*/ssmd-*) ;;
	*) return 1 ;;		# still the shell that forked it
	esac
	m=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$m" ] && [ $(( 0x$m & 0x4000 )) -ne 0 ]
}

# Wait (at most $1 s) for the background client to end: status in CL_RC.
wsk_wait_client() {
	wait_for "${1:-30}" wsk_gone "$CL_PID" || return 1
	CL_RC=0
	wait "$CL_PID" || CL_RC=$?
	CL_PID=
}

# Lines of $W/out whose type is $1.
wsk_count() {
	grep -c "^{\"type\":\"$1\"" "$W/out" || true
}

# At least $1 lines of $W/out have type $2.
wsk_has() {
	[ "$(wsk_count "$2")" -ge "$1" ]
}

wsk_teardown() {
	if [ -n "${CL_PID:-}" ]; then
		kill -TERM "$CL_PID" 2>/dev/null
		wait_for 10 wsk_gone "$CL_PID" || kill -KILL "$CL_PID" 2>/dev/null
	fi
	sim_stop
}

# The command's output has at least $1 lines (for wait_for, which would
# otherwise see a count taken once).
wsk_ge() {
	local n=$1; shift
	[ "$("$@" | wc -l)" -ge "$n" ]
}

# A raw WebSocket server on plain TCP that accepts any upgrade, sends the
# frame given as hex ($2) and reports the client's Close code in $1.
# Sets RAW_PID and RAW_URL.  For bytes the simulator will not send.
wsk_raw_server() {
	local port
	port=$(free_port)
	/usr/bin/python3 - "$port" "$1" "$2" <<'PY' &
import base64, hashlib, socket, struct, sys
port, out, frame = int(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30)
req = b""
while b"\r\n\r\n" not in req:
    req += c.recv(4096)
key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n")
       if l.lower().startswith(b"sec-websocket-key:")][0]
acc = base64.b64encode(hashlib.sha1(key +
      b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
buf = b""
def frames():
    global buf
    while True:
        while len(buf) < 2 or len(buf) < 2 + 4 + (buf[1] & 0x7f):
            d = c.recv(4096)
            if not d:
                return
            buf += d
        n = buf[1] & 0x7f
        assert n < 126
        mask, data = buf[2:6], buf[6:6 + n]
        op, buf = buf[0] & 0x0f, buf[6 + n:]
        yield op, bytes(b ^ mask[i % 4] for i, b in enumerate(data))
sent = False
for op, data in frames():
    if op == 1 and not sent:          # the first command: now the frame
        c.sendall(frame); sent = True
    if op == 8:
        open(out, "w").write("%d\n" % struct.unpack(">H", data[:2])[0])
        break
PY
	RAW_PID=$!
	RAW_URL=ws://127.0.0.1:$port/trade-api/ws/v2
	wait_for 10 sh -c "ss -ltn | grep -q '127.0.0.1:$port '"
}
