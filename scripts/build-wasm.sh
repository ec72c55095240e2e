#!/usr/bin/env bash
# Builds the browser package into pkg/: release wasm -> wasm-bindgen (web target)
# -> wasm-opt. Skips everything when no input changed since the last build.
set -euo pipefail
. "$(dirname "$0")/common.sh"

CRATE=fhir_media_capture
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
WASM="pkg/${CRATE}_bg.wasm"
STAMP=pkg/.build-stamp
INPUTS=(src vendor Cargo.toml Cargo.lock build.rs .cargo/config.toml scripts/build-wasm.sh)
# Binaryen features of what rustc 1.95 + wasm-bindgen emit; simd128 is ours (.cargo/config.toml).
WASM_OPT_FEATURES=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)

sizes() {
  echo "build-wasm: $WASM $(wc -c <"$WASM") bytes raw, $(gzip -9c "$WASM" | wc -c) bytes gzip"
}

hash="$(hash_paths "${INPUTS[@]}")"
if [ -f "$WASM" ] && stamp_ok "$STAMP" "$hash"; then
  echo "build-wasm: up to date"
  sizes
  exit 0
fi

echo "build-wasm: cargo build --release --target wasm32-unknown-unknown"
cargo build --release --target wasm32-unknown-unknown -p "$CRATE" --lib
rm -rf pkg
wasm-bindgen --target web --out-dir pkg "$TARGET_DIR/wasm32-unknown-unknown/release/$CRATE.wasm"
echo "build-wasm: wasm-opt -O3"
wasm-opt -O3 "${WASM_OPT_FEATURES[@]}" "$WASM" -o "$WASM"
echo "$hash" > "$STAMP"
sizes
