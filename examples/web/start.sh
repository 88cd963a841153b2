#!/usr/bin/env bash
# The API with the demo newsroom on http://127.0.0.1:8080 and this frontend on
# http://127.0.0.1:5173, together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules ] || npm ci --no-audit --no-fund
(cd ../.. && exec cargo run --release -- serve --demo) &
API=$!
trap 'kill "$API" 2>/dev/null || true' EXIT
until curl -fs http://127.0.0.1:8080/readyz >/dev/null 2>&1; do
  kill -0 "$API" 2>/dev/null || { echo "the API did not start" >&2; exit 1; }
  sleep 1
done
npm start
