#!/usr/bin/env bats
# ssmd-notify against real local receivers: an HTTP server that records
# requests and answers as scripted (429, 500, hang, close...), an SMTP
# server with STARTTLS and AUTH (aiosmtpd), and a real nats-server.

load helpers/common
load helpers/nats
load helpers/notify

SLACK_SECRET=T0SECRET/B0SECRET/xoxSlackToken123
DISCORD_SECRET=9876543210/DiscordTok_abcdef
NTFY_TOKEN=tk_ntfySecretToken42
SMTP_PASSWORD=Smtp-S3cret-pw

setup() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/m" "$T/state" "$T/secrets"
	recv_start
}

teardown() {
	notify_stop
	nats_stop
}

# ssmd-notify with the test's config, state and metrics.  Bounded: a
# receiver that died would have it retry for its whole budget, and bats'
# own test timeout does not reach a process run under `run`.
notify() {
	timeout -k 5 120 ssmd-notify --config "$T/d.json" \
		--secrets-dir "$T/secrets" --state-dir "$T/state" \
		--metrics-dir "$T/m" "$@"
}

# The same in the background (the caller's redirections apply); pid is
# ssmd-notify's own, so signals reach it.
notify_bg() {
	ssmd-notify --config "$T/d.json" --secrets-dir "$T/secrets" \
		--state-dir "$T/state" --metrics-dir "$T/m" "$@" <&0 &
	pid=$!
	NOTIFY_PIDS="$NOTIFY_PIDS $pid"
}

# One webhook destination per argument NAME[=MATCH-JSON].
webhooks() {
	local a name match sep=
	{
		echo '['
		for a in "$@"; do
			name=${a%%=*}
			match=null
			[ "$name" != "$a" ] && match=${a#*=}
			printf '%s{"name":"%s","type":"webhook","config":{"webhookUrl":"%s/%s"},"match":%s}\n' \
				"$sep" "$name" "$RECV_URL" "$name" "$match"
			sep=,
		done
		echo ']'
	} > "$T/d.json"
}

# The value of metric $1 whose labels hold $2 ("" for one without labels).
metric() {
	awk -v m="$1" -v l="$2" '(l == "" && $1 == m) ||
		(l != "" && index($0, m "{") == 1 && index($0, l)) { print $NF }' \
		"$T/m/ssmd-notify.prom"
}

@test "--help lists every option and names the man page; --version" {
	run ssmd-notify --help
	assert_success
	assert_output --partial "--retry-budget"
	assert_output --partial "ssmd-notify(1)"
	run ssmd-notify --version
	assert_success
	assert_output --regexp '^ssmd-notify [0-9]'
	run ssmd-notify --bogus
	assert_failure 64
}

@test "bad configuration: exit 78 naming file and field, before any send" {
	webhooks a
	jq '.[0].type = "sms"' "$T/d.json" > "$T/bad1.json"
	run ssmd-notify --config "$T/bad1.json" --state-dir "$T/state" < <(fires 1)
	assert_failure 78
	assert_output --partial "file=\"$T/bad1.json\""
	assert_output --partial 'field="destinations[0].type"'

	jq '.[0].match = {"field":"ticker","operator":"regex","value":"(["}' "$T/d.json" > "$T/bad2.json"
	run ssmd-notify --config "$T/bad2.json" --state-dir "$T/state" < <(fires 1)
	assert_failure 78
	assert_output --partial 'field="destinations[0].match.value"'

	jq '.[0].match = [{"field":"ticker","operator":"eq","value":"x"},{"field":"a..b","operator":"eq","value":"1"}]' \
		"$T/d.json" > "$T/bad3.json"
	run ssmd-notify --config "$T/bad3.json" --state-dir "$T/state" < <(fires 1)
	assert_failure 78
	assert_output --partial 'field="destinations[0].match[1].field"'

	# a secretRef whose file is missing
	echo '[{"name":"n1","type":"ntfy","config":{"server":"'"$RECV_URL"'","topic":"t"},"secretRef":{"name":"n1"}}]' > "$T/bad4.json"
	mkdir -p "$T/secrets/n1"
	run ssmd-notify --config "$T/bad4.json" --secrets-dir "$T/secrets" --state-dir "$T/state" < <(fires 1)
	assert_failure 78
	assert_output --partial "file=\"$T/secrets/n1/token\""
	assert_output --partial 'field="destinations[0].secretRef"'

	run ssmd-notify --config "$T/nonexistent.json" --state-dir "$T/state" < <(fires 1)
	assert_failure 78
	assert_output --partial "file=\"$T/nonexistent.json\""

	printf '[{"name":"x","type":"slack"' > "$T/bad5.json"
	run ssmd-notify --config "$T/bad5.json" --state-dir "$T/state" < <(fires 1)
	assert_failure 78
	[ "$(wc -l < "$RECV_LOG")" -eq 0 ]
}

@test "environment: DESTINATIONS_CONFIG as the operator sets it" {
	webhooks a
	DESTINATIONS_CONFIG=$T/d.json run ssmd-notify --state-dir "$T/state" < <(fires 2)
	assert_success
	[ "$(recv_count /a)" -eq 2 ]
}

@test "slack: the exact incoming-webhook request, secret URL from the secret file" {
	mkdir -p "$T/secrets/s"
	echo "$RECV_URL/services/$SLACK_SECRET" > "$T/secrets/s/webhookUrl"
	echo '[{"name":"s","type":"slack","config":{"channel":"#alerts"},"secretRef":{"name":"s"}}]' > "$T/d.json"
	echo '{"id":"x1","signalId":"momentum","ticker":"KXBTCD-26","payload":{"dollarVolume":1234567.891,"price":"0.4500","spreadRatio":0.125,"windowMs":7200000,"firstSeen":"2026-02-12T12:06:30.5Z","active":true,"note":null}}' > "$T/in"
	run notify < "$T/in"
	assert_success
	run jq -r 'select(.path == "/services/'"$SLACK_SECRET"'") | .method + " " + .headers["Content-Type"]' "$RECV_LOG"
	assert_output "POST application/json"
	run jq -r '.body | fromjson | .text' "$RECV_LOG"
	assert_output "$(printf '%s\n' '*Signal momentum: KXBTCD-26*' \
		'Dollar Volume: $1,234,567.89' 'Price: $0.45' 'Spread Ratio: 12.5%' \
		'Window: 2h' 'First Seen: 2026-02-12 12:06 UTC' 'Active: Yes' 'Note: -')"
	run jq -r '.body | fromjson | .channel' "$RECV_LOG"
	assert_output "#alerts"
	[ "$(metric ssmd_notify_sent_total 'destination="s"')" = 1 ]
}

@test "discord: wait=true, content, no pings, over-long content truncated visibly at 2000 characters" {
	echo '[{"name":"d","type":"discord","config":{"webhookUrl":"'"$RECV_URL/api/webhooks/$DISCORD_SECRET"'"},"template":"{{payload.text}}"}]' > "$T/d.json"
	long=$(printf 'é%.0s' $(seq 1 2500))
	printf '{"id":"x1","signalId":"s","ticker":"T","payload":{"text":"hello <@everyone>"}}\n{"id":"x2","signalId":"s","ticker":"T","payload":{"text":"%s"}}\n' "$long" > "$T/in"
	echo "/api/webhooks json" > "$RECV_SCRIPT"
	run notify < "$T/in"
	assert_success
	run jq -r '.query' "$RECV_LOG"
	assert_output "$(printf 'wait=true\nwait=true')"
	run jq -r 'select(.body | fromjson | .content | startswith("hello")) | .body | fromjson | "\(.content) \(.allowed_mentions.parse | length)"' "$RECV_LOG"
	assert_output "hello <@everyone> 0"
	run jq -r 'select(.body | fromjson | .content | startswith("é")) | .body | fromjson | .content | "\(length) \(endswith("… (truncated)"))"' "$RECV_LOG"
	assert_output "2000 true"
}

@test "ntfy: POST server/topic with Title, Priority, Tags and the bearer token; non-ASCII title RFC 2047" {
	mkdir -p "$T/secrets/n"
	echo "$NTFY_TOKEN" > "$T/secrets/n/token"
	echo '[{"name":"n","type":"ntfy","config":{"server":"'"$RECV_URL"'/","topic":"kalshi-alerts","priority":"high","tags":"chart,warning"},"secretRef":{"name":"n"}}]' > "$T/d.json"
	echo '{"id":"x1","signalId":"volume","ticker":"KX-€","payload":{"dollarVolume":50000}}' > "$T/in"
	run notify < "$T/in"
	assert_success
	run jq -r '[.method, .path, .headers.Priority, .headers.Tags, .headers.Authorization, .headers.Title, .body] | join("|")' "$RECV_LOG"
	assert_output "POST|/kalshi-alerts|high|chart,warning|Bearer $NTFY_TOKEN|=?UTF-8?B?$(printf 'Signal volume: KX-€' | base64 -w0)?=|Dollar Volume: \$50,000.00"
}

@test "webhook: the fire JSON byte for byte" {
	webhooks w
	fires 3 > "$T/in"
	printf '%s\n' '{"signalId":"a","ticker":"b","payload":{"k":[1,2.50,"x"]},"extra":  true}' >> "$T/in"
	run notify < "$T/in"
	assert_success
	recv_bodies /w > "$T/bodies"
	diff "$T/in" "$T/bodies"
}

@test "email: STARTTLS required, AUTH, Date, Message-ID and Subject" {
	smtp_start
	mkdir -p "$T/secrets/e"
	echo "$SMTP_PASSWORD" > "$T/secrets/e/password"
	echo '[{"name":"e","type":"email","config":{"smtp":"127.0.0.1:'"$SMTP_PORT"'","to":"ops@example.com, dev@example.com","from":"Alerts <alerts@example.com>"},"secretRef":{"name":"e"}}]' > "$T/d.json"
	echo '{"id":"m1","signalId":"momentum","ticker":"KXBTCD-26","payload":{"dollarVolume":1500}}' > "$T/in"
	echo '{"id":"m1","signalId":"momentum","ticker":"KXBTCD-26","payload":{"dollarVolume":1500}}' >> "$T/in"
	run notify --ca-file "$SMTP_CA" < "$T/in"
	assert_success
	[ "$(wc -l < "$SMTP_LOG")" -eq 1 ]	# the same id twice: sent once
	run jq -r '"\(.tls) \(.user) \(.to | join(","))"' "$SMTP_LOG"
	assert_output "true alerts@example.com ops@example.com,dev@example.com"
	jq -r .data "$SMTP_LOG" > "$T/msg"
	grep -q $'^Date: [A-Z][a-z][a-z], [0-9][0-9] [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]* +0000\r$' "$T/msg"
	grep -q $'^Message-ID: <[0-9a-f]*\\.[0-9]*@example.com>\r$' "$T/msg"
	grep -q $'^Subject: Signal momentum: KXBTCD-26\r$' "$T/msg"
	grep -q $'^Dollar Volume: \\$1,500.00\r$' "$T/msg"

	# without the CA the certificate is not trusted: retried, then dead letter
	: > "$SMTP_LOG"
	echo '{"id":"m2","signalId":"s","ticker":"T","payload":{}}' > "$T/in2"
	run notify --retry-budget 1s --backoff 0.2s < "$T/in2"
	assert_success
	[ "$(wc -l < "$SMTP_LOG")" -eq 0 ]
	run jq -r '.reason' "$T/state/dead-letter.jsonl"
	assert_output --partial "retry budget spent"

	# 550 is permanent: dead-lettered at once, one attempt
	echo 550 > "$SMTP_MODE"
	echo '{"id":"m3","signalId":"s","ticker":"T","payload":{}}' > "$T/in3"
	run notify --ca-file "$SMTP_CA" < "$T/in3"
	assert_success
	run jq -r 'select(.fire.id == "m3") | "\(.attempts) \(.reason)"' "$T/state/dead-letter.jsonl"
	assert_output --partial "1 permanent error: SMTP 550"
}

@test "email: implicit TLS with smtps://; a server without STARTTLS gets nothing in plain text" {
	smtp_start implicit
	mkdir -p "$T/secrets/e"
	echo "$SMTP_PASSWORD" > "$T/secrets/e/password"
	echo '[{"name":"e","type":"email","config":{"smtp":"smtps://127.0.0.1:'"$SMTP_PORT"'","to":"ops@example.com","from":"alerts@example.com"},"secretRef":{"name":"e"}}]' > "$T/d.json"
	fires 1 > "$T/in"
	run notify --ca-file "$SMTP_CA" < "$T/in"
	assert_success
	run jq -r '"\(.tls) \(.user)"' "$SMTP_LOG"
	assert_output "true alerts@example.com"
	notify_stop
	recv_start
	smtp_start none
	echo '[{"name":"e","type":"email","config":{"smtp":"127.0.0.1:'"$SMTP_PORT"'","to":"ops@example.com","from":"alerts@example.com"}}]' > "$T/d.json"
	fires 1 2 > "$T/in"
	run notify --ca-file "$SMTP_CA" < "$T/in"
	assert_success
	[ "$(wc -l < "$SMTP_LOG")" -eq 0 ]
	run jq -r 'select(.fire.id == "f2") | "\(.attempts) \(.reason)"' "$T/state/dead-letter.jsonl"
	assert_output --partial "1 permanent error: SMTP"
	assert_output --partial "SSL"
}

@test "match operators on dotted paths, numeric strings compared as numbers; regex; lists of rules" {
	webhooks \
		'eq={"field":"payload.side","operator":"eq","value":"yes"}' \
		'ne={"field":"payload.side","operator":"ne","value":"yes"}' \
		'gt={"field":"payload.dollarVolume","operator":"gt","value":"1000"}' \
		'gte={"field":"payload.dollarVolume","operator":"gte","value":"1000"}' \
		'lt={"field":"payload.price","operator":"lt","value":"0.5"}' \
		'lte={"field":"payload.price","operator":"lte","value":"0.50"}' \
		'contains={"field":"ticker","operator":"contains","value":"BTC"}' \
		'regex={"field":"ticker","operator":"regex","value":"^KX(ETH|BTC)D-2[0-9]$"}' \
		'all=[{"field":"signalId","operator":"eq","value":"momentum"},{"field":"payload.deep.x","operator":"gte","value":"3"}]' \
		'nested={"field":"payload.levels.1","operator":"eq","value":"7"}'
	cat > "$T/in" <<'IN'
{"id":"a","signalId":"momentum","ticker":"KXBTCD-26","payload":{"side":"yes","dollarVolume":1000,"price":"0.5000","deep":{"x":3},"levels":[5,7]}}
{"id":"b","signalId":"momentum","ticker":"KXETHD-27","payload":{"side":"no","dollarVolume":"1000.5","price":"0.4999","deep":{"x":"2"},"levels":[5,8]}}
{"id":"c","signalId":"volume","ticker":"INXD-1","payload":{"dollarVolume":"abc","price":0.51,"deep":{"x":9}}}
IN
	run notify < "$T/in"
	assert_success
	got() { jq -r --arg p "/$1" 'select(.path == $p) | .body | fromjson | .id' "$RECV_LOG" | sort | tr '\n' ' '; }
	[ "$(got eq)" = "a " ]
	[ "$(got ne)" = "b c " ]		# a missing field is "not equal"
	[ "$(got gt)" = "b " ]
	[ "$(got gte)" = "a b " ]
	[ "$(got lt)" = "b " ]
	[ "$(got lte)" = "a b " ]
	[ "$(got contains)" = "a " ]
	[ "$(got regex)" = "a b " ]
	[ "$(got all)" = "a " ]
	[ "$(got nested)" = "a " ]
	[ "$(metric ssmd_notify_fires_received_total '')" = 3 ]
	[ "$(metric ssmd_notify_matched_total 'destination="gte"')" = 2 ]
}

@test "template: {{field.path}} substitution, missing fields empty" {
	echo '[{"name":"s","type":"slack","config":{"webhookUrl":"'"$RECV_URL"'/s"},"template":"{{ signalId }} on {{ticker}}: ${{payload.dollarVolume}} [{{payload.nope}}] {{payload.levels.0}} {{payload}} {{oops"}]' > "$T/d.json"
	echo '{"id":"t","signalId":"momentum","ticker":"KXBTCD-26","payload":{"dollarVolume":1500.5,"levels":["a"]}}' > "$T/in"
	run notify < "$T/in"
	assert_success
	run jq -r '.body | fromjson | .text' "$RECV_LOG"
	assert_output 'momentum on KXBTCD-26: $1500.5 [] a {"dollarVolume":1500.5,"levels":["a"]} {{oops'
}

@test "bad lines are counted and skipped; fires around them delivered" {
	webhooks w
	{ fires 1 1; echo 'not json'; echo '[1,2]'; echo '{"signalId":"x"}'; printf '\xff\xfe\n'; fires 1 2; printf '{"signalId":"s","ticker":"last-no-newline","payload":{}}'; } > "$T/in"
	run notify < "$T/in"
	assert_success
	[ "$(recv_count /w)" -eq 3 ]
	[ "$(metric ssmd_notify_bad_lines_total 'reason="json"')" = 2 ]
	[ "$(metric ssmd_notify_bad_lines_total 'reason="not_fire"')" = 2 ]
	head -c 2000000 /dev/zero | tr '\0' 'a' > "$T/long"
	{ fires 1 5; cat "$T/long"; echo; fires 1 6; } | notify --max-line 1M
	[ "$(recv_count /w)" -eq 5 ]
	[ "$(metric ssmd_notify_bad_lines_total 'reason="too_long"')" = 1 ]
}

@test "rate limit: 4 fires to one Slack destination take >= 3 s; a webhook beside it is not slowed" {
	echo '[{"name":"s","type":"slack","config":{"webhookUrl":"'"$RECV_URL"'/s"}},{"name":"w","type":"webhook","config":{"webhookUrl":"'"$RECV_URL"'/w"}}]' > "$T/d.json"
	fires 4 > "$T/in"
	run notify < "$T/in"
	assert_success
	[ "$(recv_count /s)" -eq 4 ]
	[ "$(recv_count /w)" -eq 4 ]
	span() { jq -s --arg p "$1" '[.[] | select(.path == $p) | .t] | max - min' "$RECV_LOG"; }
	run jq -n "$(span /s) >= 2.95"
	assert_output true
	run jq -n "$(span /w) < 2.0"
	assert_output true
}

@test "429 honoured to the second: Retry-After header, and Discord's retry_after body" {
	echo '[{"name":"w","type":"webhook","config":{"webhookUrl":"'"$RECV_URL"'/w"}},{"name":"d","type":"discord","config":{"webhookUrl":"'"$RECV_URL"'/d/x"}},{"name":"o","type":"webhook","config":{"webhookUrl":"'"$RECV_URL"'/o"}}]' > "$T/d.json"
	printf '/w 429:2 ok\n/d 429d:1.5 json\n' > "$RECV_SCRIPT"
	fires 1 > "$T/in"
	run notify < "$T/in"
	assert_success
	gap() { jq -s --arg p "$1" '[.[] | select(.path == $p) | .t] | .[1] - .[0]' "$RECV_LOG"; }
	g=$(gap /w)
	run jq -n "$g >= 2.0 and $g < 3.5"
	assert_output true
	g=$(gap /d/x)
	run jq -n "$g >= 1.5 and $g < 3.0"
	assert_output true
	[ "$(recv_count /o)" -eq 1 ]
	[ "$(metric ssmd_notify_rate_limited_total 'destination="w"')" = 1 ]
	[ "$(metric ssmd_notify_sent_total 'destination="w"')" = 1 ]
}

@test "discord: an empty bucket (X-RateLimit-Remaining: 0) is waited out before the next send" {
	echo '[{"name":"d","type":"discord","config":{"webhookUrl":"'"$RECV_URL"'/d/x"}}]' > "$T/d.json"
	echo '/d json-rl:1.5 json' > "$RECV_SCRIPT"
	fires 2 > "$T/in"
	run notify < "$T/in"
	assert_success
	g=$(jq -s '[.[] | .t] | .[1] - .[0]' "$RECV_LOG")
	run jq -n "$g >= 1.5 and $g < 3.0"
	assert_output true
	[ "$(metric ssmd_notify_rate_limited_total 'destination="d"')" = 0 ]
}

@test "5xx, hang, close mid-response and garbage are retried; 4xx is permanent" {
	webhooks a b c d e p
	printf '/a 500 503 ok\n/b hang ok\n/c half ok\n/d garbage ok\n/e close ok\n/p 400\n' > "$RECV_SCRIPT"
	fires 1 > "$T/in"
	run notify --timeout 1s --backoff 0.1s < "$T/in"
	assert_success
	for p in a b c d e; do [ "$(recv_count /$p)" -eq 1 ]; done
	[ "$(jq -c 'select(.path == "/a")' "$RECV_LOG" | wc -l)" -eq 3 ]
	[ "$(metric ssmd_notify_retried_total 'destination="a"')" = 2 ]
	# The last error's class, one series per destination (the operator's
	# lastError); the server's body never in a label.
	[ "$(grep -c '^ssmd_notify_last_error_info{destination="a",' "$T/m/ssmd-notify.prom")" -eq 1 ]
	[ "$(metric ssmd_notify_last_error_info 'destination="a",type="webhook",error="HTTP 503"')" = 1 ]
	[ "$(metric ssmd_notify_last_error_info 'destination="b",type="webhook",error="Timeout was reached"')" = 1 ]
	[ "$(metric ssmd_notify_last_error_info 'destination="p",type="webhook",error="HTTP 400"')" = 1 ]
	[ "$(grep -c 'ssmd_notify_last_error_info{destination="[ce]"' "$T/m/ssmd-notify.prom")" -eq 2 ]
	[ "$(jq -c 'select(.path == "/p")' "$RECV_LOG" | wc -l)" -eq 1 ]
	run jq -r '"\(.destination) \(.attempts) \(.reason) \(.fire.id)"' "$T/state/dead-letter.jsonl"
	assert_output "p 1 permanent error: HTTP 400: error: 400 f1"
}

@test "a hanging destination never delays the others" {
	webhooks slow fast
	printf '/slow hang\n' > "$RECV_SCRIPT"
	fires 5 > "$T/in"
	start=$(date +%s.%N)
	notify_bg --timeout 30s --drain-timeout 1s < "$T/in" 2> "$T/err"
	wait_for 10 recv_has /fast 5
	run jq -n "$(date +%s.%N) - $start < 5"
	assert_output true
	kill -TERM $pid
	wait $pid
}

@test "retries then dead letter after the retry budget, with the reason and a counter" {
	webhooks w ok
	echo '/w 500' > "$RECV_SCRIPT"
	fires 2 > "$T/in"
	run notify --retry-budget 2s --backoff 0.2s --backoff-max 0.5s < "$T/in"
	assert_success
	[ "$(recv_count /ok)" -eq 2 ]
	n=$(jq -c 'select(.path == "/w")' "$RECV_LOG" | wc -l)
	[ "$n" -ge 4 ]
	run jq -r '"\(.destination) \(.fire.id) \(.reason)"' "$T/state/dead-letter.jsonl"
	assert_line --index 0 --regexp '^w f1 retry budget spent after [0-9]+ attempts: HTTP 500: error: 500$'
	assert_line --index 1 --regexp '^w f2 retry budget spent'
	[ "$(metric ssmd_notify_dead_lettered_total 'destination="w"')" = 2 ]
	json_lines_ok "$T/state/dead-letter.jsonl"
}

@test "SIGTERM drains up to the timeout and reports what was left undelivered" {
	webhooks w
	printf '/w hang\n' > "$RECV_SCRIPT"
	fires 3 > "$T/in"
	notify_bg --timeout 60s --drain-timeout 1s < "$T/in" 2> "$T/err"
	wait_for 10 test -s "$RECV_LOG"
	kill -TERM $pid
	st=0
	wait $pid || st=$?
	[ "$st" -eq 0 ]
	grep -q 'msg="stopped with fires undelivered" jobs=3' "$T/err"
	run jq -r '"\(.fire.id) \(.reason)"' "$T/state/dead-letter.jsonl"
	assert_output "$(printf 'f1 undelivered at stop\nf2 undelivered at stop\nf3 undelivered at stop')"
}

@test "dedup: a fire id already sent is not sent again, also after a restart (state dir)" {
	webhooks w
	fires 3 > "$T/in"
	notify < "$T/in"
	notify < "$T/in"
	fires 1 4 | notify
	[ "$(recv_count /w)" -eq 4 ]
	[ "$(metric ssmd_notify_duplicates_total 'destination="w"')" = 0 ]	# this run's count
	notify < "$T/in"
	[ "$(metric ssmd_notify_duplicates_total 'destination="w"')" = 3 ]
	# a fire without id: the line's digest
	echo '{"signalId":"s","ticker":"noid","payload":{}}' > "$T/noid"
	notify < "$T/noid"; notify < "$T/noid"
	[ "$(recv_count /w)" -eq 5 ]
}

@test "backpressure: a slow destination behind a queue of 5: all delivered, in order" {
	webhooks w
	echo '/w delay:0.05' > "$RECV_SCRIPT"
	fires 40 > "$T/in"
	notify_bg --queue 5 < <(cat "$T/in") 2> "$T/err"
	wait $pid
	[ "$(recv_count /w)" -eq 40 ]
	run jq -r 'select(.action != "start") | .body | fromjson | .id' "$RECV_LOG"
	assert_output "$(seq -f 'f%g' 1 40)"
}

# At least N requests under PATH reached the receiver (answered or not).
started() {
	[ "$(jq -c --arg p "$1" 'select(.path == $p and .action == "start")' "$RECV_LOG" | wc -l)" -ge "$2" ]
}

# Each of the paths has a request the receiver holds unanswered, received
# less than $1 seconds ago (so its answer is still a while off).
held_now() {
	local young=$1; shift
	jq -se --argjson now "$(date +%s.%N)" --argjson young "$young" \
	    --argjson paths "$(printf '%s\n' "$@" | jq -R . | jq -sc .)" \
	    'def held(p): [.[] | select(.path == p)] as $r |
		([$r[] | select(.action == "start")] | length) >
		([$r[] | select(.action != "start")] | length) and
		($now - ([$r[] | select(.action == "start") | .t] | max)) < $young;
	    . as $log | all($paths[]; . as $p | $log | held($p))' \
	    "$RECV_LOG" > /dev/null
}

@test "NATS: kill -9 mid-delivery, restart: every fire delivered, none twice" {
	nats_start
	nats_stream_add FIRES 'signals.>'
	for i in $(seq 1 30); do
		fires 1 "$i" > "$T/one"
		nats_req "signals.momentum.fires.T$i" "$(cat "$T/one")" | grep -q '"seq"'
	done
	echo '[{"name":"w","type":"webhook","config":{"webhookUrl":"'"$RECV_URL"'/w","ratePerSecond":20}},{"name":"x","type":"webhook","config":{"webhookUrl":"'"$RECV_URL"'/x","ratePerSecond":20},"match":{"field":"payload.n","operator":"lte","value":"15"}}]' > "$T/d.json"
	# Both destinations answer 0.6 s after a request, and the kill below
	# lands while each holds one it received at most 0.25 s before: inside a
	# request of each, never in the instant between an answer and its
	# record (a kill there sends one fire twice, see ssmd-notify(1)).
	echo '/w delay:0.6' > "$RECV_SCRIPT"
	echo '/x delay:0.6' >> "$RECV_SCRIPT"
	SUBJECTS='signals.>' notify_bg --url "$NATS_URL" --deliver all --ack-wait 2s 2> "$T/err1"
	# kill in the middle of a request to each, from the 6th to /w on
	wait_for 60 started /w 6
	wait_for 30 held_now 0.25 /w /x
	kill -9 $pid
	wait $pid 2>/dev/null || true
	before=$(recv_count /w)
	[ "$before" -lt 30 ]
	SUBJECTS='signals.>' notify_bg --url "$NATS_URL" --ack-wait 2s 2> "$T/err2"
	wait_for 90 recv_has /w 30
	wait_for 30 recv_has /x 15
	sleep 3	# past an ack wait: nothing else may come
	jq -r 'select((.gone | not) and .action != "start" and .path == "/w") | .body | fromjson | .id' "$RECV_LOG" | sort > "$T/got_w"
	jq -r 'select((.gone | not) and .action != "start" and .path == "/x") | .body | fromjson | .id' "$RECV_LOG" | sort > "$T/got_x"
	seq -f 'f%g' 1 30 | sort > "$T/want_w"
	seq -f 'f%g' 1 15 | sort > "$T/want_x"
	diff "$T/want_w" "$T/got_w"
	diff "$T/want_x" "$T/got_x"
	# every fire acknowledged: the consumer has nothing pending
	run nats_req '$JS.API.CONSUMER.INFO.FIRES.ssmd-notify'
	[ "$(echo "$output" | jq .num_ack_pending)" -eq 0 ]
	[ "$(echo "$output" | jq .num_pending)" -eq 0 ]
	kill -TERM $pid
	wait $pid
}

@test "secrets never appear in logs, metrics, dead letters, state or argv" {
	smtp_start
	mkdir -p "$T/secrets/s" "$T/secrets/n" "$T/secrets/e" "$T/secrets/d"
	echo "$RECV_URL/services/$SLACK_SECRET" > "$T/secrets/s/webhookUrl"
	echo "$RECV_URL/api/webhooks/$DISCORD_SECRET" > "$T/secrets/d/webhookUrl"
	echo "$NTFY_TOKEN" > "$T/secrets/n/token"
	echo "$SMTP_PASSWORD" > "$T/secrets/e/password"
	cat > "$T/d.json" <<JSON
[{"name":"s","type":"slack","secretRef":{"name":"s"}},
 {"name":"d","type":"discord","secretRef":{"name":"d"}},
 {"name":"n","type":"ntfy","config":{"server":"$RECV_URL","topic":"t"},"secretRef":{"name":"n"}},
 {"name":"e","type":"email","config":{"smtp":"127.0.0.1:$SMTP_PORT","to":"a@example.com","from":"alerts@example.com"},"secretRef":{"name":"e"}}]
JSON
	# failures of every kind, so errors are logged and dead-lettered
	printf '/services 500\n/api 400\n/t 429:1 ok\n' > "$RECV_SCRIPT"
	fires 2 > "$T/in"
	# (a budget that a slow, loaded machine can still meet for the email)
	SSMD_LOG_LEVEL=debug notify_bg --ca-file "$SMTP_CA" --retry-budget 3s --backoff 0.2s < "$T/in" > "$T/out" 2> "$T/err"
	wait_for 10 test -s "$T/m/ssmd-notify.prom"
	tr '\0' ' ' < /proc/$pid/cmdline > "$T/argv" || true
	wait $pid
	# The password was used: the server took mail after AUTH.
	[ "$(wc -l < "$SMTP_LOG")" -ge 1 ] || { cat "$T/err"; false; }
	[ -s "$T/err" ] && [ -s "$T/state/dead-letter.jsonl" ]
	grep -qF "url=\"http://127.0.0.1:$RECV_PORT/...\"" "$T/err"
	for s in "$SLACK_SECRET" xoxSlackToken123 "$DISCORD_SECRET" DiscordTok_abcdef "$NTFY_TOKEN" "$SMTP_PASSWORD"; do
		run grep -rlF -- "$s" "$T/err" "$T/out" "$T/m" "$T/state" "$T/argv"
		assert_failure 1
	done
}

@test "ssmd-notify --help: every option it takes, with its default, and its man page" {
	load helpers/help
	help_check ssmd-notify
}
