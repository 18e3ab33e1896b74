//! The store's error: a kind to match on and a sentence saying where and what.

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The directory or database cannot be opened or created.
    Open,
    /// Another process holds the store's write lock.
    Locked,
    /// The database file is damaged (the message says what can still be read).
    Corrupt,
    /// The database has another schema version.
    Version,
    /// A write failed (disk full, I/O error).
    Write,
    /// A read or query failed.
    Read,
    /// A query's filter or an import's input is not understood.
    Input,
}

/// A store error.
#[derive(Debug)]
pub struct Error {
    /// The kind.
    pub kind: ErrorKind,
    /// Where and what, as a sentence.
    pub message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: String) -> Error {
        Error { kind, message }
    }

    pub(crate) fn io(kind: ErrorKind, what: String, e: std::io::Error) -> Error {
        Error::new(kind, format!("{what}: {e}"))
    }

    pub(crate) fn sql(kind: ErrorKind, what: String, e: rusqlite::Error) -> Error {
        Error::new(kind, format!("{what}: {e}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub(crate) fn read_err(e: rusqlite::Error) -> Error {
    Error::sql(ErrorKind::Read, "cannot read the store".into(), e)
}
