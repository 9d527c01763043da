#!/usr/bin/env bash
# Starts moto's S3-compatible server (PyPI `moto[server]`, installed by .ci/run) on a free port
# of 127.0.0.1 and prints its URL once it answers. It runs until the machine goes away.
set -euo pipefail
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/byline-s3.XXXXXX.log)
nohup moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/', timeout=1)" 2>/dev/null; then
    echo "http://127.0.0.1:$port"
    exit 0
  fi
  sleep 0.2
done
echo "moto_server did not start:" >&2
cat "$log" >&2
exit 1
