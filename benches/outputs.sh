#!/usr/bin/env bash
# The output benchmark: on the 20,000-article generated site (see benches/crawl.sh), crawled
# and extracted into a fresh store, time `zwgk assess`, `zwgk report` and `zwgk export` (cited
# and --all) with their peak memory, three runs each. These are the figures README quotes.
#
#   bash benches/outputs.sh [ARTICLES]
set -euo pipefail
cd "$(dirname "$0")/.."
articles=${1:-20000}
source benches/site.sh
port=18185
target/release/zwgk serve "$site" --port $port >/dev/null 2>&1 &
server_pid=$!
sleep 1
target/release/zwgk crawl "http://127.0.0.1:$port/index.html" --db "$work/bench.db" --rate 0 --max-depth 1000 --json > "$work/crawl.json"
target/release/zwgk extract --db "$work/bench.db" --json > /dev/null
measure() {
  local label=$1; shift
  for i in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$work/time" target/release/zwgk "$@" > /dev/null
    read -r wall rss_kb < "$work/time"
    awk -v l="$label" -v w="$wall" -v r="$rss_kb" 'BEGIN { printf "%-40s %6.2f s  %7.1f MB\n", l, w, r / 1024 }'
  done
}
spec=(--db "$work/bench.db" --as-of 2026-01-15)
measure "assess (zhoucun-2019, json)" assess "${spec[@]}" --format json --out "$work/verdicts.json"
measure "report (html,xlsx,csv,json)" report "${spec[@]}" --out "$work/report"
measure "export (cited)" export "${spec[@]}" --out "$work/evidence"
measure "export --all" export "${spec[@]}" --all --out "$work/whole"
ls -l "$work/report" | awk 'NR > 1 { printf "  %s %s\n", $9, $5 }'
du -sh "$work/evidence" "$work/whole" | sed 's/^/  /'
