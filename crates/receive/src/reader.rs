//! The interface every reader offers, its configuration, and the machinery the line-based
//! readers share.

use crate::error::{At, ReadError, ReadErrorKind, ReaderStats};
use crate::input::{LineEvent, Lines};
use crate::received::{ClockKind, Received, What};
use crate::time::{TimeBase, Timeline, DEFAULT_START};

/// An incremental, sans-IO reader of one wire format.
///
/// Feed it chunks of any size as they arrive, then call [`Reader::next`] until it returns
/// `None` ("need more input"); after the last chunk call [`Reader::finish`] and drain it
/// again. Bad input comes out as `Some(Err(..))` (already counted); the reader skips it and
/// goes on, and never panics.
pub trait Reader {
    /// Appends a chunk of input. With [`TimeBase::Arrival`], items completed by this chunk
    /// take the last arrival time given.
    fn feed(&mut self, chunk: &[u8]);

    /// Appends a chunk that arrived at `arrival_utc` (Unix seconds): with
    /// [`TimeBase::Arrival`] the items it completes take this time.
    fn feed_at(&mut self, chunk: &[u8], arrival_utc: f64);

    /// Marks the end of input: the rest is read as complete (a last line without its end)
    /// or reported as truncated.
    fn finish(&mut self);

    /// The next item or error; `None` when more input is needed (or, after `finish`, when
    /// everything is read).
    fn next(&mut self) -> Option<Result<Received, ReadError>>;

    /// What this reader has seen, yielded and dropped so far.
    fn stats(&self) -> &ReaderStats;
}

/// How a reader stamps its items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReaderConfig {
    /// Where `time_utc` comes from when the format has no absolute time.
    pub time_base: TimeBase,
    /// How to read Beast/AVR timestamps: 12 MHz counter or GPS time of day.
    pub clock: ClockKind,
    /// The receiver id put into every item.
    pub receiver: u16,
}

impl Default for ReaderConfig {
    /// Dateless files start at 2000-01-01T00:00:00Z (docs/time.md), 12 MHz clocks,
    /// receiver 0.
    fn default() -> ReaderConfig {
        ReaderConfig {
            time_base: TimeBase::Start(DEFAULT_START),
            clock: ClockKind::Ticks12Mhz,
            receiver: 0,
        }
    }
}

impl ReaderConfig {
    /// Live input: items are stamped with their arrival time.
    pub fn live() -> ReaderConfig {
        ReaderConfig {
            time_base: TimeBase::Arrival,
            ..ReaderConfig::default()
        }
    }

    /// A file without dates that starts at `start` (Unix seconds).
    pub fn starting(start: f64) -> ReaderConfig {
        ReaderConfig {
            time_base: TimeBase::Start(start),
            ..ReaderConfig::default()
        }
    }

    /// The same configuration with another receiver id.
    pub fn with_receiver(self, receiver: u16) -> ReaderConfig {
        ReaderConfig { receiver, ..self }
    }

    /// The same configuration with another clock kind.
    pub fn with_clock(self, clock: ClockKind) -> ReaderConfig {
        ReaderConfig { clock, ..self }
    }
}

/// Stamps items with UTC under a reader's time base.
#[derive(Debug, Clone)]
pub(crate) struct Stamper {
    arrival_mode: bool,
    pub(crate) timeline: Timeline,
}

impl Stamper {
    pub(crate) fn new(config: &ReaderConfig) -> Stamper {
        let (arrival_mode, start) = match config.time_base {
            TimeBase::Arrival => (true, 0.0),
            TimeBase::Start(s) => (false, s),
        };
        Stamper {
            arrival_mode,
            timeline: Timeline::new(start, config.clock),
        }
    }

    pub(crate) fn arrival_mode(&self) -> bool {
        self.arrival_mode
    }

    /// The time of an item whose receiver clock read `raw` (0: none) and that completed
    /// at `arrival`.
    #[inline]
    pub(crate) fn counter(&mut self, raw: u64, arrival: f64) -> f64 {
        if self.arrival_mode {
            arrival
        } else {
            self.timeline.time_of(raw)
        }
    }

    /// The time of an item that carries its own absolute time.
    #[inline]
    pub(crate) fn absolute(&mut self, t: f64) -> f64 {
        self.timeline.set_last_time(t);
        t
    }

    /// The time of an item with no time of any kind.
    #[inline]
    pub(crate) fn fallback(&self, arrival: f64) -> f64 {
        if self.arrival_mode {
            arrival
        } else {
            self.timeline.last_time()
        }
    }
}

/// What a line parser made of one line.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// An item.
    Item(Received),
    /// A well-formed line that carries no item (a header, another message type).
    Other,
    /// An empty line or a comment.
    Blank,
    /// A bad line.
    Error(ReadErrorKind),
}

/// What a line parser gets besides the line.
#[derive(Debug)]
pub(crate) struct LineCtx<'a> {
    pub(crate) stamper: &'a mut Stamper,
    pub(crate) stats: &'a mut ReaderStats,
    /// Arrival time of the chunk that completed the line.
    pub(crate) arrival: f64,
    pub(crate) receiver: u16,
}

/// One line format.
pub(crate) trait LineParser {
    fn parse(&mut self, line: &[u8], ctx: &mut LineCtx<'_>) -> Parsed;
}

/// The shared part of the line-based readers.
#[derive(Debug)]
pub(crate) struct LineCore {
    pub(crate) lines: Lines,
    pub(crate) stats: ReaderStats,
    pub(crate) stamper: Stamper,
    receiver: u16,
}

/// Longest line the text readers accept.
pub(crate) const MAX_LINE: usize = 64 * 1024;

impl LineCore {
    pub(crate) fn new(config: &ReaderConfig) -> LineCore {
        LineCore {
            lines: Lines::new(MAX_LINE),
            stats: ReaderStats::default(),
            stamper: Stamper::new(config),
            receiver: config.receiver,
        }
    }

    pub(crate) fn feed(&mut self, chunk: &[u8], arrival: Option<f64>) {
        self.stats.bytes += chunk.len() as u64;
        let arrival = if self.stamper.arrival_mode() {
            arrival
        } else {
            None
        };
        self.lines.input.feed(chunk, arrival);
    }

    pub(crate) fn finish(&mut self) {
        self.lines.input.eof = true;
    }

    pub(crate) fn spare(&mut self, min: usize) -> &mut [u8] {
        self.lines.input.spare(min)
    }

    pub(crate) fn commit(&mut self, n: usize, arrival: Option<f64>) {
        let arrival = arrival.filter(|_| self.stamper.arrival_mode());
        let n = self.lines.input.commit(n, arrival);
        self.stats.bytes += n as u64;
    }

    pub(crate) fn next_with<P: LineParser>(&mut self, parser: &mut P) -> Option<Result<Received, ReadError>> {
        loop {
            match self.lines.next_line()? {
                LineEvent::TooLong { number } => {
                    self.stats.lines += 1;
                    return Some(Err(self.error(number, ReadErrorKind::TooLong)));
                }
                LineEvent::Line { start, end, number } => {
                    self.stats.lines += 1;
                    let arrival = self.lines.input.arrival_for(self.lines.input.offset(end));
                    let mut ctx = LineCtx {
                        stamper: &mut self.stamper,
                        stats: &mut self.stats,
                        arrival,
                        receiver: self.receiver,
                    };
                    match parser.parse(&self.lines.input.buf()[start..end], &mut ctx) {
                        Parsed::Item(r) => {
                            count_item(&mut self.stats, &r.what);
                            return Some(Ok(r));
                        }
                        Parsed::Other => self.stats.other += 1,
                        Parsed::Blank => {}
                        Parsed::Error(kind) => return Some(Err(self.error(number, kind))),
                    }
                }
            }
        }
    }

    fn error(&mut self, line: u64, kind: ReadErrorKind) -> ReadError {
        self.stats.lines_dropped += 1;
        self.stats.count_error(kind);
        ReadError::new(At::Line(line), kind)
    }
}

/// Counts a yielded item by what it is.
#[inline]
pub(crate) fn count_item(stats: &mut ReaderStats, what: &What) {
    match what {
        What::ModeS(_) => stats.frames += 1,
        What::ModeAc(_) => stats.mode_ac += 1,
        What::Observation(_) => stats.observations += 1,
    }
}

/// Implements [`Reader`] for a struct with fields `core: LineCore` and `parser`.
macro_rules! line_reader {
    ($name:ident) => {
        impl $name {
            /// Room for at least `min` more bytes of input, to read into straight (no copy,
            /// as [`Reader::feed`](crate::Reader::feed) makes); then `commit` the bytes
            /// written.
            pub fn spare(&mut self, min: usize) -> &mut [u8] {
                self.core.spare(min)
            }

            /// Takes the first `n` bytes written into `spare` as input, as
            /// [`Reader::feed`](crate::Reader::feed) does; with `arrival_utc` as
            /// [`Reader::feed_at`](crate::Reader::feed_at) does.
            pub fn commit(&mut self, n: usize, arrival_utc: Option<f64>) {
                self.core.commit(n, arrival_utc);
            }
        }

        impl $crate::reader::Reader for $name {
            fn feed(&mut self, chunk: &[u8]) {
                self.core.feed(chunk, None);
            }
            fn feed_at(&mut self, chunk: &[u8], arrival_utc: f64) {
                self.core.feed(chunk, Some(arrival_utc));
            }
            fn finish(&mut self) {
                self.core.finish();
            }
            fn next(&mut self) -> Option<Result<$crate::received::Received, $crate::error::ReadError>> {
                self.core.next_with(&mut self.parser)
            }
            fn stats(&self) -> &$crate::error::ReaderStats {
                &self.core.stats
            }
        }
    };
}
pub(crate) use line_reader;
