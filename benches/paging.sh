#!/usr/bin/env bash
# Paging windows are not columns: crawl a TRS-paged generated site (each column cut into
# windows of 20 items, `index_1.html` …) at two sizes, write the reports, and print how the
# output grows with the site. Before issue 11 each window counted as a column of its own, so
# documents were counted several times and report.csv grew ~50× for 6.7× the pages.
#
#   bash benches/paging.sh [SMALL] [LARGE]      # articles; defaults 3000 and 20000
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill ${server_pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
cargo build --release --quiet --bin zwgk --example gen_site
port=18183
for articles in "${1:-3000}" "${2:-20000}"; do
  site="$work/site-$articles"
  target/release/examples/gen_site "$site" "$articles" --paged >/dev/null
  target/release/zwgk serve "$site" --port $port >/dev/null 2>&1 &
  server_pid=$!
  sleep 1
  db="$work/$articles.db"
  target/release/zwgk crawl "http://127.0.0.1:$port/index.html" --db "$db" --rate 0 --max-depth 1000 --json > "$work/crawl.json"
  kill $server_pid; wait $server_pid 2>/dev/null || true
  target/release/zwgk extract --db "$db" --json > /dev/null
  target/release/zwgk report --db "$db" --as-of 2026-01-15 --period 2025 --out "$work/report-$articles" >/dev/null 2>&1
  python3 - "$work/crawl.json" "$work/report-$articles" <<'PY'
import json, os, re, sys, collections
crawl = json.load(open(sys.argv[1]))
out = sys.argv[2]
report = json.load(open(os.path.join(out, "report.json")))
leaves = report["indicators"]
repeats = max((max(collections.Counter(e["url"] for e in l.get("evidence", [])).values(), default=0) for l in leaves), default=0)
counts = [int(n.replace(",", "")) for l in leaves for n in re.findall(r"栏目([\d,]+)(?:件|篇|条)", l.get("reason", ""))]
size = lambda f: os.path.getsize(os.path.join(out, f))
evidence = max(len(l.get('evidence', [])) for l in leaves)
print(f"pages {crawl['summary']['fetched']:,}: report.csv {size('report.csv'):,} B, report.json {size('report.json'):,} B; "
      f"largest column count in a reason {max(counts, default=0):,}; most evidence in one leaf {evidence}, most repeats of one URL in one leaf's evidence {repeats}")
PY
done
