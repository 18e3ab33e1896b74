//! The shared test data beside the workspace (`<workspace>/../shared/testdata`, or
//! `$PICKET_SHARED/testdata`), which a user's clone does not have.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

use picket_receive::jsonl::JsonlReader;
use picket_receive::{Reader, ReaderConfig, Received};

/// The path of `rel` under the test data folder, or `None` after printing why the test is
/// skipped; a failure instead when `PICKET_REQUIRE_TESTDATA=1` (`picket_modes::testdata`).
pub(crate) fn shared_file(rel: &str) -> Option<PathBuf> {
    picket_modes::testdata::file(rel)
}

/// The items of a gzip-compressed trajectory of `traffic_samples` (OpenSky state vectors as
/// the `traffic` library exports them: pandas "records" or "columns" JSON, which picket's
/// JSON reader takes), in time order (the exports are flight by flight), or `None` when the
/// file is absent (and allowed to be).
pub(crate) fn traffic_sample(name: &str) -> Option<Vec<Received>> {
    shared_file(&format!("traffic_samples/{name}.json.gz")).map(|path| read_gz_json(&path))
}

/// Every item `reader` makes of the file at `path`; the items it refuses are left out (the
/// recordings hold a few bad lines, which the reader counts).
pub(crate) fn read_with(path: &Path, mut reader: impl Reader) -> Vec<Received> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    reader.feed(&bytes);
    reader.finish();
    let mut out = Vec::new();
    while let Some(item) = reader.next() {
        if let Ok(r) = item {
            out.push(r);
        }
    }
    out
}

/// Every item of a gzip-compressed JSON file, sorted by time (stable: items of one time keep
/// the file's order); a line the reader refuses fails the test, naming the file.
pub(crate) fn read_gz_json(path: &Path) -> Vec<Received> {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    let mut reader = JsonlReader::new(ReaderConfig::default());
    reader.feed(&bytes);
    reader.finish();
    let mut out = Vec::new();
    while let Some(item) = reader.next() {
        out.push(item.unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    }
    out.sort_by(|a, b| a.time_utc.total_cmp(&b.time_utc));
    out
}
