#!/usr/bin/env bats
# ssmd-connector: the seed's capture command, against the simulator, to
# local storage and to a real nats-server, with the seed's health contract.
load helpers/common
load helpers/sim
load helpers/nats
load helpers/healthd
load helpers/seed
bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	CON_PID= SIM_PID=
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
}

teardown() {
	if [ -n "$CON_PID" ]; then
		kill -TERM "$CON_PID" 2>/dev/null
		wait_for 30 gone "$CON_PID" || kill -KILL "$CON_PID" 2>/dev/null
	fi
	sim_stop
	nats_stop
	for p in $(pgrep -f -- "$T/" || true); do kill -KILL "$p" 2>/dev/null; done
	true
}

gone() {
	if kill -0 "$1" 2>/dev/null; then return 1; fi
}

# cfg [transport/storage lines...]: a config dir $T/cfg with environment
# "test" pointing at the running simulator, feed "kalshi" (ticker).
cfg() {
	mkdir -p "$T/cfg/environments" "$T/cfg/feeds"
	{
		echo "name: test"
		echo "feed: kalshi"
		echo "schema: trade:v1"
		echo "ws_url: $SIM_URL"
		echo "rest_url: $SIM_REST"
		echo "ca_file: $SIM_CA"
		echo "keys:"
		echo "  kalshi:"
		echo "    source: env:SIM_API_KEY,SIM_PRIVATE_KEY"
		printf '%s\n' "$@"
	} > "$T/cfg/environments/test.yaml"
	printf '%s\n' 'name: kalshi' 'channels: [ticker]' > "$T/cfg/feeds/kalshi.yaml"
	export SIM_API_KEY=con-key SIM_PRIVATE_KEY=$SIM_KEY
}

code() {
	curl -s -o /dev/null -m 5 -w '%{http_code}' "$URL$1"
}

ready() {
	[ "$(code /ready)" = 200 ]
}

@test "connector: --help, --version, usage errors" {
	run ssmd-connector --help
	assert_success
	assert_output --partial 'ssmd-connector(1)'
	run ssmd-connector --version
	assert_output 'ssmd-connector 0.1.0'
	run ssmd-connector --env x
	assert_failure 64
	run ssmd-connector --env x --config-dir a --feed b
	assert_failure 64
	run ssmd-connector --env ../x --config-dir a
	assert_failure 64
}

@test "connector: a missing or bad environment file is a configuration error naming it" {
	run ssmd-connector --config-dir "$T" --env nope --metrics-dir "$T/m"
	assert_failure 78
	assert_output --partial "$T/environments/nope.yaml"
	printf 'feed: kalshi\ntransport: [1, 2]\n' > "$T/env.yaml"
	run ssmd-connector --feed /dev/null --env "$T/env.yaml" --metrics-dir "$T/m"
	assert_failure 78
	assert_output --partial 'transport: want a mapping'
	printf 'feed: kalshi\ntransport:\n  type: nats\n  url: nats://127.0.0.1:1\n' > "$T/env.yaml"
	run ssmd-connector --feed /dev/null --env "$T/env.yaml" --metrics-dir "$T/m"
	assert_failure 78
	assert_output --partial 'names no stream'
	# A bucket is not written as local files behind the user's back.
	printf 'feed: kalshi\nstorage:\n  type: s3\n  path: /data\n' > "$T/env.yaml"
	run ssmd-connector --feed /dev/null --env "$T/env.yaml" --metrics-dir "$T/m"
	assert_failure 78
	assert_output --partial 'storage.type: only local'
	assert_output --partial 'type="s3"'
}

@test "connector: --env NAME --config-dir DIR captures to {storage.path}/<date>/<feed>, serves the seed's health, exits 75 on disconnect" {
	sim_start --api-key con-key --rate 200
	cfg "storage:" "  type: local" "  path: $T/data"
	ssmd-connector --config-dir "$T/cfg" --env test --listen "127.0.0.1:$PORT" \
	    --metrics-dir "$T/m" 2> "$T/err" &
	CON_PID=$!
	wait_for 60 ready || { cat "$T/err"; false; }
	run curl -s "$URL/ready"
	assert_output --regexp '^\{"status":"ready","feed":"kalshi","connected":true,'
	run curl -s "$URL/health"
	assert_output --regexp '^\{"status":"ok",'
	wait_for 30 bash -c "zcat '$T'/data/\$(date -u +%F)/kalshi-*.jsonl.gz.partial 2>/dev/null | head -1 | jq -e '.feed == \"kalshi\" and .data.type == \"ticker\"'"
	curl -s -o "$T/metrics" "$URL/metrics"
	run prom_value "$T/metrics" ssmd_connected '{"feed": "kalshi"}'
	assert_output 1.0
	run prom_value "$T/metrics" ssmd_messages_total '{"feed": "kalshi"}'
	[ "${output%.0}" -gt 0 ]
	run prom_value "$T/metrics" ssmd_pipeline_up '{"pipeline": "connector"}'
	assert_output 1.0
	# The exchange goes away: the connector exits non-zero, files final.
	sim_stop
	wait_for 60 gone "$CON_PID" || { cat "$T/err"; false; }
	rc=0
	wait "$CON_PID" || rc=$?
	CON_PID=
	assert_equal "$rc" 75
	[ -z "$(find "$T/data" -name '*.partial')" ]
	zcat "$T"/data/*/kalshi-*.jsonl.gz | jq -e .data > /dev/null
	# the sidecar went with it
	[ "$(code /health)" = 000 ]
}

@test "connector: --feed FILE --env FILE with transport nats publishes to JetStream; SIGTERM exits 0" {
	sim_start --api-key con-key --rate 200
	nats_start
	cfg "transport:" "  type: nats" "  url: $NATS_URL" "  stream: CON_KALSHI" \
	    "  subject_prefix: test.kalshi" "storage:" "  type: local"
	ssmd-connector --feed "$T/cfg/feeds/kalshi.yaml" \
	    --env "$T/cfg/environments/test.yaml" --listen "127.0.0.1:$PORT" \
	    --metrics-dir "$T/m" --create-stream 2> "$T/err" &
	CON_PID=$!
	wait_for 60 ready || { cat "$T/err"; false; }
	wait_for 60 nats_stream_has CON_KALSHI 20 || { cat "$T/err"; false; }
	run nats_stream_get CON_KALSHI 1
	assert_output --regexp '^test\.kalshi\.json\.ticker\.'
	kill -TERM "$CON_PID"
	rc=0
	wait "$CON_PID" || rc=$?
	CON_PID=
	[ "$rc" = 0 ] || { cat "$T/err"; false; }
}

@test "connector: a dead NATS server ends the capture with 69, the stage named" {
	sim_start --api-key con-key --rate 200
	cfg "transport:" "  type: nats" "  url: nats://127.0.0.1:$(free_port)" \
	    "  stream: CON_KALSHI"
	run ssmd-connector --config-dir "$T/cfg" --env test --listen "127.0.0.1:$PORT" \
	    --metrics-dir "$T/m"
	assert_failure 69
	assert_output --partial 'stage exited" stage=2 prog=ssmd-nats-pub status=69'
	grep -q '^ssmd_pipeline_up{pipeline="connector"} 0$' "$T/m/ssmd-pipeline-connector.prom"
}

@test "connector: a port already in use ends it at once, with the cause" {
	sim_start --api-key con-key --rate 200
	cfg "storage:" "  path: $T/data"
	run ssmd-connector --config-dir "$T/cfg" --env test \
	    --listen "127.0.0.1:$SIM_PORT" --metrics-dir "$T/m"
	assert_failure
	assert_output --partial 'cannot listen'
	assert_output --partial 'ssmd-healthd ended'
	[ -z "$(find "$T/data" -name '*.partial' 2>/dev/null)" ]
}

@test "connector: the original operator's ConfigMap (seed feed.yaml and env.yaml) works unchanged, to JetStream" {
	sim_start --api-key con-key --markets 120 --rate 200
	nats_start
	# As the seed's operator renders <name>-config, mounted at /config;
	# the endpoint is the simulator's, the CA comes from the image's
	# store (SSL_CERT_FILE here).
	SEED_DIR=$T/config SEED_NATS_URL=$NATS_URL
	seed_feed "$SIM_URL"
	seed_env 'secmaster:' \
	    '  url: "http://ssmd-data-ts.ssmd.svc.cluster.local:8080"' \
	    '  categories:' '    - Economics' \
	    'subscription:' '  batch_size: 100' '  retry_attempts: 3' \
	    '  retry_delay_ms: 1000'
	KALSHI_API_KEY=con-key KALSHI_PRIVATE_KEY=$SIM_KEY SSL_CERT_FILE=$SIM_CA \
	    ssmd-connector --feed "$T/config/feed.yaml" --env "$T/config/env.yaml" \
	    --listen "127.0.0.1:$PORT" --metrics-dir "$T/m" --create-stream \
	    2> "$T/err" &
	CON_PID=$!
	wait_for 60 ready || { cat "$T/err"; false; }
	wait_for 60 nats_stream_has PROD_KALSHI 20 || { cat "$T/err"; false; }
	run nats_stream_get PROD_KALSHI 1
	assert_output --regexp '^prod\.kalshi\.json\.(ticker|trade|market_lifecycle_v2)\.'
	grep -q 'msg="feed version in effect" version="1.0"' "$T/err"
	grep -q 'msg="category" category="Economics"' "$T/err"
	kill -TERM "$CON_PID"
	rc=0
	wait "$CON_PID" || rc=$?
	CON_PID=
	[ "$rc" = 0 ] || { cat "$T/err"; false; }
}
