#!/usr/bin/env bats
# ssmd-healthd: health, readiness and the metrics union, over real HTTP.
load helpers/common
load helpers/healthd

setup() {
	D=$BATS_TEST_TMPDIR/metrics
	mkdir -p "$D"
}

teardown() {
	stop_healthd
	[ -z "${SLOW_PID:-}" ] || kill "$SLOW_PID" 2>/dev/null || true
}

@test "healthd: usage, --help, --version" {
	run ssmd-healthd --help
	assert_success
	assert_output --partial "usage: ssmd-healthd"
	run ssmd-healthd --version
	assert_success
	run ssmd-healthd --bogus
	assert_failure 64
	run env -u SSMD_METRICS_DIR ssmd-healthd
	assert_failure 64
	assert_output --partial "no metrics directory"
	run ssmd-healthd --metrics-dir "$D" --listen nowhere
	assert_failure 64
	run ssmd-healthd --metrics-dir "$D" --stale-after -3
	assert_failure 64
	run ssmd-healthd --metrics-dir "$D" --feed 'bad feed'
	assert_failure 64
	run ssmd-healthd --metrics-dir "$D" --last-metric '9x'
	assert_failure 64
}

@test "healthd: a port in use is exit 69" {
	start_healthd "$D"
	run ssmd-healthd --listen "127.0.0.1:$HD_PORT" --metrics-dir "$D"
	assert_failure 69
	assert_output --partial "cannot listen"
}

@test "healthd: no source file: alive, not ready" {
	start_healthd "$D"
	run curl -s "$HD_URL/health"
	assert_output '{"status":"ok","feed":"kalshi","connected":false,"last_message_secs_ago":null}'
	[ "$(http_code "$HD_URL/health")" = 200 ]
	run curl -s "$HD_URL/ready"
	assert_output '{"status":"not_ready","reason":"not_connected","feed":"kalshi","connected":false,"last_message_secs_ago":null}'
	[ "$(http_code "$HD_URL/ready")" = 503 ]
}

@test "healthd: connected and fresh: ready; then silent past the limit: stale" {
	write_source "$D" 1 $(( $(date +%s) - 2 ))
	start_healthd "$D" --stale-after 30
	[ "$(http_code "$HD_URL/ready")" = 200 ]
	run curl -s "$HD_URL/ready"
	assert_output --regexp '^\{"status":"ready","feed":"kalshi","connected":true,"last_message_secs_ago":[2-9]\}$'
	run curl -s "$HD_URL/health"
	assert_output --regexp '^\{"status":"ok","feed":"kalshi","connected":true,"last_message_secs_ago":[2-9]\}$'
	# The last frame 100 s ago: past --stale-after, read fresh per request.
	write_source "$D" 1 $(( $(date +%s) - 100 ))
	[ "$(http_code "$HD_URL/health")" = 503 ]
	[ "$(http_code "$HD_URL/ready")" = 503 ]
	run curl -s "$HD_URL/health"
	assert_output --regexp '^\{"status":"error","reason":"stale","feed":"kalshi","connected":true,"last_message_secs_ago":1(0[0-9]|1[0-9])\}$'
	run curl -s "$HD_URL/ready"
	assert_output --partial '"status":"not_ready","reason":"stale"'
	# A new frame: ready again.
	write_source "$D" 1 "$(date +%s)"
	[ "$(http_code "$HD_URL/ready")" = 200 ]
}

@test "healthd: the default stale limit is 300 s" {
	write_source "$D" 1 $(( $(date +%s) - 250 ))
	start_healthd "$D"
	[ "$(http_code "$HD_URL/ready")" = 200 ]
	write_source "$D" 1 $(( $(date +%s) - 350 ))
	[ "$(http_code "$HD_URL/ready")" = 503 ]
}

@test "healthd: connected before the first message is ready, not stale" {
	write_source "$D" 1 0
	start_healthd "$D" --stale-after 1
	run curl -s "$HD_URL/ready"
	assert_output '{"status":"ready","feed":"kalshi","connected":true,"last_message_secs_ago":null}'
	[ "$(http_code "$HD_URL/health")" = 200 ]
}

@test "healthd: disconnected: alive but not ready; --feed selects series" {
	write_source "$D" 0 "$(date +%s)"
	start_healthd "$D"
	[ "$(http_code "$HD_URL/health")" = 200 ]
	[ "$(http_code "$HD_URL/ready")" = 503 ]
	run curl -s "$HD_URL/ready"
	assert_output --partial '"status":"not_ready","reason":"not_connected"'
	stop_healthd
	write_source "$D" 1 "$(date +%s)" other
	start_healthd "$D"
	[ "$(http_code "$HD_URL/ready")" = 503 ]
	stop_healthd
	start_healthd "$D" --feed other
	[ "$(http_code "$HD_URL/ready")" = 200 ]
	run curl -s "$HD_URL/ready"
	assert_output --partial '"feed":"other"'
}

@test "healthd: --source and metric names are configurable" {
	cat > "$D/my-src-a.prom" <<-EOF
	# TYPE up_now gauge
	up_now{feed="kalshi"} 1
	# TYPE seen_at gauge
	seen_at $(( $(date +%s) - 50 ))
	EOF
	start_healthd "$D" --source my-src --connected-metric up_now \
	    --last-metric seen_at --stale-after 100
	[ "$(http_code "$HD_URL/ready")" = 200 ]
	stop_healthd
	start_healthd "$D" --source my-src --connected-metric up_now \
	    --last-metric seen_at --stale-after 10
	[ "$(http_code "$HD_URL/ready")" = 503 ]
}

@test "healthd: /metrics is the union of the files, valid for a real parser" {
	write_source "$D" 1 "$(date +%s)"
	printf '{"a":1}\n{"b":2}\n' | ssmd-stamp --metrics-dir "$D" > /dev/null
	# A second instance of a program: same metrics, other labels.
	printf '# HELP ssmd_x_total X.\n# TYPE ssmd_x_total counter\nssmd_x_total{feed="a"} 1\n' > "$D/ssmd-x-a.prom"
	printf '# HELP ssmd_x_total X.\n# TYPE ssmd_x_total counter\nssmd_x_total{feed="b"} 2\n' > "$D/ssmd-x-b.prom"
	start_healthd "$D"
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/m" "$HD_URL/metrics"
	assert_success
	run grep -i '^content-type: text/plain; version=0.0.4' "$BATS_TEST_TMPDIR/h"
	assert_success
	run prom_check "$BATS_TEST_TMPDIR/m"
	assert_success
	assert_line "ssmd_x counter 2"
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_stamp_lines_in_total '{"feed": "kalshi"}'
	assert_output 2.0
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_ws_kalshi_frames_total '{"feed": "kalshi", "type": "ticker"}'
	assert_output 42.0
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_healthd_up
	assert_output 1.0
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_healthd_ready
	assert_output 1.0
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_healthd_metrics_file_age_seconds '{"file": "ssmd-stamp.prom"}'
	assert_success
	# The earlier scrape is counted in the next one.
	curl -s -o "$BATS_TEST_TMPDIR/m" "$HD_URL/metrics"
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_healthd_requests_total '{"path": "/metrics", "code": "200"}'
	assert_output 1.0
}

@test "healthd: a half-written or broken file is skipped and counted" {
	write_source "$D" 1 "$(date +%s)"
	printf '# TYPE half_written gauge\nhalf_written{feed="k"} 1' > "$D/half.prom"
	printf '# TYPE broken gauge\nbroken{feed="k} 1\n' > "$D/broken.prom"
	printf 'not metrics at all \001\002\n' > "$D/binary.prom"
	printf 'dot 1\n' > "$D/.hidden.prom"
	start_healthd "$D"
	curl -s -o "$BATS_TEST_TMPDIR/m" "$HD_URL/metrics"
	run prom_check "$BATS_TEST_TMPDIR/m"
	assert_success
	run grep -c '^half_written\|^broken\|^dot' "$BATS_TEST_TMPDIR/m"
	assert_output 0
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_ws_kalshi_frames_total '{"feed": "kalshi", "type": "ticker"}'
	assert_output 42.0
	curl -s -o "$BATS_TEST_TMPDIR/m" "$HD_URL/metrics"
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_healthd_metrics_files_skipped_total '{"reason": "malformed"}'
	assert_output 6.0
	run grep -c 'msg="metrics file skipped".*file="half.prom".*half-written' "$HD_LOG"
	[ "$output" -ge 1 ]
	# Once the writer finishes, the file is served.
	printf '\n' >> "$D/half.prom"
	curl -s -o "$BATS_TEST_TMPDIR/m" "$HD_URL/metrics"
	run prom_value "$BATS_TEST_TMPDIR/m" half_written '{"feed": "k"}'
	assert_output 1.0
}

@test "healthd: a malformed source file does not make the feed ready" {
	write_source "$D" 1 "$(date +%s)"
	start_healthd "$D"
	[ "$(http_code "$HD_URL/ready")" = 200 ]
	head -c 150 "$D/ssmd-ws-kalshi.prom" > "$D/t" && mv "$D/t" "$D/ssmd-ws-kalshi.prom"
	[ "$(http_code "$HD_URL/ready")" = 503 ]
}

@test "healthd: an oversized file is skipped (--max-file)" {
	write_source "$D" 1 "$(date +%s)"
	for i in $(seq 200); do echo "big_metric{n=\"$i\"} $i"; done > "$D/big.prom"
	start_healthd "$D" --max-file 4k
	curl -s -o "$BATS_TEST_TMPDIR/m" "$HD_URL/metrics"
	run grep -c '^big_metric' "$BATS_TEST_TMPDIR/m"
	assert_output 0
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_healthd_metrics_files_skipped_total '{"reason": "too_large"}'
	assert_output 1.0
	[ "$(http_code "$HD_URL/ready")" = 200 ]
}

@test "healthd: a missing directory is not fatal" {
	start_healthd "$D/not-yet"
	[ "$(http_code "$HD_URL/ready")" = 503 ]
	curl -s -o "$BATS_TEST_TMPDIR/m" "$HD_URL/metrics"
	run prom_check "$BATS_TEST_TMPDIR/m"
	assert_success
	mkdir "$D/not-yet"
	write_source "$D/not-yet" 1 "$(date +%s)"
	[ "$(http_code "$HD_URL/ready")" = 200 ]
	run grep -c 'cannot read the metrics directory' "$HD_LOG"
	assert_output 1
}

@test "healthd: the status page shows each file's state, escaped" {
	write_source "$D" 1 "$(date +%s)"
	printf '# TYPE x gauge\nx{v="<script>"} 1\n' > "$D/evil.prom"
	printf 'y 1' > "$D/half.prom"
	start_healthd "$D"
	run curl -s "$HD_URL/"
	assert_success
	assert_output --partial '<!DOCTYPE html>'
	assert_output --partial 'ssmd-ws-kalshi.prom'
	assert_output --partial 'ssmd_ws_kalshi_frames_total{feed=&quot;kalshi&quot;,type=&quot;ticker&quot;} 42'
	assert_output --partial 'skipped: malformed'
	assert_output --partial '&lt;script&gt;'
	refute_output --partial '<script>'
	assert_output --partial 'ready'
	[ "$(http_code "$HD_URL/")" = 200 ]
}

@test "healthd: only GET and HEAD; unknown paths 404" {
	start_healthd "$D"
	for m in POST PUT DELETE OPTIONS PATCH; do
		[ "$(http_code "$HD_URL/health" -X $m)" = 405 ]
	done
	run curl -s -i -X POST -d 'x=1' "$HD_URL/ready"
	assert_output --partial 'Allow: GET, HEAD'
	run curl -s -I "$HD_URL/health"
	assert_output --partial '200 OK'
	run curl -s -X HEAD -m 5 -o "$BATS_TEST_TMPDIR/b" -w '%{http_code} %{size_download}' "$HD_URL/metrics"
	assert_output '200 0'
	[ "$(http_code "$HD_URL/nope")" = 404 ]
	[ "$(http_code "$HD_URL/health?x=1")" = 200 ]
	run curl -s "$HD_URL/ready"
	assert_output --partial not_connected
}

@test "healthd: oversized headers and bodies are refused; odd requests do no harm" {
	start_healthd "$D"
	big=$(head -c 20000 /dev/zero | tr '\0' a)
	code=$(http_code "$HD_URL/health" -H "X-Big: $big")
	[ "$code" = 400 ] || [ "$code" = 413 ] || [ "$code" = 431 ] || [ "$code" = 000 ]
	code=$(http_code "$HD_URL/health" -X POST --data-binary "$big")
	[ "$code" = 413 ] || [ "$code" = 405 ] || [ "$code" = 000 ]
	/usr/bin/python3 - "$HD_PORT" <<-'EOF'
	import socket, sys
	reqs = [b"\x00\xff\xfe garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
	        b"BREW /pot HTTP/1.1\r\n\r\n", b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
	        b"GET /health HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
	        b"GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	        b"\r\n\r\n\r\n", b"GET /%00%ff HTTP/1.1\r\nHost: x\r\n\r\n"]
	for r in reqs:
	    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
	    try:
	        s.sendall(r)
	        s.shutdown(socket.SHUT_WR)
	        while s.recv(65536):
	            pass
	    except OSError:
	        pass
	    s.close()
	EOF
	kill -0 "$HD_PID"
	[ "$(http_code "$HD_URL/health")" = 200 ]
}

@test "healthd: a slow client does not block others and is timed out" {
	start_healthd "$D" --timeout 2
	# Half a request line, then nothing.
	/usr/bin/python3 - "$HD_PORT" > "$BATS_TEST_TMPDIR/slow" <<-'EOF' &
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"GET /heal")
	t = time.monotonic()
	s.settimeout(60)
	try:
	    s.recv(100)
	except OSError:
	    pass
	print("closed after %.1f" % (time.monotonic() - t))
	EOF
	SLOW_PID=$!
	sleep 0.3
	for i in 1 2 3 4 5; do
		[ "$(http_code "$HD_URL/health" -m 2)" = 200 ]
	done
	wait "$SLOW_PID"
	SLOW_PID=
	run cat "$BATS_TEST_TMPDIR/slow"
	assert_output --regexp '^closed after ([1-9]|1[0-9])\.[0-9]$'
}

@test "healthd: many concurrent connections" {
	write_source "$D" 1 "$(date +%s)"
	start_healthd "$D"
	run /usr/bin/python3 - "$HD_PORT" <<-'EOF'
	import socket, sys, selectors
	port = int(sys.argv[1])
	n = 400
	socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
	for s in socks:
	    s.sendall(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	ok = 0
	for s in socks:
	    s.settimeout(30)
	    data = b""
	    while True:
	        d = s.recv(65536)
	        if not d:
	            break
	        data += d
	    ok += data.startswith(b"HTTP/1.1 200") and b'"status":"ready"' in data
	    s.close()
	print(ok)
	EOF
	assert_success
	assert_output 400
}

@test "healthd: SIGTERM and SIGINT stop it cleanly" {
	for sig in TERM:15 INT:2; do
		start_healthd "$D"
		kill -"${sig%:*}" "$HD_PID"
		rc=0
		wait "$HD_PID" || rc=$?
		HD_PID=
		[ "$rc" = 0 ]
		run grep -c "msg=\"stopping\" signal=${sig#*:}" "$HD_LOG"
		assert_output 1
	done
}

@test "healthd: what the parser accepts, the Prometheus Python parser accepts; unions too" {
	[ -x "$TOOLS/prom-verdicts" ] || { echo "missing $TOOLS/prom-verdicts: run make check" >&2; return 1; }
	T=$BATS_TEST_TMPDIR/mut
	mkdir -p "$T"
	/usr/bin/python3 "$ROOT/tests/tools/prom-mutants" 3000 "$RANDOM" "$T"
	"$TOOLS/prom-verdicts" "$T"/*.prom > "$BATS_TEST_TMPDIR/v"
	# Some pass and many do not: the check has teeth both ways.
	[ "$(grep -c '^ok$' "$BATS_TEST_TMPDIR/v")" -ge 300 ]
	[ "$(grep -c '^bad ' "$BATS_TEST_TMPDIR/v")" -ge 300 ]
	run /usr/bin/python3 "$ROOT/tests/tools/prom-mutants" --check "$T" "$BATS_TEST_TMPDIR/v"
	assert_success
	"$TOOLS/prom-verdicts" --union "$T"/*.prom > "$BATS_TEST_TMPDIR/u"
	run prom_check "$BATS_TEST_TMPDIR/u"
	assert_success
}

@test "healthd: a pipeline with a dead stage makes /ready not_ready; /health stays ok" {
	write_source "$D" 1 "$(date +%s)"
	printf '%s\n' '# TYPE ssmd_pipeline_up gauge' \
	    'ssmd_pipeline_up{pipeline="capture"} 1' > "$D/ssmd-pipeline-capture.prom"
	printf '%s\n' '# TYPE ssmd_pipeline_up gauge' \
	    'ssmd_pipeline_up{pipeline="nats"} 1' > "$D/ssmd-pipeline-nats.prom"
	start_healthd "$D"
	[ "$(http_code "$HD_URL/ready")" = 200 ]
	printf '%s\n' '# TYPE ssmd_pipeline_up gauge' \
	    'ssmd_pipeline_up{pipeline="nats"} 0' > "$D/ssmd-pipeline-nats.prom"
	[ "$(http_code "$HD_URL/ready")" = 503 ]
	run curl -s "$HD_URL/ready"
	assert_output --regexp '^\{"status":"not_ready","reason":"stage_exited","pipeline":"nats","feed":"kalshi","connected":true,'
	[ "$(http_code "$HD_URL/health")" = 200 ]
	run curl -s "$HD_URL/health"
	assert_output --partial '{"status":"ok",'
	curl -s -o "$BATS_TEST_TMPDIR/m" "$HD_URL/metrics"
	run prom_value "$BATS_TEST_TMPDIR/m" ssmd_healthd_ready
	assert_output 0.0
}

@test "healthd: the seed's metrics: messages, errors by type, connected, last message time" {
	now=$(date +%s)
	write_source "$D" 1 "$now"
	cat >> "$D/ssmd-ws-kalshi.prom" <<-EOF2
	# TYPE ssmd_ws_kalshi_lines_out_total counter
	ssmd_ws_kalshi_lines_out_total{feed="kalshi",conn="0"} 40
	ssmd_ws_kalshi_lines_out_total{feed="kalshi",conn="1"} 2
	ssmd_ws_kalshi_lines_out_total{feed="other",conn="0"} 1000
	# TYPE ssmd_ws_kalshi_gaps_total counter
	ssmd_ws_kalshi_gaps_total{feed="kalshi"} 3
	# TYPE ssmd_ws_kalshi_invalid_total counter
	ssmd_ws_kalshi_invalid_total{feed="kalshi"} 5
	EOF2
	start_healthd "$D"
	curl -s -o "$BATS_TEST_TMPDIR/m" "$HD_URL/metrics"
	run prom_check "$BATS_TEST_TMPDIR/m"
	assert_success
	run prom_conventions "$BATS_TEST_TMPDIR/m"
	assert_success
	m=$BATS_TEST_TMPDIR/m
	run prom_value "$m" ssmd_messages_total '{"feed": "kalshi"}'
	assert_output 42.0
	run prom_value "$m" ssmd_errors_total '{"feed": "kalshi", "type": "gap"}'
	assert_output 3.0
	run prom_value "$m" ssmd_errors_total '{"feed": "kalshi", "type": "invalid"}'
	assert_output 5.0
	run prom_value "$m" ssmd_errors_total '{"feed": "kalshi", "type": "reconnect"}'
	assert_output 0.0
	run prom_value "$m" ssmd_connected '{"feed": "kalshi"}'
	assert_output 1.0
	run prom_value "$m" ssmd_last_message_timestamp '{"feed": "kalshi"}'
	assert_output "$now.0"
}

@test "ssmd-healthd --help: every option it takes, with its default, and its man page" {
	load helpers/help
	help_check ssmd-healthd
}
