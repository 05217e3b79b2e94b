# Helpers for tests of ssmd-healthd: start it on a free loopback port,
# write source metrics files, check /metrics with a real parser.

# start_healthd DIR [option...]: sets HD_PID, HD_PORT, HD_URL, HD_LOG.
start_healthd() {
	local dir=$1; shift
	HD_PORT=$(free_port)
	HD_URL=http://127.0.0.1:$HD_PORT
	HD_LOG=${BATS_TEST_TMPDIR:-/tmp}/healthd.$HD_PORT.log
	ssmd-healthd --listen "127.0.0.1:$HD_PORT" --metrics-dir "$dir" "$@" \
	    2>"$HD_LOG" &
	HD_PID=$!
	wait_for 20 hd_up || { cat "$HD_LOG" >&2; return 1; }
}

hd_up() {
	[ "$(http_code "$HD_URL/health")" != 000 ]
}

stop_healthd() {
	if [ -n "${HD_PID:-}" ]; then
		kill "$HD_PID" 2>/dev/null
		wait "$HD_PID" 2>/dev/null
		HD_PID=
	fi
}

# http_code URL [curl option...]: the status code (000 if no answer).
http_code() {
	local url=$1; shift
	curl -s -o /dev/null -m 10 -w '%{http_code}' "$@" "$url"
}

# write_source DIR CONNECTED LAST [FEED]: an ssmd-ws-kalshi metrics file
# as the capture client keeps it (two connections, the second CONNECTED;
# LAST the epoch seconds of the last data frame, 0 for none), replaced
# atomically like lib/metrics.c does.
write_source() {
	local dir=$1 conn=$2 last=$3 feed=${4:-kalshi}
	cat > "$dir/.src.tmp" <<-EOF2
	# HELP ssmd_ws_kalshi_connected 1 while the connection is up
	# TYPE ssmd_ws_kalshi_connected gauge
	ssmd_ws_kalshi_connected{feed="$feed",conn="0"} 0
	ssmd_ws_kalshi_connected{feed="$feed",conn="1"} $conn
	# HELP ssmd_ws_kalshi_last_frame_timestamp_seconds Time of the last data frame
	# TYPE ssmd_ws_kalshi_last_frame_timestamp_seconds gauge
	ssmd_ws_kalshi_last_frame_timestamp_seconds{feed="$feed"} $last
	# TYPE ssmd_ws_kalshi_frames_total counter
	ssmd_ws_kalshi_frames_total{feed="$feed",type="ticker"} 42
	EOF2
	mv "$dir/.src.tmp" "$dir/ssmd-ws-kalshi.prom"
}

# prom_check FILE: FILE parses with the Prometheus Python client's parser,
# and no metric has two HELP or TYPE lines.  Prints "family type count"
# per family.
prom_check() {
	/usr/bin/python3 - "$1" <<-'EOF2'
	import collections, sys
	from prometheus_client.parser import text_string_to_metric_families
	text = open(sys.argv[1], encoding="utf-8").read()
	for kw in ("HELP", "TYPE"):
	    c = collections.Counter(l.split()[2] for l in text.splitlines()
	                            if l.startswith("# " + kw + " "))
	    dup = [k for k, v in c.items() if v > 1]
	    if dup:
	        sys.exit("two %s lines for %s" % (kw, dup))
	for f in text_string_to_metric_families(text):
	    for s in f.samples:
	        float(s.value)
	    print(f.name, f.type, len(f.samples))
	EOF2
}

# prom_value FILE NAME LABELS: the value of one series (LABELS as a
# Python dict literal, e.g. '{"feed": "kalshi"}'), via the real parser.
prom_value() {
	/usr/bin/python3 - "$@" <<-'EOF2'
	import ast, sys
	from prometheus_client.parser import text_string_to_metric_families
	text = open(sys.argv[1], encoding="utf-8").read()
	want = ast.literal_eval(sys.argv[3]) if len(sys.argv) > 3 else {}
	for f in text_string_to_metric_families(text):
	    for s in f.samples:
	        if s.name == sys.argv[2] and s.labels == want:
	            print(s.value)
	            sys.exit(0)
	sys.exit(1)
	EOF2
}

# prom_conventions FILE: the ssmd naming rules hold for every metric in
# FILE: ssmd_<program>_<what>, counters end in _total and nothing else
# does.  Prints the offenders.
prom_conventions() {
	/usr/bin/python3 - "$1" <<-'EOF2'
	import re, sys
	bad = []
	for l in open(sys.argv[1], encoding="utf-8"):
	    if not l.startswith("# TYPE "):
	        continue
	    _, _, name, typ = l.split()
	    # the seed's four names are kept for its dashboards and alerts
	    if name in ("ssmd_messages_total", "ssmd_errors_total", "ssmd_connected",
	                "ssmd_last_message_timestamp"):
	        continue
	    if not re.fullmatch(r"ssmd_(stamp|jsonl_rotate|ws_kalshi|kalshi_sim|nats_pub|nats_sub|healthd|pipeline|supervise)_[a-z0-9_]+", name):
	        bad.append("%s: not ssmd_<program>_<what>" % name)
	    if (typ == "counter") != name.endswith("_total"):
	        bad.append("%s: a %s %s _total" % (name, typ,
	                   "without" if typ == "counter" else "with"))
	print("\n".join(bad))
	sys.exit(1 if bad else 0)
	EOF2
}
