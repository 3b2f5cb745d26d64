#!/usr/bin/env bash
# npm run demo: install, build, and hunt the bundled leaky "orders" service.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/setup.sh demo
bash test/build.sh
out=".runs/demo-$(date +%Y%m%d-%H%M%S)"
echo "demo: hunting test/fixtures/node/demo-orders.js (a service that keeps an audit entry per request)"
set +e
node dist/electron/cli.js run --spawn "node test/fixtures/node/demo-orders.js" \
  --url "http://127.0.0.1:{port}/orders" --requests 6000 --concurrency 10 --out "$out" --report html,pdf
code=$?
set -e
echo "demo: run folder $out (result.json, report.html, report.pdf)"
exit $code
