//! Altitude codes: the 13-bit AC field of DF0/4/16/20 and the 12-bit field of ADS-B
//! airborne positions (ICAO Annex 10 Vol IV, 3.1.2.6.5.4; DO-260B 2.2.3.2.3.4).
//!
//! With Q=1 the code is a binary count of 25 ft steps from -1000 ft; with Q=0 it is the
//! Gillham (Gray) code of 100 ft steps used by Mode C, which starts at -1200 ft.

/// A decoded altitude code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Altitude {
    /// All bits zero: no altitude information.
    NotAvailable,
    /// Q=1: 25 ft increments.
    Feet25(i32),
    /// Q=0: Gillham code, 100 ft increments.
    Feet100(i32),
    /// M=1 (AC13 only): metric altitude, in metres.
    Metres(i32),
    /// A Gillham code that is not a valid altitude (raw bits kept so emit is exact).
    Invalid(u16),
}

impl Altitude {
    /// The altitude in feet, if any (metres converted and rounded).
    pub fn feet(self) -> Option<i32> {
        match self {
            Altitude::Feet25(ft) | Altitude::Feet100(ft) => Some(ft),
            Altitude::Metres(m) => Some((f64::from(m) * 3.280_84).round() as i32),
            Altitude::NotAvailable | Altitude::Invalid(_) => None,
        }
    }
}

/// Decodes the 13-bit AC field (bit 7 of the field = M, bit 9 = Q, counting from 1).
#[inline]
pub fn decode_ac13(ac: u16) -> Altitude {
    let ac = ac & 0x1FFF;
    // Q=1 with M=0, by far the most common code, inline; the rest out of line.
    if ac & 0x0050 == 0x0010 {
        // Remove M (0x40) and Q (0x10): 11 bits remain.
        let n = ((ac & 0x1F80) >> 2) | ((ac & 0x0020) >> 1) | (ac & 0x000F);
        return Altitude::Feet25(i32::from(n) * 25 - 1000);
    }
    decode_ac13_rare(ac)
}

/// [`decode_ac13`] for the codes without Q=1: none, metric, Gillham.
#[inline(never)]
fn decode_ac13_rare(ac: u16) -> Altitude {
    if ac == 0 {
        return Altitude::NotAvailable;
    }
    let m = ac & 0x0040 != 0;
    if m {
        // Metric: the remaining 12 bits are a binary count of metres.
        let n = ((ac & 0x1F80) >> 1) | (ac & 0x003F);
        return Altitude::Metres(i32::from(n));
    }
    match gillham_to_feet(ac) {
        Some(ft) => Altitude::Feet100(ft),
        None => Altitude::Invalid(ac),
    }
}

/// Encodes an altitude into the 13-bit AC field; the inverse of [`decode_ac13`].
pub fn encode_ac13(alt: Altitude) -> u16 {
    match alt {
        Altitude::NotAvailable => 0,
        Altitude::Invalid(raw) => raw & 0x1FFF,
        Altitude::Metres(m) => {
            let n = (m.clamp(0, 0xFFF)) as u16;
            ((n & 0xFC0) << 1) | 0x0040 | (n & 0x003F)
        }
        Altitude::Feet25(ft) => {
            let n = ((ft + 1000) / 25).clamp(0, 0x7FF) as u16;
            ((n & 0x7E0) << 2) | ((n & 0x010) << 1) | 0x0010 | (n & 0x00F)
        }
        Altitude::Feet100(ft) => feet_to_gillham(ft),
    }
}

/// Decodes the 12-bit altitude of ADS-B airborne positions (AC13 without the M bit).
pub fn decode_ac12(ac: u16) -> Altitude {
    let ac = ac & 0x0FFF;
    decode_ac13(((ac & 0x0FC0) << 1) | (ac & 0x003F))
}

/// Encodes the 12-bit ADS-B altitude; metric altitudes cannot be sent and become absent.
pub fn encode_ac12(alt: Altitude) -> u16 {
    let ac13 = match alt {
        Altitude::Metres(_) => 0,
        other => encode_ac13(other),
    };
    ((ac13 & 0x1F80) >> 1) | (ac13 & 0x003F)
}

/// Reads a 13-bit code laid out as C1 A1 C2 A2 C4 A4 M/X B1 Q/D1 B2 D2 B4 D4 into the
/// Mode A digit bits as (a, b, c, d), each 3 bits with the "4" bit highest.
pub(crate) const fn code13_digits(code: u16) -> (u16, u16, u16, u16) {
    /// Bit `n` of the code, counting from 1 at the MSB.
    const fn bit(code: u16, n: u16) -> u16 {
        (code >> (13 - n)) & 1
    }
    let a = (bit(code, 6) << 2) | (bit(code, 4) << 1) | bit(code, 2); // A4 A2 A1
    let b = (bit(code, 12) << 2) | (bit(code, 10) << 1) | bit(code, 8); // B4 B2 B1
    let c = (bit(code, 5) << 2) | (bit(code, 3) << 1) | bit(code, 1); // C4 C2 C1
    let d = (bit(code, 13) << 2) | (bit(code, 11) << 1) | bit(code, 9); // D4 D2 D1
    (a, b, c, d)
}

/// The inverse of [`code13_digits`] (the M/X bit is left zero).
pub(crate) fn digits_code13(a: u16, b: u16, c: u16, d: u16) -> u16 {
    let mut code = 0u16;
    let mut set = |n: u16, v: u16| code |= (v & 1) << (13 - n);
    set(1, c);
    set(2, a);
    set(3, c >> 1);
    set(4, a >> 1);
    set(5, c >> 2);
    set(6, a >> 2);
    set(8, b);
    set(9, d);
    set(10, b >> 1);
    set(11, d >> 1);
    set(12, b >> 2);
    set(13, d >> 2);
    code
}

fn gray_to_binary(mut g: u16) -> u16 {
    let mut b = 0;
    while g != 0 {
        b ^= g;
        g >>= 1;
    }
    b
}

/// Gillham code to feet: the 500 ft part is the Gray code D2 D4 A1 A2 A4 B1 B2 B4, the
/// 100 ft part the "cyclic" C1 C2 C4 code, reflected when the 500 ft count is odd.
fn gillham_to_feet(code: u16) -> Option<i32> {
    let (a, b, c, d) = code13_digits(code);
    if d & 1 != 0 {
        return None; // D1 is never used for altitude
    }
    // Gray bits from most to least significant: D2 D4 A1 A2 A4 B1 B2 B4.
    let rev3 = |v: u16| ((v & 1) << 2) | (v & 2) | ((v >> 2) & 1); // (4,2,1) -> (1,2,4) order
    let g500 = (rev3(d) & 3) << 6 | rev3(a) << 3 | rev3(b);
    let n500 = gray_to_binary(g500);
    let mut n100 = gray_to_binary(rev3(c));
    match n100 {
        1..=4 => {}
        7 => n100 = 5,
        _ => return None,
    }
    if n500 % 2 == 1 {
        n100 = 6 - n100;
    }
    Some(i32::from(n500) * 500 + i32::from(n100) * 100 - 1300)
}

fn feet_to_gillham(ft: i32) -> u16 {
    // Valid Gillham altitudes run from -1200 ft to 126,700 ft.
    let v = (ft.clamp(-1200, 126_700) + 1300) / 100;
    let n500 = ((v - 1) / 5) as u16;
    let mut n100 = (v - 5 * i32::from(n500)) as u16;
    if n500 % 2 == 1 {
        n100 = 6 - n100;
    }
    if n100 == 5 {
        n100 = 7;
    }
    let to_gray = |n: u16| n ^ (n >> 1);
    let rev3 = |v: u16| ((v & 1) << 2) | (v & 2) | ((v >> 2) & 1);
    let g500 = to_gray(n500);
    let c = rev3(to_gray(n100));
    let d = rev3((g500 >> 6) & 3); // D1 stays 0
    let a = rev3((g500 >> 3) & 7);
    let b = rev3(g500 & 7);
    digits_code13(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_bit_altitudes() {
        // pyModeS tests (test_c_common altcode): DF20 A0001838... is not needed; the AC13
        // value 0x0C38 is 38,000? Use the definition: N=1560 -> 38,000 ft.
        let enc = encode_ac13(Altitude::Feet25(38_000));
        assert_eq!(enc & 0x10, 0x10);
        assert_eq!(decode_ac13(enc), Altitude::Feet25(38_000));
        // ADS-B 12-bit: 8D40058B58C901375147EFD09357 has AC12 = 0xC90 -> 39,000 ft (pyModeS tests).
        assert_eq!(decode_ac12(0xC90), Altitude::Feet25(39_000));
        assert_eq!(encode_ac12(Altitude::Feet25(39_000)), 0xC90);
    }

    #[test]
    fn gillham_round_trips_over_its_whole_range() {
        for ft in (-1200..=126_700).step_by(100) {
            let code = encode_ac13(Altitude::Feet100(ft));
            assert_eq!(code & 0x10, 0, "Q must be 0 at {ft}");
            assert_eq!(decode_ac13(code), Altitude::Feet100(ft), "code {code:#06x}");
        }
    }

    #[test]
    fn gillham_known_values() {
        // C4 alone is the lowest Gillham altitude, -1200 ft; C1 alone is -800 ft.
        assert_eq!(decode_ac13(0x0100), Altitude::Feet100(-1200));
        assert_eq!(decode_ac13(0x1000), Altitude::Feet100(-800));
        // No C bit is never a valid altitude (D1 sits where Q is, so it cannot be set).
        assert_eq!(decode_ac13(0x0800), Altitude::Invalid(0x0800));
    }

    #[test]
    fn every_13_bit_code_decodes_and_reemits_exactly() {
        for code in 0..0x2000u16 {
            let alt = decode_ac13(code);
            let back = encode_ac13(alt);
            // Q=1 codes and Gillham codes are bijective; metric is too.
            assert_eq!(decode_ac13(back), alt, "code {code:#06x}");
        }
    }
}
