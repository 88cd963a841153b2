#!/usr/bin/env bash
# Other people's tools judge Masthead's contracts against a real server with the demo
# newsroom: openapi-spec-validator (the document), schemathesis with every check and an
# admin token (the server against its document), the graphql-http audit (GraphQL over HTTP,
# every MUST and SHOULD), and feedparser (the feeds). Installs them from PyPI and npm.
# Usage: tests/external/run.sh path/to/masthead
set -euo pipefail
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d)
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check \
  openapi-spec-validator==0.9.0 schemathesis==4.32.5 feedparser==6.0.14
(cd "$HERE" && npm ci --silent --no-audit --no-fund)

echo "== openapi-spec-validator =="
"$WORK/venv/bin/openapi-spec-validator" "$ROOT/openapi/openapi.json"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
DB="sqlite://$WORK/masthead.db"
"$BIN" serve --demo --bind "127.0.0.1:$PORT" --database-url "$DB" --anonymous-rate-limit 0 \
  >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do
  curl -fs "$BASE/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$BASE/readyz" >/dev/null || { cat "$WORK/server.log"; echo "FAIL: the server did not start" >&2; exit 1; }
echo "a long enough admin password" |
  "$BIN" user create --email admin@example.org --name Admin --role admin --password-stdin --database-url "$DB" >/dev/null
TOKEN=$(curl -fs -H 'content-type: application/json' \
  -d '{"email":"admin@example.org","password":"a long enough admin password"}' "$BASE/v1/auth/token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

echo "== schemathesis (all checks, admin token) =="
(cd "$HERE" && "$WORK/venv/bin/schemathesis" run "$BASE/openapi.json" --url "$BASE" \
  --checks all --max-examples 20 --seed 15 -H "Authorization: Bearer $TOKEN")

echo "== graphql-http audit =="
node "$HERE/graphql-http-audit.mjs" "$BASE/graphql"

echo "== feeds =="
"$WORK/venv/bin/python" "$HERE/feeds.py" "$BASE"
