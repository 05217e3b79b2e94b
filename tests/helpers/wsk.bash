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
	! kill -0 "$1" 2>/dev/null
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
