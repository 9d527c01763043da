#!/usr/bin/env bash
# Byline benchmark: the release binary on a seeded database against a minimal actix-web baseline,
# measured in the same run, interleaved (baseline, target, baseline, target, baseline) with wrk.
# Figures are ratios to the mean baseline, so a noisy shared machine affects both sides alike.
#
#   bash bench/run.sh            # DURATION=15 CONNECTIONS=64 POSTS=1000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-64}
POSTS=${POSTS:-1000}
BYLINE_PORT=${BYLINE_PORT:-18181}
BASE_PORT=${BASE_PORT:-18182}
NOCACHE_PORT=${NOCACHE_PORT:-18183}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --quiet --bin byline --example hello

work=$(mktemp -d)
cleanup() { kill "${byline_pid:-}" "${base_pid:-}" "${nocache_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

python3 bench/seed.py "$POSTS" > "$work/posts.ndjson"

BYLINE_DATABASE_URL="$work/bench.db" BYLINE_BIND="127.0.0.1:$BYLINE_PORT" \
  BYLINE_ADMIN_EMAIL=bench@example.com BYLINE_ADMIN_PASSWORD=bench-password \
  BYLINE_LOGIN_PER_MINUTE=1000 RUST_LOG=warn \
  target/release/byline serve & byline_pid=$!
target/release/examples/hello "127.0.0.1:$BASE_PORT" & base_pid=$!
for port in "$BYLINE_PORT" "$BASE_PORT"; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" -o /dev/null || curl -sf "http://127.0.0.1:$port/healthz" -o /dev/null && break; sleep 0.1; done
done

token=$(curl -sf "http://127.0.0.1:$BYLINE_PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

start=$(date +%s.%N)
curl -sf "http://127.0.0.1:$BYLINE_PORT/api/v1/posts/import" -H "authorization: Bearer $token" \
  -H 'content-type: application/x-ndjson' --data-binary "@$work/posts.ndjson" > "$work/report.json"
end=$(date +%s.%N)
python3 - "$work/report.json" "$start" "$end" "$POSTS" <<'PY'
import json, sys
report = json.load(open(sys.argv[1])); t = float(sys.argv[3]) - float(sys.argv[2]); n = int(sys.argv[4])
assert report["totals"]["created"] == n, report["totals"]
print(f"import: {n} posts of ~1,500 words in {t:.2f} s = {n / t:.0f} posts/s (target >= 2000)")
PY
rss_after_import=$(awk '/VmHWM/ {print $2}' "/proc/$byline_pid/status")

# The same database without the micro-cache: what a cache miss costs.
BYLINE_DATABASE_URL="$work/bench.db" BYLINE_BIND="127.0.0.1:$NOCACHE_PORT" BYLINE_PUBLIC_CACHE_MS=0 RUST_LOG=warn \
  target/release/byline serve & nocache_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$NOCACHE_PORT/healthz" -o /dev/null && break; sleep 0.1; done

run() { # name url -> "rps p50_ms p99_ms errors"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$2" > "$work/$1.txt"
  python3 bench/wrk_stats.py "$work/$1.txt"
}

base="http://127.0.0.1:$BASE_PORT/"
one="http://127.0.0.1:$BYLINE_PORT/api/v1/posts/post-500"
list="http://127.0.0.1:$BYLINE_PORT/api/v1/posts?per_page=20"
nocache_one="http://127.0.0.1:$NOCACHE_PORT/api/v1/posts/post-500"
nocache_list="http://127.0.0.1:$NOCACHE_PORT/api/v1/posts?per_page=20"
b1=$(run base1 "$base"); t1=$(run one "$one"); b2=$(run base2 "$base"); t2=$(run list "$list"); b3=$(run base3 "$base")
u1=$(run nocache_one "$nocache_one"); b4=$(run base4 "$base"); u2=$(run nocache_list "$nocache_list")
rss_kib=$(awk '/VmHWM/ {print $2}' "/proc/$byline_pid/status")
nocache_rss_kib=$(awk '/VmHWM/ {print $2}' "/proc/$nocache_pid/status")

python3 - "$b1" "$b2" "$b3" "$b4" "$t1" "$t2" "$u1" "$u2" "$rss_after_import" "$rss_kib" "$nocache_rss_kib" <<'PY'
import sys
b = [float(x.split()[0]) for x in sys.argv[1:5]]
base = sum(b) / len(b)
print(f"baseline (hello): {base:.0f} req/s (runs: {', '.join(f'{x:.0f}' for x in b)})")
rows = [
    ("GET /api/v1/posts/{slug}", sys.argv[5], 0.20),
    ("GET /api/v1/posts?per_page=20", sys.argv[6], 0.05),
    ("GET /api/v1/posts/{slug}, micro-cache off", sys.argv[7], None),
    ("GET /api/v1/posts?per_page=20, micro-cache off", sys.argv[8], None),
]
for name, row, target in rows:
    rps, p50, p99, errors = row.split()
    ratio = float(rps) / base
    goal = f" (target >= {target}x)" if target else ""
    print(f"{name}: {float(rps):.0f} req/s = {ratio:.3f}x baseline{goal}, p50 {p50} ms, p99 {p99} ms, errors {errors}")
kib = [int(x) for x in sys.argv[9:12]]
print(f"peak RSS of byline: {kib[0] / 1024:.1f} MiB after the import, {kib[1] / 1024:.1f} MiB after the load "
      f"(target <= 64 MiB); cache-off server: {kib[2] / 1024:.1f} MiB")
PY
