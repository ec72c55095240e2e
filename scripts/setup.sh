#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, on a fresh
# Debian 12 machine with rustup, Node 20 and npm 11. Idempotent: every step checks
# a version or a stamp first, so a warm run takes well under a second.
set -euo pipefail
. "$(dirname "$0")/common.sh"

say() { echo "setup: $*"; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else die "need root for: $*"; fi
}

APT_UPDATED=
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}

# --- Rust: wasm target, fmt and clippy -------------------------------------
command -v cargo >/dev/null || die "cargo not found (install Rust with rustup first)"
if command -v rustup >/dev/null; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  installed_components="$(rustup component list --installed)"
  for c in rustfmt clippy; do
    grep -q "^$c" <<<"$installed_components" || { say "adding rust component $c"; rustup component add "$c"; }
  done
fi
say "rust $(rustc --version | cut -d' ' -f2) + wasm32-unknown-unknown ok"

# --- wasm-bindgen-cli, exactly the version in Cargo.lock ---------------------
WB_VERSION="$(lock_version wasm-bindgen)"
[ -n "$WB_VERSION" ] || die "wasm-bindgen not found in Cargo.lock"
WB_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/fhir-media-capture/wasm-bindgen-$WB_VERSION"
WB_BINS=(wasm-bindgen wasm-bindgen-test-runner wasm2es6js)
wb_ok() { [ -x "$1/wasm-bindgen-test-runner" ] && [ "$("$1/wasm-bindgen" --version 2>/dev/null)" = "wasm-bindgen $WB_VERSION" ]; }

# Keep a copy outside the work tree so a fresh clone (CI) needs no 6-minute install.
wb_save_cache() {
  mkdir -p "${WB_CACHE%/*}"
  local tmp
  tmp="$(mktemp -d "${WB_CACHE%/*}/.tmp.XXXXXX")"
  chmod 755 "$tmp"
  mkdir -p "$tmp/bin"
  for b in "${WB_BINS[@]}"; do cp -f ".tools/bin/$b" "$tmp/bin/"; done
  rm -rf "$WB_CACHE" && mv "$tmp" "$WB_CACHE"
}

if wb_ok .tools/bin; then
  wb_ok "$WB_CACHE/bin" || wb_save_cache
  say "wasm-bindgen $WB_VERSION ok"
elif wb_ok "$WB_CACHE/bin"; then
  mkdir -p .tools/bin
  for b in "${WB_BINS[@]}"; do cp -f "$WB_CACHE/bin/$b" .tools/bin/; done
  say "wasm-bindgen $WB_VERSION ok (copied from $WB_CACHE)"
else
  say "installing wasm-bindgen-cli $WB_VERSION into .tools (takes ~6 min on 2 cores)"
  # Not --locked: the CLI's own lock file pins a webpki-roots that this registry lacks.
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --root .tools --force --quiet
  wb_ok .tools/bin || die "wasm-bindgen $WB_VERSION did not install"
  wb_save_cache
  say "wasm-bindgen $WB_VERSION installed (cached in $WB_CACHE)"
fi

# --- npm packages -------------------------------------------------------------
command -v node >/dev/null || die "node not found (Node 20 is required)"
NPM_STAMP="$(sha256sum package-lock.json | cut -c1-64) node-$(node --version)"
if [ -d node_modules ] && stamp_ok node_modules/.setup-stamp "$NPM_STAMP"; then
  say "node_modules ok"
else
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$NPM_STAMP" > node_modules/.setup-stamp
  say "node_modules installed"
fi

# `setup.sh --build`: only what building pkg/ needs (the Rust target, wasm-bindgen, npm's
# binaryen); `npm pack` runs it as prepack. The browsers and the venv are for the tests.
if [ "${1:-}" = --build ]; then exit 0; fi

# --- Chromium + chromedriver (Debian) -------------------------------------------
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  say "chromium ok"
else
  say "installing chromium chromium-driver (apt)"
  apt_install chromium chromium-driver
  say "$(/usr/bin/chromium --version 2>/dev/null | head -1) installed"
fi

# --- bubblewrap: scripts/test.sh runs every test in scripts/sandbox.sh -----------------
if command -v bwrap >/dev/null; then
  say "bubblewrap ok"
else
  say "installing bubblewrap (apt)"
  apt_install bubblewrap
fi

# --- Python venv for the independent FHIR validator --------------------------------
VENV_STAMP="$(sha256sum tools/requirements.txt | cut -c1-64) $(python3 --version 2>&1)"
if [ -x .venv/bin/python ] && stamp_ok .venv/.setup-stamp "$VENV_STAMP"; then
  say "python venv ok"
else
  say "creating .venv (fhir.resources)"
  rm -rf .venv
  if ! python3 -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    python3 -m venv .venv
  fi
  .venv/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
  echo "$VENV_STAMP" > .venv/.setup-stamp
  say "python venv installed"
fi

# --- Firefox ESR + geckodriver, WebKitGTK + WebKitWebDriver + Xvfb -----------------
# scripts/test.sh runs the wasm-bindgen tests in all three engines (DESIGN §4/§5).
if [ -x /usr/bin/firefox-esr ] || [ -x /usr/bin/firefox ]; then
  say "firefox ok"
else
  say "installing firefox-esr (apt)"
  apt_install firefox-esr
  say "$(/usr/bin/firefox-esr --version 2>/dev/null | head -1) installed"
fi

if [ -x /usr/bin/WebKitWebDriver ] && command -v xvfb-run >/dev/null; then
  say "webkit ok"
else
  # WebKitGTK has no headless mode: its MiniBrowser needs an X server (xvfb-run).
  # xauth is what xvfb-run uses for its cookie; it is only a Recommends of xvfb.
  say "installing webkit2gtk-driver xvfb xauth (apt)"
  apt_install webkit2gtk-driver xvfb xauth
  say "webkit2gtk-driver $(dpkg-query -W -f='${Version}' webkit2gtk-driver 2>/dev/null) installed"
fi

# geckodriver from crates.io (no binary download works here), pinned, installed into
# .tools with a machine-cache copy like wasm-bindgen's so a fresh clone skips the build.
GD_VERSION=0.37.1
GD_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/fhir-media-capture/geckodriver-$GD_VERSION"
gd_ok() { [ -x "$1/geckodriver" ] && "$1/geckodriver" --version 2>/dev/null | head -1 | grep -q "^geckodriver $GD_VERSION\b"; }
gd_save_cache() {
  mkdir -p "${GD_CACHE%/*}"
  local tmp
  tmp="$(mktemp -d "${GD_CACHE%/*}/.tmp.XXXXXX")"
  chmod 755 "$tmp"
  mkdir -p "$tmp/bin"
  cp -f .tools/bin/geckodriver "$tmp/bin/"
  rm -rf "$GD_CACHE" && mv "$tmp" "$GD_CACHE"
}
if gd_ok .tools/bin; then
  gd_ok "$GD_CACHE/bin" || gd_save_cache
  say "geckodriver $GD_VERSION ok"
elif gd_ok "$GD_CACHE/bin"; then
  mkdir -p .tools/bin
  cp -f "$GD_CACHE/bin/geckodriver" .tools/bin/
  say "geckodriver $GD_VERSION ok (copied from $GD_CACHE)"
else
  say "installing geckodriver $GD_VERSION into .tools (takes ~2 min on 2 cores)"
  cargo install geckodriver --version "$GD_VERSION" --root .tools --force --quiet
  gd_ok .tools/bin || die "geckodriver $GD_VERSION did not install"
  gd_save_cache
  say "geckodriver $GD_VERSION installed (cached in $GD_CACHE)"
fi
