# seed.bash: the original ssmd's ("seed") file forms, as its operator
# renders them into the <name>-config ConfigMap (operator-facts.md,
# "Child 1"), for the ws-kalshi and connector tests.
#   SEED_DIR       where feed.yaml and env.yaml go (default $W/seed)
#   SEED_NATS_URL  the env's transport.url (default the seed's in-cluster one)

# seed_feed ENDPOINT [AUTH]: $SEED_DIR/feed.yaml with one version.
seed_feed() {
	local d=${SEED_DIR:-$W/seed}
	mkdir -p "$d"
	cat > "$d/feed.yaml" <<-EOF
	name: kalshi
	display_name: Kalshi
	type: websocket
	status: active
	versions:
	  - version: "1.0"
	    effective_from: "2024-01-01"
	    protocol:
	      transport: wss
	      message: json
	    endpoint: $1
	    auth_method: ${2-api_key}
	EOF
}

# seed_env [LINES...]: $SEED_DIR/env.yaml, every block the operator can
# render but secmaster; extra top-level lines are appended.
seed_env() {
	local d=${SEED_DIR:-$W/seed}
	mkdir -p "$d"
	cat > "$d/env.yaml" <<-EOF
	name: prod
	feed: kalshi
	schema: trade:v1
	keys:
	  kalshi:
	    type: api_key
	    fields:
	      - api_key
	      - private_key
	    source: "env:KALSHI_API_KEY,KALSHI_PRIVATE_KEY"
	transport:
	  type: nats
	  url: ${SEED_NATS_URL:-nats://nats.nats.svc.cluster.local:4222}
	  stream: PROD_KALSHI
	  subject_prefix: prod.kalshi
	storage:
	  type: local
	EOF
	[ $# -eq 0 ] || printf '%s\n' "$@" >> "$d/env.yaml"
}
