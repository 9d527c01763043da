#!/usr/bin/env bash
# Property-based API tests: schemathesis against a live server from its own /openapi.json,
# signed in as admin and anonymously. Any failure of the listed checks fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/byline}
PORT=${PORT:-18400}
EXAMPLES=${EXAMPLES:-25}
work=$(mktemp -d)
cleanup() { kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
BYLINE_DATABASE_URL="$work/st.db" BYLINE_BIND="127.0.0.1:$PORT" BYLINE_MEDIA_DIR="$work/media" \
  BYLINE_ADMIN_EMAIL=admin@example.com BYLINE_ADMIN_PASSWORD=admin-password \
  BYLINE_LOGIN_PER_MINUTE=100000 BYLINE_COMMENTS_PER_MINUTE=100000 BYLINE_COMMENTS_PER_POST_PER_MINUTE=100000 \
  BYLINE_SUBSCRIBERS_PER_MINUTE=100000 BYLINE_CONTACT_PER_MINUTE=100000 RUST_LOG=warn \
  "$BIN" serve > "$work/server.log" 2>&1 & pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done
token=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"admin-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
export PYTHONPATH=.ci SCHEMATHESIS_HOOKS=schemathesis_hooks
echo "-- schemathesis, signed in as admin"
st --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.json" -H "Authorization: Bearer $token" -c "$checks" -n "$EXAMPLES" --seed 1
echo "-- schemathesis, anonymous"
st --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.json" -c "$checks" -n "$EXAMPLES" --seed 2
if grep -q " 500 " "$work/server.log"; then
  echo "the server answered 500:" >&2
  grep " 500 " "$work/server.log" >&2
  exit 1
fi
