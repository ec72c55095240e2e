#!/usr/bin/env bash
# npm run bench [-- --quick | --runs N | --images a,b]: set up, build the wasm (both fast
# when up to date), then the in-browser benchmark (bench/bench.mjs). See bench/RESULTS.md.
# npm run bench -- --sweep [sweep options]: the equal-SSIM quality sweep (bench/sweep.mjs).
# npm run bench -- --first-photo: the widget's first photo with and without its worker
# warm-up (bench/first-photo.mjs), on the demo build served by the release endpoint.
# npm run bench -- --heic [--runs N --cold N --settle MS]: 12 MP HEIC → Media, ours against libheif-js
# (bench/heic.mjs, bench/HEIC.md); the full run (no option) runs it after the main bench.
# npm run bench -- --quality: the retake checks' cost per photo in Chromium (bench/quality.mjs).
# npm run bench -- --ab-save NAME, then --ab A B [--runs N --images a,b]: two builds of the main
# module in one page, decode and total B/A, outputs compared (bench/ab.mjs).
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"
bash scripts/setup.sh
bash scripts/build-wasm.sh
for a in "$@"; do
  if [ "$a" = --sweep ]; then exec node bench/sweep.mjs "$@"; fi
  if [ "$a" = --quality ]; then exec node bench/quality.mjs; fi
  if [ "$a" = --ab ] || [ "$a" = --ab-save ]; then exec node bench/ab.mjs "$@"; fi
  if [ "$a" = --first-photo ]; then
    webpack --mode production --stats errors-warnings
    cargo build --release --quiet -p fhir-media-endpoint
    exec node bench/first-photo.mjs
  fi
done
for a in "$@"; do
  if [ "$a" = --heic ]; then exec node bench/heic.mjs "$@"; fi
done
node bench/bench.mjs "$@"
[ $# -eq 0 ] && node bench/heic.mjs
exit 0
