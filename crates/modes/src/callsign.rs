//! Aircraft identification (callsign) in the 6-bit character set of ICAO Annex 10 Vol IV,
//! Table 3-9 (ADS-B TC1-4 and Comm-B register 2,0).

use std::fmt;

/// Index -> character; `#` marks codes that are not valid characters.
const CHARSET: &[u8; 64] = b"#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######";

/// Eight characters as sent, trailing spaces included.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Callsign(pub [u8; 8]);

impl Callsign {
    /// Decodes 48 bits (eight 6-bit characters, first character in the top bits).
    pub fn from_ais6(bits: u64) -> Callsign {
        let mut out = [b' '; 8];
        for (i, c) in out.iter_mut().enumerate() {
            *c = CHARSET[((bits >> (42 - 6 * i)) & 0x3F) as usize];
        }
        Callsign(out)
    }

    /// Encodes to 48 bits; characters outside the set become code 0 (`#`).
    pub fn to_ais6(&self) -> u64 {
        let mut bits = 0u64;
        for &c in &self.0 {
            let code = match c {
                b'A'..=b'Z' => u64::from(c - b'A' + 1),
                b'0'..=b'9' => u64::from(c - b'0' + 48),
                b' ' => 32,
                _ => 0,
            };
            bits = (bits << 6) | code;
        }
        bits
    }

    /// Builds a callsign from text: upper-cased, padded with spaces, cut at 8 characters.
    pub fn new(text: &str) -> Callsign {
        let mut out = [b' '; 8];
        for (o, c) in out.iter_mut().zip(text.bytes()) {
            *o = c.to_ascii_uppercase();
        }
        Callsign(out)
    }

    /// The callsign without trailing spaces.
    pub fn as_str(&self) -> &str {
        let end = self.0.iter().rposition(|&c| c != b' ').map_or(0, |p| p + 1);
        std::str::from_utf8(&self.0[..end]).unwrap_or("")
    }

    /// True when every character is a letter, digit or space (no `#`).
    pub fn is_valid(&self) -> bool {
        self.0
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b' ')
    }
}

impl fmt::Debug for Callsign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Callsign({:?})", self.as_str())
    }
}

impl fmt::Display for Callsign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Frame;

    #[test]
    fn decodes_known_identification() {
        // pyModeS tests: 8D406B902015A678D4D220AA4BDA -> EZY85MH
        let f = Frame::from_hex("8D406B902015A678D4D220AA4BDA").unwrap();
        let cs = Callsign::from_ais6(f.me() & 0xFFFF_FFFF_FFFF);
        assert_eq!(cs.as_str(), "EZY85MH");
        assert!(cs.is_valid());
        assert_eq!(cs.to_ais6(), f.me() & 0xFFFF_FFFF_FFFF);
    }

    #[test]
    fn text_round_trip() {
        let cs = Callsign::new("rff7076");
        assert_eq!(cs.as_str(), "RFF7076");
        assert_eq!(Callsign::from_ais6(cs.to_ais6()), cs);
    }
}
