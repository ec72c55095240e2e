//! Tells the browser tests (which cannot read files at run time) whether the shared test
//! photos exist, and where, so they can embed them or say they skipped.

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(has_testdata)");
    println!("cargo::rerun-if-env-changed=FHIR_TESTDATA");
    println!("cargo::rerun-if-changed=build.rs");
    let dir = std::env::var_os("FHIR_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
                .join("../shared/testdata")
        });
    let marker = dir.join("photos/cam12mp_olympus_o1.jpg");
    println!("cargo::rerun-if-changed={}", marker.display());
    if marker.is_file() {
        if let Ok(abs) = dir.canonicalize() {
            println!("cargo::rustc-cfg=has_testdata");
            println!("cargo::rustc-env=FMC_TESTDATA_DIR={}", abs.display());
        }
    }
}
