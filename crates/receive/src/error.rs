//! What went wrong while reading, where, and the counters every reader keeps.

use std::fmt;

/// Where in the input an error was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// Byte offset from the start of the stream (binary formats), 0-based.
    Byte(u64),
    /// Line number (text formats), 1-based.
    Line(u64),
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Byte(n) => write!(f, "byte {n}"),
            At::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// The kind of a read error: small and `Copy`, so readers can count errors by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// Bytes or lines that are not part of any message of the format were skipped.
    Garbage,
    /// A message was cut short: by the start of the next one, or by the end of input.
    Truncated,
    /// A Mode S payload whose length does not suit its downlink format.
    BadFrame,
    /// A frame field that is not hexadecimal.
    BadHex,
    /// Hexadecimal of a length that is no frame (not 4, 14 or 28 digits).
    BadLength,
    /// A time that is neither Unix seconds nor an ISO 8601 date and time.
    BadTime,
    /// A field the line needs (the frame, the address) is missing.
    MissingField,
    /// A required field has a value that cannot be read.
    BadField,
    /// Text that is not valid JSON.
    BadJson,
    /// A line (or JSON value) longer than the reader accepts.
    TooLong,
}

impl ReadErrorKind {
    /// Number of kinds (the length of the per-kind counters).
    pub const COUNT: usize = 10;

    /// Every kind, in declaration order.
    pub const ALL: [ReadErrorKind; Self::COUNT] = [
        ReadErrorKind::Garbage,
        ReadErrorKind::Truncated,
        ReadErrorKind::BadFrame,
        ReadErrorKind::BadHex,
        ReadErrorKind::BadLength,
        ReadErrorKind::BadTime,
        ReadErrorKind::MissingField,
        ReadErrorKind::BadField,
        ReadErrorKind::BadJson,
        ReadErrorKind::TooLong,
    ];

    /// Index into the per-kind counters.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// A short snake_case name, for summaries (`bad_hex`).
    pub const fn name(self) -> &'static str {
        match self {
            ReadErrorKind::Garbage => "garbage",
            ReadErrorKind::Truncated => "truncated",
            ReadErrorKind::BadFrame => "bad_frame",
            ReadErrorKind::BadHex => "bad_hex",
            ReadErrorKind::BadLength => "bad_length",
            ReadErrorKind::BadTime => "bad_time",
            ReadErrorKind::MissingField => "missing_field",
            ReadErrorKind::BadField => "bad_field",
            ReadErrorKind::BadJson => "bad_json",
            ReadErrorKind::TooLong => "too_long",
        }
    }
}

impl fmt::Display for ReadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReadErrorKind::Garbage => "input that is not part of any message was skipped",
            ReadErrorKind::Truncated => "a message was cut short",
            ReadErrorKind::BadFrame => "the payload's length does not suit its downlink format",
            ReadErrorKind::BadHex => "the frame is not hexadecimal",
            ReadErrorKind::BadLength => "the hexadecimal is not 4, 14 or 28 digits long",
            ReadErrorKind::BadTime => {
                "the time is not Unix seconds or an ISO 8601 date between 1970 and 2100"
            }
            ReadErrorKind::MissingField => "a required field is missing",
            ReadErrorKind::BadField => "a required field cannot be read",
            ReadErrorKind::BadJson => "the text is not valid JSON",
            ReadErrorKind::TooLong => "the line is too long",
        })
    }
}

/// A read error: where and what. The reader has already counted it and moved on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadError {
    /// Where the bad input starts.
    pub at: At,
    /// What is wrong with it.
    pub kind: ReadErrorKind,
}

impl ReadError {
    /// An error of `kind` at `at`.
    pub const fn new(at: At, kind: ReadErrorKind) -> ReadError {
        ReadError { at, kind }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.kind)
    }
}

impl std::error::Error for ReadError {}

/// Why an item cannot be written in a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteError {
    /// The format carries frames and the item is an observation.
    NotAFrame,
    /// The format carries observations and the item is a frame.
    NotAnObservation,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WriteError::NotAFrame => "this format carries frames, not observations",
            WriteError::NotAnObservation => "this format carries observations, not frames",
        })
    }
}

impl std::error::Error for WriteError {}

/// What a reader has seen, yielded and dropped so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderStats {
    /// Bytes fed.
    pub bytes: u64,
    /// Lines seen (text formats).
    pub lines: u64,
    /// Mode S frames yielded.
    pub frames: u64,
    /// Mode A/C replies yielded.
    pub mode_ac: u64,
    /// Observations yielded.
    pub observations: u64,
    /// Well-formed messages of the format that carry no frame and were skipped: Beast status
    /// messages, heartbeats, SBS lines other than MSG, CSV headers, comments.
    pub other: u64,
    /// Optional fields of an otherwise good line that could not be read and were left out.
    pub fields_ignored: u64,
    /// 56-bit frames that came as 112 bits (jet1090 JSON) and were cut to their first 7
    /// bytes.
    pub frames_trimmed: u64,
    /// Bytes that produced no item (binary formats).
    pub bytes_dropped: u64,
    /// Lines that produced no item because of an error (text formats).
    pub lines_dropped: u64,
    errors: [u64; ReadErrorKind::COUNT],
}

impl ReaderStats {
    /// Errors of one kind.
    pub fn errors(&self, kind: ReadErrorKind) -> u64 {
        self.errors[kind.index()]
    }

    /// Errors of all kinds.
    pub fn error_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// The kinds met, with their counts (kinds with a zero count are left out).
    pub fn errors_by_kind(&self) -> impl Iterator<Item = (ReadErrorKind, u64)> + '_ {
        ReadErrorKind::ALL
            .into_iter()
            .map(|k| (k, self.errors[k.index()]))
            .filter(|&(_, n)| n > 0)
    }

    /// Items yielded: frames, Mode A/C replies and observations.
    pub fn items(&self) -> u64 {
        self.frames + self.mode_ac + self.observations
    }

    pub(crate) fn count_error(&mut self, kind: ReadErrorKind) {
        self.errors[kind.index()] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_index_their_counters() {
        for (i, k) in ReadErrorKind::ALL.into_iter().enumerate() {
            assert_eq!(k.index(), i);
        }
        let mut s = ReaderStats::default();
        s.count_error(ReadErrorKind::BadHex);
        s.count_error(ReadErrorKind::BadHex);
        s.count_error(ReadErrorKind::TooLong);
        assert_eq!(s.errors(ReadErrorKind::BadHex), 2);
        assert_eq!(s.error_total(), 3);
        let v: Vec<_> = s.errors_by_kind().collect();
        assert_eq!(v, vec![(ReadErrorKind::BadHex, 2), (ReadErrorKind::TooLong, 1)]);
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = ReadError::new(At::Line(17), ReadErrorKind::BadHex);
        assert_eq!(e.to_string(), "line 17: the frame is not hexadecimal");
        let e = ReadError::new(At::Byte(4096), ReadErrorKind::Truncated);
        assert_eq!(e.to_string(), "byte 4096: a message was cut short");
    }
}
