//! Identity (Mode A code, "squawk") in the 13-bit ID field of DF5/21 and ADS-B TC28
//! (ICAO Annex 10 Vol IV, 3.1.2.6.7.1).

use crate::altitude::{code13_digits, digits_code13};
use std::fmt;

/// A Mode A code: four octal digits stored as the number 0..=0o7777 (7700 is `0o7700`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Squawk(pub u16);

impl Squawk {
    /// Unlawful interference.
    pub const HIJACK: Squawk = Squawk(0o7500);
    /// Radio failure.
    pub const RADIO_FAILURE: Squawk = Squawk(0o7600);
    /// General emergency.
    pub const EMERGENCY: Squawk = Squawk(0o7700);

    /// Decodes the 13-bit ID field (C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4).
    #[inline]
    pub fn from_id13(id: u16) -> Squawk {
        let id = id & 0x1FFF;
        Squawk(SQUAWK_AC[usize::from(id >> 7)] | SQUAWK_BD[usize::from(id & 0x7F)])
    }

    /// Encodes into the 13-bit ID field (X bit zero).
    pub fn to_id13(self) -> u16 {
        let v = self.0;
        digits_code13((v >> 9) & 7, (v >> 6) & 7, (v >> 3) & 7, v & 7)
    }

    /// Parses four octal digits ("7700").
    pub fn parse(text: &str) -> Option<Squawk> {
        if text.len() != 4 {
            return None;
        }
        u16::from_str_radix(text, 8).ok().map(Squawk)
    }

    /// True for 7500, 7600 and 7700.
    pub fn is_emergency(self) -> bool {
        matches!(self, Squawk::HIJACK | Squawk::RADIO_FAILURE | Squawk::EMERGENCY)
    }
}

/// The squawk as a number from the four digits of a 13-bit ID code.
const fn id13_to_squawk(id: u16) -> u16 {
    let (a, b, c, d) = code13_digits(id & 0x1FFF);
    (a << 9) | (b << 6) | (c << 3) | d
}

/// The A and C digits carried by bits 1-6 of the ID code (C1 A1 C2 A2 C4 A4), by the value
/// of those bits: with [`SQUAWK_BD`], two lookups instead of twelve bit moves.
static SQUAWK_AC: [u16; 64] = {
    let mut t = [0; 64];
    let mut v = 0;
    while v < 64 {
        t[v] = id13_to_squawk((v as u16) << 7);
        v += 1;
    }
    t
};

/// The B and D digits carried by bits 7-13 of the ID code (X B1 D1 B2 D2 B4 D4).
static SQUAWK_BD: [u16; 128] = {
    let mut t = [0; 128];
    let mut v = 0;
    while v < 128 {
        t[v] = id13_to_squawk(v as u16);
        v += 1;
    }
    t
};

impl fmt::Debug for Squawk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Squawk({:04o})", self.0)
    }
}

/// Four octal digits, as controllers say them.
impl fmt::Display for Squawk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04o}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Frame;

    #[test]
    fn known_squawk_from_df5() {
        // pyModeS tests (test_c_common idcode): 2A00516D492B80 -> squawk 0356.
        let f = Frame::from_hex("2A00516D492B80").unwrap();
        assert_eq!(Squawk::from_id13(f.bits(20, 32) as u16).to_string(), "0356");
    }

    #[test]
    fn table_lookup_equals_the_bit_by_bit_reading_for_every_code() {
        for id in 0..0x2000u16 {
            assert_eq!(Squawk::from_id13(id).0, id13_to_squawk(id), "{id:#06x}");
        }
        // Bits above the 13-bit field are ignored.
        assert_eq!(Squawk::from_id13(0xE000 | 0x1234), Squawk::from_id13(0x1234));
    }

    #[test]
    fn all_codes_round_trip() {
        for v in 0..=0o7777u16 {
            assert_eq!(Squawk::from_id13(Squawk(v).to_id13()), Squawk(v));
        }
        assert_eq!(Squawk::parse("7700"), Some(Squawk::EMERGENCY));
        assert!(Squawk::parse("7800").is_none());
    }
}
