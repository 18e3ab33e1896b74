//! picket-receive (work in progress)

pub mod avr;
pub mod beast;
pub mod csv;
pub mod decoded;
pub mod error;
pub mod fields;
pub mod format;
mod hex;
mod input;
pub mod json;
pub mod jsonl;
pub mod observation;
pub mod reader;
pub mod received;
pub mod sbs;
#[cfg(test)]
mod testutil;
pub mod time;

pub use error::{At, ReadError, ReadErrorKind, ReaderStats, WriteError};
pub use format::{detect, AnyReader, Format, FormatWriter};
pub use observation::{Emergency, Observation, ObservationSource};
pub use reader::{Reader, ReaderConfig};
pub use received::{Clock, ClockKind, Received, What};
pub use time::TimeBase;
