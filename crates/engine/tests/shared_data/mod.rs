//! The shared test data beside the workspace (`<workspace>/../shared/testdata`, or
//! `$PICKET_SHARED/testdata`), which a user's clone does not have.
#![allow(dead_code)]

use std::path::PathBuf;

/// The test data folder (which may be absent).
pub(crate) fn testdata() -> PathBuf {
    std::env::var_os("PICKET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
        .join("testdata")
}

/// The path of `rel` under the test data folder, or `None` after printing why the test is
/// skipped.
pub(crate) fn shared_file(rel: &str) -> Option<PathBuf> {
    let path = testdata().join(rel);
    if path.is_file() {
        Some(path)
    } else if std::env::var_os("PICKET_REQUIRE_TESTDATA").is_some_and(|v| v == "1") {
        panic!(
            "{} is required (PICKET_REQUIRE_TESTDATA=1) and absent",
            path.display()
        )
    } else {
        eprintln!("skipping: {} not found", path.display());
        None
    }
}
