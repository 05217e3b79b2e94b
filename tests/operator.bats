#!/usr/bin/env bats
# ssmd-operator: render against reviewed golden files, the hook server
# driven with Metacontroller-shaped requests, offline schema checks.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/operator
load helpers/healthd

teardown() {
	stop_operator
	stop_healthd
	if [ -n "${HANG_PID:-}" ]; then
		kill "$HANG_PID" 2>/dev/null
		wait "$HANG_PID" 2>/dev/null
	fi
	true
}

# The operator's metrics show n hooks waiting on pod metrics.
pending_is() {
	curl -s -m 2 "$OP_URL/metrics" | grep -q "^ssmd_operator_pending_hooks $1\$"
}

samples() {
	ls "$SAMPLES"/*.yaml | grep -v kustomization.yaml
}

@test "operator: render of every sample is its reviewed golden file, byte for byte" {
	local f n=0
	for f in $(samples); do
		run ssmd-operator render -f "$f"
		assert_success
		diff -u "$OPFIX/$(basename "$f")" <(printf '%s\n' "$output")
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
}

@test "operator: render is deterministic, reads stdin and several files, JSON and YAML agree" {
	local a b
	a=$(for f in $(samples); do echo ---; cat "$f"; done | ssmd-operator render)
	b=$(ssmd-operator render $(samples | sed 's/^/-f /'))
	[ "$a" = "$b" ]
	[ "$(printf '%s\n' "$a" | grep -c '^kind: ')" -ge 13 ]
	# The YAML, read back by another parser, is the JSON output.
	ssmd-operator render -o json $(samples | sed 's/^/-f /') > "$BATS_TEST_TMPDIR/j"
	printf '%s\n' "$a" | python3 -c 'import sys, json, yaml
docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
j = json.load(open(sys.argv[1]))
assert j["kind"] == "List" and j["items"] == docs, "YAML and JSON differ"' "$BATS_TEST_TMPDIR/j"
}

@test "operator: render takes JSON input and List documents" {
	yaml2json "$SAMPLES/signal.yaml" > "$BATS_TEST_TMPDIR/s.json"
	run ssmd-operator render -f "$BATS_TEST_TMPDIR/s.json"
	assert_success
	diff -u "$OPFIX/signal.yaml" <(printf '%s\n' "$output")
	jq '{apiVersion: "v1", kind: "List", items: [.]}' "$BATS_TEST_TMPDIR/s.json" > "$BATS_TEST_TMPDIR/l.json"
	run ssmd-operator render -f "$BATS_TEST_TMPDIR/l.json"
	assert_success
	diff -u "$OPFIX/signal.yaml" <(printf '%s\n' "$output")
}

@test "operator: an invalid resource fails render with 65 naming the field, and prints nothing" {
	sed 's/- momentum$/- momentun/' "$SAMPLES/signal.yaml" > "$BATS_TEST_TMPDIR/bad.yaml"
	run --separate-stderr ssmd-operator render -f "$SAMPLES/connector.yaml" -f "$BATS_TEST_TMPDIR/bad.yaml"
	[ "$status" -eq 65 ]
	[ -z "$output" ]
	[[ "$stderr" == *'spec.signals[0]'* ]]
	[[ "$stderr" == *momentun* ]]
}

@test "operator: render refuses what is not YAML or not ours, and bad usage" {
	printf 'a: [1, 2\n' > "$BATS_TEST_TMPDIR/x.yaml"
	run --separate-stderr ssmd-operator render -f "$BATS_TEST_TMPDIR/x.yaml"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"not YAML"* ]]
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n' > "$BATS_TEST_TMPDIR/p.yaml"
	run --separate-stderr ssmd-operator render -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 65 ]
	run ssmd-operator render -f /nonexistent
	[ "$status" -eq 65 ]
	head -c 200000 /dev/urandom > "$BATS_TEST_TMPDIR/rnd"
	run ssmd-operator render -f "$BATS_TEST_TMPDIR/rnd"
	[ "$status" -eq 65 ]
	printf 'apiVersion: ssmd.ssmd.io/v1alpha1\nkind: Signal\nmetadata: {name: x}\nspec: [1]\n' > "$BATS_TEST_TMPDIR/s.yaml"
	run --separate-stderr ssmd-operator render -f "$BATS_TEST_TMPDIR/s.yaml"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"not a map"* ]]
	run ssmd-operator render -o xml
	[ "$status" -eq 64 ]
	run ssmd-operator frobnicate
	[ "$status" -eq 64 ]
	run ssmd-operator --version
	assert_success
	assert_output --partial "ssmd-operator "
}

@test "operator: two sources writing one directory, a bad regex, a bad duration are invalid" {
	python3 - "$SAMPLES/archiver-multi.yaml" > "$BATS_TEST_TMPDIR/a.json" <<'PY'
import sys, json, yaml
d = yaml.safe_load(open(sys.argv[1]))
d["spec"]["sources"][1]["name"] = "politics"
print(json.dumps(d))
PY
	run --separate-stderr ssmd-operator render -f "$BATS_TEST_TMPDIR/a.json"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"same directory"* ]]
	python3 - "$SAMPLES/notifier.yaml" > "$BATS_TEST_TMPDIR/n.json" <<'PY'
import sys, json, yaml
d = yaml.safe_load(open(sys.argv[1]))
d["spec"]["destinations"][0]["match"][0]["value"] = "(unclosed"
print(json.dumps(d))
PY
	run --separate-stderr ssmd-operator render -f "$BATS_TEST_TMPDIR/n.json"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *'spec.destinations[0].match[0].value'* ]]
	sed 's/maxFileAge: 15m/maxFileAge: soon/' "$SAMPLES/archiver.yaml" > "$BATS_TEST_TMPDIR/d.yaml"
	run --separate-stderr ssmd-operator render -f "$BATS_TEST_TMPDIR/d.yaml"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *spec.rotation.maxFileAge* ]]
}

@test "operator: rendered objects pass the Kubernetes schemas and ssmd's pod rules (kubernetes-models)" {
	[ -d "$SCHEMA/node_modules/kubernetes-models" ] || fail "run scripts/install-test-tools"
	run node "$SCHEMA/validate.mjs" objects "$OPFIX"/*.yaml
	assert_success
	[ "$(grep -c '^ok ' <<<"$output")" -ge 13 ]
	# The checker can fail: a privileged container is refused.
	sed 's/allowPrivilegeEscalation: false/allowPrivilegeEscalation: true/' "$OPFIX/signal.yaml" > "$BATS_TEST_TMPDIR/p.yaml"
	run node "$SCHEMA/validate.mjs" objects "$BATS_TEST_TMPDIR/p.yaml"
	assert_failure
	sed 's/replicas: 1$/replicas: one/' "$OPFIX/signal.yaml" > "$BATS_TEST_TMPDIR/r.yaml"
	run node "$SCHEMA/validate.mjs" objects "$BATS_TEST_TMPDIR/r.yaml"
	assert_failure
	SSMD_RULES=0 run node "$SCHEMA/validate.mjs" objects "$ROOT"/k8s/operator/{namespace,deployment,rbac}.yaml
	assert_success
}

@test "operator: samples pass our CRD schemas (ajv), bad samples are rejected, CRDs are structural" {
	[ -d "$SCHEMA/node_modules/ajv" ] || fail "run scripts/install-test-tools"
	run node "$SCHEMA/validate.mjs" crs "$ROOT/k8s/crds" $(samples)
	assert_success
	local f
	for f in "$OPFIX"/bad/*.yaml; do
		run node "$SCHEMA/validate.mjs" crs "$ROOT/k8s/crds" "$f"
		assert_failure
		assert_output --partial FAIL
	done
	run node "$SCHEMA/validate.mjs" crds "$ROOT"/k8s/crds/*.yaml
	assert_success
	scripts_out=$BATS_TEST_TMPDIR/crds
	mkdir -p "$scripts_out"
	"$ROOT/scripts/gen-crds" "$scripts_out"
	diff -r "$scripts_out" "$ROOT/k8s/crds"
}

@test "operator: kubectl kustomize renders k8s/ and k8s/samples/" {
	command -v kubectl >/dev/null || fail "no kubectl: run scripts/install-deps"
	run env KUBECONFIG=/nonexistent kubectl kustomize "$ROOT/k8s"
	assert_success
	[ "$(grep -c '^kind: CustomResourceDefinition' <<<"$output")" -eq 4 ]
	[ "$(grep -c '^kind: CompositeController' <<<"$output")" -eq 4 ]
	run env KUBECONFIG=/nonexistent kubectl kustomize "$ROOT/k8s/samples"
	assert_success
	[ "$(grep -c '^kind: ' <<<"$output")" -eq 6 ]
}

@test "operator: serve answers the first sync with the children and a Pending status" {
	start_operator
	hook /connector/sync "$(sync_req "$(yaml2json "$SAMPLES/connector.yaml")")"
	[ "$HOOK_CODE" = 200 ]
	# Only the four keys hook v2 allows (strict mode).
	[ "$(jq -c 'keys' "$HOOK_BODY")" = '["children","status"]' ]
	[ "$(jq -r '[.children[].kind] | join(",")' "$HOOK_BODY")" = ConfigMap,Deployment ]
	# The same children render prints.
	ssmd-operator render -o json -f "$SAMPLES/connector.yaml" | jq -c .items > "$BATS_TEST_TMPDIR/r"
	[ "$(jq -c .children "$HOOK_BODY")" = "$(cat "$BATS_TEST_TMPDIR/r")" ]
	[ "$(jq -r .status.phase "$HOOK_BODY")" = Pending ]
	[ "$(jq -r '.status.conditions[] | select(.type=="ConfigValid") | .status' "$HOOK_BODY")" = True ]
	[ "$(jq -r '.status.conditions[] | select(.type=="Ready") | .status' "$HOOK_BODY")" = False ]
	hook /sync "$(sync_req "$(yaml2json "$SAMPLES/notifier.yaml")")"
	[ "$HOOK_CODE" = 200 ]
	[ "$(jq -r '.children[1].metadata.name' "$HOOK_BODY")" = kalshi-alerts-notifier ]
}

@test "operator: a config change rolls the hash; the same spec gives the same hash" {
	start_operator
	local p q h1 h2 h3
	p=$(yaml2json "$SAMPLES/archiver.yaml")
	hook /archiver/sync "$(sync_req "$p")"
	h1=$(jq -r '.children[] | select(.kind=="Deployment") | .spec.template.metadata.annotations["ssmd.ssmd.io/config-hash"]' "$HOOK_BODY")
	observed "$(jq -c .children "$HOOK_BODY")" > "$BATS_TEST_TMPDIR/obs"
	hook /archiver/sync "$(sync_req "$p" "$(cat "$BATS_TEST_TMPDIR/obs")")"
	h2=$(jq -r '.children[] | select(.kind=="Deployment") | .spec.template.metadata.annotations["ssmd.ssmd.io/config-hash"]' "$HOOK_BODY")
	[ "$h1" = "$h2" ]
	q=$(jq -c '.spec.rotation.maxFileAge = "5m"' <<<"$p")
	hook /archiver/sync "$(sync_req "$q" "$(cat "$BATS_TEST_TMPDIR/obs")")"
	h3=$(jq -r '.children[] | select(.kind=="Deployment") | .spec.template.metadata.annotations["ssmd.ssmd.io/config-hash"]' "$HOOK_BODY")
	[ "$h3" != "$h1" ]
	[[ "$h3" =~ ^[0-9a-f]{64}$ ]]
	jq -e '.children[] | select(.kind=="ConfigMap") | .data["archiver.yaml"] | contains("maxFileAge: 5m")' "$HOOK_BODY"
}

@test "operator: an invalid spec keeps every existing child and says which field" {
	start_operator
	local p obs
	p=$(yaml2json "$SAMPLES/signal.yaml")
	hook /signal/sync "$(sync_req "$p")"
	obs=$(observed "$(jq -c .children "$HOOK_BODY")")
	hook /signal/sync "$(sync_req "$(jq -c '.spec.signals[1] = "volatilty"' <<<"$p")" "$obs")"
	[ "$HOOK_CODE" = 200 ]
	[ "$(jq '.children | length' "$HOOK_BODY")" -eq 2 ]
	# Returned as Metacontroller last applied them.
	[ "$(jq -c '.children | map(.metadata.name) | sort' "$HOOK_BODY")" = '["kalshi-momentum-signal","kalshi-momentum-signal-config"]' ]
	jq -e '.children[] | select(.kind=="ConfigMap") | .data["signal.yaml"] | contains("volatility")' "$HOOK_BODY"
	run jq -r '.status.conditions[] | select(.type=="ConfigValid") | "\(.status) \(.message)"' "$HOOK_BODY"
	assert_output --partial 'False spec.signals[1]: unknown signal "volatilty"'
	# Without the last-applied annotation the observed object is stripped.
	obs=$(jq -c 'del(.["ConfigMap.v1"][].metadata.annotations) | .["ConfigMap.v1"][].status = {x: 1}' <<<"$obs")
	hook /signal/sync "$(sync_req "$(jq -c '.spec.signals = ["nope"]' <<<"$p")" "$obs")"
	[ "$(jq '.children | length' "$HOOK_BODY")" -eq 2 ]
	[ "$(jq -r '.children[] | select(.kind=="ConfigMap") | .metadata | has("uid")' "$HOOK_BODY")" = false ]
	[ "$(jq -r '.children[] | select(.kind=="ConfigMap") | has("status")' "$HOOK_BODY")" = false ]
}

@test "operator: malformed requests are 400, never a 200 with no children" {
	start_operator
	hook /connector/sync '{"parent":'
	[ "$HOOK_CODE" = 400 ]
	hook /connector/sync '[]'
	[ "$HOOK_CODE" = 400 ]
	hook /connector/sync '{"children":{}}'
	[ "$HOOK_CODE" = 400 ]
	hook /connector/sync "$(sync_req "$(yaml2json "$SAMPLES/connector.yaml")" '{"ConfigMap.v1":[]}')"
	[ "$HOOK_CODE" = 400 ]
	hook /archiver/sync "$(sync_req "$(yaml2json "$SAMPLES/connector.yaml")")"
	[ "$HOOK_CODE" = 400 ]
	hook /sync '{"parent":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}}'
	[ "$HOOK_CODE" = 400 ]
	hook /nothing/sync '{}'
	[ "$HOOK_CODE" = 404 ]
	HOOK_CODE=$(head -c 100000 /dev/urandom | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "$OP_URL/sync")
	[ "$HOOK_CODE" = 400 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$OP_URL/connector/sync")" = 405 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$OP_URL/readyz")" = 200 ]
	run curl -s "$OP_URL/metrics"
	assert_output --partial 'ssmd_operator_hook_requests_total{hook="sync",code="400"} 7'
}

@test "operator: the related feed ConfigMap supplies feed.yaml when present" {
	start_operator
	local p rel h1 h2
	p=$(yaml2json "$SAMPLES/connector.yaml")
	hook /connector/customize "$(jq -cn --argjson p "$p" '{controller: {}, parent: $p}')"
	[ "$HOOK_CODE" = 200 ]
	jq -e '.relatedResources[] | select(.resource=="configmaps") | .names == ["feed-kalshi"]' "$HOOK_BODY"
	jq -e '.relatedResources[] | select(.resource=="pods") | .labelSelector.matchLabels["app.kubernetes.io/instance"] == "kalshi-2026-01-04"' "$HOOK_BODY"
	hook /connector/sync "$(sync_req "$p")"
	h1=$(jq -r '.children[1].spec.template.metadata.annotations["ssmd.ssmd.io/config-hash"]' "$HOOK_BODY")
	rel=$(jq -cn --rawfile f "$ROOT/exchanges/feeds/kalshi.yaml" '{"ConfigMap.v1": {"ssmd/feed-kalshi":
	    {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "feed-kalshi", namespace: "ssmd"}, data: {"feed.yaml": $f}}}}')
	hook /connector/sync "$(sync_req "$p" '{}' "$rel")"
	[ "$(jq -r '.children[0].data["feed.yaml"]' "$HOOK_BODY")" = "$(cat "$ROOT/exchanges/feeds/kalshi.yaml")" ]
	h2=$(jq -r '.children[1].spec.template.metadata.annotations["ssmd.ssmd.io/config-hash"]' "$HOOK_BODY")
	[ "$h1" != "$h2" ]
	# A feed file for another feed is a configuration error.
	rel=$(jq -c '.["ConfigMap.v1"]["ssmd/feed-kalshi"].data["feed.yaml"] = "name: kraken\n"' <<<"$rel")
	hook /connector/sync "$(sync_req "$p" '{}' "$rel")"
	run jq -r '.status.conditions[] | select(.type=="ConfigValid") | .message' "$HOOK_BODY"
	assert_output --partial 'ConfigMap feed-kalshi: data.feed.yaml: name is "kraken"'
}

@test "operator: phase and conditions follow the Deployment and pods; times are kept" {
	start_operator
	local p obs st
	p=$(yaml2json "$SAMPLES/connector.yaml")
	hook /connector/sync "$(sync_req "$p")"
	obs=$(observed "$(jq -c .children "$HOOK_BODY")")
	obs=$(jq -c '.["Deployment.apps/v1"][].status = {replicas: 1, readyReplicas: 1}' <<<"$obs")
	p=$(jq -c '.status = {phase: "Starting", conditions: [{type: "ConfigValid", status: "True", reason: "Valid", message: "", lastTransitionTime: "2026-01-01T00:00:00Z"}, {type: "Ready", status: "False", reason: "NotReady", message: "", lastTransitionTime: "2026-01-01T00:00:00Z"}]}' <<<"$p")
	hook /connector/sync "$(sync_req "$p" "$obs")"
	st=$(jq -c .status "$HOOK_BODY")
	[ "$(jq -r .phase <<<"$st")" = Running ]
	[ "$(jq -r '.conditions[] | select(.type=="ConfigValid") | .lastTransitionTime' <<<"$st")" = 2026-01-01T00:00:00Z ]
	[ "$(jq -r '.conditions[] | select(.type=="Ready") | .lastTransitionTime' <<<"$st")" != 2026-01-01T00:00:00Z ]
	[ "$(jq -r '.conditions[] | select(.type=="Ready") | .status' <<<"$st")" = True ]
	[ "$(jq -r .startedAt <<<"$st")" != null ]
	# startedAt is kept from the previous status.
	p=$(jq -c --argjson s "$st" '.status = ($s | .startedAt = "2026-02-02T00:00:00Z")' <<<"$p")
	hook /connector/sync "$(sync_req "$p" "$obs")"
	[ "$(jq -r .status.startedAt "$HOOK_BODY")" = 2026-02-02T00:00:00Z ]
	[ "$(jq -r .status.deployment "$HOOK_BODY")" = kalshi-2026-01-04-connector ]
	# A crash-looping pod is Failed.
	local rel='{"Pod.v1": {"ssmd/c-1": {"metadata": {"name": "c-1"}, "status": {"phase": "Running",
	    "containerStatuses": [{"name": "connector", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}}}'
	hook /connector/sync "$(sync_req "$p" "$obs" "$rel")"
	[ "$(jq -r .status.phase "$HOOK_BODY")" = Failed ]
	run jq -r '.status.conditions[] | select(.type=="Ready") | .message' "$HOOK_BODY"
	assert_output --partial CrashLoopBackOff
}

# The Archiver's deletion, stage by stage.
fin_req() {	# PARENT CHILDREN RELATED
	sync_req "$(jq -c '.metadata.deletionTimestamp = "2026-03-01T00:00:00Z"' <<<"$1")" "$2" "$3" true
}

@test "operator: Archiver finalize: stop pods, then the final sync Job, finalized only when it succeeded" {
	start_operator
	local p obs pods noobs
	p=$(yaml2json "$SAMPLES/archiver-multi.yaml")
	hook /archiver/sync "$(sync_req "$p")"
	obs=$(observed "$(jq -c .children "$HOOK_BODY")")
	[ "$(jq -r '[.children[].kind] | join(",")' "$HOOK_BODY")" = ConfigMap,PersistentVolumeClaim,Deployment ]
	pods='{"Pod.v1": {"ssmd/kalshi-multi-archiver-1": {"metadata": {"name": "kalshi-multi-archiver-1"}, "status": {"phase": "Running"}}}}'
	# 1. The Deployment goes first; nothing else until its pods are gone.
	hook /archiver/finalize "$(fin_req "$p" "$obs" "$pods")"
	[ "$HOOK_CODE" = 200 ]
	[ "$(jq -r '[.children[].kind] | join(",")' "$HOOK_BODY")" = ConfigMap,PersistentVolumeClaim ]
	[ "$(jq -r .finalized "$HOOK_BODY")" = false ]
	[ "$(jq -r .resyncAfterSeconds "$HOOK_BODY")" -gt 0 ]
	[ "$(jq -r .status.phase "$HOOK_BODY")" = Terminated ]
	[ "$(jq -r '.status.conditions[] | select(.type=="Finalized") | .reason' "$HOOK_BODY")" = StoppingArchiver ]
	# 2. Pods gone: the final-sync Job.
	noobs=$(jq -c 'del(.["Deployment.apps/v1"])' <<<"$obs")
	hook /archiver/finalize "$(fin_req "$p" "$noobs" '{"Pod.v1": {}}')"
	[ "$(jq -r '[.children[].kind] | join(",")' "$HOOK_BODY")" = ConfigMap,PersistentVolumeClaim,Job ]
	[ "$(jq -r .finalized "$HOOK_BODY")" = false ]
	[ "$(jq -r .status.phase "$HOOK_BODY")" = Syncing ]
	jq -c '{apiVersion: "v1", kind: "List", items: .children}' "$HOOK_BODY" > "$BATS_TEST_TMPDIR/fin.json"
	run node "$SCHEMA/validate.mjs" objects "$BATS_TEST_TMPDIR/fin.json"
	assert_success
	jq -e '.children[] | select(.kind=="Job") | .spec.template.spec.containers[0].command | index("/data/ssmd/politics") != null' "$HOOK_BODY"
	local job
	job=$(observed "$(jq -c '[.children[] | select(.kind=="Job")]' "$HOOK_BODY")")
	# 3. The Job failed: wait, and say what to do.
	local failed
	failed=$(jq -c --argjson j "$job" '. + ($j | .["Job.batch/v1"][].status = {failed: 4, conditions: [{type: "Failed", status: "True"}]})' <<<"$noobs")
	hook /archiver/finalize "$(fin_req "$p" "$failed" '{"Pod.v1": {}}')"
	[ "$(jq -r .finalized "$HOOK_BODY")" = false ]
	run jq -r '.status.conditions[] | select(.type=="Finalized") | "\(.reason) \(.message)"' "$HOOK_BODY"
	assert_output --partial "SyncFailed final sync Job kalshi-multi-archiver-final-sync failed"
	# 4. The Job succeeded: finalized.
	local ok
	ok=$(jq -c --argjson j "$job" '. + ($j | .["Job.batch/v1"][].status = {succeeded: 1})' <<<"$noobs")
	hook /archiver/finalize "$(fin_req "$p" "$ok" '{"Pod.v1": {}}')"
	[ "$(jq -r .finalized "$HOOK_BODY")" = true ]
}

@test "operator: Archiver finalize never silently deletes data without a final sync" {
	start_operator
	local p obs noobs
	p=$(yaml2json "$SAMPLES/archiver.yaml")
	hook /archiver/sync "$(sync_req "$p")"
	obs=$(observed "$(jq -c .children "$HOOK_BODY")")
	noobs=$(jq -c 'del(.["Deployment.apps/v1"])' <<<"$obs")
	# Our PVC, no remote: wait.
	hook /archiver/finalize "$(fin_req "$p" "$noobs" '{}')"
	[ "$(jq -r .finalized "$HOOK_BODY")" = false ]
	[ "$(jq -r '[.children[].kind] | join(",")' "$HOOK_BODY")" = ConfigMap,PersistentVolumeClaim ]
	run jq -r '.status.conditions[] | select(.type=="Finalized") | "\(.reason) \(.message)"' "$HOOK_BODY"
	assert_output --partial "DataRetained PVC ssmd-archiver-data holds the archive"
	assert_output --partial "deletePolicy: Delete"
	# deletePolicy: Delete lets it go.
	hook /archiver/finalize "$(fin_req "$(jq -c '.spec.storage.local.deletePolicy = "Delete"' <<<"$p")" "$noobs" '{}')"
	[ "$(jq -r .finalized "$HOOK_BODY")" = true ]
	# A PVC the user made is not a child, is never returned, and stays.
	local rel='{"PersistentVolumeClaim.v1": {"ssmd/ssmd-archiver-data": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
	    "metadata": {"name": "ssmd-archiver-data", "namespace": "ssmd"}, "status": {"phase": "Bound"}}}}'
	hook /archiver/sync "$(sync_req "$p" '{}' "$rel")"
	[ "$(jq -r '[.children[].kind] | join(",")' "$HOOK_BODY")" = ConfigMap,Deployment ]
	[ "$(jq -r '.status.conditions[] | select(.type=="StorageHealthy") | .status' "$HOOK_BODY")" = True ]
	hook /archiver/finalize "$(fin_req "$p" "$(jq -c 'del(.["PersistentVolumeClaim.v1"])' <<<"$noobs")" "$rel")"
	[ "$(jq -r .finalized "$HOOK_BODY")" = true ]
	[ "$(jq -r '.status.conditions[] | select(.type=="Finalized") | .reason' "$HOOK_BODY")" = UserVolume ]
	# An invalid spec while deleting: children kept, not finalized.
	hook /archiver/finalize "$(fin_req "$(jq -c '.spec.rotation.maxFileAge = "never"' <<<"$p")" "$obs" '{}')"
	[ "$(jq -r .finalized "$HOOK_BODY")" = false ]
	[ "$(jq '.children | length' "$HOOK_BODY")" -eq 3 ]
}

@test "operator: status counters come from the pods' ssmd-healthd /metrics; a silent pod keeps the last values" {
	local dir=$BATS_TEST_TMPDIR/m p rel
	mkdir -p "$dir"
	cat > "$dir/ssmd-nats-pub.prom" <<-'PROM'
	# HELP ssmd_nats_pub_published_total Lines published.
	# TYPE ssmd_nats_pub_published_total counter
	ssmd_nats_pub_published_total{feed="kalshi"} 4242
	PROM
	cat > "$dir/ssmd-ws-kalshi.prom" <<-'PROM'
	# HELP ssmd_ws_kalshi_connected Connected.
	# TYPE ssmd_ws_kalshi_connected gauge
	ssmd_ws_kalshi_connected{feed="kalshi",conn="0"} 1
	# HELP ssmd_ws_kalshi_last_frame_timestamp_seconds Last frame.
	# TYPE ssmd_ws_kalshi_last_frame_timestamp_seconds gauge
	ssmd_ws_kalshi_last_frame_timestamp_seconds{feed="kalshi"} 1767225600
	PROM
	start_healthd "$dir"
	start_operator --scrape-port "$HD_PORT" --scrape-timeout 2s
	p=$(yaml2json "$SAMPLES/connector.yaml")
	rel='{"Pod.v1": {"ssmd/c-1": {"metadata": {"name": "c-1"}, "status": {"phase": "Running", "podIP": "127.0.0.1"}}}}'
	hook /connector/sync "$(sync_req "$p" '{}' "$rel")"
	[ "$HOOK_CODE" = 200 ]
	[ "$(jq -r .status.messagesPublished "$HOOK_BODY")" = 4242 ]
	[ "$(jq -r .status.lastMessageAt "$HOOK_BODY")" = 2026-01-01T00:00:00Z ]
	[ "$(jq -r .status.connectionState "$HOOK_BODY")" = connected ]
	# The pod stops answering: the last values stay, within the timeout.
	stop_healthd
	p=$(jq -c --argjson s "$(jq -c .status "$HOOK_BODY")" '.status = $s' <<<"$p")
	SECONDS=0
	hook /connector/sync "$(sync_req "$p" '{}' "$rel")"
	[ "$SECONDS" -le 5 ]
	[ "$HOOK_CODE" = 200 ]
	[ "$(jq -r .status.messagesPublished "$HOOK_BODY")" = 4242 ]
	run curl -s "$OP_URL/metrics"
	assert_output --partial 'ssmd_operator_scrapes_total{result="ok"} 1'
	assert_output --partial 'ssmd_operator_scrapes_total{result="failed"} 1'
}

@test "operator: Notifier and Archiver counters by destination and in total" {
	local dir=$BATS_TEST_TMPDIR/m p rel
	mkdir -p "$dir"
	cat > "$dir/ssmd-notify.prom" <<-'PROM'
	# HELP ssmd_notify_fires_received_total Fires.
	# TYPE ssmd_notify_fires_received_total counter
	ssmd_notify_fires_received_total 17
	# HELP ssmd_notify_sent_total Sent.
	# TYPE ssmd_notify_sent_total counter
	ssmd_notify_sent_total{destination="slack-trading",type="slack"} 9
	ssmd_notify_sent_total{destination="ntfy-phone",type="ntfy"} 3
	# HELP ssmd_notify_failed_total Failed.
	# TYPE ssmd_notify_failed_total counter
	ssmd_notify_failed_total{destination="slack-trading",type="slack"} 2
	# HELP ssmd_notify_last_error_info 1, its error label the class of the last failed attempt.
	# TYPE ssmd_notify_last_error_info gauge
	ssmd_notify_last_error_info{destination="slack-trading",type="slack",error="HTTP 503"} 1
	PROM
	start_healthd "$dir"
	start_operator --scrape-port "$HD_PORT"
	p=$(yaml2json "$SAMPLES/notifier.yaml")
	rel='{"Pod.v1": {"ssmd/n-1": {"metadata": {"name": "n-1"}, "status": {"phase": "Running", "podIP": "127.0.0.1"}}}}'
	hook /notifier/sync "$(sync_req "$p" '{}' "$rel")"
	[ "$(jq -r .status.firesReceived "$HOOK_BODY")" = 17 ]
	[ "$(jq -c '.status.destinationMetrics[0] | [.name, .sent, .failed]' "$HOOK_BODY")" = '["slack-trading",9,2]' ]
	[ "$(jq -c '.status.destinationMetrics[2] | [.name, .sent, .failed]' "$HOOK_BODY")" = '["ntfy-phone",3,0]' ]
	[ "$(jq -r '.status.destinationMetrics[0].lastError' "$HOOK_BODY")" = "HTTP 503" ]
	[ "$(jq -r '.status.destinationMetrics[2].lastError' "$HOOK_BODY")" = null ]
}

@test "operator: a pod that hangs costs one scrape timeout; other requests are answered meanwhile; too many waiting is 429" {
	local port p rel
	port=$(free_port)
	# Accepts connections and never answers.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); c = []
while True: c.append(s.accept())' "$port" 3>&- &
	HANG_PID=$!
	start_operator --scrape-port "$port" --scrape-timeout 2s --max-pending 1
	p=$(yaml2json "$SAMPLES/connector.yaml" | jq -c '.status = {messagesPublished: 99}')
	rel='{"Pod.v1": {"ssmd/c-1": {"metadata": {"name": "c-1"}, "status": {"phase": "Running", "podIP": "127.0.0.1"}}}}'
	sync_req "$p" '{}' "$rel" > "$BATS_TEST_TMPDIR/req"
	curl -s -o "$BATS_TEST_TMPDIR/slow" -w '%{http_code} %{time_total}' --data-binary @"$BATS_TEST_TMPDIR/req" \
	    "$OP_URL/connector/sync" > "$BATS_TEST_TMPDIR/slow.code" 3>&- &
	local slow=$!
	wait_for 10 pending_is 1
	# The server is not blocked: health and a second, scrape-free hook answer.
	[ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$OP_URL/healthz")" = 200 ]
	hook /connector/sync "$(sync_req "$(yaml2json "$SAMPLES/connector.yaml")")"
	[ "$HOOK_CODE" = 200 ]
	# A second one that must wait on a pod is refused with Retry-After.
	run curl -s -D - -o /dev/null --data-binary @"$BATS_TEST_TMPDIR/req" "$OP_URL/connector/sync"
	assert_output --partial "429"
	assert_output --partial "Retry-After: 1"
	wait "$slow"
	local code secs
	code=$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/slow.code")
	secs=$(cut -d' ' -f2 "$BATS_TEST_TMPDIR/slow.code")
	[ "$code" = 200 ]
	awk -v s="$secs" 'BEGIN { exit !(s >= 1.5 && s < 6) }'
	[ "$(jq -r .status.messagesPublished "$BATS_TEST_TMPDIR/slow")" = 99 ]
}

@test "operator: the Connector's rendered feed.yaml and env.yaml are what ssmd-ws-kalshi accepts" {
	local f d key
	key=$BATS_TEST_TMPDIR/k.pem
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null
	for f in "$SAMPLES/connector.yaml" "$SAMPLES/connector-categories.yaml"; do
		d=$BATS_TEST_TMPDIR/$(basename "$f" .yaml)
		mkdir -p "$d"
		ssmd-operator render -o json -f "$f" > "$d/r.json"
		jq -r '.items[0].data["feed.yaml"]' "$d/r.json" > "$d/feed.yaml"
		jq -r '.items[0].data["env.yaml"]' "$d/r.json" > "$d/env.yaml"
		# Past the configuration (78) to the connection (69: nothing listens).
		KALSHI_API_KEY=id KALSHI_PRIVATE_KEY=$key run ssmd-ws-kalshi \
		    --feed "$d/feed.yaml" --env "$d/env.yaml" \
		    --url ws://127.0.0.1:1/trade-api/ws/v2 --rest-url http://127.0.0.1:1/trade-api/v2 \
		    --connect-timeout 2s
		[ "$status" -eq 69 ]
		refute_output --partial "bad configuration"
	done
	# The check can fail: an unknown setting is a configuration error.
	printf 'bogus: 1\n' >> "$d/feed.yaml"
	KALSHI_API_KEY=id KALSHI_PRIVATE_KEY=$key run ssmd-ws-kalshi --feed "$d/feed.yaml" \
	    --env "$d/env.yaml" --url ws://127.0.0.1:1/x --connect-timeout 2s
	[ "$status" -eq 78 ]
}

@test "operator: every CompositeController names a CRD of ours and hook URLs the server answers" {
	start_operator
	python3 - "$ROOT/k8s" > "$BATS_TEST_TMPDIR/cc" <<'PY'
import sys, yaml, glob
plurals = {}
for f in glob.glob(sys.argv[1] + "/crds/*.yaml"):
    c = yaml.safe_load(open(f))
    plurals[c["spec"]["names"]["plural"]] = c["spec"]["names"]["kind"]
n = 0
for d in yaml.safe_load_all(open(sys.argv[1] + "/operator/compositecontrollers.yaml")):
    if not d:
        continue
    s = d["spec"]
    assert s["parentResource"]["apiVersion"] == "ssmd.ssmd.io/v1alpha1"
    kind = plurals[s["parentResource"]["resource"]]
    assert s["parentResource"]["ignoreStatusChanges"] is True and s["generateSelector"] is True
    for r in s["childResources"]:
        want = "OnDelete" if r["resource"] in ("persistentvolumeclaims", "jobs") else "InPlace"
        assert r["updateStrategy"]["method"] == want, r
    for h, v in s["hooks"].items():
        assert v["version"] == "v2"
        print(kind, h, v["webhook"]["url"].split("ssmd-system", 1)[1])
    n += 1
assert n == 4
PY
	[ "$(wc -l < "$BATS_TEST_TMPDIR/cc")" -eq 9 ]
	local kind h path p
	while read -r kind h path; do
		p=$(samples | xargs grep -l "^kind: $kind$" | head -1)
		hook "$path" "$(sync_req "$(yaml2json "$p")")"
		[ "$HOOK_CODE" = 200 ] || fail "$kind $h $path: $HOOK_CODE"
		[ "$h" != customize ] || jq -e '.relatedResources | length >= 1' "$HOOK_BODY"
		[ "$h" != finalize ] || jq -e 'has("finalized")' "$HOOK_BODY"
	done < "$BATS_TEST_TMPDIR/cc"
}

@test "operator: a Connector pointed at a private exchange gets its endpoints and CA bundle" {
	yaml2json "$SAMPLES/connector.yaml" | jq '.spec.endpoint = {wsUrl: "wss://sim.ssmd:8443/trade-api/ws/v2",
	    restUrl: "https://sim.ssmd:8443/trade-api/v2", caConfigMap: {name: "sim-ca"}}' > "$BATS_TEST_TMPDIR/c.json"
	run ssmd-operator render -o json -f "$BATS_TEST_TMPDIR/c.json"
	assert_success
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/r.json"
	run jq -r '.items[0].data["env.yaml"]' "$BATS_TEST_TMPDIR/r.json"
	assert_output --partial "ws_url: wss://sim.ssmd:8443/trade-api/ws/v2"
	assert_output --partial "ca_file: /etc/ssmd/ca/ca.pem"
	jq -e '.items[1].spec.template.spec.volumes[] | select(.name == "ca") | .configMap.name == "sim-ca"' "$BATS_TEST_TMPDIR/r.json"
	jq -e '.items[1].spec.template.spec.containers[0].volumeMounts[] | select(.name == "ca") | .mountPath == "/etc/ssmd/ca"' "$BATS_TEST_TMPDIR/r.json"
	run node "$SCHEMA/validate.mjs" objects "$BATS_TEST_TMPDIR/r.json"
	assert_success
	run node "$SCHEMA/validate.mjs" crs "$ROOT/k8s/crds" "$BATS_TEST_TMPDIR/c.json"
	assert_success
	jq '.spec.endpoint.caConfigMap.key = "../x"' "$BATS_TEST_TMPDIR/c.json" > "$BATS_TEST_TMPDIR/bad.json"
	run ssmd-operator render -f "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 65 ]
}
