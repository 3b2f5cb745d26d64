#!/usr/bin/env bash
# npm run soak: a long hunt at full load while leakhound's own RSS is sampled.
#   SOAK_MINUTES=60 npm run soak   (default 2: the CI smoke version)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/setup.sh demo
bash test/build.sh
node --import tsx test/soak/soak.ts
