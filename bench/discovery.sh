#!/usr/bin/env bash
# Discovery benchmark: related articles, popular articles and full-text search over a large
# generated newsroom written in stories, next to nginx serving a related-articles response
# from a file (the ceiling of this machine). Also measures precision@5 of related articles
# against the generated stories. Prints a Markdown table and writes it to
# bench/out/discovery-<backend>-<articles>.md.
#
#   bench/discovery.sh                      # SQLite, 1,000,000 articles of about 300 words
#   BACKEND=postgres bench/discovery.sh     # PostgreSQL at $BENCH_POSTGRES_URL
#   ARTICLES=50000 DURATION=5 bench/discovery.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-1000000}
BACKEND=${BACKEND:-sqlite}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10}
PORT=${PORT:-18090}
NGINX_PORT=${NGINX_PORT:-18091}
SAMPLE=${SAMPLE:-1000}
OUT=bench/out
mkdir -p "$OUT"

# shellcheck source=bench/lib.sh
. bench/lib.sh
install_tools

cargo build --release --quiet
BIN=target/release/masthead
NAME="stories-$BACKEND-$ARTICLES"
LABELS="$PWD/$OUT/labels-$NAME.csv"

case "$BACKEND" in
  sqlite)
    DB_FILE="$PWD/$OUT/$NAME.db"
    DATABASE_URL="sqlite://$DB_FILE"
    ;;
  postgres)
    BASE=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
    DBNAME="masthead_stories_$ARTICLES"
    DATABASE_URL="${BASE%/*}/$DBNAME"
    ;;
  *) echo "BACKEND must be sqlite or postgres" >&2; exit 2 ;;
esac
export DATABASE_URL
export MASTHEAD_JWT_SECRET=${MASTHEAD_JWT_SECRET:-bench-secret-bench-secret-bench-secret}

sql() { # one query, one value per line
  if [ "$BACKEND" = postgres ]; then
    psql "$DATABASE_URL" -Atc "$1"
  else
    python3 -c 'import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' "$DB_FILE" "$1"
  fi
}

# The data set is generated once per size and backend, then reused.
STAMP="$OUT/generated-$NAME.txt"
if [ ! -f "$STAMP" ]; then
  if [ "$BACKEND" = postgres ]; then
    psql "$BASE" -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" -c "CREATE DATABASE $DBNAME"
  else
    rm -f "$DB_FILE" "$DB_FILE-wal" "$DB_FILE-shm"
  fi
  "$BIN" seed synthetic --articles "$ARTICLES" --seed 7 --body-words 250-350 \
    --stories --labels "$LABELS" --views | tee "$STAMP"
  if [ "$BACKEND" = postgres ]; then
    echo "database size: $(sql "SELECT pg_size_pretty(pg_database_size(current_database()))")" | tee -a "$STAMP"
  else
    echo "database size: $(du -h "$DB_FILE" | cut -f1)" | tee -a "$STAMP"
  fi
fi

PRECISION=$("$BIN" evaluate related --labels "$LABELS" --sample "$SAMPLE")

# One client address sends all the load: the per-address limit for anonymous callers is off.
"$BIN" serve --bind "127.0.0.1:$PORT" --anonymous-rate-limit 0 >"$OUT/server-discovery.log" 2>&1 &
SERVER=$!
NGINX_DIR=$(mktemp -d)
chmod 755 "$NGINX_DIR"
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  [ -f "$NGINX_DIR/nginx.pid" ] && kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null || true
  rm -rf "$NGINX_DIR"
}
trap cleanup EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.2
done
API="http://127.0.0.1:$PORT"
# Related articles read the database until the in-memory key index is filled; measure after.
LOADED=""
for _ in $(seq 1 1200); do
  if grep -q "related index loaded" "$OUT/server-discovery.log"; then LOADED=1; break; fi
  sleep 0.5
done
[ -n "$LOADED" ] || { echo "the related index did not load; see $OUT/server-discovery.log" >&2; exit 1; }
INDEX_LOAD=$(python3 -c 'import re,sys
lines=open(sys.argv[1]).read().splitlines()
at=lambda key: next(re.search(r"\d\d:\d\d:\d\d\.\d+", l).group(0) for l in lines if key in l)
h=lambda s: sum(float(x)*m for x,m in zip(s.split(":"),(3600,60,1)))
print("%.1f s" % (h(at("related index loaded"))-h(at("masthead::startup"))))' "$OUT/server-discovery.log")

# Requests are spread over many articles and queries, so most are not answered from a cache.
# Every 20th article and every 50th title: the same sample in every run and on both backends
# (the generator writes the same articles under the same ids).
NOW=$(date -u +'%Y-%m-%d %H:%M:%S')
sql "SELECT slug FROM articles WHERE status = 'published' AND published_at <= '$NOW' AND id % 20 = 3 ORDER BY id LIMIT 50000" \
  | sed 's|^|/v1/articles/|; s|$|/related|' >"$OUT/paths-related.txt"
# Search: one word or two from the titles (the made-up names of stories, places,
# subjects, verbs), as readers type them.
sql "SELECT title FROM articles WHERE id % 50 = 7 ORDER BY id LIMIT 20000" | python3 -c '
import random, sys, urllib.parse
random.seed(7)
skip = {"plan", "for", "the", "a", "of"}
for title in sys.stdin:
    words = [w.strip(":,.").lower() for w in title.split() if w.strip(":,.").lower() not in skip]
    if not words:
        continue
    n = 1 if random.random() < 0.5 or len(words) < 2 else 2
    start = random.randrange(0, len(words) - n + 1)
    print("/v1/search?q=" + urllib.parse.quote(" ".join(words[start:start + n])))
' >"$OUT/paths-search.txt"
{
  for window in 1h 24h 7d 30d; do
    echo "/v1/popular?window=$window"
    for section in $(sql "SELECT slug FROM sections"); do
      echo "/v1/popular?window=$window&section=$section"
    done
  done
} >"$OUT/paths-popular.txt"

cat >"$OUT/paths.lua" <<'LUA'
-- Each request takes the next path of the file named by PATHS, from a random start.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

# nginx serves the bytes of one related-articles response from a file.
mkdir -p "$NGINX_DIR/www"
curl -sf "$API$(head -1 "$OUT/paths-related.txt")" -o "$NGINX_DIR/www/related.json"
start_nginx "$NGINX_DIR" "$NGINX_PORT"

run() { # name url [paths file]
  local name=$1 url=$2 paths=${3:-}
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency)
  [ -n "$paths" ] && args+=(-s "$OUT/paths.lua")
  PATHS=$paths wrk -t"$THREADS" -c"$CONNECTIONS" -d2s ${paths:+-s "$OUT/paths.lua"} "$url" >/dev/null 2>&1 || true
  local out
  out=$(PATHS=$paths wrk "${args[@]}" "$url")
  echo "$out" >"$OUT/wrk-discovery-$name.txt"
  wrk_row "$name" "$OUT/wrk-discovery-$name.txt"
}

ROWS=()
ROWS+=("$(run "nginx static file (ceiling)" "http://127.0.0.1:$NGINX_PORT/related.json")")
ROWS+=("$(run "related, every 20th article (up to 50,000)" "$API" "$OUT/paths-related.txt")")
ROWS+=("$(run "popular, every window and section" "$API" "$OUT/paths-popular.txt")")
ROWS+=("$(run "search, 1-2 words from every 50th title" "$API" "$OUT/paths-search.txt")")

CEILING=$(echo "${ROWS[0]}" | cut -d'|' -f2)
{
  echo "Masthead discovery benchmark: $BACKEND, $ARTICLES articles, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  sed 's/^/    /' "$STAMP"
  echo "    related: $PRECISION"
  echo "    related key index loaded into memory in $INDEX_LOAD after start"
  echo
  echo "| request | requests/s | vs nginx | p50 ms | p99 ms | non-2xx |"
  echo "|---|---:|---:|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r name rps p50 p99 errs <<<"$row"
    ratio=$(python3 -c "print('%.2f' % ($rps / $CEILING))")
    echo "| $name | $rps | $ratio | $p50 | $p99 | $errs |"
  done
  echo
  echo "Server RSS after the run: $(ps -o rss= -p "$SERVER" | awk '{printf "%.0f MiB", $1/1024}')"
} | tee "$OUT/discovery-$BACKEND-$ARTICLES.md"
