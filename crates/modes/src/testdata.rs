//! Finding the shared test data, for picket's own tests (not for users).
//!
//! The real recordings and reference files the tests compare against live beside the
//! workspace (`<workspace>/../shared/testdata`) or under `$PICKET_SHARED/testdata`; a
//! user's clone does not have them. A test that needs them skips with a printed reason when
//! they are absent, except when `PICKET_REQUIRE_TESTDATA=1` (CI sets it): then it fails, so
//! CI cannot pass by skipping everything.
//!
//! The decision is [`locate`], a pure function of the environment's values; [`file`] and
//! [`dir`] apply it to the process environment and print or panic.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The environment variable naming the folder that holds `testdata/`.
pub const SHARED_VAR: &str = "PICKET_SHARED";
/// The environment variable that turns a skip into a failure when set to `1`.
pub const REQUIRE_VAR: &str = "PICKET_REQUIRE_TESTDATA";

/// What a test does about one shared file or folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// It is there: use it.
    Present(PathBuf),
    /// It is absent and not required: skip, printing why.
    Skip(String),
    /// It is absent and required: fail with this message.
    Fail(String),
}

/// The default folder holding `testdata/`: the workspace's sibling `shared`.
pub fn default_shared() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
}

/// Decides for `rel` (a path under `testdata/`, empty for the folder itself) given the
/// values of `PICKET_SHARED` and `PICKET_REQUIRE_TESTDATA` and whether a path exists.
pub fn locate(
    shared_var: Option<&OsStr>,
    require_var: Option<&OsStr>,
    default_shared: &Path,
    rel: &str,
    exists: impl Fn(&Path) -> bool,
) -> Found {
    let base = shared_var.map_or_else(|| default_shared.to_path_buf(), PathBuf::from);
    let path = if rel.is_empty() {
        base.join("testdata")
    } else {
        base.join("testdata").join(rel)
    };
    if exists(&path) {
        return Found::Present(path);
    }
    let why = format!(
        "{} is absent (set {SHARED_VAR} to the folder holding testdata/)",
        path.display()
    );
    if require_var.is_some_and(|v| v == "1") {
        Found::Fail(format!("{why}, and {REQUIRE_VAR}=1 requires it"))
    } else {
        Found::Skip(why)
    }
}

fn apply(rel: &str) -> Option<PathBuf> {
    let shared = std::env::var_os(SHARED_VAR);
    let require = std::env::var_os(REQUIRE_VAR);
    match locate(
        shared.as_deref(),
        require.as_deref(),
        &default_shared(),
        rel,
        Path::exists,
    ) {
        Found::Present(p) => Some(p),
        Found::Skip(why) => {
            eprintln!("skipping: {why}");
            None
        }
        Found::Fail(why) => panic!("{why}"),
    }
}

/// The shared file `rel` (under `testdata/`), `None` after printing why a test skips, or a
/// panic when the data is required.
pub fn file(rel: &str) -> Option<PathBuf> {
    apply(rel)
}

/// The `testdata/` folder, like [`file`].
pub fn dir() -> Option<PathBuf> {
    apply("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_data_is_skipped_unless_required_then_it_fails() {
        let bogus = OsStr::new("/nonexistent/picket-shared");
        let default = Path::new("/also/not/there");
        let nothing = |_: &Path| false;
        // The bogus folder and the variable set: the failure path.
        match locate(Some(bogus), Some(OsStr::new("1")), default, "a/b.csv", nothing) {
            Found::Fail(m) => {
                assert!(m.contains("/nonexistent/picket-shared/testdata/a/b.csv"), "{m}");
                assert!(m.contains("PICKET_REQUIRE_TESTDATA=1"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            locate(Some(bogus), Some(OsStr::new("1")), default, "", nothing),
            Found::Fail(_)
        ));
        // Not set, or set to something else: a skip.
        for require in [
            None,
            Some(OsStr::new("0")),
            Some(OsStr::new("")),
            Some(OsStr::new("yes")),
        ] {
            assert!(matches!(
                locate(Some(bogus), require, default, "a/b.csv", nothing),
                Found::Skip(_)
            ));
        }
        // No PICKET_SHARED: the default folder.
        match locate(None, None, default, "x", nothing) {
            Found::Skip(m) => assert!(m.starts_with("/also/not/there/testdata/x"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn present_data_is_used_whatever_the_requirement() {
        let there = |p: &Path| p == Path::new("/data/testdata/f.jsonl") || p == Path::new("/data/testdata");
        for require in [None, Some(OsStr::new("1"))] {
            assert_eq!(
                locate(
                    Some(OsStr::new("/data")),
                    require,
                    Path::new("/x"),
                    "f.jsonl",
                    there
                ),
                Found::Present(PathBuf::from("/data/testdata/f.jsonl"))
            );
            assert_eq!(
                locate(Some(OsStr::new("/data")), require, Path::new("/x"), "", there),
                Found::Present(PathBuf::from("/data/testdata"))
            );
        }
    }

    #[test]
    fn the_real_environment_is_consistent_with_the_decision() {
        // Whatever this machine has: `dir` agrees with `locate` on the real environment and
        // the real file system (a missing folder with the variable set would panic here,
        // which is the point of the variable).
        let want = locate(
            std::env::var_os(SHARED_VAR).as_deref(),
            std::env::var_os(REQUIRE_VAR).as_deref(),
            &default_shared(),
            "",
            Path::exists,
        );
        match (dir(), want) {
            (Some(p), Found::Present(q)) => assert_eq!(p, q),
            (None, Found::Skip(_)) => {}
            (got, want) => panic!("{got:?} vs {want:?}"),
        }
    }
}
