//! What the reference tests share: where the shared test photos are.

use std::path::PathBuf;

/// The shared photos folder: FHIR_TESTDATA/photos, else ../../../shared/testdata/photos
/// (none is stored here).
pub fn photos_dir() -> PathBuf {
    let root = std::env::var_os("FHIR_TESTDATA").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata")
    });
    root.join("photos")
}
