#!/usr/bin/env bash
# npm run bench [-- --quick | --runs N | --images a,b]: set up, build the wasm (both fast
# when up to date), then the in-browser benchmark (bench/bench.mjs). See bench/RESULTS.md.
# npm run bench -- --sweep [sweep options]: the equal-SSIM quality sweep (bench/sweep.mjs).
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"
bash scripts/setup.sh
bash scripts/build-wasm.sh
for a in "$@"; do
  if [ "$a" = --sweep ]; then exec node bench/sweep.mjs "$@"; fi
done
exec node bench/bench.mjs "$@"
