#!/usr/bin/env bash
# npm run bench: figures, not pass/fail. Each benchmark measures its anchors in the same run.
#   npm run bench                 load generator + heap analysis (50 MB, 300 MB) + sampler
#   npm run bench -- --large      also the ≥ 1 GB snapshot
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/setup.sh test
bash test/build.sh
for b in load heap sampler python-agent ui remote; do
  f="test/bench/$b.bench.ts"
  [ -f "$f" ] || continue
  echo "== $b"
  node --import tsx "$f" "$@"
done
