#!/usr/bin/env bats
# The Kubernetes system end to end without a cluster: the operator renders
# the e2e samples (tests/fixtures/e2e/), tests/helpers/podrun runs every
# Deployment's pod as the kubelet would (its own network namespace, volumes
# at their mount paths, uid 1000, read-only root, the command and env as
# rendered), against a real nats-server and the simulator on the host side
# of each pod's veth (the names nats.nats and sim.ssmd in the pods'
# /etc/hosts).
#
# The pods' root: the built image (unpacked build/ssmd-image.tar) when
# `make image` is up to date or SSMD_E2E_ROOT=image, else the installed
# tree (bin/ installed under DESTDIR/usr/bin) over the host's /usr
# (SSMD_E2E_ROOT=tree).
#
# The system is started once (setup_file); the tests run in order on it.
load helpers/common
load helpers/nats
load helpers/sim
bats_require_minimum_version 1.5.0

PODRUN=$BATS_TEST_DIRNAME/helpers/podrun
CONNECTOR=kalshi-e2e-connector
ARCHIVER=kalshi-e2e-archiver
SIGNAL=kalshi-e2e-signal
NOTIFIER=kalshi-e2e-notifier
FRAMES_N=1000	# frames the simulator replays
RATE=25		# frames per second: the replay lasts 40 s, the kill falls in it

# A CA and a server certificate naming sim.ssmd (the name the Connector
# uses), where sim_start finds them.
e2e_certs() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" \
		-out "$d/ca.pem" -days 2 -subj "/CN=ssmd e2e CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" \
		-out "$d/server.csr" -subj "/CN=sim.ssmd" 2>/dev/null &&
	printf 'subjectAltName=DNS:sim.ssmd\nextendedKeyUsage=serverAuth\n' > "$d/ext" &&
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/server.pem" -days 2 -extfile "$d/ext" 2>/dev/null
}

# $FRAMES_N distinct exchange frames: the captured ones, each round with
# its own ts (nats-pub drops exact duplicates, as it should) and the
# trades' seq counting on (no gaps, so no gap markers).
e2e_frames() {
	/usr/bin/python3 - "$((FRAMES_N / 20))" "$KFIX/captured-2026-02.jsonl" <<'PY'
import json, sys
rounds, frames = int(sys.argv[1]), [json.loads(l) for l in open(sys.argv[2])]
seq = {}
for i in range(rounds):
    for f in frames:
        f = json.loads(json.dumps(f))
        f["msg"]["ts"] += i
        if "seq" in f:
            seq[f["sid"]] = seq.get(f["sid"], 0) + 1
            f["seq"] = seq[f["sid"]]
        print(json.dumps(f, separators=(",", ":")))
PY
}

# The pods' root filesystem: the image's, unpacked from its OCI archive, or
# the installed tree.
e2e_root() {
	local mode=${SSMD_E2E_ROOT:-auto} r=$E2E/rootfs a=$ROOT/build/ssmd-image.tar
	if [ "$mode" = auto ]; then
		mode=tree
		make -s -q -C "$ROOT" image 2>/dev/null && mode=image
	fi
	if [ "$mode" = image ]; then
		make -s -C "$ROOT" image >&3 2>&1 || return 1
		mkdir -p "$r"
		local m l
		m=$(tar -xOf "$a" index.json | jq -r '.manifests[0].digest | sub("sha256:"; "")')
		for l in $(tar -xOf "$a" "blobs/sha256/$m" | jq -r '.layers[].digest | sub("sha256:"; "")'); do
			tar -xOf "$a" "blobs/sha256/$l" | tar -xzf - -C "$r" || return 1
			# OCI whiteouts: what a later layer deleted goes
			find "$r" -name '.wh.*' ! -name '.wh..wh..opq' -print |
			while read -r w; do
				rm -rf "${w%/*}/${w##*/.wh.}" "$w"
			done
		done
		ROOT_OPT=(--image-root "$r")
	else
		# the programs under test (bin/, whatever compiler and sanitizer
		# make check built them with) where make install puts them; not
		# make install itself, which would relink bin/ in its own mode
		mkdir -p "$E2E/inst/usr/bin" &&
		install -m 755 "$BIN"/ssmd-* "$E2E/inst/usr/bin/" || return 1
		ROOT_OPT=(--usr "$E2E/inst/usr")
	fi
	echo "# pods run in: $mode" >&3
}

# The machine must allow what the kubelet does; if not, fail (never skip).
e2e_capabilities() {
	[ "$(id -u)" = 0 ] || { echo "k8s-e2e needs root (netns, mounts, chroot)" >&2; return 1; }
	unshare --mount --net true ||
		{ echo "k8s-e2e: cannot make mount and network namespaces here" >&2; return 1; }
	local ns=e2e-probe-$$
	ip netns add "$ns" && ip netns del "$ns" ||
		{ echo "k8s-e2e: ip netns add does not work here" >&2; return 1; }
}

setup_file() {
	E2E=$BATS_FILE_TMPDIR
	export E2E
	e2e_capabilities || return 1
	e2e_root || return 1

	NATS_ADDR=0.0.0.0 NATS_STORE=$E2E/nats nats_start || return 1
	nats_stream_add E2E_KALSHI 'e2e.kalshi.>' || return 1
	nats_stream_add SIGNALS 'signals.e2e.>' || return 1

	# the Notifier's webhook
	"$ROOT/tests/tools/ssmd-notify/http-recv" --addr 0.0.0.0 \
		--port-file "$E2E/hook.port" --log "$E2E/hook.jsonl" \
		2> "$E2E/hook.err" &
	HOOK_PID=$!
	export HOOK_PID
	wait_for 20 test -s "$E2E/hook.port" || return 1

	SIM_DIR=$E2E/sim
	e2e_certs "$SIM_DIR" || return 1
	e2e_frames > "$E2E/frames.jsonl"
	sim_start --listen 0.0.0.0 --api-key e2e-key --replay "$E2E/frames.jsonl" \
		--rate "$RATE" --ping-interval 1s || return 1

	# what the cluster would hold besides the rendered objects
	mkdir -p "$E2E/secrets/ssmd-kalshi-credentials" "$E2E/configmaps/sim-ca"
	printf e2e-key > "$E2E/secrets/ssmd-kalshi-credentials/api-key"
	cp "$SIM_KEY" "$E2E/secrets/ssmd-kalshi-credentials/private-key"
	cp "$SIM_DIR/ca.pem" "$E2E/configmaps/sim-ca/ca.pem"

	local f
	for f in connector archiver signal notifier; do
		sed -e "s/@NATS_PORT@/$NATS_PORT/; s/@SIM_PORT@/$SIM_PORT/" \
			-e "s/@HOOK_PORT@/$(cat "$E2E/hook.port")/" \
			"$FIX/e2e/$f.yaml" > "$E2E/$f.yaml"
	done
	"$BIN/ssmd-operator" render -f "$E2E/connector.yaml" -f "$E2E/archiver.yaml" \
		-f "$E2E/signal.yaml" -f "$E2E/notifier.yaml" \
		-o json > "$E2E/rendered.json" || return 1

	# The consumers first, the Connector once they consume: the Signal
	# starts at new messages, and its fires are compared with a backtest
	# of everything.
	local up=("$PODRUN" up "$E2E/state" "${ROOT_OPT[@]}"
		--secrets "$E2E/secrets" --configmaps "$E2E/configmaps"
		--host nats.nats --host sim.ssmd --host receiver.e2e)
	"$BIN/ssmd-operator" render -f "$E2E/archiver.yaml" -f "$E2E/signal.yaml" \
		-f "$E2E/notifier.yaml" -o json > "$E2E/rendered-consumers.json" &&
	"$BIN/ssmd-operator" render -f "$E2E/connector.yaml" \
		-o json > "$E2E/rendered-connector.json" || return 1
	"${up[@]}" "$E2E/rendered-consumers.json" >&3 || return 1
	wait_for 60 consumers E2E_KALSHI 2 && wait_for 60 consumers SIGNALS 1 || {
		echo "the Archiver's, Signal's and Notifier's consumers did not come" >&2
		return 1
	}
	"${up[@]}" "$E2E/rendered-connector.json" >&3 || return 1
}

# consumers STREAM N: the stream has at least N consumers.
consumers() {
	[ "$(nats_req "\$JS.API.STREAM.INFO.$1" | jq .state.consumer_count)" -ge "$2" ]
}

teardown_file() {
	[ -n "${E2E:-}" ] || return 0
	"$PODRUN" down "$E2E/state"
	sim_stop
	nats_stop
	[ -z "${HOOK_PID:-}" ] || kill "$HOOK_PID" 2>/dev/null
	true
}

# A test that makes pods of its own removes them, also when it fails.
teardown() {
	[ ! -d "$BATS_TEST_TMPDIR/state" ] || "$PODRUN" down "$BATS_TEST_TMPDIR/state"
}

# On failure, the pods' logs help.
e2e_logs() {
	local f
	for f in "$E2E"/state/*/*.log; do
		echo "== $f"
		tail -15 "$f"
	done
}

# Messages in the stream under the frames' subjects (ssmd markers, if any,
# are under e2e.kalshi.ssmd.*).
stream_frame_count() {
	nats_req '$JS.API.STREAM.INFO.E2E_KALSHI' '{"subjects_filter":"e2e.kalshi.json.>"}' |
		jq '[.state.subjects // {} | .[]] | add // 0'
}

frames_in_stream() {
	[ "$(stream_frame_count)" -ge "$1" ]
}

archive_dir() {
	echo "$E2E/state/pvc/e2e-archive/main"
}

# The payloads in the stream, in order, one per line: each message's data
# is a stamped envelope; its data member is the exchange frame byte for
# byte (sed takes it out without re-serializing).
stream_frames() {
	timeout 60 "$BIN/ssmd-nats-sub" --url "$NATS_URL" --stream E2E_KALSHI \
		--filter 'e2e.kalshi.json.>' --start all --exit-at-end 2>/dev/null |
		sed -E 's/^\{"ts":"[^"]*","feed":"kalshi","data":(.*)\}$/\1/'
}

@test "k8s-e2e: every pod's /ready turns 200" {
	run "$PODRUN" ready "$E2E/state" 90
	[ "$status" -eq 0 ] || e2e_logs
	assert_success
	assert_line --partial "$CONNECTOR ready"
	assert_line --partial "$ARCHIVER ready"
	assert_line --partial "$SIGNAL ready"
	assert_line --partial "$NOTIFIER ready"
	local pod
	for pod in "$CONNECTOR" "$ARCHIVER" "$SIGNAL" "$NOTIFIER"; do
		run "$PODRUN" probe "$E2E/state" "$pod" /health
		assert_output --partial '200 {"status":"ok"'
	done
}

@test "k8s-e2e: the pods run as uid 1000 with a read-only root, in their own network namespace" {
	local pid
	pid=$(cat "$E2E/state/$CONNECTOR/connector.pid")
	run awk '/^Uid:/ { print $2 }' "/proc/$pid/status"
	assert_output 1000
	run awk '$5 == "/" { split($6, o, ","); print o[1] }' "/proc/$pid/mountinfo"
	assert_output ro
	run ip netns identify "$pid"
	assert_output "$(jq -r '.[] | select(.name == "'$CONNECTOR'") | .netns' "$E2E/state/pods.json")"
	[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]
}

@test "k8s-e2e: kill -9 of the Archiver pod's processes mid-stream; the restart resumes" {
	wait_for 60 sh -c "cat '$(archive_dir)'/*/* 2>/dev/null | zcat -f | wc -l | awk '\$1 < 50 { exit 1 }'" || e2e_logs
	run stream_frame_count
	[ "$output" -lt "$FRAMES_N" ]	# the frames still flow
	"$PODRUN" kill "$E2E/state" "$ARCHIVER"
	wait_for 30 sh -c "'$PODRUN' restarts '$E2E/state' '$ARCHIVER' | grep -c ' 1\$' | grep -qx 2"
	run "$PODRUN" restarts "$E2E/state" "$ARCHIVER"
	assert_output $'archive-main 1\nhealthd 1'
	run "$PODRUN" ready "$E2E/state" 60
	[ "$status" -eq 0 ] || e2e_logs
	assert_success
	# the new ssmd-nats-sub resumed after what the archive held
	wait_for 30 grep -q 'msg="read the archive".* last_seq=[1-9]' \
		"$E2E/state/$ARCHIVER/archive-main.log"
}

@test "k8s-e2e: simulator frames reach JetStream under the Connector's prefix, byte for byte" {
	wait_for 90 frames_in_stream "$FRAMES_N" || e2e_logs
	run stream_frame_count
	assert_output "$FRAMES_N"
	stream_frames > "$BATS_TEST_TMPDIR/got"
	cmp "$E2E/frames.jsonl" "$BATS_TEST_TMPDIR/got"
}

@test "k8s-e2e: the Archiver's files hold every frame exactly once" {
	wait_for 90 sh -c "'$BIN/ssmd-replay' --data --no-progress '$(archive_dir)' | wc -l | grep -qx '$FRAMES_N'" || e2e_logs
	run "$BIN/ssmd-verify" "$(archive_dir)"
	assert_success
	"$BIN/ssmd-replay" --data --no-progress "$(archive_dir)" > "$BATS_TEST_TMPDIR/archived"
	cmp "$E2E/frames.jsonl" "$BATS_TEST_TMPDIR/archived"
}

# The fires a backtest of the archive gives: ssmd-signal with the Signal's
# rendered configuration over ssmd-replay (the same envelopes, in the same
# order, as the live pod read from the stream).
backtest_fires() {
	jq -r '.items[] | select(.kind == "ConfigMap" and .metadata.name == "kalshi-e2e-signal-config") | .data["signal.yaml"]' \
		"$E2E/rendered.json" > "$BATS_TEST_TMPDIR/signal.yaml"
	"$BIN/ssmd-replay" --no-progress "$(archive_dir)" |
		"$BIN/ssmd-signal" --config "$BATS_TEST_TMPDIR/signal.yaml"
}

hook_fires() {
	jq -c 'select(.path == "/fires" and (.gone | not)) | .body' -r "$E2E/hook.jsonl" 2>/dev/null
}

@test "k8s-e2e: the Signal's fires reach the Notifier and arrive at the webhook, each once" {
	backtest_fires > "$BATS_TEST_TMPDIR/expected"
	n=$(wc -l < "$BATS_TEST_TMPDIR/expected")
	[ "$n" -gt 0 ]
	echo "# $n fires expected" >&3
	wait_for 90 sh -c "[ \$(jq -s 'map(select(.path == \"/fires\")) | length' '$E2E/hook.jsonl') -ge $n ]" || e2e_logs
	sleep 2		# nothing more may come
	hook_fires | sort > "$BATS_TEST_TMPDIR/got"
	sort "$BATS_TEST_TMPDIR/expected" > "$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	run sh -c "jq -r .signalId '$BATS_TEST_TMPDIR/got' | sort -u"
	assert_output volume
	# the Notifier's /metrics (through its healthd sidecar) counts them
	wait_for 30 sh -c "'$PODRUN' probe '$E2E/state' '$NOTIFIER' /metrics |
		grep -Eq '^ssmd_notify_sent_total\{.*destination=\"receiver\".*\} $n\$'" || {
		"$PODRUN" probe "$E2E/state" "$NOTIFIER" /metrics | grep ssmd_notify_
		false
	}
}

@test "k8s-e2e: podrun up that fails half way leaves nothing after podrun down" {
	local st=$BATS_TEST_TMPDIR/state
	# no --secrets: the Connector's Secret is missing once its netns exists
	run "$PODRUN" up "$st" "$E2E/rendered.json" --usr /nonexistent \
		--configmaps "$E2E/configmaps" --host nats.nats
	assert_failure
	assert_output --partial 'Secret ssmd-kalshi-credentials'
	ns=$(jq -r '.[0].netns' "$st/pods.json")
	ip netns pids "$ns" > /dev/null	# it was made
	"$PODRUN" down "$st"
	run ip netns pids "$ns"
	assert_failure
	run ip link show "$(jq -r '.[0].veth' "$st/pods.json")"
	assert_failure
}

@test "k8s-e2e: podrun down stops every pod and leaves no namespace, veth or process" {
	local pids=() p
	for p in "$E2E"/state/*/*.pid; do pids+=("$(cat "$p")"); done
	"$PODRUN" down "$E2E/state"
	for p in $(jq -r '.[].netns' "$E2E/state/pods.json"); do
		run ip netns pids "$p"
		assert_failure		# the namespace is gone
	done
	for p in $(jq -r '.[].veth' "$E2E/state/pods.json"); do
		run ip link show "$p"
		assert_failure
	done
	for p in "${pids[@]}" $(jq -r '.[].kubelet' "$E2E/state/pods.json"); do
		run kill -0 "$p"
		assert_failure
	done
	# and no container said a sanitizer found something (make check SAN=1)
	run grep -l -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' \
		"$E2E"/state/*/*.log
	assert_output ''
}
