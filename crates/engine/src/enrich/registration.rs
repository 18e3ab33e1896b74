//! Registrations that a state's address scheme encodes, both ways.
//!
//! Some states derive the 24-bit address from the registration with a fixed rule, so the
//! registration of an aircraft heard only by its address can be computed. Each scheme here was
//! re-derived as arithmetic and checked against real (address, registration) pairs; the
//! pairs quoted in the comments come from the readsb snapshots in the shared test data
//! (sdre-rust-adsb-parser), the tar1090-db aircraft database (Mictronics) and plane-alert-db.
//!
//! - United States (`N` numbers): 0xA00001 (N1) to 0xADF7C7 (N99999) in register order.
//!   Checked against every US pair of the readsb snapshots (see the integration tests).
//! - Canada (`C-F...`, `C-G...`): three letters in base 26 from 0xC00001 (C-FAAA) and
//!   0xC044A9 (C-GAAA). Checked: C-FBWI = 0xC004E9, C-GARJ = 0xC0466C, C-GMIW = 0xC0653F
//!   and the seven other Canadian pairs of the readsb snapshots.
//! - South Africa (`ZS-...`): three letters in base 26 from 0x008011. Checked: ZS-ABJ =
//!   0x008034, ZS-AOA = 0x00817D, ZS-HLA = 0x0093AB (plane-alert-db).
//! - Russia (`RA-nnnnn` / `RF-nnnnn`): 0x140000 plus the five-digit number. Checked against
//!   tar1090-db, where it holds for the great majority of numeric Russian registrations
//!   (RA-00001 = 0x140001, RA-01500 = 0x1405DC, RA-82010 = 0x15405A, RF-76612 = 0x152B44).
//!   The address keeps the number the aircraft was first registered with: state aircraft
//!   moved from RA- to RF- (or renumbered) keep their address, so the prefix is not encoded
//!   and this module returns `RA-`; several RF- aircraft in tar1090-db carry the address of
//!   their old RA- number (RF-72031 = 0x151CFB = 72955). Registrations with letters
//!   (RA-1047K, RA-0217G) follow no known rule.
//! - South Korea (`HLnnnn`): the four digits written as hexadecimal digits, in three runs:
//!   HL7200-HL7799 from 0x71BA00, HL8000-HL8099 from 0x71C000, HL8200-HL8299 from 0x71C200.
//!   Checked on one pair only: HL8080 = 0x71C080 (readsb snapshot).
//!
//! tar1090's `registrations.js` lists further stride mappings (France F-G/F-H, Germany D-A..
//! D-I, Belgium, Denmark, Finland, Greece, Portugal, Romania, Türkiye, Jordan, Pakistan,
//! Singapore, Syria, Argentina, Cuba, Japan); they are left out until real pairs confirm them.

use picket_modes::Icao;
use std::fmt;

/// A registration computed from an address: at most 10 ASCII bytes, `Copy`, no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Registration {
    bytes: [u8; 10],
    len: u8,
    scheme: Scheme,
}

/// The national scheme that produced a [`Registration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// United States N-number.
    UsNNumber,
    /// Canada C-F / C-G.
    Canada,
    /// South Africa ZS-.
    SouthAfrica,
    /// Russia: the number is encoded, the RA-/RF- prefix is not (RA- is returned).
    RussiaNumeric,
    /// South Korea HLnnnn.
    SouthKorea,
}

impl Registration {
    fn new(scheme: Scheme) -> Self {
        Registration {
            bytes: [0; 10],
            len: 0,
            scheme,
        }
    }

    fn push(&mut self, b: u8) {
        // Every scheme writes at most 8 bytes.
        if let Some(slot) = self.bytes.get_mut(self.len as usize) {
            *slot = b;
            self.len += 1;
        }
    }

    fn push_str(&mut self, s: &str) {
        s.bytes().for_each(|b| self.push(b));
    }

    /// The registration text, e.g. "N133AA".
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }

    /// The scheme that produced it.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
}

impl fmt::Display for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:?})", self.as_str(), self.scheme)
    }
}

/// The registration that the address encodes, where its state's scheme allows.
pub fn registration_from_address(address: Icao) -> Option<Registration> {
    let a = address.0;
    us_from_address(a)
        .or_else(|| letters_from_address(a, &CANADA))
        .or_else(|| letters_from_address(a, &SOUTH_AFRICA))
        .or_else(|| russia_from_address(a))
        .or_else(|| korea_from_address(a))
}

/// The address that a registration encodes, where its state's scheme allows.
///
/// Accepts the forms [`registration_from_address`] writes, in any letter case; for Russia
/// both RA- and RF- give the same address.
pub fn address_from_registration(registration: &str) -> Option<Icao> {
    let r = registration.trim();
    if !r.is_ascii() || r.len() > 10 {
        return None;
    }
    let mut buf = [0u8; 10];
    let up = &mut buf[..r.len()];
    up.copy_from_slice(r.as_bytes());
    up.make_ascii_uppercase();
    let up: &[u8] = up;
    us_to_address(up)
        .or_else(|| letters_to_address(up, &CANADA))
        .or_else(|| letters_to_address(up, &SOUTH_AFRICA))
        .or_else(|| russia_to_address(up))
        .or_else(|| korea_to_address(up))
        .map(Icao)
}

// ---- United States ------------------------------------------------------------------

// Letters of N-number suffixes: I and O are never used.
const US_LETTERS: &[u8; 24] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const US_FIRST: u32 = 0xA00001;
const US_COUNT: u32 = 915_399; // 0xA00001..=0xADF7C7
                               // Addresses under one leading digit, one second digit, one third digit, one fourth digit.
                               // A block holds: the bare number (1), the letter suffixes (600 = 24 letters * (1 + 24)), then
                               // ten sub-blocks of the next digit; after four digits only one letter or one digit may follow.
const US_SUFFIXES: u32 = 600;
const US_BUCKET: [u32; 4] = [101_711, 10_111, 951, 35];

fn us_from_address(a: u32) -> Option<Registration> {
    let mut off = a.checked_sub(US_FIRST).filter(|&o| o < US_COUNT)?;
    let mut r = Registration::new(Scheme::UsNNumber);
    r.push(b'N');
    r.push(b'1' + (off / US_BUCKET[0]) as u8);
    off %= US_BUCKET[0];
    for bucket in &US_BUCKET[1..] {
        if off <= US_SUFFIXES {
            us_push_letters(&mut r, off);
            return Some(r);
        }
        off -= US_SUFFIXES + 1;
        r.push(b'0' + (off / bucket) as u8);
        off %= bucket;
    }
    // After four digits: nothing, one letter (1..=24) or a fifth digit (25..=34).
    match off {
        0 => {}
        1..=24 => r.push(US_LETTERS[off as usize - 1]),
        _ => r.push(b'0' + (off - 25) as u8),
    }
    Some(r)
}

// Offset 0 is no suffix; 1 + 25*i is the single letter i; 1 + 25*i + 1 + j adds letter j.
fn us_push_letters(r: &mut Registration, off: u32) {
    if off == 0 {
        return;
    }
    let off = off - 1;
    r.push(US_LETTERS[(off / 25) as usize]);
    let second = off % 25;
    if second > 0 {
        r.push(US_LETTERS[(second - 1) as usize]);
    }
}

fn us_letter(b: u8) -> Option<u32> {
    US_LETTERS.iter().position(|&l| l == b).map(|i| i as u32)
}

fn us_to_address(r: &[u8]) -> Option<u32> {
    let rest = r.strip_prefix(b"N")?;
    let (&first, mut rest) = rest.split_first()?;
    if !(b'1'..=b'9').contains(&first) || rest.len() > 4 {
        return None;
    }
    let mut off = (first - b'1') as u32 * US_BUCKET[0];
    for bucket in &US_BUCKET[1..] {
        match rest.first() {
            Some(d @ b'0'..=b'9') => {
                off += US_SUFFIXES + 1 + (d - b'0') as u32 * bucket;
                rest = &rest[1..];
            }
            _ => {
                // Up to two letters end the registration.
                let letters = match rest {
                    [] => 0,
                    [a] => 1 + us_letter(*a)? * 25,
                    [a, b] => 1 + us_letter(*a)? * 25 + 1 + us_letter(*b)?,
                    _ => return None,
                };
                return Some(US_FIRST + off + letters);
            }
        }
    }
    let last = match rest {
        [] => 0,
        [d @ b'0'..=b'9'] => 25 + (d - b'0') as u32,
        [l] => 1 + us_letter(*l)?,
        _ => return None,
    };
    Some(US_FIRST + off + last)
}

// ---- Three-letter stride schemes (Canada, South Africa) ------------------------------

struct LetterScheme {
    scheme: Scheme,
    // (first address of AAA, registration prefix) per series, in address order.
    series: &'static [(u32, &'static str)],
}

const LETTERS: u32 = 26 * 26 * 26;

static CANADA: LetterScheme = LetterScheme {
    scheme: Scheme::Canada,
    series: &[(0xC00001, "C-F"), (0xC044A9, "C-G")],
};
static SOUTH_AFRICA: LetterScheme = LetterScheme {
    scheme: Scheme::SouthAfrica,
    series: &[(0x008011, "ZS-")],
};

fn letters_from_address(a: u32, s: &LetterScheme) -> Option<Registration> {
    let (start, prefix) = s
        .series
        .iter()
        .find(|(start, _)| a >= *start && a - start < LETTERS)?;
    let off = a - start;
    let mut r = Registration::new(s.scheme);
    r.push_str(prefix);
    for div in [26 * 26, 26, 1] {
        r.push(b'A' + (off / div % 26) as u8);
    }
    Some(r)
}

fn letters_to_address(r: &[u8], s: &LetterScheme) -> Option<u32> {
    s.series.iter().find_map(|(start, prefix)| {
        let rest = r.strip_prefix(prefix.as_bytes())?;
        let [a, b, c] = rest else { return None };
        let mut off = 0;
        for l in [a, b, c] {
            if !l.is_ascii_uppercase() {
                return None;
            }
            off = off * 26 + (l - b'A') as u32;
        }
        Some(start + off)
    })
}

// ---- Russia ---------------------------------------------------------------------------

const RU_FIRST: u32 = 0x140000;
const RU_COUNT: u32 = 100_000;

fn russia_from_address(a: u32) -> Option<Registration> {
    let n = a.checked_sub(RU_FIRST).filter(|&n| n < RU_COUNT)?;
    let mut r = Registration::new(Scheme::RussiaNumeric);
    r.push_str("RA-");
    for div in [10_000, 1_000, 100, 10, 1] {
        r.push(b'0' + (n / div % 10) as u8);
    }
    Some(r)
}

fn russia_to_address(r: &[u8]) -> Option<u32> {
    let digits = r.strip_prefix(b"RA-").or_else(|| r.strip_prefix(b"RF-"))?;
    if digits.len() != 5 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(RU_FIRST + digits.iter().fold(0, |n, d| n * 10 + (d - b'0') as u32))
}

// ---- South Korea ----------------------------------------------------------------------

// (first registration number, last, first address); the address is the first address plus
// the registration's digits read as hexadecimal minus the first number read as hexadecimal.
const KR_RUNS: [(u32, u32, u32); 3] = [
    (7200, 7799, 0x71BA00),
    (8000, 8099, 0x71C000),
    (8200, 8299, 0x71C200),
];

fn bcd(n: u32) -> u32 {
    ((n / 1000) << 12) | ((n / 100 % 10) << 8) | ((n / 10 % 10) << 4) | (n % 10)
}

fn korea_from_address(a: u32) -> Option<Registration> {
    KR_RUNS.iter().find_map(|&(first, last, start)| {
        let code = a.checked_sub(start)? + bcd(first);
        // Only addresses whose offset reads as decimal digits are registrations.
        let digits = [code >> 12, (code >> 8) & 15, (code >> 4) & 15, code & 15];
        if code > bcd(last) || digits.iter().any(|&d| d > 9) {
            return None;
        }
        let mut r = Registration::new(Scheme::SouthKorea);
        r.push_str("HL");
        digits.iter().for_each(|&d| r.push(b'0' + d as u8));
        Some(r)
    })
}

fn korea_to_address(r: &[u8]) -> Option<u32> {
    let digits = r.strip_prefix(b"HL")?;
    if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits.iter().fold(0, |n, d| n * 10 + (d - b'0') as u32);
    KR_RUNS
        .iter()
        .find(|(first, last, _)| (*first..=*last).contains(&n))
        .map(|&(first, _, start)| start + bcd(n) - bcd(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(a: u32) -> String {
        registration_from_address(Icao(a))
            .map(|r| r.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn us_known_pairs() {
        // Ends of the range, by construction of the scheme.
        assert_eq!(reg(0xA00001), "N1");
        assert_eq!(reg(0xADF7C7), "N99999");
        // Real pairs from the readsb snapshots (sdre-rust-adsb-parser test_data, "hex"/"r").
        assert_eq!(reg(0xA3E31A), "N35GR");
        assert_eq!(reg(0xAB04BB), "N809QS");
        assert_eq!(reg(0xAA6ABC), "N770TM");
        assert_eq!(reg(0xA86061), "N639NK");
        // N12345 is 0xA061D9 (not N133AA, as once guessed): a public test fixture pairs them too.
        assert_eq!(reg(0xA061D9), "N12345");
        // Outside the civil range.
        assert_eq!(registration_from_address(Icao(0xA00000)), None);
        assert_eq!(registration_from_address(Icao(0xADF7C8)), None);
    }

    #[test]
    fn us_round_trip_over_the_whole_range() {
        for a in US_FIRST..US_FIRST + US_COUNT {
            let r = registration_from_address(Icao(a)).unwrap();
            assert_eq!(address_from_registration(r.as_str()), Some(Icao(a)), "{r}");
        }
    }

    #[test]
    fn us_rejects_malformed() {
        for r in [
            "N", "N0", "N01", "N123456", "N1I", "N1O", "N12345A", "N1234AB", "N1ABC", "NA1", "N1A1",
        ] {
            assert_eq!(address_from_registration(r), None, "{r}");
        }
    }

    #[test]
    fn letter_schemes() {
        assert_eq!(reg(0xC004E9), "C-FBWI");
        assert_eq!(reg(0xC0466C), "C-GARJ");
        assert_eq!(reg(0xC0653F), "C-GMIW");
        assert_eq!(reg(0x008034), "ZS-ABJ");
        assert_eq!(reg(0x0093AB), "ZS-HLA");
        for a in (0xC00001..0xC00001 + 2 * LETTERS).chain(0x008011..0x008011 + LETTERS) {
            let r = registration_from_address(Icao(a)).unwrap();
            assert_eq!(address_from_registration(r.as_str()), Some(Icao(a)), "{r}");
        }
        assert_eq!(registration_from_address(Icao(0xC00000)), None);
        assert_eq!(registration_from_address(Icao(0xC00001 + 2 * LETTERS)), None);
    }

    #[test]
    fn russia() {
        assert_eq!(reg(0x140001), "RA-00001");
        assert_eq!(reg(0x15405A), "RA-82010");
        assert_eq!(address_from_registration("RF-76612"), Some(Icao(0x152B44)));
        assert_eq!(address_from_registration("ra-82010"), Some(Icao(0x15405A)));
        assert_eq!(address_from_registration("RA-1047K"), None);
        assert_eq!(registration_from_address(Icao(0x140000 + 100_000)), None);
        for a in RU_FIRST..RU_FIRST + RU_COUNT {
            let r = registration_from_address(Icao(a)).unwrap();
            assert_eq!(address_from_registration(r.as_str()), Some(Icao(a)));
        }
    }

    #[test]
    fn korea() {
        assert_eq!(reg(0x71C080), "HL8080");
        assert_eq!(address_from_registration("HL8080"), Some(Icao(0x71C080)));
        assert_eq!(address_from_registration("HL7201"), Some(Icao(0x71BA01)));
        assert_eq!(reg(0x71BA01), "HL7201");
        // Offsets that do not read as decimal digits are not registrations.
        assert_eq!(registration_from_address(Icao(0x71BA0A)), None);
        assert_eq!(address_from_registration("HL7900"), None);
    }
}
