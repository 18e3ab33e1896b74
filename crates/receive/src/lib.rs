//! picket-receive: the receiver wire formats, sans-IO.
//!
//! ```
//! use picket_receive::beast::BeastReader;
//! use picket_receive::{Clock, Reader, ReaderConfig, What};
//!
//! // Two Beast messages (from dump1090); the second's timestamp holds a doubled 0x1a.
//! let bytes = [
//!     0x1a, 0x32, 0x00, 0x00, 0x15, 0xa8, 0x87, 0x7e, 0x0d, 0x20, 0x00, 0x0c, 0xa8, 0xf7, 0x0a, 0xa7,
//!     0x1a, 0x32, 0x00, 0x00, 0x15, 0xbe, 0x1a, 0x1a, 0x0c, 0x0f, 0x02, 0xe1, 0x8c, 0xa8, 0xf1, 0xd2, 0xed,
//! ];
//! // A file without dates: times count from a start (Unix seconds) by the 12 MHz counter.
//! let mut reader = BeastReader::new(ReaderConfig::starting(1_700_000_000.0));
//! // Input may come in chunks of any size; `None` means "feed me more".
//! reader.feed(&bytes[..20]);
//! let first = reader.next().unwrap().unwrap();
//! assert!(reader.next().is_none());
//! reader.feed(&bytes[20..]);
//! reader.finish();
//! let second = reader.next().unwrap().unwrap();
//! assert!(reader.next().is_none());
//!
//! assert_eq!(first.what.frame().unwrap().to_string(), "20000ca8f70aa7");
//! assert_eq!(second.clock, Clock::Ticks12Mhz(0x15be_1a0c));
//! assert_eq!(second.time_utc, 1_700_000_000.0 + (0x15be_1a0c - 0x15a8_877e) as f64 / 12e6);
//! assert_eq!(reader.stats().frames, 2);
//! assert!(matches!(first.what, What::ModeS(_)));
//! ```
//!
//! Every source yields [`Received`]: a Mode S frame, a Mode A/C reply or an
//! [`Observation`] (decoded values from SBS or JSON states), with its UTC time (assigned at
//! the edge, docs/time.md), the receiver's own clock, the signal level and the receiver id.
//!
//! Readers ([`Reader`]): [`beast::BeastReader`], [`avr::AvrReader`] (AVR and plain hex
//! lines), [`csv::CsvReader`], [`sbs::SbsReader`], [`jsonl::JsonlReader`], or
//! [`AnyReader`] for a [`Format`] chosen at run time ([`detect`] guesses it from the first
//! bytes). All are incremental (`feed` chunks, `next` until `None`, `finish` at the end),
//! resynchronise after garbage, count what they drop ([`ReaderStats`]) and never panic;
//! errors are values that say where ([`At`]: byte offset or line) and what
//! ([`ReadErrorKind`]).
//!
//! Writers, symmetric to the readers, append to a `Vec<u8>` or `String`:
//! [`beast::write_beast`], [`avr::write_avr`], [`avr::write_hex_line`], [`csv::write_csv`],
//! [`sbs::write_sbs`], [`jsonl::write_json_line`], or [`FormatWriter`] for any format;
//! [`json::JsonObject`] writes JSON in the field dictionary ([`fields`]).
//!
//! Architecture invariants: no sockets, files or clock (time enters with the input); no
//! allocation per frame on the Beast path; no panic on any input.

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
pub mod records;
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
