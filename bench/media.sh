#!/usr/bin/env bash
# Upload throughput: N uploads of a SIZE-byte PDF-typed file through POST /api/v1/media, one
# after another from one client, and the time to serve them back; then PHOTOS 4000×3000 JPEG
# photos (made with Pillow: `pip install Pillow`), each resized to the four default widths, timed
# against a PDF of the same size uploaded in the same run; and the server's peak RSS.
#
#   bash bench/media.sh           # N=200 SIZE=1048576 PHOTOS=10 by default
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
SIZE=${SIZE:-1048576}
PORT=${PORT:-18194}
cargo build --release --quiet --bin byline
work=$(mktemp -d)
cleanup() { kill "${byline_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
BYLINE_MEDIA_LIMIT=67108864 BYLINE_DATABASE_URL="$work/media.db" BYLINE_BIND="127.0.0.1:$PORT" BYLINE_MEDIA_DIR="$work/media" \
  BYLINE_ADMIN_EMAIL=bench@example.com BYLINE_ADMIN_PASSWORD=bench-password RUST_LOG=warn \
  target/release/byline serve & byline_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done

python3 - "$PORT" "$N" "$SIZE" "${PHOTOS:-10}" <<'PY'
import io, json, os, sys, time, urllib.request, uuid
port, n, size, photos = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
base = f"http://127.0.0.1:{port}"
req = urllib.request.Request(base + "/api/v1/auth/login",
    json.dumps({"email": "bench@example.com", "password": "bench-password"}).encode(), {"content-type": "application/json"})
token = json.loads(urllib.request.urlopen(req).read())["access_token"]
pdf_header = b"%PDF-1.4\n"  # stored as it comes: this measures the file path, not resizing
def send(name, data):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    r = urllib.request.Request(base + "/api/v1/media", body, {"content-type": f"multipart/form-data; boundary={boundary}",
                                                            "authorization": f"Bearer {token}"})
    return json.loads(urllib.request.urlopen(r).read())
urls = []
start = time.time()
for i in range(n):
    data = pdf_header + os.urandom(size - len(pdf_header))  # distinct content each time
    urls.append(send(f"f{i}.pdf", data)["url"])
up = time.time() - start
start = time.time()
for u in urls:
    urllib.request.urlopen(u).read()
down = time.time() - start
mib = n * size / 1048576
print(f"uploads: {n} x {size} bytes in {up:.2f} s = {n / up:.0f} files/s, {mib / up:.0f} MiB/s")
print(f"downloads: {mib / down:.0f} MiB/s")

try:
    from PIL import Image
except ImportError:
    print("photos: skipped (pip install Pillow)")
    sys.exit(0)
photo_s = pdf_s = 0.0
for i in range(photos):
    # A gradient with some grain: compresses about like a photo.
    ramp = Image.linear_gradient("L").resize((4000, 3000))
    grain = Image.effect_noise((4000, 3000), 30 + i)
    picture = Image.merge("RGB", (ramp, grain, ramp.rotate(180)))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    start = time.time()
    item = send(f"photo{i}.jpg", data)
    photo_s += time.time() - start
    assert [v["width"] for v in item["variants"]] == [1920, 1280, 640, 320], item
    start = time.time()
    send(f"same-size{i}.pdf", pdf_header + os.urandom(len(data) - len(pdf_header)))
    pdf_s += time.time() - start
print(f"photos: {photos} x 4000x3000 JPEG ({len(data) / 1048576:.1f} MiB) in {photo_s / photos * 1000:.0f} ms each, "
      f"{photo_s / pdf_s:.1f}x the time of a PDF of the same size ({pdf_s / photos * 1000:.0f} ms)")
PY
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' /proc/$byline_pid/status)"
