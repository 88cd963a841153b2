#!/usr/bin/env bash
# The WordPress import at newsroom size: the shared WordPress (../shared/wordpress) seeded
# with POSTS (10,000) posts, imported into a fresh SQLite database over the REST API and
# again from a WXR export of the same site, each timed with its peak memory. Prints a
# Markdown table. Leaves WordPress holding POSTS posts: CI seeds its own small set.
#
#   bench/import.sh                 # 10,000 posts
#   POSTS=2000 bench/import.sh      # quicker
#   SKIP_BUILD=1 bench/import.sh    # reuse the release binary
set -euo pipefail
cd "$(dirname "$0")/.."
POSTS="${POSTS:-10000}"
OUT=bench/out
mkdir -p "$OUT"

WP_DIR=""
for dir in "$(pwd)/../shared/wordpress" /work/shared/wordpress; do
  if [ -f "$dir/setup.sh" ]; then WP_DIR="$dir"; break; fi
done
[ -n "$WP_DIR" ] || { echo "the shared WordPress set-up (../shared/wordpress) is not here" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --release --locked
fi
BIN=target/release/masthead

bash "$WP_DIR/setup.sh" >/dev/null
echo "seeding WordPress with $POSTS posts" >&2
php "$WP_DIR/seed.php" --posts="$POSTS" >/dev/null 2>&1
php tests/fixtures/wordpress/newsroom.php >/dev/null
php tests/fixtures/wordpress/export.php >"$OUT/site.xml"
WXR_MB=$(( $(stat -c %s "$OUT/site.xml") / 1048576 ))

run() { # name, args...
  local name=$1; shift
  rm -f "$OUT/import.db" "$OUT/import.db-wal" "$OUT/import.db-shm"
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" \
    "$BIN" --log-format json import wordpress --database-url "sqlite://$OUT/import.db" "$@" \
    >"$OUT/report-$name.txt" 2>/dev/null
  read -r seconds kib <"$OUT/time.txt"
  local posts
  posts=$(grep -o '^posts: [0-9]* imported' "$OUT/report-$name.txt" | grep -o '[0-9]*')
  printf '| %s | %s | %s s | %s posts/s | %s MB |\n' "$name" "$posts" "$seconds" \
    "$(awk -v p="$posts" -v s="$seconds" 'BEGIN { printf "%.0f", p / s }')" "$(( kib / 1024 ))"
}

echo
echo "WordPress with $POSTS posts (WXR export ${WXR_MB} MB), imported into SQLite, release build:"
echo
echo "| source | posts imported | time | rate | peak RSS |"
echo "|---|---:|---:|---:|---:|"
run "REST API (anonymous)" --url http://127.0.0.1:8081
run "WXR file" --wxr "$OUT/site.xml"
