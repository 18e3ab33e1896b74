//! [`Received`]: what every source yields.

use crate::observation::Observation;
use picket_modes::Frame;

/// One item from a source: a frame or an observation, with its UTC time and the receiver's
/// own clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// Unix seconds UTC, assigned at the edge (see docs/time.md).
    pub time_utc: f64,
    /// The receiver's own clock, comparable only within the same receiver.
    pub clock: Clock,
    /// Signal level in dBFS (0 is full scale), when the source gives it.
    pub signal: Option<f32>,
    /// Which receiver this came from (0 when there is only one; [`Received::NO_RECEIVER`]
    /// for a position multilateration computed).
    pub receiver: u16,
    /// The frame or observation itself.
    pub what: What,
}

impl Received {
    /// The `receiver` of an item that no receiver heard: a fix multilateration computed
    /// from several receivers' frames. Per-receiver statistics and "heard by" leave it out.
    pub const NO_RECEIVER: u16 = u16::MAX;
}

/// The receiver's own clock at reception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The source gave no timestamp.
    #[default]
    None,
    /// A free-running 12 MHz counter (48 bits), as Beast and AVR-MLAT receivers send.
    Ticks12Mhz(u64),
    /// GPS time of day, Radarcape style: in a Beast timestamp the upper 18 bits are the
    /// seconds of the UTC day and the lower 30 bits the nanoseconds.
    GpsTimeOfDay {
        /// Seconds since 00:00 of the day.
        seconds: u32,
        /// Nanoseconds within the second.
        nanos: u32,
    },
}

/// Mask of the 48-bit Beast timestamp.
pub(crate) const MASK48: u64 = (1 << 48) - 1;

impl Clock {
    /// The clock as the 48-bit value a Beast timestamp carries (0 for no clock).
    pub fn to_beast(self) -> u64 {
        match self {
            Clock::None => 0,
            Clock::Ticks12Mhz(t) => t & MASK48,
            Clock::GpsTimeOfDay { seconds, nanos } => {
                ((u64::from(seconds) << 30) | u64::from(nanos & ((1 << 30) - 1))) & MASK48
            }
        }
    }

    /// Reads a 48-bit Beast timestamp as the given kind of clock (0 is no clock).
    pub fn from_beast(raw: u64, kind: ClockKind) -> Clock {
        let raw = raw & MASK48;
        if raw == 0 {
            return Clock::None;
        }
        match kind {
            ClockKind::Ticks12Mhz => Clock::Ticks12Mhz(raw),
            ClockKind::GpsTimeOfDay => Clock::GpsTimeOfDay {
                seconds: (raw >> 30) as u32,
                nanos: (raw & ((1 << 30) - 1)) as u32,
            },
        }
    }
}

/// How to read the timestamps of a Beast or AVR source: a receiver does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockKind {
    /// A free-running 12 MHz counter (dump1090, readsb, the Beast's default).
    #[default]
    Ticks12Mhz,
    /// GPS time of day (Radarcape and Beasts with a GPS in that mode).
    GpsTimeOfDay,
}

/// What was received.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// A Mode S frame (56 or 112 bits).
    ModeS(Frame),
    /// A Mode A/C reply as the Beast sends it (2 bytes); passed through, never tracked.
    ModeAc([u8; 2]),
    /// Decoded values from an SBS or JSON source (boxed: it is much larger than a frame).
    Observation(Box<Observation>),
}

impl What {
    /// The Mode S frame, if this is one.
    pub fn frame(&self) -> Option<&Frame> {
        match self {
            What::ModeS(f) => Some(f),
            _ => None,
        }
    }

    /// The observation, if this is one.
    pub fn observation(&self) -> Option<&Observation> {
        match self {
            What::Observation(o) => Some(o),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_stays_small() {
        // A frame is the common case: keep the item within a cache line.
        assert!(
            std::mem::size_of::<Received>() <= 64,
            "{}",
            std::mem::size_of::<Received>()
        );
        assert!(std::mem::size_of::<What>() <= 16);
    }

    #[test]
    fn beast_timestamps_round_trip_both_clock_kinds() {
        let c = Clock::from_beast(0x0000_23b1_dda0, ClockKind::Ticks12Mhz);
        assert_eq!(c, Clock::Ticks12Mhz(0x23b1_dda0));
        assert_eq!(c.to_beast(), 0x23b1_dda0);
        // 12:34:56.5 as GPS time of day.
        let raw = (45296u64 << 30) | 500_000_000;
        let c = Clock::from_beast(raw, ClockKind::GpsTimeOfDay);
        assert_eq!(
            c,
            Clock::GpsTimeOfDay {
                seconds: 45296,
                nanos: 500_000_000
            }
        );
        assert_eq!(c.to_beast(), raw);
        assert_eq!(Clock::from_beast(0, ClockKind::GpsTimeOfDay), Clock::None);
    }
}
