#!/usr/bin/env bash
# Runs a command where it can read only what a fresh machine's test run may use: this
# clone (read-write), ../shared (read-only), the system (/usr, /etc, … read-only), the
# toolchains in HOME (~/.rustup, ~/.pyenv, ~/.npmrc read-only; ~/.cargo, cargo's registry
# cache, writable) and, fresh and
# empty, HOME, /tmp and the npm cache. Everything else (the machine's npm cache, other
# folders beside the clone, other caches in HOME, leftovers in /tmp) is not there, so a
# test that leans on it fails here as it would on a new machine. The network is the
# machine's (the package registries). scripts/test.sh runs every step after setup in it;
# FMC_SANDBOX=0 turns it off (for a machine without bubblewrap, say).
# Usage: scripts/sandbox.sh COMMAND [ARG...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="$(cd "$ROOT/.." && pwd)/shared"
PARENT="$(dirname "$ROOT")"
REAL_HOME="${HOME:-/root}"

args=(--ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --tmpfs /dev/shm --tmpfs /run)
# A fresh HOME holding only the toolchains.
args+=(--tmpfs "$REAL_HOME")
for p in .rustup .pyenv .npmrc; do
  [ -e "$REAL_HOME/$p" ] && args+=(--ro-bind "$REAL_HOME/$p" "$REAL_HOME/$p")
done
# Cargo's own cache of crates.io (a registry, which the tests may reach) stays writable.
[ -e "$REAL_HOME/.cargo" ] && args+=(--bind "$REAL_HOME/.cargo" "$REAL_HOME/.cargo")
# The clone's siblings are hidden, but for ../shared.
[ "$PARENT" != / ] && args+=(--tmpfs "$PARENT")
args+=(--bind "$ROOT" "$ROOT")
[ -d "$SHARED" ] && args+=(--ro-bind "$SHARED" "$SHARED")

exec bwrap "${args[@]}" --chdir "$PWD" \
  --setenv FMC_SANDBOXED 1 \
  --setenv npm_config_cache /tmp/npm-cache \
  --setenv XDG_RUNTIME_DIR /run/xdg-runtime \
  --setenv CARGO_HOME "${CARGO_HOME:-$REAL_HOME/.cargo}" \
  --setenv RUSTUP_HOME "${RUSTUP_HOME:-$REAL_HOME/.rustup}" \
  -- bash -c 'mkdir -p -m 700 "$XDG_RUNTIME_DIR" && exec "$@"' sandbox "$@"
