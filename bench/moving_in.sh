#!/usr/bin/env bash
# Moving in at scale: a generated WordPress export (POSTS posts of ~1.5 KB, four comments each,
# one a reply; 20 categories) imported by `byline import --from wordpress` into a fresh database,
# and again through `POST /api/v1/import/wordpress`. Reports posts/s, comments/s and peak RSS,
# for a file a fifth the size too: memory must stay bounded, not grow with the file.
#
#   bash bench/moving_in.sh             # POSTS=50000 (200,000 comments)
#   PARTS=api bash bench/moving_in.sh   # only the run through the API
set -euo pipefail
cd "$(dirname "$0")/.."
POSTS=${POSTS:-50000}
PORT=${PORT:-18293}
cargo build --release --quiet --bin byline

work=$(mktemp -d)
cleanup() { kill "${byline_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

generate() { # $1: posts, $2: file
  python3 - "$1" "$2" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
random.seed(7)
words = ("video light sound camera edit frame lens story audience script microphone colour "
         "shot scene cut timeline export render studio budget").split()
def para(k):
    return " ".join(random.choice(words) for _ in range(k)).capitalize() + "."
with open(path, "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">'
            '<channel><wp:base_blog_url>https://bench.example</wp:base_blog_url>\n')
    for a in range(5):
        f.write(f'<wp:author><wp:author_login>w{a}</wp:author_login><wp:author_email>w{a}@bench.example'
                f'</wp:author_email><wp:author_display_name>Writer {a}</wp:author_display_name></wp:author>\n')
    for i in range(n):
        body = "\n\n".join(para(40) for _ in range(5))
        f.write(f'<item><title>Post {i}: {para(5)}</title><link>https://bench.example/{i}/</link>'
                f'<dc:creator>w{i % 5}</dc:creator><content:encoded><![CDATA[{body}]]></content:encoded>'
                f'<wp:post_id>{i}</wp:post_id><wp:post_date_gmt>2019-01-01 10:00:00</wp:post_date_gmt>'
                f'<wp:post_name>post-{i}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>'
                f'<category domain="category" nicename="topic-{i % 20}">Topic {i % 20}</category>')
        for c in range(4):
            cid = i * 4 + c
            parent = i * 4 if c == 1 else 0
            f.write(f'<wp:comment><wp:comment_id>{cid}</wp:comment_id><wp:comment_author>Reader {c}'
                    f'</wp:comment_author><wp:comment_author_email>r{c}@readers.example</wp:comment_author_email>'
                    f'<wp:comment_date_gmt>2019-01-02 10:00:0{c}</wp:comment_date_gmt><wp:comment_content>'
                    f'<![CDATA[{para(25)}]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved>'
                    f'<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>')
        f.write('</item>\n')
    f.write('</channel></rss>\n')
PY
}

cli() { # $1: posts
  local n=$1 dir="$work/cli-$1"
  mkdir -p "$dir"
  generate "$n" "$dir/export.xml"
  BYLINE_DATABASE_URL="$dir/byline.db" target/release/byline user create --email admin@bench.example \
    --name Admin --role admin --password "bench password 12" >/dev/null
  python3 - "$n" "$dir" <<'PY'
import json, os, resource, subprocess, sys, time
n, d = int(sys.argv[1]), sys.argv[2]
env = dict(os.environ, BYLINE_DATABASE_URL=f"{d}/byline.db", RUST_LOG="warn")
start = time.monotonic()
out = subprocess.run(["target/release/byline", "import", "--from", "wordpress", f"{d}/export.xml"],
                     env=env, capture_output=True, check=True)
secs = time.monotonic() - start
totals = json.loads(out.stdout)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
size = os.path.getsize(f"{d}/export.xml") / 2**20
print(f"cli  {n:>6} posts ({size:.0f} MiB file): {secs:.1f} s, {totals['posts']['created'] / secs:,.0f} posts/s, "
      f"{totals['comments']['created'] / secs:,.0f} comments/s, peak RSS {rss:.0f} MiB; "
      f"created {totals['posts']['created']} posts, {totals['comments']['created']} comments, errors "
      f"{totals['posts']['error'] + totals['comments']['error']}")
start = time.monotonic()
out = subprocess.run(["target/release/byline", "import", "--from", "wordpress", f"{d}/export.xml"],
                     env=env, capture_output=True, check=True)
again = json.loads(out.stdout)
print(f"     again: {time.monotonic() - start:.1f} s, unchanged {again['posts']['unchanged']} posts, "
      f"{again['comments']['unchanged']} comments")
PY
}

api() { # $1: posts
  local n=$1 dir="$work/api-$1"
  mkdir -p "$dir"
  generate "$n" "$dir/export.xml"
  BYLINE_DATABASE_URL="$dir/byline.db" BYLINE_BIND="127.0.0.1:$PORT" \
    BYLINE_ADMIN_EMAIL=admin@bench.example BYLINE_ADMIN_PASSWORD="bench password 12" \
    BYLINE_MOVE_IN_LIMIT=$((1 << 30)) RUST_LOG=warn target/release/byline serve & byline_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done
  python3 - "$n" "$dir" "$PORT" "$byline_pid" <<'PY'
import json, os, sys, time, urllib.request
n, d, port, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
base = f"http://127.0.0.1:{port}"
req = urllib.request.Request(base + "/api/v1/auth/login", headers={"content-type": "application/json"},
    data=json.dumps({"email": "admin@bench.example", "password": "bench password 12"}).encode())
token = json.load(urllib.request.urlopen(req))["access_token"]
size = os.path.getsize(f"{d}/export.xml")
start = time.monotonic()
with open(f"{d}/export.xml", "rb") as f:
    req = urllib.request.Request(base + "/api/v1/import/wordpress", data=f, method="POST",
        headers={"content-type": "application/xml", "authorization": f"Bearer {token}",
                 "content-length": str(size)})
    with urllib.request.urlopen(req, timeout=3600) as r:
        report = json.load(r)
secs = time.monotonic() - start
t = report["totals"]
hwm = next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")).split()[1]
print(f"api  {n:>6} posts ({size / 2**20:.0f} MiB upload): {secs:.1f} s, {t['posts']['created'] / secs:,.0f} posts/s, "
      f"{t['comments']['created'] / secs:,.0f} comments/s, server peak RSS {int(hwm) / 1024:.0f} MiB, "
      f"report {len(report['items']):,} lines")
PY
  kill "$byline_pid"; wait "$byline_pid" 2>/dev/null || true
}

# PARTS picks the runs (default all): small (the CLI at a fifth), cli, api.
for part in ${PARTS:-small cli api}; do
  case $part in
    small) cli $((POSTS / 5)) ;;
    cli) cli "$POSTS" ;;
    api) api "$POSTS" ;;
  esac
done
