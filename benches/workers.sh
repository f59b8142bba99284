#!/usr/bin/env bash
# Crawl workers and many sites.
#
# 1. One site with the rate off: a lone crawl on SQLite and on PostgreSQL, then 1, 2 and 4
#    `zwgk crawl --worker` processes sharing one PostgreSQL store. Wall time, pages/s, the
#    crawlers' CPU, the PostgreSQL server's CPU and its transactions and rows written.
# 2. Twenty sites with the rate on (`audit --sites --parallel 20`): wall time and each site's
#    crawl time against the politeness bound, pages/rate per host, all hosts in parallel.
#
# Starts nginx and a throwaway PostgreSQL cluster (.ci/postgres.sh) on loopback.
#   bash benches/workers.sh [ARTICLES] [SMALL_ARTICLES] [RATE]
set -euo pipefail
cd "$(dirname "$0")/.."
articles=${1:-5000}
small=${2:-30}
rate=${3:-5}
source benches/site.sh
pages=$(find "$site" -name '*.html' | wc -l)
small_site="$work/small-site"
target/release/examples/gen_site "$small_site" "$small" >/dev/null
small_pages=$(find "$small_site" -name '*.html' | wc -l)
# nginx's workers run as an unprivileged user: the temporary directory must be readable.
chmod a+rx "$work"
chmod -R a+rX "$small_site"

# Twenty hosts: `audit --sites` runs sites on one host in turn, so each gets its own loopback
# address (all of 127.0.0.0/8 is loopback on Linux).
addresses=$(for i in $(seq 2 21); do echo "127.0.0.$i:18300"; done)
serve_site "$site" 18181
main_server_pid=$server_pid
work_nginx="$work"
work="$work/small"
mkdir -p "$work"
# shellcheck disable=SC2086
serve_site "$small_site" $addresses
small_server_pid=$server_pid
work="$work_nginx"
eval "$(ZWGK_PG_PORT=55433 bash .ci/postgres.sh start)"
trap 'kill $main_server_pid $small_server_pid 2>/dev/null || true; bash .ci/postgres.sh stop "$ZWGK_PG_DIR"; rm -rf "$work"' EXIT
server_url=${ZWGK_TEST_POSTGRES%/*}

# CPU seconds of the whole PostgreSQL cluster so far: the postmaster with its ended children
# (cutime, cstime) and the live ones.
pg_cpu() {
  local master
  master=$(head -n 1 "$ZWGK_PG_DIR/data/postmaster.pid")
  {
    awk '{print $14 + $15 + $16 + $17}' "/proc/$master/stat"
    for child in $(cat "/proc/$master/task/$master/children"); do
      awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || true
    done
  } | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {printf "%.2f", s / hz}'
}

# Transactions committed and rows written in one database.
pg_load() {
  psql "$server_url/$1" -Atc "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = '$1'"
}

echo "site: $pages pages, served by $server on 127.0.0.1:18181; PostgreSQL $(psql "$ZWGK_TEST_POSTGRES" -Atc 'SHOW server_version') on loopback"
url="http://127.0.0.1:18181/index.html"
flags=(--rate 0 --max-depth 1000 --json)

lone() {
  local name=$1 db=$2
  local before after
  before=$(pg_cpu)
  /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" target/release/zwgk crawl "$url" --db "$db" "${flags[@]}" > "$work/$name.json" 2>"$work/$name.err"
  # The server's backends end (and are counted) a moment after their clients.
  sleep 1
  after=$(pg_cpu)
  read -r wall user sys rss < "$work/$name.time"
  fetched=$(python3 -c "import json; print(json.load(open('$work/$name.json'))['summary']['fetched'])")
  awk -v l="$name" -v n="$fetched" -v w="$wall" -v c="$(echo "$user + $sys" | bc)" -v pg="$(echo "$after - $before" | bc)" -v r="$rss" 'BEGIN {
    printf "%-26s %6d pages %7.2f s %7.0f pages/s  crawler CPU %6.2f s (%.3f ms/page)  server CPU %6.2f s  peak RSS %.0f MB\n", l, n, w, n / w, c, c / n * 1000, pg, r / 1024 }'
}

lone "lone crawl, SQLite" "$work/lone.db"
createdb_pg() { psql "$ZWGK_TEST_POSTGRES" -qc "CREATE DATABASE $1"; }
createdb_pg lone
lone "lone crawl, PostgreSQL" "$server_url/lone"
read -r xacts rows <<< "$(pg_load lone | tr '|' ' ')"
echo "                           database: $xacts transactions, $rows rows written"

for n in 1 2 4; do
  db="w$n"
  createdb_pg "$db"
  before=$(pg_cpu)
  start=$(date +%s.%N)
  pids=()
  for i in $(seq 1 "$n"); do
    /usr/bin/time -f '%U %S %M' -o "$work/$db-$i.time" \
      target/release/zwgk crawl "$url" --db "$server_url/$db" --worker --worker-id "w$i" "${flags[@]}" > "$work/$db-$i.json" 2>"$work/$db-$i.err" &
    pids+=($!)
  done
  failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
  if [ "$failed" -gt 0 ]; then
    echo "$failed of $n workers failed:"
    tail -n 3 "$work/$db"-*.err
  fi
  end=$(date +%s.%N)
  sleep 1
  after=$(pg_cpu)
  cpu=$(cat "$work/$db"-*.time | awk '{s += $1 + $2} END {printf "%.2f", s}')
  fetched=$(psql "$server_url/$db" -Atc "SELECT COUNT(*) FROM fetches f JOIN urls u ON u.id = f.url_id WHERE u.kind <> 'robots'")
  twice=$(psql "$server_url/$db" -Atc "SELECT COUNT(*) FROM (SELECT f.url_id FROM fetches f JOIN urls u ON u.id = f.url_id WHERE u.kind <> 'robots' GROUP BY f.url_id HAVING COUNT(*) > 1) t")
  read -r xacts rows <<< "$(pg_load "$db" | tr '|' ' ')"
  awk -v l="$n worker(s), PostgreSQL" -v n="$fetched" -v w="$(echo "$end - $start" | bc)" -v c="$cpu" -v pg="$(echo "$after - $before" | bc)" -v x="$xacts" -v r="$rows" -v t="$twice" 'BEGIN {
    printf "%-26s %6d pages %7.2f s %7.0f pages/s  crawler CPU %6.2f s (%.3f ms/page)  server CPU %6.2f s  %d transactions, %d rows written, %d URLs fetched twice\n", l, n, w, n / w, c, c / n * 1000, pg, x, r, t }'
done

echo
echo "twenty sites of $small_pages pages each at --rate $rate, audited at once (audit --sites --parallel 20)"
{
  i=0
  for a in $addresses; do
    i=$((i + 1))
    printf '[[site]]\nname = "site%02d"\nurl = "http://%s/index.html"\n\n' "$i" "$a"
  done
} > "$work/sites.toml"
curl -sf -o /dev/null "http://${addresses%%$'\n'*}/index.html" || { echo "the small sites are not served:"; tail -n 5 "$work/small/error.log"; exit 1; }
start=$(date +%s.%N)
ZWGK_NO_PDF=1 target/release/zwgk audit --sites "$work/sites.toml" --parallel 20 --rate "$rate" --as-of 2026-01-15 \
  --out "$work/audit20" > "$work/audit20.log" 2>&1 || { echo "audit --sites failed:"; tail -n 5 "$work/audit20.log"; }
end=$(date +%s.%N)
python3 - "$work/audit20" "$rate" "$(echo "$end - $start" | bc)" <<'PY'
import datetime, glob, sqlite3, sys
out, rate, wall = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
spans, requests = [], []
for db in sorted(glob.glob(out + "/*/zwgk.db")):
    con = sqlite3.connect(db)
    started, finished = con.execute("SELECT started_at, finished_at FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    n = con.execute("SELECT COUNT(*) FROM fetches").fetchone()[0]
    t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    spans.append((t(finished) - t(started)).total_seconds())
    requests.append(n)
bound = (max(requests) - 1) / rate
print(f"{len(spans)} sites, {sum(requests)} requests; politeness bound (pages/rate per host, hosts in parallel) {bound:.1f} s; "
      f"sequential would be {(sum(requests) - 1) / rate:.1f} s")
print(f"crawl time per site: min {min(spans):.1f} s, median {sorted(spans)[len(spans) // 2]:.1f} s, max {max(spans):.1f} s; "
      f"whole audit (crawl, extract, assess, reports, ranking) {wall:.1f} s")
PY
