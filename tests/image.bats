#!/usr/bin/env bats
# The container image (make image): every program starts inside it, no
# library is missing, it runs as uid 1000 with a read-only root and writes
# only to a mounted volume, and it captures from the simulator.
#
# The image is built once per run (make image does nothing when it is up to
# date); the tests run its programs in a chroot of its root filesystem
# (buildah mount), bind-mounted read-only in a mount namespace of their own.
load helpers/common
load helpers/sim
bats_require_minimum_version 1.5.0

b() {
	buildah --root "$ROOT/build/image/storage/root" \
	    --runroot "$ROOT/build/image/storage/run" --storage-driver vfs "$@"
}

setup_file() {
	make -s -C "$ROOT" image >&3 2>&1 || return 1
	local ctr
	ctr=$(b from -q "localhost/ssmd:0.1.0") || return 1
	echo "$ctr" > "$BATS_FILE_TMPDIR/ctr"
	b mount "$ctr" > "$BATS_FILE_TMPDIR/root" || return 1
}

teardown_file() {
	[ -s "$BATS_FILE_TMPDIR/ctr" ] || return 0
	b umount "$(cat "$BATS_FILE_TMPDIR/ctr")" > /dev/null 2>&1
	b rm "$(cat "$BATS_FILE_TMPDIR/ctr")" > /dev/null 2>&1
	true
}

setup() {
	R=$(cat "$BATS_FILE_TMPDIR/root")
	T=$BATS_TEST_TMPDIR
	VOL=$T/vol
	mkdir -p "$VOL"
	chmod 777 "$VOL"
	SIM_PID=
}

teardown() {
	sim_stop
}

# in_image CMD...: CMD in the image's root, as uid 1000, the root
# read-only, /dev and /proc from the host, $VOL mounted at /mnt (the one
# writable place), environment as here.
in_image() {
	unshare -m -- /bin/sh -ec '
	r=$1 vol=$2; shift 2
	mount --bind "$r" "$r"
	mount --rbind /dev "$r/dev"
	mount -t proc proc "$r/proc"
	mount --bind "$vol" "$r/mnt"
	mount -o remount,bind,ro "$r"
	exec chroot --userspec=1000:1000 "$r" "$@"' in_image "$R" "$VOL" "$@"
}

programs() {
	(cd "$R/usr/bin" && ls ssmd-*)
}

@test "image: the OCI archive: ssmd:0.1.0, created at 0, USER 1000, the recorded digest" {
	a=$ROOT/build/ssmd-image.tar
	[ -s "$a" ]
	run sh -c "tar -xOf '$a' index.json | jq -r '.manifests[0].annotations[\"org.opencontainers.image.ref.name\"], .manifests[0].digest'"
	assert_line --index 0 'ssmd:0.1.0'
	assert_line --index 1 "$(cat "$ROOT/build/ssmd-image.digest")"
	m=$(tar -xOf "$a" index.json | jq -r '.manifests[0].digest | sub("sha256:"; "")')
	c=$(tar -xOf "$a" "blobs/sha256/$m" | jq -r '.config.digest | sub("sha256:"; "")')
	run sh -c "tar -xOf '$a' blobs/sha256/$c | jq -r '.config.User, .created'"
	assert_output $'1000\n1970-01-01T00:00:00Z'
}

@test "image: every program and its man page is there, and nothing to build with" {
	run programs
	for p in ssmd-healthd ssmd-jsonl-rotate ssmd-kalshi-sim ssmd-nats-pub \
	    ssmd-nats-sub ssmd-pipeline ssmd-stamp ssmd-ws-kalshi; do
		assert_line "$p"
	done
	# the image has what this tree builds
	for p in "$ROOT"/cmd/*; do
		[ -x "$R/usr/bin/${p##*/}" ] || fail "${p##*/} is not in the image"
		[ -f "$R/usr/share/man/man1/${p##*/}.1" ] ||
		    [ -f "$R/usr/share/man/man8/${p##*/}.8" ] || fail "no man page for ${p##*/}"
	done
	[ -f "$R/usr/share/man/man7/ssmd.7" ]
	[ -f "$R/usr/share/ssmd/exchanges/feeds/kalshi.yaml" ]
	[ -x "$R/usr/share/ssmd/scripts/supervise" ]
	# the Archiver's uploader
	run in_image rclone version
	assert_success
	[ ! -e "$R/usr/bin/gcc" ]
	[ ! -e "$R/usr/include/openssl" ]
	[ ! -e "$R/usr/bin/apt-get" ] || [ -z "$(ls "$R/var/lib/apt/lists" | grep -v -e lock -e partial)" ]
}

@test "image: every program starts: --version and --help, as uid 1000 on a read-only root" {
	for p in $(programs); do
		run in_image "/usr/bin/$p" --version
		[ "$status" = 0 ] || fail "$p --version: status $status: $output"
		assert_output "$p 0.1.0"
		run in_image "/usr/bin/$p" --help
		[ "$status" = 0 ] || fail "$p --help: status $status: $output"
		assert_output --partial 'usage:'
	done
}

@test "image: ldd finds every library of every program" {
	for p in $(programs); do
		run in_image /usr/bin/ldd "/usr/bin/$p"
		assert_success
		refute_output --partial 'not found'
		assert_output --partial 'libc.so.6'
	done
}

@test "image: uid 1000, the root is read-only, the volume is writable" {
	run in_image /usr/bin/id -u
	assert_output 1000
	run in_image /bin/sh -c 'echo x > /x'
	assert_failure
	assert_output --partial 'Read-only file system'
	run in_image /bin/sh -c 'echo x > /tmp/x'
	assert_failure
	run in_image /bin/sh -c 'echo x > /mnt/x && cat /mnt/x'
	assert_success
	assert_output x
}

@test "image: a pipeline archives to the volume with a read-only root" {
	printf '{"i":%d}\n' $(seq 1000) > "$T/in"
	SSMD_METRICS_DIR=/mnt run in_image /usr/bin/ssmd-pipeline -- \
	    ssmd-stamp \| ssmd-jsonl-rotate /mnt/data < "$T/in"
	assert_success
	run sh -c "zcat '$VOL'/data/*/*.jsonl.gz | wc -l"
	assert_output 1000
	[ -z "$(find "$VOL/data" -name '*.partial')" ]
	[ -s "$VOL/ssmd-stamp.prom" ]
	grep -q '^ssmd_pipeline_up{pipeline="ssmd-stamp"} 0$' "$VOL/ssmd-pipeline-ssmd-stamp.prom"
}

@test "image: captures from the simulator over TLS into the volume" {
	SIM_DIR=$T/sim sim_start --api-key img-key --rate 200
	cp "$SIM_CA" "$SIM_KEY" "$VOL/"
	chmod 644 "$VOL"/*.pem
	SIM_API_KEY=img-key SIM_PRIVATE_KEY=/mnt/key.pem in_image \
	    /usr/bin/ssmd-pipeline --metrics-dir /mnt -- \
	    ssmd-ws-kalshi --config-dir /usr/share/ssmd/exchanges --env local-sim \
	    --url "$SIM_URL" --rest-url "$SIM_REST" --ca-file /mnt/ca.pem \
	    --no-discover --channels ticker \| ssmd-stamp \| ssmd-jsonl-rotate /mnt/data \
	    2> "$T/err" &
	pid=$!
	# in_image runs in a subshell: stop the runner itself, as a kubelet
	# would (SIGTERM to the container's process 1).
	wait_for 30 pgrep -f '^/usr/bin/ssmd-pipeline --metrics-dir /mnt -- ssmd-ws-kalshi'
	runner=$(pgrep -f '^/usr/bin/ssmd-pipeline --metrics-dir /mnt -- ssmd-ws-kalshi')
	wait_for 60 bash -c "zcat '$VOL'/data/*/*.partial 2>/dev/null | grep -q '\"type\":\"ticker\"'" ||
	    { cat "$T/err"; false; }
	kill -TERM "$runner"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || { cat "$T/err"; false; }
	[ -z "$(find "$VOL/data" -name '*.partial')" ]
	zcat "$VOL"/data/*/*.jsonl.gz | jq -e .data > /dev/null
}

@test "image: ssmd-connector as a pod runs it: files from a config volume, uid 1000, read-only root" {
	SIM_DIR=$T/sim sim_start --api-key img-key --rate 200
	cp "$SIM_CA" "$SIM_KEY" "$VOL/"
	mkdir -p "$VOL/config" "$VOL/m"
	printf '%s\n' 'name: test' 'feed: kalshi' "ws_url: $SIM_URL" \
	    "rest_url: $SIM_REST" 'ca_file: /mnt/ca.pem' 'keys:' '  kalshi:' \
	    '    source: env:SIM_API_KEY,SIM_PRIVATE_KEY' 'storage:' \
	    '  type: local' '  path: /mnt/data' > "$VOL/config/env.yaml"
	printf '%s\n' 'name: kalshi' 'channels: [ticker]' > "$VOL/config/feed.yaml"
	chmod -R a+rwX "$VOL"
	port=$(free_port)
	SIM_API_KEY=img-key SIM_PRIVATE_KEY=/mnt/key.pem in_image \
	    /usr/bin/ssmd-connector --feed /mnt/config/feed.yaml \
	    --env /mnt/config/env.yaml --listen "127.0.0.1:$port" \
	    --metrics-dir /mnt/m 2> "$T/err" &
	wait_for 60 bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/ready) = 200 ]" ||
	    { cat "$T/err"; false; }
	wait_for 30 bash -c "zcat '$VOL'/data/*/kalshi-*.partial 2>/dev/null | grep -q '\"type\":\"ticker\"'"
	runner=$(pgrep -f '^/usr/bin/ssmd-connector --feed /mnt/config/feed.yaml')
	kill -TERM "$runner"
	wait_for 60 bash -c "! kill -0 $runner 2>/dev/null"
	[ -z "$(find "$VOL/data" -name '*.partial')" ]
	grep -q 'msg="done" pipeline=connector status=0' "$T/err"
}
