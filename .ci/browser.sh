#!/usr/bin/env bash
# The example blog in headless Chromium (Debian's chromium, playwright-core from npm) against a
# real server and a real SMTP server: tests/browser/blog.mjs. Screenshots: target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
(cd tests/browser && npm ci --no-audit --no-fund --silent)
node tests/browser/blog.mjs
