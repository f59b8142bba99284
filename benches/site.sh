# Sourced by the benchmark scripts: builds zwgk and the site generator in release mode and
# generates the benchmark site into `bench-site/` unless that article count is already there
# (the marker names the generator version, so a changed generator regenerates it).
#   needs: $articles; sets: $site, $work (a temp dir removed on exit with $server_pid killed)
site=bench-site
work=$(mktemp -d)
trap 'kill ${server_pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet --bin zwgk --example gen_site
if [ ! -f "$site/.articles-v2-$articles" ]; then
  rm -rf "$site"
  target/release/examples/gen_site "$site" "$articles"
  touch "$site/.articles-v2-$articles"
fi

# Serves DIR at each PORT or ADDRESS:PORT (127.0.0.1 when no address is given) with nginx
# (installed from Debian if missing), or with `zwgk serve` on the first port when nginx cannot
# be had. Sets $server and $server_pid.
serve_site() {
  local dir=$1 root
  shift
  case $dir in /*) root=$dir ;; *) root=$(pwd)/$dir ;; esac
  if ! command -v nginx >/dev/null 2>&1; then
    (apt-get install -y -q nginx-light >/dev/null 2>&1 || apt-get install -y -q nginx >/dev/null 2>&1) || true
  fi
  if command -v nginx >/dev/null 2>&1; then
    local listen=""
    for p in "$@"; do
      case $p in *:*) listen="$listen listen $p;" ;; *) listen="$listen listen 127.0.0.1:$p;" ;; esac
    done
    cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  types { text/html html; text/plain txt; }
  server { $listen root $root; }
}
CONF
    nginx -c "$work/nginx.conf" -g 'daemon off;' &
    server_pid=$!
    server="nginx $(nginx -v 2>&1 | sed 's/.*\///')"
  else
    target/release/zwgk serve "$dir" --port "${1##*:}" >/dev/null &
    server_pid=$!
    server="zwgk serve"
  fi
  sleep 1
}
