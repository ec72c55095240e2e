#!/usr/bin/env bash
# A debug build of the main wasm module (as scripts/build-wasm.sh builds the release one,
# without wasm-opt) into target/pkg-debug/, beside a copy of pkg/'s codecs module: the
# package's JS over this directory is the widget with the debug-only trap hook
# (src/web/trap_hook.rs), for tests/e2e/hostile.test.mjs. Needs pkg/ (build-wasm.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT="$TARGET_DIR/pkg-debug"
cargo build --quiet --target wasm32-unknown-unknown -p fhir_media_capture --lib \
  --no-default-features --features prepare,client
mkdir -p "$OUT"
wasm-bindgen --target web --out-dir "$OUT" --out-name fhir_media_capture \
  "$TARGET_DIR/wasm32-unknown-unknown/debug/fhir_media_capture.wasm"
# The lazily loaded modules as released: only the main module carries the debug hooks.
cp pkg/fhir_media_codecs.js pkg/fhir_media_codecs_bg.wasm pkg/fhir_media_heic.js pkg/fhir_media_heic_bg.wasm "$OUT/"
echo "build-wasm-debug: $OUT/fhir_media_capture_bg.wasm $(wc -c <"$OUT/fhir_media_capture_bg.wasm") bytes"
