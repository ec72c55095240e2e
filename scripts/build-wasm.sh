#!/usr/bin/env bash
# Builds the browser package into pkg/: three wasm modules, each release wasm ->
# wasm-bindgen (web target) -> wasm-opt, each skipped when none of its inputs changed
# since its last build:
#   fhir_media_prepare  the main crate with only its `prepare` feature: prepareMedia and
#                       the pipeline (JPEG only), which the widget runs in its worker;
#   fhir_media_client   the main crate with only its `client` feature: MediaClient and
#                       QueueCore (FHIR client, queue scheduler), for the page's main thread;
#   fhir_media_codecs   codecs-wasm/: PNG, WebP, GIF, BMP decoding and PNG encoding, which
#                       www/lib/core.js loads only for a photo that needs them.
# www/lib/core.js instantiates each on first use.
set -euo pipefail
. "$(dirname "$0")/common.sh"

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
COMMON_INPUTS=(codecs/src codecs/Cargo.toml Cargo.toml Cargo.lock .cargo/config.toml scripts/build-wasm.sh)
# Binaryen features of what rustc 1.95 + wasm-bindgen emit; simd128 is ours (.cargo/config.toml).
WASM_OPT_FEATURES=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)

# build NAME CRATE STAMP CARGO_ARGS... -- INPUTS...: pkg/NAME.js and pkg/NAME_bg.wasm from
# the cdylib of CRATE. Every module is its own cargo run: one run would unify the features
# of fhir_media_codecs and put `image` into the main crate's modules, and the prepare and
# client modules are the same crate (and output file) with different features.
build() {
  local name="$1" crate="$2" stamp="$3"; shift 3
  local cargo_args=()
  while [ "$1" != "--" ]; do cargo_args+=("$1"); shift; done
  shift
  local wasm="pkg/${name}_bg.wasm" hash
  hash="$(hash_paths "$@" "${COMMON_INPUTS[@]}")"
  if [ -f "$wasm" ] && stamp_ok "$stamp" "$hash"; then
    echo "build-wasm: $name up to date"
  else
    echo "build-wasm: $name: cargo build --release --target wasm32-unknown-unknown -p $crate${cargo_args[*]:+ ${cargo_args[*]}}"
    cargo build --release --target wasm32-unknown-unknown -p "$crate" --lib "${cargo_args[@]}"
    rm -f "$stamp" "pkg/$name.js" "pkg/$name.d.ts" "pkg/${name}_bg.wasm" "pkg/${name}_bg.wasm.d.ts"
    wasm-bindgen --target web --out-dir pkg --out-name "$name" \
      "$TARGET_DIR/wasm32-unknown-unknown/release/$crate.wasm"
    echo "build-wasm: $name: wasm-opt -O3"
    wasm-opt -O3 "${WASM_OPT_FEATURES[@]}" "$wasm" -o "$wasm"
    echo "$hash" > "$stamp"
  fi
  echo "build-wasm: $wasm $(wc -c <"$wasm") bytes raw, $(gzip -9c "$wasm" | wc -c) bytes gzip"
}

mkdir -p pkg
# Left over from before the prepare/client split.
rm -f pkg/.build-stamp pkg/fhir_media_capture.js pkg/fhir_media_capture.d.ts \
  pkg/fhir_media_capture_bg.wasm pkg/fhir_media_capture_bg.wasm.d.ts
build fhir_media_prepare fhir_media_capture pkg/.build-stamp-prepare \
  --no-default-features --features prepare -- src vendor build.rs
build fhir_media_client fhir_media_capture pkg/.build-stamp-client \
  --no-default-features --features client -- src vendor build.rs
build fhir_media_codecs fhir_media_codecs_wasm pkg/.build-stamp-codecs \
  -- codecs-wasm/src codecs-wasm/Cargo.toml
