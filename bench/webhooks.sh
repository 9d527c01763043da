#!/usr/bin/env bash
# Webhook delivery latency: time from a post being published (the API's answer) to the
# receiver getting the signed POST, for N posts published one after another.
#
#   bash bench/webhooks.sh        # N=50 by default
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-50}
PORT=${PORT:-18193}
cargo build --release --quiet --bin byline
work=$(mktemp -d)
cleanup() { kill "${byline_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
BYLINE_DATABASE_URL="$work/hooks.db" BYLINE_BIND="127.0.0.1:$PORT" BYLINE_WEBHOOKS_ALLOW_PRIVATE=true \
  BYLINE_ADMIN_EMAIL=bench@example.com BYLINE_ADMIN_PASSWORD=bench-password RUST_LOG=warn \
  target/release/byline serve & byline_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done

python3 - "$PORT" "$N" <<'PY'
import json, statistics, sys, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
port, n = int(sys.argv[1]), int(sys.argv[2])
arrived = {}
class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        arrived[body["data"]["slug"]] = time.time()
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args): pass
server = HTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{port}"
def call(path, body, token=None):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"content-type": "application/json"})
    if token: req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r: return json.loads(r.read())
token = call("/api/v1/auth/login", {"email": "bench@example.com", "password": "bench-password"})["access_token"]
call("/api/v1/webhooks", {"url": f"http://127.0.0.1:{server.server_port}/hook", "events": ["post.published"]}, token)
sent = {}
for i in range(n):
    call("/api/v1/posts", {"title": f"Hook {i}", "markdown": "x", "status": "published"}, token)
    sent[f"hook-{i}"] = time.time()
    time.sleep(0.02)
deadline = time.time() + 30
while len(arrived) < n and time.time() < deadline: time.sleep(0.01)
lat = sorted((arrived[s] - sent[s]) * 1000 for s in sent if s in arrived)
print(f"delivered {len(lat)}/{n}; latency from the API's answer to the receiver: "
      f"p50 {statistics.median(lat):.1f} ms, max {lat[-1]:.1f} ms")
PY
