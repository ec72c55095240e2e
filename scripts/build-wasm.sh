#!/usr/bin/env bash
# Builds the browser package into pkg/: two wasm modules, each release wasm ->
# wasm-bindgen (web target) -> wasm-opt, each skipped when none of its inputs changed
# since its last build:
#   fhir_media_capture  the main crate with its `prepare` and `client` features and without
#                       the compiled-in codecs: prepareMedia and the JPEG pipeline (run in
#                       the widget's worker), MediaClient and QueueCore (run on the page).
#                       One module for both, fetched once: shared std, allocator and glue
#                       made two modules 37 KB gzip bigger in sum (bench/SIZE.md);
#   fhir_media_codecs   codecs-wasm/: PNG, WebP, GIF, BMP decoding and PNG encoding, which
#                       www/lib/prepare.js loads only for a photo that needs them;
#   fhir_media_heic     heif-wasm/: HEIC/HEIF decoding (heifer: HEIF container + HEVC), which
#                       www/lib/heic.js loads only for a HEIC photo the browser cannot
#                       decode itself. FHIR_MEDIA_HEIC=0 ships without it (HEVC may be
#                       patent-encumbered in some places): pkg/fhir_media_heic.js is then a
#                       stub whose init fails, so HEIC photos get 'heic-not-decodable'.
# www/lib/prepare.js instantiates each on first use.
set -euo pipefail
. "$(dirname "$0")/common.sh"

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
# The package's wasm and glue go to pkg/ (FHIR_MEDIA_PKG: another folder, as the test of the
# FHIR_MEDIA_HEIC=0 build does with a copy of pkg/).
PKG="${FHIR_MEDIA_PKG:-pkg}"
COMMON_INPUTS=(codecs/src codecs/Cargo.toml Cargo.toml Cargo.lock .cargo/config.toml scripts/build-wasm.sh)
# Binaryen features of what rustc 1.95 + wasm-bindgen emit; simd128 is ours (.cargo/config.toml).
WASM_OPT_FEATURES=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)

# build NAME CRATE STAMP CARGO_ARGS... -- INPUTS... [-- WASM_OPT_ARGS...]: $PKG/NAME.js and
# $PKG/NAME_bg.wasm from the cdylib of CRATE. Every module is its own cargo run: one run
# would unify the features of fhir_media_codecs and put `image` into the main crate's module.
build() {
  local name="$1" crate="$2" stamp="$3"; shift 3
  local cargo_args=() inputs=() opt_args=()
  while [ "$1" != "--" ]; do cargo_args+=("$1"); shift; done
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do inputs+=("$1"); shift; done
  [ $# -gt 0 ] && shift && opt_args=("$@")
  set -- "${inputs[@]}"
  local wasm="$PKG/${name}_bg.wasm" hash
  hash="$(hash_paths "$@" "${COMMON_INPUTS[@]}")"
  if [ -f "$wasm" ] && stamp_ok "$stamp" "$hash"; then
    echo "build-wasm: $name up to date"
  else
    echo "build-wasm: $name: cargo build --release --target wasm32-unknown-unknown -p $crate${cargo_args[*]:+ ${cargo_args[*]}}"
    cargo build --release --target wasm32-unknown-unknown -p "$crate" --lib "${cargo_args[@]}"
    rm -f "$stamp" "$PKG/$name.js" "$PKG/$name.d.ts" "$PKG/${name}_bg.wasm" "$PKG/${name}_bg.wasm.d.ts"
    wasm-bindgen --target web --out-dir "$PKG" --out-name "$name" \
      "$TARGET_DIR/wasm32-unknown-unknown/release/$crate.wasm"
    echo "build-wasm: $name: wasm-opt${opt_args[*]:+ ${opt_args[*]}} -O3 --low-memory-unused --converge"
    # --low-memory-unused: rustc's wasm32 layout puts the stack first, growing down from
    # 1 MiB, so the low 1 KiB is never addressed (it would be only past a stack overflow,
    # which traps either way); Binaryen may then fold pointer + offset into load/store
    # offsets: ~1.6 KB gzip smaller, no slower (bench/SIZE.md). --converge repeats the
    # passes while they still shrink the module: ~0.55 KB gzip for ~20 s more build.
    # The module's own arguments first: wasm-opt runs passes in the order given, and a
    # --no-inline=PATTERN must mark its functions before -O3's inlining sees them. A
    # pattern matches the names wasm-bindgen leaves in the name section; one that matches
    # nothing would be ignored without a word, so its name must be there.
    local arg name_part
    for arg in "${opt_args[@]}"; do
      [[ "$arg" == --no-inline=* ]] || continue
      name_part="${arg#--no-inline=}"; name_part="${name_part//\*/}"
      grep -qaF -- "$name_part" "$wasm" \
        || { echo "build-wasm: $name: no function named like '$name_part' for $arg" >&2; return 1; }
    done
    wasm-opt "${opt_args[@]}" -O3 --low-memory-unused --converge "${WASM_OPT_FEATURES[@]}" "$wasm" -o "$wasm"
    echo "$hash" > "$stamp"
  fi
  echo "build-wasm: $wasm $(wc -c <"$wasm") bytes raw, $(gzip -9c "$wasm" | wc -c) bytes gzip"
}

mkdir -p "$PKG"
# Left over from the prepare/client split (two modules of the main crate).
for old in prepare client; do
  rm -f "$PKG/.build-stamp-$old" "$PKG/fhir_media_$old.js" "$PKG/fhir_media_$old.d.ts" \
    "$PKG/fhir_media_${old}_bg.wasm" "$PKG/fhir_media_${old}_bg.wasm.d.ts"
done
# --no-inline: the photo's hot loops stay functions of their own, so that V8 optimizes
# (TurboFan) only them, not the large cold code Binaryen would inline them into (each is
# called once): the JPEG decoder's scan loop out of decode_internal (marker parsing, 30 KB),
# the retake checks out of prepareMedia's async state machine (36 KB). Those two compiles
# took ~0.5 s of CPU after the warm-up, on the cores the first photo needed (bench/HEIC.md,
# "The warm-up's optimizing compiles"). vendor/jpeg-decoder marks decode_scan
# #[inline(never)] for LLVM; quality.rs marks its own.
build fhir_media_capture fhir_media_capture "$PKG/.build-stamp-main" \
  --no-default-features --features prepare,client -- src vendor build.rs \
  -- '--no-inline=*decode_scan*' '--no-inline=*quality::measure*' '--no-inline=*quality::sharpness*'
build fhir_media_codecs fhir_media_codecs_wasm "$PKG/.build-stamp-codecs" \
  -- codecs-wasm/src codecs-wasm/Cargo.toml vendor/image-webp
if [ "${FHIR_MEDIA_HEIC:-1}" = 0 ]; then
  echo "build-wasm: fhir_media_heic left out (FHIR_MEDIA_HEIC=0): stub glue, no wasm"
  rm -f "$PKG/.build-stamp-heic" "$PKG/fhir_media_heic_bg.wasm" "$PKG/fhir_media_heic_bg.wasm.d.ts"
  cat > "$PKG/fhir_media_heic.js" <<'STUB'
// Built with FHIR_MEDIA_HEIC=0: no HEIC decoder in this package (scripts/build-wasm.sh).
const left_out = () => Object.assign(
  new Error('This build has no HEIC decoder (built with FHIR_MEDIA_HEIC=0).'),
  { code: 'heic-not-decodable' });
export const HEIC_LEFT_OUT = true;
export default async function init() { throw left_out(); }
export function decode() { throw left_out(); }
STUB
  printf '%s\n' 'export const HEIC_LEFT_OUT: true;' \
    'export default function init(): Promise<never>;' \
    'export function decode(bytes: Uint8Array, maxPixels: number): never;' > "$PKG/fhir_media_heic.d.ts"
else
  # -ocimfs 1000 (Binaryen's one-caller-inline-max-function-size): a function called from
  # one place stays apart when it is big. heif/src/hevc.rs and scaled.rs keep the hot loops
  # of a tile out of the cold code around them, so that V8 optimizes (TurboFan) only them
  # on the first HEIC of a page; Binaryen would inline them back (bench/HEIC.md, "Only hot
  # code optimized").
  build fhir_media_heic fhir_media_heif_wasm "$PKG/.build-stamp-heic" \
    -- heif-wasm/src heif-wasm/Cargo.toml heif/src heif/Cargo.toml -- -ocimfs 1000
fi
