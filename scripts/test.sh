#!/usr/bin/env bash
# Runs every test of the project. Installs what the tests need when it is missing:
# tmux (terminal apps), zbar-tools (QR decoding of printed documents), Debian's chromium
# (web pages, headless), systemd (`systemd-analyze verify` of the units), the npm package
# playwright-core (driving chromium) and PostgreSQL's server binaries (the city tests initdb
# their own throw-away cluster; no service is started).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ -f tests/web/package.json ] && [ ! -d tests/web/node_modules/playwright-core ]; then
  echo "installing playwright-core for the browser tests"
  (cd tests/web && npm install --no-audit --no-fund --silent)
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --no-fail-fast
