#!/usr/bin/env bash
# Soak: reads, comment posts and sign-ups mixed, at and past the rate limits, for DURATION
# seconds against one server on loopback. Fails on any answer other than 2xx/3xx/409/429,
# and reports the server's peak RSS.
#
#   bash bench/soak.sh                       # release build, DURATION=120
#   BIN=target/debug/byline DURATION=10 bash bench/soak.sh   # the short run CI does
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-120}
PORT=${PORT:-18195}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin byline
  BIN=target/release/byline
fi
work=$(mktemp -d)
cleanup() { kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
BYLINE_DATABASE_URL="$work/soak.db" BYLINE_BIND="127.0.0.1:$PORT" BYLINE_MEDIA_DIR="$work/media" \
  BYLINE_ADMIN_EMAIL=soak@example.com BYLINE_ADMIN_PASSWORD=soak-password RUST_LOG=warn \
  "$BIN" serve > "$work/server.log" 2>&1 & pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done

python3 - "$PORT" "$DURATION" "$pid" <<'PY'
import collections, json, sys, threading, time, urllib.error, urllib.request
port, duration, pid = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, method=method,
                                 headers={"content-type": "application/json"})
    if token: req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read(); return r.status
    except urllib.error.HTTPError as e:
        e.read(); return e.code
token = json.loads(urllib.request.urlopen(urllib.request.Request(base + "/api/v1/auth/login",
    json.dumps({"email": "soak@example.com", "password": "soak-password"}).encode(), {"content-type": "application/json"})).read())["access_token"]
for i in range(30):
    call("POST", "/api/v1/posts", {"title": f"Soak {i}", "markdown": "word " * 800, "status": "published", "tags": ["soak"]}, token)
statuses = collections.Counter()
lock = threading.Lock()
stop = time.time() + duration
def worker(kind, n):
    i = 0
    while time.time() < stop:
        i += 1
        if kind == "read":
            s = call("GET", f"/api/v1/posts/soak-{i % 30}") if i % 2 else call("GET", "/api/v1/posts?per_page=20")
        elif kind == "comment":
            s = call("POST", f"/api/v1/posts/soak-{i % 30}/comments", {"author_name": "Soak", "body": f"comment {n}-{i}"})
        else:
            s = call("POST", "/api/v1/subscribers", {"email": f"soak{n}-{i}@example.com"})
        with lock: statuses[s] += 1
threads = [threading.Thread(target=worker, args=(k, n)) for n, k in enumerate(["read"] * 6 + ["comment"] * 2 + ["signup"] * 2)]
for t in threads: t.start()
for t in threads: t.join()
rss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM"))
total = sum(statuses.values())
bad = {s: c for s, c in statuses.items() if not (200 <= s < 400 or s in (409, 429))}
print(f"soak: {total} requests in {duration:.0f} s ({total / duration:.0f}/s): {dict(sorted(statuses.items()))}")
print(f"peak RSS {rss / 1024:.1f} MiB; errors other than 429: {sum(bad.values())}")
sys.exit(1 if bad else 0)
PY
