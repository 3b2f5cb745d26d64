#!/usr/bin/env bash
# npm run demo: install, build, and hunt the bundled leaky "orders" service.
# The run goes to the data folder (LEAKHOUND_DATA_DIR, else ~/.local/share/leakhound), the
# one `leakhound runs`, `leakhound serve` and the desktop app list, so the UI shows it.
# DEMO_SKIP_SETUP=1 skips the install and build (the tests, with dist/ already built);
# DEMO_REQUESTS sets the request budget (default 6000).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${DEMO_SKIP_SETUP:-}" != 1 ]; then
  bash test/setup.sh demo
  bash test/build.sh
fi
echo "demo: hunting test/fixtures/node/demo-orders.js (a service that keeps an audit entry per request)"
set +e
node dist/electron/cli.js run --spawn "node test/fixtures/node/demo-orders.js" \
  --url "http://127.0.0.1:{port}/orders" --requests "${DEMO_REQUESTS:-6000}" --concurrency 10 --report html,pdf
code=$?
set -e
echo "demo: see it in the UI: bin/leakhound serve (then open the printed URL), or npm start for the desktop app"
exit $code
