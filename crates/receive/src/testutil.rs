//! Helpers for the unit tests.

use crate::error::{At, ReadErrorKind};
use crate::reader::Reader;
use crate::received::Received;

/// An item, or an error as (line or byte offset, kind).
pub(crate) type Got = Result<Received, (u64, ReadErrorKind)>;

/// Feeds all of `input`, finishes, and drains the reader.
pub(crate) fn read_all<R: Reader>(r: &mut R, input: &[u8]) -> Vec<Got> {
    r.feed(input);
    r.finish();
    std::iter::from_fn(|| r.next())
        .map(|x| {
            x.map_err(|e| match e.at {
                At::Line(n) | At::Byte(n) => (n, e.kind),
            })
        })
        .collect()
}
