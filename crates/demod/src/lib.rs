//! picket-demod: the Mode S demodulator, sans-IO. I/Q samples in, verified frames out.
//!
//! ```
//! use picket_demod::{DemodConfig, Demodulator, IqSpec};
//! use picket_receive::Reader;
//!
//! // Unsigned 8-bit I/Q at 2.4 MS/s, as `rtl_sdr -s 2.4e6` writes it: here, silence.
//! let spec: IqSpec = "iq-u8@2.4".parse().unwrap();
//! let mut demod = Demodulator::new(DemodConfig::new(spec));
//! demod.feed(&[127u8; 48_000]); // chunks of any size, split anywhere
//! demod.finish();
//! assert!(demod.next().is_none());
//! assert_eq!(demod.demod_stats().samples, 24_000);
//! ```
//!
//! [`Demodulator`] implements [`picket_receive::Reader`], so it stands wherever a frame
//! reader does: it yields [`picket_receive::Received`] with the sample counter as a 12 MHz
//! receiver clock and the frame's level in dBFS. [`sample`] names and detects the sample
//! encodings; [`rtltcp`] is the rtl_tcp protocol without the socket.
//!
//! Architecture invariants: no I/O, clock or threads; no allocation per sample or per
//! candidate on the common path (the buffers are sized at construction); a frame comes
//! out only when its parity checks (clean, or repaired where its doubtful bits explain the
//! syndrome) or, for address/parity replies, when its address was seen in a verified
//! frame.

mod demod;
pub mod rtltcp;
pub mod sample;
mod tables;

pub use demod::{DemodConfig, DemodStats, Demodulator, Kernel};
pub use sample::{detect, IqOrder, IqSpec, Sample};
