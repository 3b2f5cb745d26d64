#!/usr/bin/env bash
# Installs what leakhound needs on a fresh machine, idempotently.
#   test/setup.sh demo   npm packages only (the demo hunts a Node server)
#   test/setup.sh test   also the Debian packages the tests use (chromium, Python servers, poppler, wrk, gdb)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"

# Electron's postinstall downloads a binary from outside the npm registry; it cannot be
# fetched here, and the engine, CLI and UI do not need it.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

APT_PACKAGES=(chromium python3-flask gunicorn python3-uvicorn python3-django python3-fastapi poppler-utils wrk gdb lldb util-linux iproute2 openssh-server)
if [ "$mode" = "test" ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

stamp=node_modules/.leakhound-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
