#!/usr/bin/env bash
# CI: a throwaway PostgreSQL cluster on loopback for the `postgres-tests` suite. Installs
# Debian's server when it is missing, starts a fresh cluster in a temporary directory, and
# prints the URL to export as ZWGK_TEST_POSTGRES. `stop DIR` ends the cluster and removes it.
#
#   eval "$(bash .ci/postgres.sh start)"   # sets ZWGK_TEST_POSTGRES and ZWGK_PG_DIR
#   bash .ci/postgres.sh stop "$ZWGK_PG_DIR"
set -euo pipefail

port="${ZWGK_PG_PORT:-55432}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_owner() {
  # The server refuses to run as root: run it as the `postgres` account the package creates.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
start)
  if [ -z "$(bin_dir)" ] || [ ! -x "$(bin_dir)/initdb" ]; then
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
  fi
  bin="$(bin_dir)"
  dir="$(mktemp -d /tmp/zwgk-pg.XXXXXX)"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U zwgk -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # Loopback only, the socket inside the throwaway directory, fsync off: a test cluster.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "export ZWGK_TEST_POSTGRES=postgres://zwgk@127.0.0.1:$port/postgres"
  echo "export ZWGK_PG_DIR=$dir"
  ;;
stop)
  dir="${2:?usage: postgres.sh stop DIR}"
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: postgres.sh start | stop DIR" >&2
  exit 2
  ;;
esac
