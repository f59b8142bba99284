#!/usr/bin/env bash
# CI: the systemd units in docs/systemd, checked by systemd-analyze. Installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

echo "== systemd units (systemd-analyze verify, security, calendar)"
# Debian's `systemd` package provides systemd-analyze; tzdata, the Asia/Shanghai zone that the
# timer's OnCalendar= names (a slim image may lack it, and verify then refuses the timer).
if ! command -v systemd-analyze >/dev/null 2>&1 || [ ! -e /usr/share/zoneinfo/Asia/Shanghai ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq systemd tzdata >/dev/null
fi
systemd-analyze --version | head -n 1
# `.ci/run` passes --install-only and runs every switched-on suite in one build.
[ "${1:-}" = "--install-only" ] || cargo test --locked --features systemd-tests --test integration systemd_units
