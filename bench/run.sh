#!/usr/bin/env bash
# npm run bench [-- --quick | --runs N | --images a,b]: set up, build the wasm (both fast
# when up to date), then the in-browser benchmark (bench/bench.mjs). See bench/RESULTS.md.
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"
bash scripts/setup.sh
bash scripts/build-wasm.sh
exec node bench/bench.mjs "$@"
