#!/usr/bin/env bash
# The whole test suite, fail-fast, cheapest layers first:
# setup -> (in scripts/sandbox.sh from here on) fmt -> clippy -> native tests -> FHIR
# validation -> wasm build + size -> package lints and types -> wasm tests in Chromium,
# Firefox ESR and WebKitGTK (one section each, one endpoint)
# -> demo build -> npm pack test -> Playwright end-to-end.
# The last line is a summary: "summary: N passed, N failed, N skipped".
set -euo pipefail
# One step a `section` line below, counted here so that the [n/N] stay true.
STEPS="$(grep -c '^section "' "${BASH_SOURCE[0]}")"
. "$(dirname "$0")/common.sh"

LOGS=target/test-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
step=0
current=
started=$SECONDS
step_started=$SECONDS

section() {
  [ "$step" -gt 0 ] && echo "---- [$step/$STEPS] $current: $((SECONDS - step_started)) s"
  step=$((step + 1))
  current="$1"
  step_started=$SECONDS
  printf '\n==== [%d/%d] %s ====\n' "$step" "$STEPS" "$1"
}

# Run a command, keeping its output in $LOGS/<name>.log for the summary.
logged() {
  local name="$1"; shift
  "$@" 2>&1 | tee "$LOGS/$name.log"
}

on_exit() {
  local rc=$?
  stop_wasm_endpoint
  if [ "$rc" -ne 0 ]; then
    echo
    echo "test: FAILED in step [$step/$STEPS] $current (exit $rc, after $((SECONDS - started)) s)"
  fi
}
trap on_exit EXIT

wasm_endpoint_pid=
stop_wasm_endpoint() {
  if [ -n "$wasm_endpoint_pid" ]; then
    kill "$wasm_endpoint_pid" 2>/dev/null || true
    wait "$wasm_endpoint_pid" 2>/dev/null || true
    wasm_endpoint_pid=
  fi
}

# Setup installs (apt, cargo install, npm ci) on the machine; every later step runs in
# scripts/sandbox.sh, which shows the tests only the clone, ../shared, the system and the
# toolchains, with an empty HOME, /tmp and npm cache: what a new machine has.
if [ -z "${FMC_SANDBOXED:-}" ]; then
  printf '\n==== [0/%d] setup ====\n' "$STEPS"
  bash scripts/setup.sh
  if [ "${FMC_SANDBOX:-1}" != 0 ]; then
    exec bash scripts/sandbox.sh bash scripts/test.sh
  fi
fi

section "sandbox"
if [ -n "${FMC_SANDBOXED:-}" ]; then
  # Proof that it holds: nothing of the machine's npm cache, HOME or the clone's neighbours.
  hidden=("$HOME/.npm" "$HOME/.cache" "$HOME/.config")
  for p in "${hidden[@]}"; do
    [ ! -e "$p" ] || { echo "sandbox: $p is visible"; exit 1; }
  done
  [ -z "$(ls -A "${npm_config_cache:?}" 2>/dev/null)" ] || { echo "sandbox: the npm cache is not empty"; exit 1; }
  neighbours="$(cd .. && ls -A | grep -vx -e "$(basename "$ROOT")" -e shared || true)"
  [ -z "$neighbours" ] || { echo "sandbox: folders beside the clone are visible: $neighbours"; exit 1; }
  echo "sandbox: on; visible beside the clone: $(cd .. && ls -A | tr '\n' ' '); HOME holds: $(ls -A "$HOME" | tr '\n' ' '); npm cache $npm_config_cache (empty)"
else
  echo "sandbox: off (FMC_SANDBOX=0): tests see the whole machine"
fi

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The browser builds as scripts/build-wasm.sh makes them: src/web (wasm32 only) without
# the compiled-in codecs (src/web/codecs.rs) as the main module, the codecs and HEIC modules.
cargo clippy --target wasm32-unknown-unknown -p fhir_media_capture --lib --no-default-features \
  --features prepare,client --quiet -- -D warnings
cargo clippy --target wasm32-unknown-unknown -p fhir_media_codecs_wasm -p fhir_media_heif_wasm --quiet -- -D warnings

section "cargo test (native)"
rm -rf target/fhir-out
logged cargo-native cargo test --workspace

section "FHIR validation of target/fhir-out"
.venv/bin/python tools/validate_fhir.py target/fhir-out

section "wasm build + size"
bash scripts/build-wasm.sh
node scripts/check-size.mjs
# The debug build with the trap hook, for tests/e2e/hostile.test.mjs (target/pkg-debug).
bash scripts/build-wasm-debug.sh
# vendor/jpeg-encoder (its own workspace): upstream's tests natively, and its SIMD128 code
# against its scalar code on wasm in Node (vendor/jpeg-encoder/README.vendor.md).
(
  LOGS="$ROOT/$LOGS"
  cd vendor/jpeg-encoder
  export CARGO_TARGET_DIR="$ROOT/target/vendor-jpeg-encoder"
  logged cargo-vendor-native cargo test --features trellis
  logged cargo-vendor-wasm cargo test --target wasm32-unknown-unknown --features simd --lib
)
# vendor/jpeg-decoder (its own workspace): the reduced IDCTs against a float IDCT, the
# photos against upstream 0.3.2 (full size, byte for byte) and djpeg -scale M/8 (PSNR), the
# entropy decoder against upstream on jpegtran's progressive/restart variants and damaged
# streams, and oriented decoding against decoding then orienting (natively and on wasm).
(
  LOGS="$ROOT/$LOGS"
  cd vendor/jpeg-decoder
  export CARGO_TARGET_DIR="$ROOT/target/vendor-jpeg-decoder"
  logged cargo-vendor-decoder cargo test --no-default-features --lib --tests
  # Oriented decoding against decoding then orienting, with the SIMD128 kernels, and the
  # SIMD128 4x4 IDCT against the scalar one (Node).
  logged cargo-vendor-decoder-wasm cargo test --target wasm32-unknown-unknown --no-default-features --lib --test orientation
)

section "package: publint, attw, npm publish --dry-run, tsc --strict consumer"
bash scripts/check-package.sh

section "JS unit tests (Node): the element's parts against stand-ins"
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$LOGS/unit.tap" tests/unit/

section "wasm tests: endpoint for tests/client_web.rs"
# tests/client_web.rs talks to a real endpoint whose URL and admin token are baked in at
# compile time (option_env!). A fixed port and token keep them stable, so the test crate is
# not rebuilt on every run as it would be with a free port. If that port is taken (another
# run, another program), a free one is used instead: that run recompiles the test crate,
# and says so. WASM_ENDPOINT_ADDR sets the preferred address (e.g. for two worktrees on one
# machine).
WASM_ENDPOINT_ADDR="${WASM_ENDPOINT_ADDR:-127.0.0.1:18787}"
export FHIR_ENDPOINT_ADMIN_TOKEN=wasm-tests-admin-token
# The tests' page comes from wasm-bindgen-test-runner's own server, another origin than the
# endpoint's, which the endpoint must allow (--allow-origin). The runner listens on
# WASM_BINDGEN_TEST_ADDRESS: a port below the ephemeral range (so no outgoing connection
# takes it between two test binaries) picked from this checkout's path (so two checkouts
# testing at once do not share it), or a free one if it is taken. Nothing is compiled
# from it, so a free port costs no rebuild.
wasm_runner_addr="${WASM_BINDGEN_TEST_ADDRESS:-127.0.0.1:$((19000 + $(printf '%s' "$ROOT" | cksum | cut -d' ' -f1) % 10000))}"
# listen_probe HOST PORT: prints PORT if it can be listened on, else a free port of HOST.
listen_probe='const [h, p] = process.argv.slice(1); const net = require("net");
const take = (port, next) => { const s = net.createServer(); s.once("error", next);
  s.listen(port, h, () => { const got = s.address().port; s.close(() => console.log(got)); }); };
take(Number(p), () => take(0, (e) => { console.error(e.message); process.exit(1); }));'
wasm_runner_port="$(node -e "$listen_probe" "${wasm_runner_addr%:*}" "${wasm_runner_addr##*:}")"
[ "$wasm_runner_port" = "${wasm_runner_addr##*:}" ] \
  || echo "wasm tests: $wasm_runner_addr is taken; the test runner uses port $wasm_runner_port"
export WASM_BINDGEN_TEST_ADDRESS="${wasm_runner_addr%:*}:$wasm_runner_port"
# Built once: this step's endpoint, and the e2e and package tests' (they start their own,
# on free ports, from FHIR_ENDPOINT_BIN).
cargo build --quiet -p fhir-media-endpoint
export FHIR_ENDPOINT_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/fhir-media-endpoint"
echo "endpoint: $FHIR_ENDPOINT_BIN"
wasm_endpoint_bin="$FHIR_ENDPOINT_BIN"
# start_wasm_endpoint ADDR: starts it, and sets FHIR_ENDPOINT_URL to where it listens.
start_wasm_endpoint() {
  : >"$LOGS/wasm-endpoint.out"
  "$wasm_endpoint_bin" --dev --addr "$1" --data-dir "$LOGS/wasm-endpoint-data" \
    --allow-origin "http://$WASM_BINDGEN_TEST_ADDRESS" \
    >"$LOGS/wasm-endpoint.out" 2>"$LOGS/wasm-endpoint.log" &
  wasm_endpoint_pid=$!
  for _ in $(seq 100); do
    [ -s "$LOGS/wasm-endpoint.out" ] || ! kill -0 "$wasm_endpoint_pid" 2>/dev/null && break
    sleep 0.1
  done
  local first
  first="$(head -n1 "$LOGS/wasm-endpoint.out")"
  if [[ "$first" != "listening on http://"* ]]; then
    stop_wasm_endpoint
    return 1
  fi
  export FHIR_ENDPOINT_URL="${first#listening on }"
}
if ! start_wasm_endpoint "$WASM_ENDPOINT_ADDR"; then
  echo "wasm tests: $WASM_ENDPOINT_ADDR is not free ($(tail -n1 "$LOGS/wasm-endpoint.log")); using a free port, so tests/client_web.rs is rebuilt"
  if ! start_wasm_endpoint "127.0.0.1:0"; then
    echo "wasm tests: the endpoint did not start:"
    cat "$LOGS/wasm-endpoint.log"
    exit 1
  fi
fi
echo "wasm tests: endpoint at $FHIR_ENDPOINT_URL, allowing the test runner at http://$WASM_BINDGEN_TEST_ADDRESS"
# The same endpoint serves the three engine runs below; the first one compiles the tests.
cargo test -p fhir_media_capture --target wasm32-unknown-unknown --no-run --quiet

# wasm_engine NAME DRIVER_VAR DRIVER [WRAPPER...]: the wasm-bindgen tests in one engine,
# logged to $LOGS/cargo-wasm-NAME.log. No engine is skipped silently: a missing driver,
# a run in another browser than asked, or a run that executed no test fails the step.
wasm_engine() {
  local name="$1" var="$2" driver="$3" banner="$4"; shift 4
  [ -x "$driver" ] || { echo "wasm tests ($name): driver $driver missing (run scripts/setup.sh)"; return 1; }
  # Only the one driver variable is set: wasm-bindgen-test-runner takes the first it finds.
  # Test binaries without wasm_bindgen_test_configure! run in the browser too.
  logged "cargo-wasm-$name" env -u CHROMEDRIVER -u GECKODRIVER -u SAFARIDRIVER -u MSEDGEDRIVER \
    "$var=$driver" WASM_BINDGEN_USE_BROWSER=1 "$@" \
    cargo test -p fhir_media_capture --target wasm32-unknown-unknown || return 1
  local log="$LOGS/cargo-wasm-$name.log"
  grep -q "^Running headless tests in $banner " "$log" \
    || { echo "wasm tests ($name): the runner did not report a $banner run"; return 1; }
  if grep -q '^SKIPPED:' "$log"; then
    echo "wasm tests ($name): a test binary skipped its cases:"; grep '^SKIPPED:' "$log"; return 1
  fi
  awk '/^test result:/ { n += $4 } END { exit !(n > 0) }' "$log" \
    || { echo "wasm tests ($name): no test passed"; return 1; }
}

section "wasm tests (headless Chromium)"
wasm_engine chromium CHROMEDRIVER "$CHROMEDRIVER" Chrome

section "wasm tests (headless Firefox ESR)"
wasm_engine firefox GECKODRIVER "$ROOT/.tools/bin/geckodriver" Firefox

section "wasm tests (WebKitGTK under Xvfb)"
# WebKitGTK has no headless mode; xvfb-run -a picks a free display number.
# JSC_*: every wasm function compiled once by BBQ, no interpreter tier, no OMG, so no
# tier-up while a test runs. WebKitGTK 2.50.6 now and then corrupts locals of a running
# wasm function (jpeg-decoder's decode_scan "index out of bounds: the len is 3 but the
# index is 1668178284"; jpeg-encoder's `for i in 0..64`), while the same wasm passes in
# Chromium, Firefox and natively. Runs of tests/web.rs here (12 MP + o6 photos), failed
# of total: default tiers 0/33 (1/~30 earlier), loop OSR off 1/12, OMG and OSR off 1/25,
# LLInt instead of IPInt with OSR off 1/30, LLInt with OSR 0/40, BBQ only 0/40. Every
# failing mix keeps code longer in the interpreters and tiers up at calls: tier-up is
# the suspect; BBQ-only has none. ~3 s slower.
# Should a run still fail, it runs once more, loudly; a second failure fails the step
# (a bug of ours fails both: the wasm is deterministic).
# BBQ-only code is slow: tests/encode_exact.rs runs ~24 s here, past wasm-bindgen-test's
# default 20 s limit for a test binary (WASM_BINDGEN_TEST_TIMEOUT; ~7 s with the default tiers).
webkit_run() {
  wasm_engine webkit SAFARIDRIVER /usr/bin/WebKitWebDriver Safari \
    env JSC_useWasmIPInt=false JSC_useWasmLLInt=false JSC_useOMGJIT=false \
    WASM_BINDGEN_TEST_TIMEOUT=90 xvfb-run -a
}
if ! webkit_run; then
  mv "$LOGS/cargo-wasm-webkit.log" "$LOGS/webkit-failed-run.log"
  echo "wasm tests (WebKitGTK): RUN FAILED, running once more (first run kept in $LOGS/webkit-failed-run.log):"
  grep -E 'panicked at|RuntimeError|\.\.\. FAIL' "$LOGS/webkit-failed-run.log" | head -n 8 || true
  webkit_run
fi
stop_wasm_endpoint
unset FHIR_ENDPOINT_ADMIN_TOKEN WASM_BINDGEN_TEST_ADDRESS

section "demo build (webpack)"
webpack --mode production --stats errors-warnings
echo "webpack: dist/ $(du -sh dist | cut -f1)"

section "npm pack: tarball contents, the bundlers' apps, declared vs run-time names (Chromium)"
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$LOGS/pack.tap" tests/package/ tests/types/

section "end-to-end (Playwright, Chromium)"
rm -rf target/fhir-out-e2e
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$LOGS/e2e.tap" tests/e2e/
# The Media the widget really uploaded, through the same strict R4 + Canvas checks.
.venv/bin/python tools/validate_fhir.py target/fhir-out-e2e

section "fuzz: each cargo-fuzz target, a fixed number of runs from its seeds (the search: npm run fuzz -- 3600)"
bash scripts/fuzz.sh smoke

trap - EXIT
echo "---- [$step/$STEPS] $current: $((SECONDS - step_started)) s"
echo
echo "test: all $STEPS steps passed in $((SECONDS - started)) s"
[ -f "$LOGS/webkit-failed-run.log" ] && echo "note: the WebKitGTK wasm tests passed only on their second run (see $LOGS/webkit-failed-run.log)"
# Totals over cargo's "test result:" lines (native + wasm in 3 engines) and node's TAP summaries.
awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
  /^# pass /    { p += $3 }
  /^# fail /    { f += $3 }
  /^# skipped / { s += $3 }
  END { printf "summary: %d passed, %d failed, %d skipped\n", p, f, s }
' "$LOGS"/cargo-native.log "$LOGS"/cargo-vendor-*.log "$LOGS"/cargo-wasm-*.log "$LOGS"/unit.tap "$LOGS"/e2e.tap "$LOGS"/pack.tap
