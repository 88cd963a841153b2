#!/usr/bin/env bash
# Comment submission benchmark: wrk posts distinct valid comments (each with its own
# Idempotency-Key) to one article as fast as the server takes them, with the rate limits
# raised by configuration. Afterwards every acknowledged comment must be in the database
# exactly once, and no submission may be stored twice. Prints a Markdown table and writes it
# to bench/out/comments-<backend>.md.
#
#   bench/comments.sh                     # SQLite
#   BACKEND=postgres bench/comments.sh    # PostgreSQL at $BENCH_POSTGRES_URL
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${BACKEND:-sqlite}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10}
PORT=${PORT:-18100}
OUT=bench/out
mkdir -p "$OUT"

# shellcheck source=bench/lib.sh
. bench/lib.sh
install_tools
cargo build --release --quiet
BIN=target/release/masthead

case "$BACKEND" in
  sqlite)
    DB_FILE="$PWD/$OUT/comments-bench.db"
    rm -f "$DB_FILE" "$DB_FILE-wal" "$DB_FILE-shm" "$DB_FILE.jwt-secret"
    DATABASE_URL="sqlite://$DB_FILE"
    ;;
  postgres)
    BASE=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
    psql "$BASE" -qc "DROP DATABASE IF EXISTS masthead_comments_bench WITH (FORCE)" -c "CREATE DATABASE masthead_comments_bench"
    DATABASE_URL="${BASE%/*}/masthead_comments_bench"
    ;;
  *) echo "BACKEND must be sqlite or postgres" >&2; exit 2 ;;
esac
export DATABASE_URL
export MASTHEAD_JWT_SECRET=${MASTHEAD_JWT_SECRET:-bench-secret-bench-secret-bench-secret}
"$BIN" seed demo >/dev/null

# Limits raised by configuration, as the brief allows for this measurement; comments are
# published at once so that the first-time check is part of every request.
CONFIG="$OUT/comments-bench.json"
cat >"$CONFIG" <<'JSON'
{
  "moderation": "first_time",
  "rate_limits": { "per_ip_per_minute": 0, "per_ip_per_hour": 0, "per_email_per_minute": 0, "per_email_per_hour": 0 }
}
JSON
"$BIN" serve --bind "127.0.0.1:$PORT" --anonymous-rate-limit 0 --comments-config "$CONFIG" >"$OUT/server-comments.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.2
done
API="http://127.0.0.1:$PORT"
SLUG=$(curl -sf "$API/v1/articles?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])')
TOKEN=$(curl -sf "$API/v1/comment-form?article=$SLUG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
sleep 3.2 # the minimum fill time of a real form

IDS="$OUT/comments-acknowledged.txt"
rm -f "$IDS"
cat >"$OUT/comments.lua" <<LUA
-- Every request is a new comment with its own key; acknowledged ids are kept per thread
-- and written out at the end.
local threads = {}
local counter = 0
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  acked = {}
end
request = function()
  counter = counter + 1
  local key = tid .. "-" .. counter
  local body = '{"comment":"Benchmark comment ' .. key .. ', about the harbour.","name":"Bench Reader",'
    .. '"email":"reader' .. key .. '@example.org","form_token":"$TOKEN"}'
  return wrk.format("POST", "/v1/articles/$SLUG/comments",
    { ["Content-Type"] = "application/json", ["Idempotency-Key"] = "bench-" .. key,
      ["User-Agent"] = "Mozilla/5.0 (bench) Firefox/128.0" }, body)
end
response = function(status, headers, body)
  if status == 202 then
    local id = string.match(body, '"id":(%d+)')
    if id then acked[#acked + 1] = id end
  end
end
function done(summary, latency, requests)
  local f = io.open("$IDS", "w")
  for _, t in ipairs(threads) do
    local ids = t:get("acked")
    if ids then for _, id in ipairs(ids) do f:write(id, "\n") end end
  end
  f:close()
end
LUA

OUT_TXT=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$OUT/comments.lua" "$API")
echo "$OUT_TXT" >"$OUT/wrk-comments-$BACKEND.txt"
sleep 1

sql() {
  if [ "$BACKEND" = postgres ]; then
    psql "$DATABASE_URL" -Atc "$1"
  else
    python3 -c 'import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' "$DB_FILE" "$1"
  fi
}
sql "SELECT id FROM comments" | sort -n >"$OUT/comments-stored.txt"
STORED=$(wc -l <"$OUT/comments-stored.txt")
DISTINCT=$(sql "SELECT COUNT(DISTINCT idempotency_key) FROM comments")
ACKED=$(sort -n "$IDS" | uniq | wc -l)
ACKED_ALL=$(wc -l <"$IDS")
LOST=$(sort -n "$IDS" | uniq | comm -23 - "$OUT/comments-stored.txt" | wc -l)
DUPLICATED=$((STORED - DISTINCT + ACKED_ALL - ACKED))

python3 - "$OUT/wrk-comments-$BACKEND.txt" "$BACKEND" "$STORED" "$ACKED" "$LOST" "$DUPLICATED" <<'PY' | tee "$OUT/comments-$BACKEND.md"
import re, sys, datetime, os
out = open(sys.argv[1]).read()
backend, stored, acked, lost, dup = sys.argv[2:7]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
def pct(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, out, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(f"Masthead comment submissions: {backend}, wrk -t{os.environ.get('THREADS', '2')} -c{os.environ.get('CONNECTIONS', '32')} -d{os.environ.get('DURATION', '10')}s, {os.cpu_count()} cores, {datetime.date.today()}")
print()
print("| backend | submissions/s | p50 ms | p99 ms | non-2xx | acknowledged (202) | stored | lost | duplicated |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {backend} | {rps:.0f} | {pct(50):.2f} | {pct(99):.2f} | {errors.group(1) if errors else 0} | {acked} | {stored} | {lost} | {dup} |")
PY
