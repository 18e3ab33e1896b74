//! Sample formats, their names and detection, and the conversion of I/Q bytes to magnitudes.

use std::fmt;
use std::str::FromStr;

/// Magnitude of a full-scale carrier (an amplitude of 1.0: 127.5 counts for u8, 32768 for
/// s16). The largest magnitude, a corner of the I/Q square, is √2 of this: 4073, so every
/// magnitude fits 12 bits and sums of eight fit an `i16`.
pub const FULL_SCALE: f32 = 2880.0;

/// How one I/Q component is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sample {
    /// Unsigned 8-bit, zero at 127.5 (RTL-SDR, dump1090's `UC8`).
    U8,
    /// Signed 16-bit little-endian (`SC16`).
    S16Le,
    /// Signed 16-bit big-endian.
    S16Be,
}

impl Sample {
    /// Bytes per complex sample (I and Q).
    pub const fn bytes_per_sample(self) -> usize {
        match self {
            Sample::U8 => 2,
            Sample::S16Le | Sample::S16Be => 4,
        }
    }
}

/// Which component comes first in a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IqOrder {
    /// I then Q (RTL-SDR, most tools).
    #[default]
    Iq,
    /// Q then I (dump1090_rs test captures). Demodulation uses only the magnitude, which
    /// does not depend on the order; the order is kept for anything that uses the phase.
    Qi,
}

/// An IQ input: sample encoding, component order and sample rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IqSpec {
    /// Encoding of each component.
    pub sample: Sample,
    /// Order of the components.
    pub order: IqOrder,
    /// Samples per second (2.0 to 4.0 MS/s are supported).
    pub rate_hz: u32,
}

/// The default rate: 2.4 MS/s, the rate readsb and dump1090 use with RTL-SDR dongles.
pub const DEFAULT_RATE_HZ: u32 = 2_400_000;
/// The lowest supported rate: a sample must not span more than two half-microsecond chips.
pub const MIN_RATE_HZ: u32 = 2_000_000;
/// The highest supported rate (a bit then spans at most five samples).
pub const MAX_RATE_HZ: u32 = 4_000_000;

impl IqSpec {
    /// Unsigned 8-bit I/Q at 2.4 MS/s.
    pub const fn u8_2400() -> IqSpec {
        IqSpec {
            sample: Sample::U8,
            order: IqOrder::Iq,
            rate_hz: DEFAULT_RATE_HZ,
        }
    }

    /// The same spec at another rate (samples per second).
    pub const fn with_rate(self, rate_hz: u32) -> IqSpec {
        IqSpec { rate_hz, ..self }
    }
}

impl fmt::Display for IqSpec {
    /// `iq-u8`, `iq-s16le`, `iq-s16be`, with `-qi` for Q-first and `@R` (MS/s) unless 2.4.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.sample {
            Sample::U8 => "iq-u8",
            Sample::S16Le => "iq-s16le",
            Sample::S16Be => "iq-s16be",
        })?;
        if self.order == IqOrder::Qi {
            f.write_str("-qi")?;
        }
        if self.rate_hz != DEFAULT_RATE_HZ {
            write!(f, "@{}", f64::from(self.rate_hz) / 1e6)?;
        }
        Ok(())
    }
}

/// A name that is no IQ format, or a rate outside what the demodulator supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadIqSpec(pub String);

impl fmt::Display for BadIqSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadIqSpec {}

/// Reads a rate in MS/s (`2.4`) or samples per second (`2400000`).
pub fn parse_rate(text: &str) -> Result<u32, BadIqSpec> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| BadIqSpec(format!("rate {text:?} is not a number")))?;
    let hz = if v < 1000.0 { v * 1e6 } else { v };
    let hz = hz.round();
    if !(f64::from(MIN_RATE_HZ)..=f64::from(MAX_RATE_HZ)).contains(&hz) {
        return Err(BadIqSpec(format!(
            "rate {text}: the demodulator reads 2.0 to 4.0 MS/s"
        )));
    }
    Ok(hz as u32)
}

impl FromStr for IqSpec {
    type Err = BadIqSpec;

    /// `iq-u8`, `iq-s16le` (also `iq-s16`, `iq-sc16`), `iq-s16be`, each optionally followed
    /// by `-qi` (Q first) and `@RATE` (MS/s), any case: `iq-s16le-qi@2.4`.
    fn from_str(s: &str) -> Result<IqSpec, BadIqSpec> {
        let lower = s.trim().to_ascii_lowercase();
        let (name, rate) = match lower.split_once('@') {
            Some((n, r)) => (n, Some(r)),
            None => (lower.as_str(), None),
        };
        let (name, order) = match name.strip_suffix("-qi") {
            Some(n) => (n, IqOrder::Qi),
            None => (name.strip_suffix("-iq").unwrap_or(name), IqOrder::Iq),
        };
        let sample = match name {
            "iq-u8" | "iq-uc8" | "u8" | "uc8" => Sample::U8,
            "iq-s16" | "iq-s16le" | "iq-sc16" | "s16" | "s16le" | "sc16" => Sample::S16Le,
            "iq-s16be" | "s16be" => Sample::S16Be,
            _ => {
                return Err(BadIqSpec(format!(
                    "unknown IQ format {s:?}: expected iq-u8, iq-s16le or iq-s16be"
                )))
            }
        };
        let rate_hz = match rate {
            Some(r) => parse_rate(r)?,
            None => DEFAULT_RATE_HZ,
        };
        Ok(IqSpec {
            sample,
            order,
            rate_hz,
        })
    }
}

/// Guesses the sample encoding from the first bytes of an input (a few thousand bytes).
///
/// Receiver noise is small next to full scale, so in 16-bit samples the high byte of every
/// component is nearly always 0x00 or 0xFF (little-endian: the odd bytes; big-endian: the
/// even ones), while in 8-bit samples every byte sits near 127.5. `None` when neither fits
/// (text, Beast, or too few bytes); the rate can never be told and is 2.4 MS/s unless given.
pub fn detect(first_bytes: &[u8]) -> Option<Sample> {
    let n = first_bytes.len() / 4 * 4;
    if n < 1024 {
        return None;
    }
    let b = &first_bytes[..n];
    let small = |x: u8| (x as i8).unsigned_abs() < 24;
    let even_small = b.iter().step_by(2).filter(|&&x| small(x)).count();
    let odd_small = b.iter().skip(1).step_by(2).filter(|&&x| small(x)).count();
    let half = n / 2;
    if odd_small * 10 > half * 9 && even_small * 10 < half * 6 {
        return Some(Sample::S16Le);
    }
    if even_small * 10 > half * 9 && odd_small * 10 < half * 6 {
        return Some(Sample::S16Be);
    }
    // 8-bit: centred on 127.5, mostly within ±64, and not mostly printable text (an AVR or
    // hex file is all digits and letters, well inside that band).
    let near = b.iter().filter(|&&x| (64..=191).contains(&x)).count();
    let mean = b.iter().map(|&x| u64::from(x)).sum::<u64>() as f64 / n as f64;
    let text = b
        .iter()
        .filter(|&&x| x.is_ascii_alphanumeric() || matches!(x, b'\n' | b'\r' | b';' | b'*' | b',' | b' '))
        .count();
    if near * 10 > n * 9 && (mean - 127.5).abs() < 16.0 && text * 2 < n {
        return Some(Sample::U8);
    }
    None
}

/// The magnitude of every u8 I/Q pair: a 64 Ki-entry table (128 KiB) indexed by the two
/// bytes, which costs one load a sample.
#[derive(Clone)]
pub(crate) struct MagnitudeTable {
    table: Box<[u16; 65536]>,
}

impl fmt::Debug for MagnitudeTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MagnitudeTable")
    }
}

impl MagnitudeTable {
    pub(crate) fn new() -> MagnitudeTable {
        let v: Vec<u16> = (0..65536u32)
            .map(|k| u8_magnitude((k >> 8) as u8, (k & 0xFF) as u8))
            .collect();
        let table: Box<[u16; 65536]> = match v.into_boxed_slice().try_into() {
            Ok(t) => t,
            Err(_) => unreachable!("the table has 65536 entries"),
        };
        MagnitudeTable { table }
    }

    /// Magnitudes of the u8 pairs in `bytes` (its length is twice `out`'s).
    #[inline]
    pub(crate) fn convert(&self, bytes: &[u8], out: &mut [u16]) {
        for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *o = self.table[(usize::from(pair[0]) << 8) | usize::from(pair[1])];
        }
    }
}

/// The magnitude of one u8 pair, computed (what the table holds).
pub(crate) fn u8_magnitude(i: u8, q: u8) -> u16 {
    let i = f32::from(i) - 127.5;
    let q = f32::from(q) - 127.5;
    ((i * i + q * q).sqrt() * (FULL_SCALE / 127.5)).round() as u16
}

/// Magnitudes of s16 pairs; written so that it vectorises (lanes of f32 square roots).
#[inline]
pub(crate) fn convert_s16(bytes: &[u8], big_endian: bool, out: &mut [u16]) {
    const SCALE: f32 = FULL_SCALE / 32768.0;
    for (o, s) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        let (i, q) = if big_endian {
            (i16::from_be_bytes([s[0], s[1]]), i16::from_be_bytes([s[2], s[3]]))
        } else {
            (i16::from_le_bytes([s[0], s[1]]), i16::from_le_bytes([s[2], s[3]]))
        };
        let (i, q) = (f32::from(i), f32::from(q));
        *o = ((i * i + q * q).sqrt() * SCALE + 0.5) as u16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for text in [
            "iq-u8",
            "iq-s16le",
            "iq-s16be",
            "iq-s16le-qi",
            "iq-u8@2",
            "iq-s16be-qi@3.2",
        ] {
            let spec: IqSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        let s: IqSpec = "IQ-S16@2.0".parse().unwrap();
        assert_eq!((s.sample, s.rate_hz), (Sample::S16Le, 2_000_000));
        assert!("iq-u8@1.0".parse::<IqSpec>().is_err());
        assert!("iq-f32"
            .parse::<IqSpec>()
            .unwrap_err()
            .to_string()
            .contains("iq-f32"));
        assert_eq!(parse_rate("2400000"), Ok(2_400_000));
    }

    #[test]
    fn table_matches_the_computed_magnitude_and_fits_12_bits() {
        let t = MagnitudeTable::new();
        for (i, q) in [(0u8, 0u8), (255, 255), (127, 128), (200, 17)] {
            let mut out = [0u16];
            t.convert(&[i, q], &mut out);
            assert_eq!(out[0], u8_magnitude(i, q));
        }
        assert!(u8_magnitude(0, 0) < 4096 && u8_magnitude(255, 0) < 4096);
        // A full-scale carrier on one axis reads FULL_SCALE.
        assert_eq!(
            u8_magnitude(255, 127) as f32,
            (FULL_SCALE * 127.5f32.hypot(0.5) / 127.5).round()
        );
        let mut out = [0u16; 2];
        convert_s16(&[0x00, 0x80, 0, 0, 0, 0x40, 0, 0], false, &mut out);
        assert_eq!(out, [FULL_SCALE as u16, FULL_SCALE as u16 / 2]);
        convert_s16(&[0x80, 0x00, 0, 0, 0x40, 0, 0, 0], true, &mut out);
        assert_eq!(out, [FULL_SCALE as u16, FULL_SCALE as u16 / 2]);
    }

    #[test]
    fn detects_each_encoding_from_noise() {
        // A small deterministic noise (a linear congruential generator).
        let mut state = 1u32;
        let mut noise = || {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            ((state >> 16) % 41) as i32 - 20
        };
        let u8s: Vec<u8> = (0..4096).map(|_| (127 + noise()) as u8).collect();
        assert_eq!(detect(&u8s), Some(Sample::U8));
        let le: Vec<u8> = (0..2048)
            .flat_map(|_| ((noise() * 40) as i16).to_le_bytes())
            .collect();
        assert_eq!(detect(&le), Some(Sample::S16Le));
        let be: Vec<u8> = (0..2048)
            .flat_map(|_| ((noise() * 40) as i16).to_be_bytes())
            .collect();
        assert_eq!(detect(&be), Some(Sample::S16Be));
        assert_eq!(
            detect(b"*8D406B902015A678D4D220AA4BDA;\n".repeat(64).as_slice()),
            None
        );
        assert_eq!(detect(&[0x1a; 100]), None);
    }
}
