#!/usr/bin/env bash
# The integrator's path: lint openapi/openapi.json with Redocly (recommended rules, zero errors),
# generate TypeScript types with openapi-typescript, compile a small openapi-fetch program with
# `tsc --strict`, and run it against a live server.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/byline}
PORT=${PORT:-18450}
(cd tests/client && npm ci --no-audit --no-fund --silent)
(cd tests/client && npx redocly lint ../../openapi/openapi.json --format=summary)
(cd tests/client && npx openapi-typescript ../../openapi/openapi.json -o schema.d.ts && npx tsc -p .)

work=$(mktemp -d)
cleanup() { kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
BYLINE_DATABASE_URL="$work/client.db" BYLINE_BIND="127.0.0.1:$PORT" BYLINE_MEDIA_DIR="$work/media" \
  BYLINE_ADMIN_EMAIL=admin@example.com BYLINE_ADMIN_PASSWORD=admin-password RUST_LOG=warn \
  "$BIN" serve > "$work/server.log" 2>&1 & pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done
token=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"admin-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/v1/posts" -H "authorization: Bearer $token" \
  -H 'content-type: application/json' -d '{"title": "Hello from the typed client", "markdown": "Hi", "status": "published"}'
BYLINE_URL="http://127.0.0.1:$PORT" node tests/client/dist/client.js
