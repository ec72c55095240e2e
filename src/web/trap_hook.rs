//! Debug builds only (never in the release wasm; scripts/check-size.mjs looks): inputs that
//! make `prepareMedia` trap, so that tests can prove the JS shell drops a trapped instance
//! and prepares the next photo in a fresh one (tests/e2e/hostile.test.mjs). A trap is what
//! a wasm panic or an out-of-memory abort becomes; no valid input can cause one on purpose.

/// Bytes that start with this make `prepareMedia` execute `unreachable`.
pub const TRAP_MAGIC: &[u8] = b"fhir-media-capture: trap here (debug builds only)";

/// Bytes that start with this make `prepareMedia` allocate until wasm memory cannot grow
/// (4 GiB), which aborts as out of memory does.
pub const EXHAUST_MAGIC: &[u8] = b"fhir-media-capture: exhaust memory (debug builds only)";

pub fn trap_if_asked(bytes: &[u8]) {
    if bytes.starts_with(TRAP_MAGIC) {
        core::arch::wasm32::unreachable();
    }
    if bytes.starts_with(EXHAUST_MAGIC) {
        // Reserved, never written: the browser need not back it with real pages.
        let mut held: Vec<Vec<u8>> = Vec::new();
        loop {
            held.push(Vec::with_capacity(64 << 20));
        }
    }
}
