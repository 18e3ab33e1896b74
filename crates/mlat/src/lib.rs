//! picket-mlat: multilateration from receivers that are not synchronised.
//!
//! Frames come in with the receiver that heard them and that receiver's own clock (a
//! 12 MHz counter or GPS time of day); positions come out. Aircraft that broadcast their
//! ADS-B position are the beacons: from their positions and each receiver's arrival times,
//! every receiver pair's clock offset and drift are fitted ([`sync`]), and receivers whose
//! clocks jump or whose timings do not fit their position are left out. A reply without a
//! position heard by four receivers (three when it gives its altitude) is then solved for
//! the transmitter's position ([`solve`]) and smoothed per aircraft ([`smooth`]).
//!
//! ```
//! use picket_mlat::{Mlat, MlatConfig, ReceiverConfig, geo::Geodetic};
//! let receivers = vec![
//!     ReceiverConfig { name: "a".into(), position: Geodetic::new(64.5, -165.4, 12.0) },
//!     ReceiverConfig { name: "b".into(), position: Geodetic::new(66.9, -162.6, 9.0) },
//! ];
//! let mut mlat = Mlat::new(receivers, MlatConfig::default());
//! let mut fixes = Vec::new();
//! mlat.finish(&mut fixes);
//! assert!(fixes.is_empty());
//! assert_eq!(mlat.receivers().count(), 2);
//! ```
//!
//! Architecture invariants: sans-IO and deterministic (no clock, no I/O, no threads; the same
//! input in the same order gives the same fixes); a receiver's clock is only ever compared
//! with another's through a fitted pair relation; no input panics.

pub mod geo;
mod mlat;
pub mod smooth;
pub mod solve;
pub mod sync;

pub use mlat::{Fix, Mlat, MlatConfig, MlatStats, ReceiverConfig, ReceiverStats, ReceiverStatus};
