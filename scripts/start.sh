#!/usr/bin/env bash
# npm start: install what is missing, build the wasm and the demo, then serve the
# demo from the local Canvas-compatible endpoint (http://127.0.0.1:8787 by default).
set -euo pipefail
. "$(dirname "$0")/common.sh"

bash scripts/setup.sh
bash scripts/build-wasm.sh
echo "start: webpack build -> dist/"
webpack --mode production --stats errors-warnings

echo "start: building the local endpoint"
cargo build --release --quiet -p fhir-media-endpoint
endpoint_bin="${CARGO_TARGET_DIR:-target}/release/fhir-media-endpoint"
if "$endpoint_bin" --help 2>/dev/null | grep -q -- '--static-dir'; then
  echo "start: endpoint serving dist/ (Ctrl-C stops it)"
  exec "$endpoint_bin" --static-dir dist --dev "$@"
fi
# The endpoint crate has no runnable main yet: serve the demo statically.
echo "start: endpoint not runnable yet; serving dist/ with scripts/serve-static.mjs (Ctrl-C stops it)"
exec node scripts/serve-static.mjs dist "$@"
