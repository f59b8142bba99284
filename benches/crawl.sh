#!/usr/bin/env bash
# The crawl benchmark: generate a 20,000-page site, serve it on loopback with nginx (installed
# from Debian if missing; `zwgk serve` when nginx cannot be had), and crawl it with --rate 0.
# Prints pages/s, CPU seconds and peak RSS of the crawler. Then checks pacing: a --rate R crawl
# of N pages should take N/R seconds.
#
#   [ROUNDS=3] bash benches/crawl.sh [ARTICLES] [RATE_PAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
articles=${1:-20000}
rate_pages=${2:-200}
source benches/site.sh
pages=$(find "$site" -name '*.html' | wc -l)

port=18181
serve_site "$site" $port

echo "site: $pages pages under $site, served by $server on 127.0.0.1:$port"
# zwgk and wget on the same site, one after the other, ROUNDS times (3 unless set): the
# machine's speed drifts by a third between minutes, so only a ratio from the same round
# compares. wget is the reference: fetch and link scan, nothing kept.
rounds=${ROUNDS:-3}
ratios=""
for round in $(seq 1 "$rounds"); do
  rm -f "$work"/bench.db*
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
    target/release/zwgk crawl "http://127.0.0.1:$port/index.html" --db "$work/bench.db" --rate 0 --max-depth 1000 --json > "$work/report.json"
  read -r wall user sys rss_kb < "$work/time"
  fetched=$(python3 -c "import json,sys; print(json.load(open('$work/report.json'))['summary']['fetched'])")
  db_bytes=$(du -b "$work/bench.db" | cut -f1)
  awk -v i="$round" -v n="$fetched" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss_kb" -v db="$db_bytes" 'BEGIN {
    printf "round %d: full crawl, --rate 0: %d pages in %.2f s = %.0f pages/s; CPU %.2f s (user %.2f, sys %.2f) = %.3f ms/page; peak RSS %.1f MB; store %.1f MB\n",
      i, n, w, n / w, u + s, u, s, (u + s) / n * 1000, r / 1024, db / 1048576 }'
  command -v wget >/dev/null 2>&1 || continue
  rm -rf "$work/wget" && mkdir -p "$work/wget"
  /usr/bin/time -f '%e %U %S %M' -o "$work/wtime" \
    wget --recursive --level=inf --no-parent --delete-after -nv -o "$work/wget.log" \
      -P "$work/wget" "http://127.0.0.1:$port/index.html" || true
  read -r wwall wuser wsys wrss_kb < "$work/wtime"
  wpages=$(grep -c ' URL:' "$work/wget.log" || true)
  ratio=$(awk -v n="$wpages" -v w="$wwall" -v zn="$fetched" -v zw="$wall" 'BEGIN { printf "%.2f", (zn / zw) / (n / w) }')
  ratios="$ratios $ratio"
  awk -v i="$round" -v n="$wpages" -v w="$wwall" -v u="$wuser" -v s="$wsys" -v r="$wrss_kb" -v q="$ratio" 'BEGIN {
    printf "round %d: wget --recursive: %d pages in %.2f s = %.0f pages/s; CPU %.2f s = %.3f ms/page; peak RSS %.1f MB\n",
      i, n, w, n / w, u + s, (u + s) / n * 1000, r / 1024;
    printf "round %d: zwgk / wget = %.2fx pages/s\n", i, q }'
done
if [ -n "$ratios" ]; then
  echo "zwgk / wget by round:$ratios; median $(echo $ratios | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')x"
fi

rate=20
/usr/bin/time -f '%e' -o "$work/time2" \
  target/release/zwgk crawl "http://127.0.0.1:$port/index.html" --db "$work/rate.db" --rate $rate --max-pages "$rate_pages" --json > "$work/rate.json" \
  || [ $? -eq 5 ] # 5: stopped at the page limit, as asked (README, exit codes)
wall2=$(tail -1 "$work/time2") # after "Command exited with non-zero status 5"
requests=$(python3 -c "import json; s=json.load(open('$work/rate.json'))['summary']; print(s['fetched'] + s['robots_fetches'])")
awk -v n="$requests" -v w="$wall2" -v r="$rate" 'BEGIN {
  ideal = (n - 1) / r;
  printf "paced crawl, --rate %d: %d requests in %.2f s; ideal %.2f s; deviation %+.1f%%\n", r, n, w, ideal, (w - ideal) / ideal * 100 }'
