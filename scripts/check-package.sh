#!/usr/bin/env bash
# The npm package as it would be published: packed once (prepack builds pkg/), then linted
# by the ecosystem's tools on that tarball, 0 errors and 0 warnings: publint (package.json
# against the files), attw (the types that node10, node16 from CJS and ESM, and bundler
# resolution see; one rule off: the package is ESM only, so `require` of it is ESM, which
# Node >= 20.19 loads), `npm publish --dry-run`; then a strict TypeScript app that uses
# every public name (tests/types; tests/types/exports.test.mjs checks them at run time).
set -euo pipefail
. "$(dirname "$0")/common.sh"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

npm pack --pack-destination "$tmp" --loglevel=error >"$tmp/pack.out"
tarball="$tmp/$(tail -n1 "$tmp/pack.out")"
[ -f "$tarball" ] || { echo "check-package: npm pack made no tarball"; cat "$tmp/pack.out"; exit 1; }
echo "check-package: $(basename "$tarball") $(wc -c <"$tarball") bytes"

echo "check-package: publint"
publint run "$tarball" --strict

echo "check-package: attw"
attw "$tarball" --ignore-rules cjs-resolves-to-esm --format table-flipped

echo "check-package: npm publish --dry-run"
npm publish "$tarball" --dry-run --loglevel=warn 2>&1 | tee "$tmp/publish.out"
# The one warning allowed is the machine's, not the package's: no npm login here.
if grep -E '^npm (warn|error)' "$tmp/publish.out" | grep -v 'requires you to be logged in to .* (dry-run)$'; then
  echo "check-package: npm publish --dry-run warned"; exit 1
fi

echo "check-package: tsc --strict (tests/types)"
tsc -p tests/types
echo "check-package: tsc ok"
