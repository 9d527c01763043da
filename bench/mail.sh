#!/usr/bin/env bash
# E-mail delivery throughput: N sign-ups, each queuing a confirmation e-mail, delivered by the
# mail worker to a real local SMTP server (aiosmtpd). Reports e-mails/s from the moment the
# queue is full to the last delivery.
#
#   bash bench/mail.sh            # N=500 by default
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500}
PORT=${PORT:-18191}
SMTP_PORT=${SMTP_PORT:-18192}
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd
cargo build --release --quiet --bin byline

work=$(mktemp -d)
cleanup() { kill "${byline_pid:-}" "${smtp_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$work/maildir" >/dev/null 2>&1 & smtp_pid=$!
BYLINE_DATABASE_URL="$work/mail.db" BYLINE_BIND="127.0.0.1:$PORT" BYLINE_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" \
  BYLINE_ADMIN_EMAIL=bench@example.com BYLINE_ADMIN_PASSWORD=bench-password \
  BYLINE_SUBSCRIBERS_PER_MINUTE=100000 RUST_LOG=warn target/release/byline serve & byline_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done

python3 - "$PORT" "$N" "$work/maildir" <<'PY'
import json, os, sys, time, urllib.request
port, n, maildir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
def call(path, body=None, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json"})
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")
start = time.time()
for i in range(n):
    call("/api/v1/subscribers", {"email": f"reader{i}@example.com"})
queued = time.time()
def delivered():
    d = os.path.join(maildir, "new")
    return len(os.listdir(d)) if os.path.isdir(d) else 0
while delivered() < n and time.time() - queued < 120:
    time.sleep(0.05)
done = time.time()
count = delivered()
print(f"sign-ups: {n} in {queued - start:.2f} s = {n / (queued - start):.0f}/s")
print(f"delivered: {count} e-mails, the last {done - start:.2f} s after the first sign-up")
print(f"worker throughput to local SMTP: {count / (done - start):.0f} e-mails/s overall")
token = call("/api/v1/auth/login", {"email": "bench@example.com", "password": "bench-password"})["access_token"]
sent = call("/api/v1/outbox?status=sent&per_page=1", token=token)["meta"]["total"]
print(f"outbox rows marked sent: {sent} (expected {n}); nothing sent twice: {count == n}")
PY
