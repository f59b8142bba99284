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
