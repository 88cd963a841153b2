#!/usr/bin/env bash
# Read-path benchmark: builds the release binary, generates a synthetic newsroom, starts the
# server, and measures it with wrk next to nginx serving the very same article bytes from a
# file (the ceiling of this machine). Prints a Markdown table and writes it to
# bench/out/results-<backend>.md.
#
#   bench/run.sh                    # SQLite, 100,000 articles
#   BACKEND=postgres bench/run.sh   # PostgreSQL at $BENCH_POSTGRES_URL
#   ARTICLES=20000 DURATION=5 bench/run.sh
#   CASES=long-tail ROUNDS=3 bench/run.sh   # only the long tail, median of 3 interleaved rounds
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-100000}
BACKEND=${BACKEND:-sqlite}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10}
CASES=${CASES:-all}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
OUT=bench/out
mkdir -p "$OUT"

# shellcheck source=bench/lib.sh
. bench/lib.sh
install_tools

# SKIP_BUILD=1 reuses the release binary already built.
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --quiet
BIN=target/release/masthead

case "$BACKEND" in
  sqlite)
    DB_FILE="$PWD/$OUT/bench-$ARTICLES.db"
    DATABASE_URL="sqlite://$DB_FILE"
    ;;
  postgres)
    BASE=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
    DBNAME="masthead_bench_$ARTICLES"
    DATABASE_URL="${BASE%/*}/$DBNAME"
    ;;
  *) echo "BACKEND must be sqlite or postgres" >&2; exit 2 ;;
esac
export DATABASE_URL
# A PostgreSQL setup needs a configured signing key; any will do for reads.
export MASTHEAD_JWT_SECRET=${MASTHEAD_JWT_SECRET:-bench-secret-bench-secret-bench-secret}

# The data set is generated once per size and backend, then reused.
STAMP="$OUT/generated-$BACKEND-$ARTICLES.txt"
if [ ! -f "$STAMP" ]; then
  if [ "$BACKEND" = postgres ]; then
    psql "$BASE" -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" -c "CREATE DATABASE $DBNAME"
  else
    rm -f "$DB_FILE" "$DB_FILE-wal" "$DB_FILE-shm"
  fi
  "$BIN" seed synthetic --articles "$ARTICLES" --seed 1 | tee "$STAMP"
  if [ "$BACKEND" = postgres ]; then
    psql "$DATABASE_URL" -Atc "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))" | tee -a "$STAMP"
  else
    "$BIN" migrate >/dev/null
    echo "database size: $(du -h "$DB_FILE" | cut -f1)" | tee -a "$STAMP"
  fi
fi

# One client address sends all the load: the per-address limit for anonymous callers is off.
start_server() { # extra serve arguments
  # SERVER_ARGS: more serve flags for every run, e.g. "--sqlite-mmap-mib 2048".
  # shellcheck disable=SC2086
  "$BIN" serve --bind "127.0.0.1:$PORT" --anonymous-rate-limit 0 ${SERVER_ARGS:-} "$@" >"$OUT/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
    sleep 0.2
  done
}
start_server
NGINX_DIR=$(mktemp -d)
chmod 755 "$NGINX_DIR" # nginx workers run unprivileged and must read the file
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  [ -f "$NGINX_DIR/nginx.pid" ] && kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null || true
  rm -rf "$NGINX_DIR"
}
trap cleanup EXIT

API="http://127.0.0.1:$PORT"
SLUG=$(curl -sf "$API/v1/articles?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])')
SECTION=world
PAGE2=$(curl -sf "$API/v1/articles?section=$SECTION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_cursor"])')
PAGE3=$(curl -sf "$API/v1/articles?section=$SECTION&cursor=$PAGE2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_cursor"])')

# nginx serves the exact bytes of the article response from a file.
mkdir -p "$NGINX_DIR/www"
curl -sf "$API/v1/articles/$SLUG" -o "$NGINX_DIR/www/article.json"
# The long tail: LONG_TAIL distinct articles (20,000 by default), each asked for in random
# order, as crawlers, old links and partners' backfills reach the origin behind a CDN; nginx
# serves the very same REST bodies, one file each.
LONG_TAIL=${LONG_TAIL:-20000}
python3 - "$API" "$LONG_TAIL" "$NGINX_DIR/www" "$OUT" <<'PY'
import json, random, sys, urllib.request
api, count, www, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
slugs, cursor = [], None
while True:
    url = f"{api}/v1/articles?limit=100" + (f"&cursor={cursor}" if cursor else "")
    page = json.load(urllib.request.urlopen(url))
    slugs += [a["slug"] for a in page["items"]]
    cursor = page.get("next_cursor")
    if not cursor:
        break
random.Random(7).shuffle(slugs)
chosen = slugs[:count]
import os
os.makedirs(f"{www}/a", exist_ok=True)
for slug in chosen:
    with urllib.request.urlopen(f"{api}/v1/articles/{slug}") as r, open(f"{www}/a/{slug}.json", "wb") as f:
        f.write(r.read())
with open(f"{out}/long-tail-slugs.txt", "w") as f:
    f.write("\n".join(chosen) + "\n")
PY
start_nginx "$NGINX_DIR" "$NGINX_PORT"
# Each request a different article, drawn from the list in a fixed random order.
long_tail_script() { # kind: nginx | rest | graphql
  # The GraphQL body around the slug, as JSON.
  local around
  around=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": {"s": "@@SLUG@@"}}))' "$QUERY")
  cat >"$OUT/long-tail-$1.lua" <<LUA
local slugs = {}
for line in io.lines("$OUT/long-tail-slugs.txt") do slugs[#slugs + 1] = line end
local kind = "$1"
local before, after = [==[${around%%@@SLUG@@*}]==], [==[${around#*@@SLUG@@}]==]
local i = 0
request = function()
  i = i + 1
  local slug = slugs[(i * 7919) % #slugs + 1]
  if kind == "nginx" then return wrk.format("GET", "/a/" .. slug .. ".json") end
  if kind == "rest" then return wrk.format("GET", "/v1/articles/" .. slug) end
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, before .. slug .. after)
end
LUA
  echo "$OUT/long-tail-$1.lua"
}

QUERY='query($s: String) { article(slug: $s) { id slug title subtitle dateline excerpt publishedAt updatedAt section { slug name } sectionPath { slug name } sections { slug name } tags { id slug name } authors { slug name title avatarUrl role } featuredMedia { url alt caption credit width height } corrections { notedAt note } body { format blocks } language commentStatus wordCount readingTimeMinutes } }'
BODY=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": {"s": sys.argv[2]}}))' "$QUERY" "$SLUG")
cat >"$OUT/graphql.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[$BODY]==]
LUA

run() { # name url [script]
  local name=$1 url=$2 script=${3:-}
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency)
  [ -n "$script" ] && args+=(-s "$script")
  # A short warm-up fills caches and the connection pool before measuring.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s ${script:+-s "$script"} "$url" >/dev/null 2>&1 || true
  local out
  out=$(wrk "${args[@]}" "$url")
  echo "$out" >"$OUT/wrk-$name.txt"
  wrk_row "$name" "$OUT/wrk-$name.txt"
}

# The median of ROUNDS interleaved rounds of the long-tail cases: nginx and Masthead take
# turns, so a slow moment of the machine falls on both.
long_tail_rounds() { # label
  local label=$1 r results=()
  for r in $(seq 1 "$ROUNDS"); do
    results+=("$(run "nginx, $LONG_TAIL distinct article files (long-tail ceiling)" "http://127.0.0.1:$NGINX_PORT/" "$(long_tail_script nginx)")")
    results+=("$(run "REST long tail, $label" "$API/" "$(long_tail_script rest)")")
    results+=("$(run "GraphQL long tail, $label" "$API/" "$(long_tail_script graphql)")")
  done
  printf '%s\n' "${results[@]}" | python3 -c '
import sys
rows = {}
for line in sys.stdin.read().splitlines():
    rows.setdefault(line.split("|")[0], []).append(line)
for name, found in rows.items():
    found.sort(key=lambda r: float(r.split("|")[1]))
    print(found[len(found) // 2])
'
}

ROWS=()
if [ "$CASES" = all ]; then
  ROWS+=("$(run "nginx static file (ceiling)" "http://127.0.0.1:$NGINX_PORT/article.json")")
  ROWS+=("$(run "REST article by slug" "$API/v1/articles/$SLUG")")
  ROWS+=("$(run "GraphQL article by slug" "$API/graphql" "$OUT/graphql.lua")")
  ROWS+=("$(run "REST section first page" "$API/v1/articles?section=$SECTION")")
  ROWS+=("$(run "REST section third page (cursor)" "$API/v1/articles?section=$SECTION&cursor=$PAGE3")")
  ROWS+=("$(run "RSS feed, whole newsroom" "$API/feeds/rss.xml")")
  ROWS+=("$(run "RSS feed, one section" "$API/feeds/sections/$SECTION/rss.xml")")
fi
while IFS= read -r row; do ROWS+=("$row"); done < <(long_tail_rounds "read cache on (default)")
# Without the read cache every request misses it: what the origin does for the long tail.
kill "$SERVER" 2>/dev/null || true
wait "$SERVER" 2>/dev/null || true
start_server --read-cache-ttl 0
while IFS= read -r row; do ROWS+=("$row"); done < <(long_tail_rounds "--read-cache-ttl 0")

CEILING=$(echo "${ROWS[0]}" | cut -d'|' -f2)
{
  echo "Masthead read benchmark: $BACKEND, $ARTICLES articles, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) cores, $(date -u +%Y-%m-%d); long tail: median of $ROUNDS interleaved rounds"
  echo
  sed 's/^/    /' "$STAMP"
  echo
  echo "| request | requests/s | vs nginx | p50 ms | p99 ms | non-2xx |"
  echo "|---|---:|---:|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r name rps p50 p99 errs <<<"$row"
    # Each nginx row is the ceiling of the rows below it.
    case "$name" in nginx*) CEILING=$rps ;; esac
    ratio=$(python3 -c "print('%.2f' % ($rps / $CEILING))")
    echo "| $name | $rps | $ratio | $p50 | $p99 | $errs |"
  done
  echo
  echo "Server RSS after the run: $(ps -o rss= -p "$SERVER" | awk '{printf "%.0f MiB", $1/1024}')"
} | tee "$OUT/results-$BACKEND.md"
