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
echo "start: endpoint serving dist/ (Ctrl-C stops it)"
exec "$endpoint_bin" --static-dir dist --dev "$@"
