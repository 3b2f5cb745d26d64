#!/usr/bin/env bash
# npm test: set up, build, lint, type-check, then every test (unit, integration, e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/setup.sh test
bash test/build.sh
echo "== lint (biome)"
npx biome check .
echo "== type-check (tests and renderer)"
npx tsc -p tsconfig.test.json
if [ -f renderer/tsconfig.json ] && [ -d renderer/src ]; then npx tsc -p renderer/tsconfig.json; fi
echo "== tests"
mkdir -p test-results
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@"
code=$?
set -e
node -e '
const r = require("./test-results/vitest.json");
const skipped = r.numPendingTests + (r.numTodoTests || 0);
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || true
exit $code
