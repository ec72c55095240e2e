# Shared by the scripts in this folder: repo root, PATH, small helpers.
# Source it; it does not change shell options of the caller.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Project-local tools first: wasm-bindgen, wasm-bindgen-test-runner, then npm's bins.
export PATH="$ROOT/.tools/bin:$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export FHIR_TESTDATA="${FHIR_TESTDATA:-$ROOT/../shared/testdata}"

# Version of a package as resolved in Cargo.lock.
lock_version() {
  awk -v want="$1" '
    $0 == "name = \"" want "\"" { hit = 1; next }
    hit && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' "$ROOT/Cargo.lock"
}

# One hash over the contents (and names) of the given files/dirs; missing ones are skipped.
hash_paths() {
  local p files=()
  for p in "$@"; do [ -e "$p" ] && files+=("$p"); done
  [ ${#files[@]} -eq 0 ] && { echo none; return; }
  find "${files[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64
}

# stamp_ok FILE VALUE: true when FILE holds exactly VALUE.
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
