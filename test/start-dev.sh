#!/usr/bin/env bash
# npm start: the desktop app in development. The renderer comes from Vite's dev server (hot
# reload); main, preload and the engine are compiled once with tsc; Electron loads the dev
# URL through LEAKHOUND_DEV_URL (loopback only, checked by the app).
set -euo pipefail
cd "$(dirname "$0")/.."

# require('electron') resolves to the binary's path (honouring ELECTRON_OVERRIDE_DIST_PATH);
# it throws when the binary was never downloaded.
ELECTRON_BIN=$(node -e "try { const p = require('electron'); if (require('fs').existsSync(p)) process.stdout.write(p) } catch {}")
if [ -z "$ELECTRON_BIN" ]; then
  cat >&2 <<'MSG'
npm start: the Electron binary is not installed, so the desktop app cannot start here.
  Installs on this machine set ELECTRON_SKIP_BINARY_DOWNLOAD=1. To get it:
    unset ELECTRON_SKIP_BINARY_DOWNLOAD && node node_modules/electron/install.js
  or point ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron of the version in package.json.
  The same UI runs in a browser without Electron:
    npm run build && node dist/electron/cli.js serve --open
MSG
  exit 1
fi

PORT=${LEAKHOUND_DEV_PORT:-5173}
npx tsc -p tsconfig.json

npx vite --host 127.0.0.1 --port "$PORT" --strictPort &
VITE_PID=$!
trap 'kill "$VITE_PID" 2>/dev/null || true' EXIT INT TERM

# Wait for the dev server, at most 30 s.
for _ in $(seq 1 150); do
  if node -e "require('net').connect($PORT, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"; then
    break
  fi
  if ! kill -0 "$VITE_PID" 2>/dev/null; then
    echo "npm start: the Vite dev server exited; see its output above" >&2
    exit 1
  fi
  sleep 0.2
done

LEAKHOUND_DEV_URL="http://127.0.0.1:$PORT/" "$ELECTRON_BIN" .
