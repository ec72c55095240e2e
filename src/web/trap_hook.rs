//! Debug builds only (never in the release wasm; scripts/check-size.mjs looks): input that
//! makes `prepareMedia` trap, so that tests can prove the JS shell drops a trapped instance
//! and prepares the next photo in a fresh one (tests/e2e/hostile.test.mjs). A trap is what
//! a wasm panic or an out-of-memory abort becomes; no valid input can cause one on purpose.

/// Bytes that start with this make `prepareMedia` execute `unreachable`.
pub const TRAP_MAGIC: &[u8] = b"fhir-media-capture: trap here (debug builds only)";

pub fn trap_if_asked(bytes: &[u8]) {
    if bytes.starts_with(TRAP_MAGIC) {
        core::arch::wasm32::unreachable();
    }
}
