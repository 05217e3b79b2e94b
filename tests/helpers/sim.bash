# Helpers to run ssmd-kalshi-sim in bats tests.  Load after helpers/common:
#     load helpers/common
#     load helpers/sim
#
# sim_certs DIR          throwaway CA + server cert (scripts/mkcerts) into DIR:
#                        DIR/ca.pem, DIR/server.pem, DIR/server.key
# sim_keypair DIR        an RSA test key pair in DIR: key.pem (PKCS#8),
#                        key-pkcs1.pem (PKCS#1, same key), pub.pem
# sim_start [OPTS...]    start the simulator with TLS (certs and key pair
#                        made on first use under $SIM_DIR, default
#                        $BATS_TEST_TMPDIR/sim; set SIM_DIR to share keys
#                        across tests), auth on with pub.pem, port 0,
#                        commands logged to $SIM_DIR/commands.jsonl (emptied
#                        at each start), stderr appended to
#                        $SIM_DIR/sim.log; extra OPTS are passed on (later
#                        options win, e.g. --no-auth; --plain drops TLS).
#                        Waits until it listens, then sets:
#                          SIM_PID SIM_PORT SIM_URL (wss://127.0.0.1:PORT/trade-api/ws/v2)
#                          SIM_REST (https://127.0.0.1:PORT/trade-api/v2)
#                          SIM_BASE (https://127.0.0.1:PORT) SIM_CA SIM_KEY
#                          SIM_KEY_PKCS1 SIM_PUB SIM_LOG SIM_CMDS
#                        Returns 1 if it does not come up within 20 s.
# sim_stop               SIGTERM, wait for exit (kill -9 after 10 s); safe to
#                        call twice and from teardown.  Sets SIM_STATUS.
#                        Fails if the log holds a sanitizer report.
# sim_curl ARGS...       curl against the simulator with its CA.
# sim_fault SPEC         inject a fault on every open connection now
#                        (GET /_sim/fault?spec=SPEC).
# sim_commands           the JSON command frames clients sent (one per line).
# ws_probe ARGS...       the test client (tests/helpers/ws-probe.c, built on
#                        first use): ws_probe "$SIM_URL" --ca "$SIM_CA"
#                        --key "$SIM_KEY" --send '{"id":1,...}' --frames N

sim_certs() {
	[ -f "$1/server.pem" ] || "$ROOT/scripts/mkcerts" "$1"
}

sim_keypair() {
	local d=$1
	[ -f "$d/key.pem" ] && return 0
	mkdir -p "$d"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$d/key.pem" 2>/dev/null
	openssl rsa -in "$d/key.pem" -traditional -out "$d/key-pkcs1.pem" 2>/dev/null
	openssl pkey -in "$d/key.pem" -pubout -out "$d/pub.pem"
}

sim_start() {
	SIM_DIR=${SIM_DIR:-$BATS_TEST_TMPDIR/sim}
	mkdir -p "$SIM_DIR"
	sim_certs "$SIM_DIR"
	sim_keypair "$SIM_DIR"
	SIM_CA=$SIM_DIR/ca.pem SIM_KEY=$SIM_DIR/key.pem
	SIM_KEY_PKCS1=$SIM_DIR/key-pkcs1.pem SIM_PUB=$SIM_DIR/pub.pem
	SIM_LOG=$SIM_DIR/sim.log SIM_CMDS=$SIM_DIR/commands.jsonl
	local tls=(--cert "$SIM_DIR/server.pem" --key "$SIM_DIR/server.key")
	local args=() a scheme=wss http=https
	for a in "$@"; do
		if [ "$a" = --plain ]; then tls=(); scheme=ws; http=http
		else args+=("$a"); fi
	done
	rm -f "$SIM_DIR/port"
	: > "$SIM_CMDS"
	: > "$SIM_LOG"
	"$BIN/ssmd-kalshi-sim" "${tls[@]}" --public-key "$SIM_PUB" --port 0 \
		--port-file "$SIM_DIR/port" --command-log "$SIM_CMDS" \
		"${args[@]}" 2>>"$SIM_LOG" &
	SIM_PID=$!
	if ! wait_for 20 test -s "$SIM_DIR/port"; then
		echo "ssmd-kalshi-sim did not start:" >&2
		cat "$SIM_LOG" >&2
		return 1
	fi
	SIM_PORT=$(cat "$SIM_DIR/port")
	SIM_BASE=$http://127.0.0.1:$SIM_PORT
	SIM_URL=$scheme://127.0.0.1:$SIM_PORT/trade-api/ws/v2
	SIM_REST=$SIM_BASE/trade-api/v2
	export SIM_PID SIM_PORT SIM_URL SIM_REST SIM_BASE SIM_CA SIM_KEY \
		SIM_KEY_PKCS1 SIM_PUB SIM_LOG SIM_CMDS SIM_DIR
}

sim_stop() {
	[ -n "${SIM_PID:-}" ] || return 0
	local i
	kill -TERM "$SIM_PID" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SIM_PID" 2>/dev/null || true
	SIM_STATUS=0
	wait "$SIM_PID" 2>/dev/null || SIM_STATUS=$?
	SIM_PID=
	# Under make SAN=1 a sanitizer report fails the test that caused it.
	if grep -q 'Sanitizer\|runtime error:' "$SIM_LOG" 2>/dev/null; then
		cat "$SIM_LOG" >&2
		return 1
	fi
}

sim_curl() {
	curl -sS --cacert "$SIM_CA" "$@"
}

sim_fault() {
	sim_curl "$SIM_BASE/_sim/fault?spec=$1"
}

sim_commands() {
	jq -c 'select(.frame) | .frame' "$SIM_CMDS"
}

# The probe (tests/tools/lib/ws-probe.c) is built by make check like every
# test tool, with the project's warning flags; a missing probe is a failure.
ws_probe() {
	local exe=$TOOLS/ws-probe
	[ -x "$exe" ] || { echo "ws_probe: $exe missing: run make check" >&2; return 127; }
	"$exe" "$@"
}
