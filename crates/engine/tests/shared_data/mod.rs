//! The shared test data beside the workspace (`<workspace>/../shared/testdata`, or
//! `$PICKET_SHARED/testdata`), which a user's clone does not have.
#![allow(dead_code)]

use std::path::PathBuf;

/// The path of `rel` under the test data folder, or `None` after printing why the test is
/// skipped; a failure instead when `PICKET_REQUIRE_TESTDATA=1` (`picket_modes::testdata`).
pub(crate) fn shared_file(rel: &str) -> Option<PathBuf> {
    picket_modes::testdata::file(rel)
}
