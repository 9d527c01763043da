#!/usr/bin/env bash
# Newsletter throughput: N confirmed subscribers (seeded straight into the database), one
# newsletter, a real local SMTP server (aiosmtpd) as the sink. Reports the time to accept the
# request (it must not grow with the list), copies per second, peak RSS during the send, and
# whether every reader got exactly one copy; then the same for a short list at the default pace.
#
#   bash bench/newsletter.sh          # N=10000 unpaced, then 200 at the default 20/s
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
PACED=${PACED:-200}
PORT=${PORT:-18291}
SMTP_PORT=${SMTP_PORT:-18292}
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd
cargo build --release --quiet --bin byline

work=$(mktemp -d)
cleanup() { kill "${byline_pid:-}" "${smtp_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

run() { # $1: subscribers, $2: BYLINE_NEWSLETTER_PER_SECOND
  local n=$1 pace=$2 dir="$work/run-$1-$2"
  mkdir -p "$dir"
  python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$dir/maildir" \
    >/dev/null 2>&1 & smtp_pid=$!
  BYLINE_DATABASE_URL="$dir/news.db" BYLINE_BIND="127.0.0.1:$PORT" \
    BYLINE_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" BYLINE_NEWSLETTER_PER_SECOND="$pace" \
    BYLINE_ADMIN_EMAIL=bench@example.com BYLINE_ADMIN_PASSWORD="bench password 1" \
    RUST_LOG=warn target/release/byline serve & byline_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done
  python3 - "$PORT" "$n" "$pace" "$dir" "$byline_pid" <<'PY'
import email, json, mailbox, os, sqlite3, sys, time, urllib.request, uuid
port, n, pace, d, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
base = f"http://127.0.0.1:{port}"
def call(path, body=None, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json"})
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")
def rss_peak():
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
db = sqlite3.connect(os.path.join(d, "news.db"), timeout=30)
with db:
    db.executemany(
        "INSERT INTO subscribers (id, email, status, created_at, confirmed_at) "
        "VALUES (?, ?, 'confirmed', datetime('now'), datetime('now'))",
        ((str(uuid.uuid4()), f"reader{i}@example.com") for i in range(n)))
token = call("/api/v1/auth/login", {"email": "bench@example.com", "password": "bench password 1"})["access_token"]
post = call("/api/v1/posts", {"title": "Bench letter", "status": "published",
                              "markdown": "# Hello\n\n" + "A paragraph of the post. " * 60}, token)
start = time.time()
news = call("/api/v1/newsletters", {"post": post["id"]}, token)
accepted = time.time() - start
while True:
    state = call(f"/api/v1/newsletters/{news['id']}", token=token)
    if state["status"] == "sent" or time.time() - start > 900:
        break
    time.sleep(0.2)
elapsed = time.time() - start
box = mailbox.Maildir(os.path.join(d, "maildir"), create=False)
per_reader = {}
for msg in box:
    per_reader[msg["To"]] = per_reader.get(msg["To"], 0) + 1
once = sum(1 for c in per_reader.values() if c == 1)
twice = sum(1 for c in per_reader.values() if c > 1)
print(f"{n} subscribers, pace {pace or 'unlimited'}/s: accepted in {accepted * 1000:.0f} ms; "
      f"status {state['status']}, sent {state['sent']}, failed {state['failed']} in {elapsed:.1f} s "
      f"= {state['sent'] / elapsed:.0f} copies/s; peak RSS {rss_peak():.1f} MiB; "
      f"readers with one copy {once}, with more {twice}, with none {n - len(per_reader)}")
PY
  kill "$byline_pid" "$smtp_pid" 2>/dev/null || true
  wait "$byline_pid" "$smtp_pid" 2>/dev/null || true
}

run "$N" 0
run "$PACED" 20
