#!/usr/bin/env bash
# The bounded-memory benchmark (issue 15): for each article count, the generated Hanweb-style
# site (examples/gen_site.rs) is served on loopback, crawled and extracted into a fresh store,
# then `zwgk assess`, `report`, `columns` and `export` are timed with their peak RSS. The
# curve over sizes shows whether time stays linear and memory bounded.
#
#   bash benches/memory.sh [ARTICLES ...]        # default: 20000 100000 200000
#
# A 200,000-article store takes about 1.8 GB of disk and five minutes to build here.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(20000 100000 200000)
cargo build --release --quiet --bin zwgk --example gen_site
work=$(mktemp -d)
trap 'kill ${server_pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
measure() {
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/time" target/release/zwgk "$@" > /dev/null
  read -r wall rss_kb < "$work/time"
  awk -v l="$label" -v w="$wall" -v r="$rss_kb" 'BEGIN { printf "  %-22s %7.2f s  %7.1f MB\n", l, w, r / 1024 }'
}
for n in "${sizes[@]}"; do
  rm -rf "$work/site" "$work"/store.db* "$work/out"
  target/release/examples/gen_site "$work/site" "$n" > /dev/null
  target/release/zwgk serve "$work/site" --port 18191 > /dev/null 2>&1 &
  server_pid=$!
  sleep 1
  target/release/zwgk crawl http://127.0.0.1:18191/index.html --db "$work/store.db" --rate 0 --max-depth 1000 > /dev/null
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  target/release/zwgk extract --db "$work/store.db" > /dev/null
  pages=$(sqlite3 "$work/store.db" 'SELECT COUNT(*) FROM page_facts' 2>/dev/null || echo "?")
  echo "$n articles ($pages pages):"
  spec=(--db "$work/store.db" --as-of 2026-01-15)
  measure "assess" assess "${spec[@]}" --format json --out "$work/out.json"
  # --no-pdf: the PDF is Chromium's process (~300 MB of its own), not zwgk's memory.
  measure "report" report "${spec[@]}" --no-pdf --out "$work/out"
  measure "columns" columns --db "$work/store.db"
  measure "export (cited)" export "${spec[@]}" --out "$work/evidence"
  rm -rf "$work/evidence" "$work/out"
done
