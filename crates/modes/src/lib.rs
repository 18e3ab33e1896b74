//! picket-modes: the Mode S / ADS-B wire layer.
//!
//! Frames ([`Frame`]), CRC-24 with error correction and address recovery ([`crc`]),
//! decoding into owned values and encoding back ([`message`]), and the pure CPR math
//! ([`cpr`]). std only: no I/O, no allocation in the decode path.
//!
//! ```
//! use picket_modes::Frame;
//! let frame = Frame::from_hex("8D406B902015A678D4D220AA4BDA").unwrap();
//! assert_eq!(frame.df(), 17);
//! assert_eq!(frame.crc_residual(), 0);
//! ```

pub mod acas;
pub mod adsb;
pub mod altitude;
pub mod callsign;
pub mod commb;
pub mod cpr;
pub mod crc;
pub mod frame;
pub mod identity;
pub mod message;
pub mod testdata;

pub use altitude::Altitude;
pub use callsign::Callsign;
pub use frame::{Frame, FrameError, Icao};
pub use identity::Squawk;
pub use message::{decode, AddressBook, DecodeError, DecodeOptions, Decoded, Decoder, Integrity, Message};
