#!/usr/bin/env bash
# CI: the 通报 .docx converted to PDF by LibreOffice. Installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

echo "== office tests (LibreOffice converts the 通报 .docx to PDF)"
# Debian's headless Writer (no GUI libraries) and a CJK font for the conversion; with the
# feature on, a missing soffice fails the test, never skips it.
if ! command -v soffice >/dev/null 2>&1 || [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      libreoffice-writer-nogui fonts-wqy-microhei >/dev/null; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      libreoffice-writer fonts-wqy-microhei >/dev/null
  fi
fi
soffice --version
# `.ci/run` passes --install-only and runs every switched-on suite in one build.
[ "${1:-}" = "--install-only" ] || cargo test --locked --features office-tests --test integration office_docx
