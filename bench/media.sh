#!/usr/bin/env bash
# Upload throughput: N uploads of a SIZE-byte PDF-typed file through POST /api/v1/media, one
# after another from one client, and the time to serve them back.
#
#   bash bench/media.sh           # N=200 SIZE=1048576 by default
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
SIZE=${SIZE:-1048576}
PORT=${PORT:-18194}
cargo build --release --quiet --bin byline
work=$(mktemp -d)
cleanup() { kill "${byline_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
BYLINE_DATABASE_URL="$work/media.db" BYLINE_BIND="127.0.0.1:$PORT" BYLINE_MEDIA_DIR="$work/media" \
  BYLINE_ADMIN_EMAIL=bench@example.com BYLINE_ADMIN_PASSWORD=bench-password RUST_LOG=warn \
  target/release/byline serve & byline_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done

python3 - "$PORT" "$N" "$SIZE" <<'PY'
import json, os, sys, time, urllib.request, uuid
port, n, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
base = f"http://127.0.0.1:{port}"
req = urllib.request.Request(base + "/api/v1/auth/login",
    json.dumps({"email": "bench@example.com", "password": "bench-password"}).encode(), {"content-type": "application/json"})
token = json.loads(urllib.request.urlopen(req).read())["access_token"]
pdf_header = b"%PDF-1.4\n"  # stored as it comes: this measures the file path, not resizing
urls = []
start = time.time()
for i in range(n):
    data = pdf_header + os.urandom(size - len(pdf_header))  # distinct content each time
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f{i}.pdf\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    r = urllib.request.Request(base + "/api/v1/media", body, {"content-type": f"multipart/form-data; boundary={boundary}",
                                                            "authorization": f"Bearer {token}"})
    urls.append(json.loads(urllib.request.urlopen(r).read())["url"])
up = time.time() - start
start = time.time()
for u in urls:
    urllib.request.urlopen(u).read()
down = time.time() - start
mib = n * size / 1048576
print(f"uploads: {n} x {size} bytes in {up:.2f} s = {n / up:.0f} files/s, {mib / up:.0f} MiB/s")
print(f"downloads: {mib / down:.0f} MiB/s")
PY
