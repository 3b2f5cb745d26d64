#!/usr/bin/env bash
# Compiles the engine, CLI and Electron shell (tsc → dist/), copies the Python agent, and
# bundles the renderer (vite → dist/renderer/).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist/electron dist/shared
npx tsc -p tsconfig.json
mkdir -p dist/electron/engine/python
if [ -d electron/engine/python/agent ]; then
  rm -rf dist/electron/engine/python/agent
  cp -r electron/engine/python/agent dist/electron/engine/python/agent
  find dist/electron/engine/python/agent -name '__pycache__' -prune -exec rm -rf {} +
fi
mkdir -p dist/electron/engine/remote
cp electron/engine/remote/helper.py dist/electron/engine/remote/helper.py
npx tsx test/build-load-agent.ts
if [ -f renderer/index.html ]; then
  npx vite build --logLevel warn
fi
