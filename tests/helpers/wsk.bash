# Helpers for tests/ws-kalshi.bats: a real ssmd-kalshi-sim over TLS on a
# free loopback port, RSA test keys, and ssmd-ws-kalshi in the background.

# Once per file: client key pair, a second (wrong) key, a CA + server
# certificate, and an unrelated CA for the wrong-CA test.
wsk_setup_file() {
	local d=$BATS_FILE_TMPDIR
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$d/client.key" 2>/dev/null
	openssl pkey -in "$d/client.key" -pubout -out "$d/client.pub"
	# PKCS#1 form of the same key, and a key the sim does not know.
	openssl rsa -in "$d/client.key" -traditional -out "$d/client.rsa.key" \
		2>/dev/null
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$d/wrong.key" 2>/dev/null
	"$ROOT/scripts/mkcerts" "$d/certs" > /dev/null
	"$ROOT/scripts/mkcerts" "$d/other" > /dev/null
}

# Per test: the variables the client reads its key from.
wsk_env() {
	export KALSHI_API_KEY=test-key-id
	export KALSHI_PRIVATE_KEY=$BATS_FILE_TMPDIR/client.key
	W=$BATS_TEST_TMPDIR
	SIM_PID= CL_PID=
}

# Start the simulator (TLS, auth with the client's public key, command
# log) with extra options; sets SIM_PORT, WSS, REST.
wsk_sim() {
	local d=$BATS_FILE_TMPDIR
	rm -f "$W/sim.port"
	ssmd-kalshi-sim --port 0 --port-file "$W/sim.port" \
		--cert "$d/certs/server.pem" --key "$d/certs/server.key" \
		--public-key "$d/client.pub" --api-key test-key-id \
		--command-log "$W/cmd.log" --ping-interval 60 "$@" \
		2> "$W/sim.err" &
	SIM_PID=$!
	wait_for 10 test -s "$W/sim.port"
	SIM_PORT=$(cat "$W/sim.port")
	WSS=wss://127.0.0.1:$SIM_PORT/trade-api/ws/v2
	REST=https://127.0.0.1:$SIM_PORT/trade-api/v2
}

# The client's common options against the simulator.
wsk_opts() {
	echo --url "$WSS" --rest-url "$REST" \
		--ca-file "$BATS_FILE_TMPDIR/certs/ca.pem" --feed-name kalshi
}

# Run the client in the background: stdout to $W/out, stderr to $W/err.
wsk_client() {
	ssmd-ws-kalshi $(wsk_opts) "$@" > "$W/out" 2> "$W/err" &
	CL_PID=$!
}

# Wait for the background client to end; its status in CL_RC.
wsk_wait_client() {
	local t=${1:-30}
	wait_for "$t" wsk_gone "$CL_PID" || return 1
	wait "$CL_PID"
	CL_RC=$?
	CL_PID=
}

wsk_gone() {
	! kill -0 "$1" 2>/dev/null
}

# Lines of $W/out whose type is $1.
wsk_count() {
	grep -c "^{\"type\":\"$1\"" "$W/out" || true
}

# GET a control URL of the simulator.
wsk_ctl() {
	curl -sf --cacert "$BATS_FILE_TMPDIR/certs/ca.pem" \
		"https://127.0.0.1:$SIM_PORT/_sim/$1"
}

wsk_teardown() {
	local p
	for p in $CL_PID $SIM_PID; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $CL_PID $SIM_PID; do
		wait_for 5 wsk_gone "$p" || kill -KILL "$p" 2>/dev/null
	done
	true
}
