#!/usr/bin/env bash
# Byline at scale: seeds POSTS published posts (~1.5 KB of Markdown each, 50 tags) through the
# import API, then measures every public read with wrk against the minimal actix-web baseline
# (examples/hello.rs) in the same run, interleaved, first with the micro-cache off, then on.
# Figures are ratios to the baseline mean (a shared, noisy machine affects both alike) and p99s.
#
#   bash bench/scale.sh                 # POSTS=100000 DURATION=5 CONNECTIONS=16
#   POSTS=1000000 bash bench/scale.sh   # the million-post run (no targets)
#   POSTGRES_URL=postgres://u@host/empty_db bash bench/scale.sh
#                                       # the same seeding and reads on PostgreSQL too (cache
#                                       # off), in the same run, beside SQLite
set -euo pipefail
cd "$(dirname "$0")/.."
POSTS=${POSTS:-100000}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}
CHUNK=${CHUNK:-5000}
PORT=${PORT:-18281}
CACHED_PORT=${CACHED_PORT:-18282}
BASE_PORT=${BASE_PORT:-18283}
PG_PORT=${PG_PORT:-18284}
POSTGRES_URL=${POSTGRES_URL:-}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --quiet --bin byline --example hello

work=$(mktemp -d)
cleanup() { kill "${pid:-}" "${cached_pid:-}" "${base_pid:-}" "${pg_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_for() { for _ in $(seq 200); do curl -sf "$1" -o /dev/null && return 0; sleep 0.05; done; return 1; }
serve() { # port cache_ms [database] -> starts byline on the bench database
  BYLINE_DATABASE_URL="${3:-$work/scale.db}" BYLINE_BIND="127.0.0.1:$1" BYLINE_PUBLIC_CACHE_MS="$2" \
    BYLINE_ADMIN_EMAIL=bench@example.com BYLINE_ADMIN_PASSWORD=bench-password-1 \
    BYLINE_LOGIN_PER_MINUTE=1000 BYLINE_SITE_DIR=none RUST_LOG=warn target/release/byline serve &
}
rss() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

echo "== seeding $POSTS posts (~1.5 KB each, 50 tags) through POST /api/v1/posts/import, $CHUNK a request"
python3 bench/seed.py "$POSTS" 2 50 > "$work/posts.ndjson"
split -l "$CHUNK" "$work/posts.ndjson" "$work/chunk."
seed() { # port [prefix] [count] -> imports every "$work/<prefix>.*" chunk (default chunk, $POSTS
  # posts) through the API of the server on port; sets $me, $import_rate, $import_seconds
  local prefix=${2:-chunk} count=${3:-$POSTS}
  local api="http://127.0.0.1:$1/api/v1" token key start end
  token=$(curl -sf "$api/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"bench-password-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  key=$(curl -sf "$api/api-keys" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"name":"bench","role":"admin"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
  me=$(curl -sf "$api/auth/me" -H "authorization: Bearer $key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  start=$(date +%s.%N)
  for chunk in "$work/$prefix".*; do
    curl -sf "$api/posts/import" -H "authorization: Bearer $key" -H 'content-type: application/x-ndjson' \
      --data-binary "@$chunk" | python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; assert t["error"]==0, t'
  done
  end=$(date +%s.%N)
  import_rate=$(python3 -c "print(f'{$count / ($end - $start):.0f}')")
  import_seconds=$(python3 -c "print(f'{$end - $start:.1f}')")
}
serve "$PORT" 0; pid=$!
wait_for "http://127.0.0.1:$PORT/healthz"
api="http://127.0.0.1:$PORT/api/v1"
seed "$PORT"
import_rss=$(rss "$pid")
kill "$pid"; wait "$pid" 2>/dev/null || true
db_bytes=$(( $(stat -c %s "$work/scale.db") + $(stat -c %s "$work/scale.db-wal" 2>/dev/null || echo 0) ))
echo "import: $POSTS posts in $import_seconds s = $import_rate posts/s (target >= 5000), peak RSS $((import_rss / 1024)) MiB"
sqlite3 "$work/scale.db" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null 2>&1 || true
if command -v sqlite3 > /dev/null; then
  echo "database: $((db_bytes / 1024 / 1024)) MiB, $((db_bytes / POSTS)) bytes per post; by table and index:"
  sqlite3 "$work/scale.db" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12;" 2>/dev/null \
    | awk -F'|' -v n="$POSTS" '{printf "  %-28s %8.1f MiB %6d B/post\n", $1, $2/1048576, $2/n}' || true
fi

# Cold start on the seeded database: process start to the first 200.
t0=$(date +%s%N); serve "$PORT" 0; pid=$!
wait_for "http://127.0.0.1:$PORT/api/v1/posts?per_page=1"
cold_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
serve "$CACHED_PORT" 60000; cached_pid=$!
wait_for "http://127.0.0.1:$CACHED_PORT/healthz"
target/release/examples/hello "127.0.0.1:$BASE_PORT" & base_pid=$!
wait_for "http://127.0.0.1:$BASE_PORT/"
echo "cold start: ${cold_ms} ms (target <= 200)"

# Cursors at depths spread over the whole list, for the cursor walk.
python3 - "$api" "$POSTS" > "$work/cursors.lua" <<'PY'
import json, sys, urllib.request
api, posts = sys.argv[1], int(sys.argv[2])
cursors, url = [], f"{api}/posts?per_page=100&fields=slug"
for _ in range(min(posts // 100, 400)):
    body = json.load(urllib.request.urlopen(url))
    c = body["meta"].get("next_cursor")
    if not c:
        break
    cursors.append(c)
    url = f"{api}/posts?per_page=100&fields=slug&cursor={c}"
print("cursors = {" + ",".join(json.dumps(c) for c in cursors) + "}")
PY

lua() { # name body -> a wrk script choosing a path per request
  cat > "$work/$1.lua" <<LUA
math.randomseed(7)
$(cat "$work/cursors.lua")
local n = $POSTS
function slug() return "/api/v1/posts/post-" .. math.random(0, n - 1) end
request = function() return wrk.format("GET", $2) end
LUA
}
lua spread 'slug()'
lua cursor '"/api/v1/posts?per_page=20&cursor=" .. cursors[math.random(#cursors)]'
lua tag '"/api/v1/posts?tag=topic-" .. math.random(0, 49)'
lua mixed '(function() local r = math.random(100); if r <= 90 then return slug() elseif r <= 95 then return "/api/v1/posts?q=video+lorem" else return "/api/v1/posts?tag=topic-" .. math.random(0, 49) end end)()'

run() { # name url-or-script -> "rps p50 p99 errors"
  local target=$2 script=()
  if [[ $target == *.lua ]]; then script=(-s "$work/$target"); target="$3"; fi
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${script[@]}" "$target" > "$work/$1.txt"
  python3 bench/wrk_stats.py "$work/$1.txt"
}

base="http://127.0.0.1:$BASE_PORT/"
results="$work/results.txt"
: > "$results"
measure() { # label port
  local p="http://127.0.0.1:$2"
  local a="$p/api/v1"
  echo "base $(run base "$base")" >> "$results"
  echo "$1|post by slug, spread|0.20|$(run spread spread.lua "$p")" >> "$results"
  echo "$1|first page|-|$(run first "$a/posts?per_page=20")" >> "$results"
  echo "$1|deep page (offset 50,000)|-|$(run deep "$a/posts?per_page=20&page=2501")" >> "$results"
  echo "base $(run base "$base")" >> "$results"
  echo "$1|cursor walk, any depth|-|$(run cursor cursor.lua "$p")" >> "$results"
  echo "$1|tag filter|-|$(run tag tag.lua "$p")" >> "$results"
  echo "$1|author filter|-|$(run author "$a/posts?author=$me")" >> "$results"
  echo "$1|search, rare word|-|$(run rare "$a/posts?q=quokka")" >> "$results"
  echo "base $(run base "$base")" >> "$results"
  echo "$1|search, common word|-|$(run common "$a/posts?q=video")" >> "$results"
  echo "$1|/tags|-|$(run tags "$a/tags?per_page=100")" >> "$results"
  echo "$1|/sitemap.xml|-|$(run sitemap "$p/sitemap.xml")" >> "$results"
  echo "$1|/feed.atom|-|$(run atom "$p/feed.atom")" >> "$results"
  echo "base $(run base "$base")" >> "$results"
  echo "$1|/feed.json|-|$(run json "$p/feed.json")" >> "$results"
  echo "$1|mixed 90/5/5|-|$(run mixed mixed.lua "$p")" >> "$results"
  # Posts by slug on 12 connections while 4 more search for common words all along: what the
  # cheap reads of a mixed load pay for the slow ones beside them.
  wrk -t1 -c4 -d"${DURATION}s" "$a/posts?q=video+lorem" > "$work/storm.txt" & local storm=$!
  echo "$1|slug beside a search storm|-|$(CONNECTIONS=12 run beside spread.lua "$p")" >> "$results"
  wait "$storm"
}
measure "cache off" "$PORT"
measure "cache on" "$CACHED_PORT"
rss_off=$(rss "$pid"); rss_on=$(rss "$cached_pid")
if [[ -n $POSTGRES_URL ]]; then
  # The same site on PostgreSQL (the same posts, users and ids, copied by `byline transfer`:
  # importing them through the API there would take most of the run), cache off. The SQLite
  # servers stop first: each backend has the machine to itself while measured.
  kill "$pid" "$cached_pid"; wait "$pid" "$cached_pid" 2>/dev/null || true
  t0=$(date +%s%N)
  target/release/byline transfer --from "$work/scale.db" --to "$POSTGRES_URL" > /dev/null 2>&1
  echo "byline transfer into PostgreSQL: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  t0=$(date +%s%N); serve "$PG_PORT" 0 "$POSTGRES_URL"; pg_pid=$!
  wait_for "http://127.0.0.1:$PG_PORT/api/v1/posts?per_page=1"
  echo "cold start on PostgreSQL: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  measure "postgres" "$PG_PORT"
  rss_pg=$(rss "$pg_pid")
  echo "peak RSS on PostgreSQL (Byline's own): $((rss_pg / 1024)) MiB"
  # Import on PostgreSQL, after the reads: PG_IMPORT more posts (new slugs) on top of the site.
  PG_IMPORT=${PG_IMPORT:-10000}
  python3 bench/seed.py "$PG_IMPORT" 2 50 | sed 's/"slug": "post-/"slug": "extra-/' \
    | split -l "$CHUNK" - "$work/extra."
  seed "$PG_PORT" extra "$PG_IMPORT"
  echo "import on PostgreSQL: $PG_IMPORT posts in $import_seconds s = $import_rate posts/s"
  serve "$PORT" 0; pid=$!
  wait_for "http://127.0.0.1:$PORT/healthz"
fi
sitemap_files=$(curl -sf "http://127.0.0.1:$PORT/sitemap.xml" | grep -c "<sitemap>" || true)

python3 - "$results" "$POSTS" "$rss_off" "$rss_on" "$sitemap_files" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
base = [float(l.split()[1]) for l in lines if l.startswith("base ")]
mean = sum(base) / len(base)
print(f"\nbaseline (hello): {mean:.0f} req/s (runs: {', '.join(f'{b:.0f}' for b in base)})")
print(f"{'':10} {'request':30} {'req/s':>8} {'x base':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
for l in lines:
    if l.startswith("base "):
        continue
    mode, name, _, row = l.split("|")
    rps, p50, p99, errors = row.split()
    print(f"{mode:10} {name:30} {float(rps):8.0f} {float(rps) / mean:7.3f} {float(p50):8.2f} {float(p99):8.2f} {errors:>6}")
p99 = {tuple(l.split("|")[:2]): float(l.split("|")[3].split()[2]) for l in lines if not l.startswith("base ")}
for mode in dict.fromkeys(k[0] for k in p99):
    alone, beside = p99.get((mode, "post by slug, spread")), p99.get((mode, "slug beside a search storm"))
    if alone and beside:
        print(f"{mode}: slug p99 beside a search storm {beside / alone:.1f}x its p99 alone (target <= 2)")
print(f"\nposts: {sys.argv[2]}; sitemap files in the index: {sys.argv[5]}")
print(f"peak RSS: {int(sys.argv[3]) / 1024:.1f} MiB cache off, {int(sys.argv[4]) / 1024:.1f} MiB cache on (target <= 64)")
print("targets: slug spread >= 0.20x (cache off), >= 0.5x (cache on); other reads p99 <= 25 ms "
      "(common-word search <= 100 ms); mixed p99 <= 25 ms; zero errors")
PY
