# Helpers for tests of ssmd-operator: the hook server on a free loopback
# port, and Metacontroller-shaped requests built from YAML resources.

OPFIX=$FIX/operator
SAMPLES=$ROOT/k8s/samples
SCHEMA=$ROOT/tests/schema

# start_operator [option...]: sets OP_PID, OP_URL, OP_LOG.
start_operator() {
	local port
	port=$(free_port)
	OP_URL=http://127.0.0.1:$port
	OP_LOG=${BATS_TEST_TMPDIR:-/tmp}/operator.$port.log
	ssmd-operator serve --listen "127.0.0.1:$port" "$@" 2>"$OP_LOG" &
	OP_PID=$!
	wait_for 20 op_up || { cat "$OP_LOG" >&2; return 1; }
}

op_up() {
	[ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$OP_URL/healthz")" = 200 ]
}

# Stop the server; fail if it reported a sanitizer error or exited badly.
stop_operator() {
	local rc=0
	if [ -n "${OP_PID:-}" ]; then
		kill "$OP_PID" 2>/dev/null
		wait "$OP_PID" 2>/dev/null || rc=$?
		OP_PID=
		if grep -E 'Sanitizer|runtime error' "$OP_LOG" >&2 || [ "$rc" -ne 0 ]; then
			echo "ssmd-operator serve: exit $rc" >&2
			return 1
		fi
	fi
}

# yaml2json FILE: the first YAML document as compact JSON.
yaml2json() {
	python3 -c 'import sys, json, yaml; print(json.dumps(next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d)))' "$1"
}

# sync_req PARENT_JSON [CHILDREN_JSON [RELATED_JSON [FINALIZING]]]: a hook
# v2 request body (uid and generation added to the parent).
sync_req() {
	jq -cn --argjson p "$1" --argjson c "${2:-{\}}" --argjson r "${3:-{\}}" \
	    --argjson f "${4:-false}" '{
		controller: {apiVersion: "metacontroller.k8s.io/v1alpha1",
		    kind: "CompositeController", metadata: {name: "ssmd"}},
		parent: ($p | .metadata.uid = "0000-uid" | .metadata.generation = 1),
		children: $c, related: $r, finalizing: $f}'
}

# hook PATH BODY: POST, sets HOOK_CODE and HOOK_BODY (the file of the answer).
hook() {
	HOOK_BODY=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/hook.XXXXXX")
	HOOK_CODE=$(printf '%s' "$2" | curl -s -o "$HOOK_BODY" -m 30 \
	    -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary @- "$OP_URL$1")
}

# observed CHILDREN_ARRAY_JSON: the children as Metacontroller would send
# them back: a v2 map keyed Kind.apiVersion then namespace/name, each with
# the last-applied annotation Metacontroller keeps.
observed() {
	jq -c 'reduce .[] as $o ({};
	    .["\($o.kind).\($o.apiVersion)"]["\($o.metadata.namespace)/\($o.metadata.name)"] =
	    ($o | .metadata.annotations["metacontroller.k8s.io/last-applied-configuration"] = ($o | tojson)
	        | .metadata.uid = "child-uid"))' <<<"$1"
}
