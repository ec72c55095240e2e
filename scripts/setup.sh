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

# --- exiftool and libheif's heif-convert (libheif-examples): the outside judges of HEIC
# (codecs/tests/heif_keep_tools.rs, tests/e2e/heic-keep.test.mjs: exiftool finds no Exif,
# XMP or GPS in a kept HEIC and libheif still decodes it; tests/heic.rs compares our decode
# with libheif's; fuzz/seeds/heif came from its heif-enc).
if command -v exiftool >/dev/null && command -v heif-convert >/dev/null; then
  say "exiftool + heif-convert ok"
else
  say "installing libimage-exiftool-perl libheif-examples (apt)"
  apt_install libimage-exiftool-perl libheif-examples
fi

# --- tools built from crates.io into .tools/bin ---------------------------------
# tool_install CRATE VERSION OK MINUTES BIN...: `cargo install CRATE --version VERSION` into
# .tools unless `OK DIR` already accepts .tools/bin, with a copy in the machine's cache
# (outside the work tree) so that a fresh clone (CI) copies it instead of building it.
tool_install() {
  local crate="$1" version="$2" ok="$3" minutes="$4"; shift 4
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/fhir-media-capture/${crate%-cli}-$version" b
  if "$ok" .tools/bin; then
    "$ok" "$cache/bin" || tool_save_cache "$cache" "$@"
    say "$crate $version ok"
  elif "$ok" "$cache/bin"; then
    mkdir -p .tools/bin
    for b in "$@"; do cp -f "$cache/bin/$b" .tools/bin/; done
    say "$crate $version ok (copied from $cache)"
  else
    say "installing $crate $version into .tools (takes ~$minutes min on 2 cores)"
    cargo install "$crate" --version "$version" --root .tools --force --quiet
    "$ok" .tools/bin || die "$crate $version did not install"
    tool_save_cache "$cache" "$@"
    say "$crate $version installed (cached in $cache)"
  fi
}

# tool_save_cache DIR BIN...: replace DIR/bin with .tools/bin's BINs, atomically.
tool_save_cache() {
  local cache="$1" tmp b; shift
  mkdir -p "${cache%/*}"
  tmp="$(mktemp -d "${cache%/*}/.tmp.XXXXXX")"
  chmod 755 "$tmp"
  mkdir -p "$tmp/bin"
  for b in "$@"; do cp -f ".tools/bin/$b" "$tmp/bin/"; done
  rm -rf "$cache" && mv "$tmp" "$cache"
}

# wasm-bindgen-cli, exactly the version in Cargo.lock. Not --locked: the CLI's own lock
# file pins a webpki-roots that this registry lacks.
WB_VERSION="$(lock_version wasm-bindgen)"
[ -n "$WB_VERSION" ] || die "wasm-bindgen not found in Cargo.lock"
wb_ok() { [ -x "$1/wasm-bindgen-test-runner" ] && [ "$("$1/wasm-bindgen" --version 2>/dev/null)" = "wasm-bindgen $WB_VERSION" ]; }
tool_install wasm-bindgen-cli "$WB_VERSION" wb_ok 6 wasm-bindgen wasm-bindgen-test-runner wasm2es6js

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
# djpeg, jpegtran: vendor/jpeg-decoder's tests hold its M/8 scaled decode to libjpeg-turbo's
# and decode jpegtran's progressive and restart-marker variants of the photos.
if [ -x /usr/bin/djpeg ] && [ -x /usr/bin/jpegtran ]; then
  say "djpeg ok"
else
  say "installing libjpeg-turbo-progs (apt)"
  apt_install libjpeg-turbo-progs
fi
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

# geckodriver from crates.io (no binary download works here), pinned.
GD_VERSION=0.37.1
gd_ok() { [ -x "$1/geckodriver" ] && "$1/geckodriver" --version 2>/dev/null | head -1 | grep -q "^geckodriver $GD_VERSION\b"; }
tool_install geckodriver "$GD_VERSION" gd_ok 2 geckodriver

# cargo-fuzz for scripts/fuzz.sh (npm test runs it briefly; it builds with the nightly
# toolchain rustup has here).
CF_VERSION=0.13.2
cf_ok() { [ -x "$1/cargo-fuzz" ] && "$1/cargo-fuzz" --version 2>/dev/null | grep -q " $CF_VERSION\b"; }
tool_install cargo-fuzz "$CF_VERSION" cf_ok 3 cargo-fuzz
