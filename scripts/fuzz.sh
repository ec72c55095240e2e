#!/usr/bin/env bash
# npm run fuzz [-- SECONDS [TARGET...]]: the cargo-fuzz targets in fuzz/ (libFuzzer, address
# sanitizer, nightly), each for SECONDS (default 60), from a corpus kept in
# target/fuzz-corpus/<target> (so a long run goes on where the last stopped) and seeded from
# ../shared/testdata and the Canvas examples. A crash, a timeout over 2 s or an allocation
# over the limits is written to fuzz/artifacts/<target>/ and fails the run; make it a
# regression test.
# `fuzz.sh smoke` (npm test): the seeds only, a fixed seed and a fixed number of runs per
# target, so that the same commit gives the same result on every machine: a test, not a
# search; the search is the long run.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die() { echo "fuzz: ERROR: $*" >&2; exit 1; }

secs="${1:-60}"
[ $# -gt 0 ] && shift
smoke=false
if [ "$secs" = smoke ]; then smoke=true; fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(prepare orientation fhir_json headers heif heif_scrub)
rustup run nightly rustc --version >/dev/null 2>&1 \
  || die "the nightly toolchain is missing (cargo-fuzz needs it): rustup toolchain install nightly"
command -v cargo-fuzz >/dev/null || die "cargo-fuzz missing: run scripts/setup.sh"

TESTDATA="${FHIR_TESTDATA:-$ROOT/../shared/testdata}"
CORPUS="$ROOT/target/fuzz-corpus"
if $smoke; then CORPUS="$ROOT/target/fuzz-smoke"; rm -rf "$CORPUS"; fi
# Runs per target in smoke mode: ~10-20 s each on 2 shared cores.
declare -A SMOKE_RUNS=([prepare]=5000 [orientation]=100000 [fhir_json]=100000 [headers]=200000 [heif]=3000 [heif_scrub]=6000)
seed() { # seed TARGET NAME < bytes
  mkdir -p "$CORPUS/$1"
  cat >"$CORPUS/$1/seed-$2"
}
# prepare: 3 option bytes (max 512 px, 50 KB budget, JPEG, quality ~0.5), then an image:
# each shared photo cut to 48 KB (a truncated photo walks the decoders' error paths), the
# small ones whole, and the start of each HEIC.
for f in "$TESTDATA"/photos/*.jpg "$TESTDATA"/photos/heic/*; do
  [ -f "$f" ] || continue
  name="$(basename "$f")"
  { printf '\x05\x01\x80'; head -c 49152 "$f"; } | seed prepare "$name-48k"
  [ "$(wc -c <"$f")" -lt 400000 ] && { printf '\x05\x01\x80'; cat "$f"; } | seed prepare "$name"
  head -c 65536 "$f" | seed orientation "$name"
done
# heif: the HEIC photos whole and cut to 48 KB (the container; their 12 MP is over the
# target's limit), and small synthetic HEICs made with libheif's heif-enc (8-bit, 10-bit,
# alpha: fuzz/seeds/heif), which the decoder decodes in milliseconds; those also seed prepare.
for f in "$TESTDATA"/photos/heic/*; do
  [ -f "$f" ] || continue
  seed heif "$(basename "$f")" <"$f"
  head -c 49152 "$f" | seed heif "$(basename "$f")-48k"
done
for f in "$ROOT"/fuzz/seeds/heif/*.heic; do
  seed heif "$(basename "$f")" <"$f"
  { printf '\x05\x01\x80'; cat "$f"; } | seed prepare "$(basename "$f")"
done
# prepare: WebPs (lossy, lossy + alpha, lossless, an animation: read row by row when
# reduced; codecs/tests/fixtures, from Chromium), a 24-bit BMP of 1030x2 (read in bands:
# reduced by 2 for 512 px) and RLE8 / RLE4 BMPs of 1030x3 with every RLE instruction (read
# a row at a time).
for f in "$ROOT"/codecs/tests/fixtures/*.webp; do
  { printf '\x05\x01\x80'; cat "$f"; } | seed prepare "$(basename "$f")"
done
{ printf '\x05\x01\x80BM\x5e\x18\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x06\x04\0\0\x02\0\0\0\x01\0\x18\0'
  printf '\0\0\0\0\x28\x18\0\0\x13\x0b\0\0\x13\x0b\0\0\0\0\0\0\0\0\0\0'
  head -c 6184 /dev/zero | tr '\0' '\200'; } | seed prepare bmp-1030x2
rle_bmp() { # rle_bmp NAME BITS COMPRESSION: 1030x3, a full palette, runs, an absolute span,
  # a delta, ends of row, the end of the bitmap
  local colors=$((1 << $2))
  { printf '\x05\x01\x80BM\0\0\0\0\0\0\0\0'
    printf "\\x$(printf %02x $(( (54 + colors * 4) & 255 )))\\x$(printf %02x $(( (54 + colors * 4) >> 8 )))\\0\\0"
    printf '\x28\0\0\0\x06\x04\0\0\x03\0\0\0\x01\0'
    printf "\\x$(printf %02x "$2")\\0\\x0$3\\0\\0\\0"
    printf '\0\0\0\0\x13\x0b\0\0\x13\x0b\0\0\0\0\0\0\0\0\0\0'
    head -c $((colors * 4)) /dev/zero | tr '\0' '\140'
    printf '\xff\x11\xff\x22\0\x05\x01\x02\x03\x04\x05\0\0\x02\x07\x00\xff\x33\0\0'
    printf '\x10\x44\0\x02\x04\x01\xff\x55\0\0\0\x01'; } | seed prepare "$1"
}
rle_bmp bmp-rle8-1030x3 8 1
rle_bmp bmp-rle4-1030x3 4 2
# heif_scrub: each HEIC whole (its metadata found and blanked), and its first 16 KB (the
# meta box, then an mdat cut short: refused).
for f in "$TESTDATA"/photos/heic/*; do
  [ -f "$f" ] || continue
  seed heif_scrub "$(basename "$f")" <"$f"
  head -c 16384 "$f" | seed heif_scrub "$(basename "$f")-16k"
done
for f in "$TESTDATA"/../canvas-examples/*.json; do
  [ -f "$f" ] && seed fhir_json "$(basename "$f")" <"$f"
done
printf '%s' 'https://fumage-x.canvasmedical.com/Media/a1b2/_history/1' | seed headers location
printf '%s' 'Wed, 21 Oct 2015 07:28:00 GMT' | seed headers http-date
printf '%s' '120' | seed headers seconds
printf 'location: /Media/1\r\nretry-after: 5\r\n' | seed headers list

failed=()
for t in "${targets[@]}"; do
  if $smoke; then
    bound=(-seed=1 -runs="${SMOKE_RUNS[$t]}")
    echo "fuzz: $t, ${SMOKE_RUNS[$t]} runs from the seeds (seed 1)"
  else
    bound=(-max_total_time="$secs")
    echo "fuzz: $t for ${secs} s"
  fi
  # -rss_limit_mb / -malloc_limit_mb: the pipeline's own limits must hold far below these.
  if ! cargo +nightly fuzz run -O --fuzz-dir fuzz "$t" "$CORPUS/$t" -- "${bound[@]}" \
      -timeout=2 -rss_limit_mb=3072 -malloc_limit_mb=2048 \
      -print_final_stats=1 2>"target/fuzz-$t.log"; then
    failed+=("$t")
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE|cov:' "target/fuzz-$t.log" | tail -n 3
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (see target/fuzz-<target>.log and fuzz/artifacts/)"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ($($smoke && echo "smoke: fixed runs" || echo "${secs} s each")), no crash, timeout or over-limit allocation"
