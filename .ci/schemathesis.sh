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
# Webhook URLs are checked against the network when saved (DNS, private ranges): this machine
# has no DNS to ask, and those rules have their own tests, so private targets are allowed here.
BYLINE_DATABASE_URL="$work/st.db" BYLINE_BIND="127.0.0.1:$PORT" BYLINE_MEDIA_DIR="$work/media" \
  BYLINE_ADMIN_EMAIL=admin@example.com BYLINE_ADMIN_PASSWORD="correct horse battery" \
  BYLINE_LOGIN_PER_MINUTE=100000 BYLINE_COMMENTS_PER_MINUTE=100000 BYLINE_COMMENTS_PER_POST_PER_MINUTE=100000 \
  BYLINE_SUBSCRIBERS_PER_MINUTE=100000 BYLINE_CONTACT_PER_MINUTE=100000 RUST_LOG=warn \
  BYLINE_WEBHOOKS_ALLOW_PRIVATE=true BYLINE_SITEMAP_MAX_URLS=2 \
  "$BIN" serve > "$work/server.log" 2>&1 & pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done
# The admin is the one in the document's login example, so that example signs in.
api="http://127.0.0.1:$PORT/api/v1"
token=$(curl -sf "$api/auth/login" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"correct horse battery"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# Real data for the operations no other operation links to (.ci/schemathesis.toml names them):
# three published posts ("Hello, world" is the document's example; two URLs per sitemap file,
# so files 1 and 2 exist), an upload's file, a webhook delivery, a newsletter, and the confirm
# and unsubscribe tokens of a sign-up, read from the e-mails waiting in the outbox.
auth=(-H "Authorization: Bearer $token")
for title in "Hello, world" Two Three; do
  curl -sf "${auth[@]}" "$api/posts" -H 'content-type: application/json' \
    -d "{\"title\":\"$title\",\"markdown\":\"For the sitemap.\",\"status\":\"published\"}" -o /dev/null
done
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\0\0\0\0:~\x9bU\0\0\0\nIDATx\x9cc`\0\0\0\2\0\1H\xaf\xa4q\0\0\0\0IEND\xaeB`\x82' > "$work/dot.png"
ST_MEDIA_NAME=$(curl -sf "${auth[@]}" "$api/media" -F "file=@$work/dot.png" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"].rsplit("/", 1)[1])')
hook=$(curl -sf "${auth[@]}" "$api/webhooks" -H 'content-type: application/json' \
  -d '{"url":"http://127.0.0.1:9/hook","events":["*"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ST_DELIVERY_ID=$(curl -sf "${auth[@]}" -X POST "$api/webhooks/$hook/ping" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
mail_token() { # the token of the $1 link in the newest e-mail
  python3 - "$work/st.db" "$1" <<'PY'
import re, sqlite3, sys
body = sqlite3.connect(sys.argv[1]).execute("SELECT body FROM outbox ORDER BY created_at DESC LIMIT 1").fetchone()[0]
print(re.search(sys.argv[2] + r"[^?\s]*\?token=([A-Za-z0-9_-]+)", body).group(1))
PY
}
# One reader confirms (the welcome e-mail holds the unsubscribe link); another leaves the
# single-use confirmation link for the tests.
curl -sf "$api/subscribers" -H 'content-type: application/json' -d '{"email":"one@example.com"}' -o /dev/null
curl -sf -X POST "$api/subscribers/confirm?token=$(mail_token confirm)" -o /dev/null
ST_UNSUBSCRIBE_TOKEN=$(mail_token unsubscribe)
curl -sf "$api/subscribers" -H 'content-type: application/json' -d '{"email":"two@example.com"}' -o /dev/null
ST_CONFIRM_TOKEN=$(mail_token confirm)
ST_NEWSLETTER_ID=$(curl -sf "${auth[@]}" "$api/newsletters" -H 'content-type: application/json' \
  -d '{"post":"two"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
export ST_MEDIA_NAME ST_DELIVERY_ID ST_CONFIRM_TOKEN ST_UNSUBSCRIBE_TOKEN ST_NEWSLETTER_ID
echo "-- seeded: media $ST_MEDIA_NAME, delivery $ST_DELIVERY_ID, newsletter $ST_NEWSLETTER_ID"
# Every check schemathesis has (its default), with the exceptions .ci/schemathesis.toml gives
# per operation and says why; CHECKS=a,b runs only those.
checks=()
if [ -n "${CHECKS:-}" ]; then checks=(-c "$CHECKS"); fi
export PYTHONPATH=.ci SCHEMATHESIS_HOOKS=schemathesis_hooks
echo "-- schemathesis, signed in as admin"
st --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.json" -H "Authorization: Bearer $token" "${checks[@]}" -n "$EXAMPLES" --seed 1
echo "-- schemathesis, anonymous"
st --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.json" "${checks[@]}" -n "$EXAMPLES" --seed 2
if grep -q " 500 " "$work/server.log"; then
  echo "the server answered 500:" >&2
  grep " 500 " "$work/server.log" >&2
  exit 1
fi
