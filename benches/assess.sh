#!/usr/bin/env bash
# The assessment benchmark: crawl the generated 20,000-page site (see benches/crawl.sh) into a
# fresh store, extract it, then time `zwgk assess` of every leaf of both bundled catalogs on it
# (three runs each). Prints wall time and peak RSS per run.
#
#   bash benches/assess.sh [ARTICLES]
set -euo pipefail
cd "$(dirname "$0")/.."
articles=${1:-20000}
source benches/site.sh
port=18182
target/release/zwgk serve "$site" --port $port >/dev/null 2>&1 &
server_pid=$!
sleep 1
target/release/zwgk crawl "http://127.0.0.1:$port/index.html" --db "$work/bench.db" --rate 0 --max-depth 1000 --json > "$work/crawl.json"
target/release/zwgk extract --db "$work/bench.db" --json > "$work/extract.json"
pages=$(python3 -c "import json; print(json.load(open('$work/extract.json'))['extracted'])")
echo "store: $pages pages with facts"
for catalog in zhoucun-2019 national-inspection; do
  for i in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$work/time" \
      target/release/zwgk assess --db "$work/bench.db" --catalog $catalog --as-of 2026-01-15 --format json --out "$work/verdicts.json"
    read -r wall rss_kb < "$work/time"
    leaves=$(python3 -c "import json; print(len(json.load(open('$work/verdicts.json'))['indicators']))")
    awk -v c="$catalog" -v n="$leaves" -v w="$wall" -v r="$rss_kb" -v p="$pages" 'BEGIN {
      printf "assess %s: %d leaves over %d pages in %.2f s; peak RSS %.1f MB\n", c, n, p, w, r / 1024 }'
  done
done
