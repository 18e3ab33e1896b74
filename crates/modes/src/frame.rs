//! A Mode S frame: an owned, `Copy` view over 7 or 14 bytes with one accessor per field.
//!
//! Bits are numbered as in ICAO Annex 10 Vol IV: bit 1 is the first bit sent (the most
//! significant bit of the first byte). Once [`Frame::new`] has accepted the bytes, no
//! accessor panics.

use crate::crc;
use std::fmt;

/// Length of a short frame (56 bits) in bytes.
pub const SHORT_LEN: usize = 7;
/// Length of a long frame (112 bits) in bytes.
pub const LONG_LEN: usize = 14;

/// A 24-bit ICAO aircraft address (or any 24-bit address carried in the AA field).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Icao(pub u32);

impl Icao {
    /// The address as a 24-bit number.
    pub const fn value(self) -> u32 {
        self.0
    }
}

impl fmt::Debug for Icao {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06x}", self.0)
    }
}

impl fmt::Display for Icao {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06x}", self.0)
    }
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Neither 7 nor 14 bytes.
    BadLength(usize),
    /// The downlink format needs the other length (e.g. a DF17 in 7 bytes).
    LengthMismatch { df: u8, len: usize },
    /// Hex text with a character that is not a hex digit, or an odd number of digits.
    BadHex,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::BadLength(n) => write!(f, "a Mode S frame is 7 or 14 bytes, not {n}"),
            FrameError::LengthMismatch { df, len } => {
                write!(f, "downlink format {df} cannot be {len} bytes long")
            }
            FrameError::BadHex => write!(f, "not a hex frame"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Expected frame length in bytes for a downlink format (DF24..31 all map to 24).
pub const fn df_len(df: u8) -> usize {
    if df >= 16 {
        LONG_LEN
    } else {
        SHORT_LEN
    }
}

/// An owned Mode S frame of 56 or 112 bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frame {
    bytes: [u8; LONG_LEN],
    len: u8,
}

impl Frame {
    /// Accepts 7 or 14 bytes whose length suits their downlink format.
    #[inline]
    pub fn new(data: &[u8]) -> Result<Frame, FrameError> {
        let len = data.len();
        if len != SHORT_LEN && len != LONG_LEN {
            return Err(FrameError::BadLength(len));
        }
        let df = Self::df_of(data[0]);
        if df_len(df) != len {
            return Err(FrameError::LengthMismatch { df, len });
        }
        let mut bytes = [0u8; LONG_LEN];
        bytes[..len].copy_from_slice(data);
        Ok(Frame {
            bytes,
            len: len as u8,
        })
    }

    /// Parses 14 or 28 hex digits (either case).
    pub fn from_hex(text: &str) -> Result<Frame, FrameError> {
        let t = text.as_bytes();
        if !t.len().is_multiple_of(2) || t.len() > 2 * LONG_LEN {
            return Err(if !t.len().is_multiple_of(2) {
                FrameError::BadHex
            } else {
                FrameError::BadLength(t.len() / 2)
            });
        }
        let mut buf = [0u8; LONG_LEN];
        for (i, pair) in t.chunks_exact(2).enumerate() {
            buf[i] = (hex_digit(pair[0]).ok_or(FrameError::BadHex)? << 4)
                | hex_digit(pair[1]).ok_or(FrameError::BadHex)?;
        }
        Frame::new(&buf[..t.len() / 2])
    }

    #[inline]
    const fn df_of(first: u8) -> u8 {
        let df = first >> 3;
        if df >= 24 {
            24
        } else {
            df
        }
    }

    /// The frame's bytes (7 or 14).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// All 14 bytes: the frame's, then zeros after a short frame (a fixed size, for
    /// hashing without a length-dependent copy).
    #[inline]
    pub fn padded(&self) -> &[u8; LONG_LEN] {
        &self.bytes
    }

    /// Number of bytes: 7 or 14.
    #[inline]
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Number of bits: 56 or 112.
    #[inline]
    pub fn len_bits(&self) -> usize {
        self.len as usize * 8
    }

    /// True for a 112-bit frame.
    #[inline]
    pub fn is_long(&self) -> bool {
        self.len as usize == LONG_LEN
    }

    /// Downlink format (bits 1–5); every format from 24 up is reported as 24 (Comm-D).
    #[inline]
    pub fn df(&self) -> u8 {
        Self::df_of(self.bytes[0])
    }

    /// The whole frame as a number, bit 1 in bit 111 (short frames left-aligned too).
    #[inline]
    fn as_u128(&self) -> u128 {
        let mut b = [0u8; 16];
        b[..LONG_LEN].copy_from_slice(&self.bytes);
        u128::from_be_bytes(b) >> 16
    }

    /// Bits `first..=last` (1-based, as in the standard) as a number; at most 64 bits.
    #[inline]
    pub fn bits(&self, first: usize, last: usize) -> u64 {
        debug_assert!(first >= 1 && last >= first && last - first < 64 && last <= 112);
        let width = last + 1 - first;
        let v = self.as_u128() >> (112 - last);
        (v & ((1u128 << width) - 1)) as u64
    }

    /// Bits 6–8: CA (DF11/17), CF (DF18), AF (DF19) or FS (DF4/5/20/21), by format.
    #[inline]
    pub fn bits_6_8(&self) -> u8 {
        self.bytes[0] & 7
    }

    /// Bits 1–32 as one number: DF, bits 6–8 and the AA (or FS/DR/UM/AC/ID) fields.
    #[inline]
    pub(crate) fn head(&self) -> u32 {
        u32::from_be_bytes([self.bytes[0], self.bytes[1], self.bytes[2], self.bytes[3]])
    }

    /// The 24-bit AA field (bits 9–32) of DF11/17/18.
    #[inline]
    pub fn aa(&self) -> Icao {
        Icao((u32::from(self.bytes[1]) << 16) | (u32::from(self.bytes[2]) << 8) | u32::from(self.bytes[3]))
    }

    /// The 56-bit ME/MB/MV field (bits 33–88) of a long frame; 0 for short frames.
    #[inline]
    pub fn me(&self) -> u64 {
        if !self.is_long() {
            return 0;
        }
        // Bytes 3-10 as one word, less byte 3 (the end of the AA field).
        let [_, _, _, word @ .., _, _, _] = self.bytes;
        u64::from_be_bytes(word) & 0xFF_FFFF_FFFF_FFFF
    }

    /// ADS-B type code (first five bits of ME) of a long frame.
    #[inline]
    pub fn type_code(&self) -> u8 {
        if self.is_long() {
            self.bytes[4] >> 3
        } else {
            0
        }
    }

    /// The parity field (last 24 bits): PI or AP.
    #[inline]
    pub fn parity(&self) -> u32 {
        let n = self.len as usize;
        (u32::from(self.bytes[n - 3]) << 16)
            | (u32::from(self.bytes[n - 2]) << 8)
            | u32::from(self.bytes[n - 1])
    }

    /// CRC residual: zero for a clean DF11 (II=0)/17/18, the address for a clean
    /// address/parity reply (DF0/4/5/16/20/21).
    #[inline]
    pub fn crc_residual(&self) -> u32 {
        // The two lengths as fixed-size arrays: no slice bounds to check, no length dispatch.
        if self.is_long() {
            crc::residual_long(&self.bytes)
        } else {
            let [a, b, c, d, e, f, g, ..] = self.bytes;
            crc::residual_short(&[a, b, c, d, e, f, g])
        }
    }

    /// A copy with bit `bit` (0-based from the first bit sent) flipped.
    #[inline]
    pub fn with_bit_flipped(mut self, bit: usize) -> Frame {
        if bit < self.len_bits() {
            self.bytes[bit / 8] ^= 0x80 >> (bit % 8);
        }
        self
    }

    /// Builds a frame from its bits, computing the parity field over the data.
    ///
    /// `data` holds the frame's bits before the parity field, right-aligned (32 bits for a
    /// short frame, 88 for a long one). `overlay` is XORed into the parity: the address for
    /// an address/parity reply, the interrogator code for DF11, zero for DF17/18.
    pub fn build(long: bool, data: u128, overlay: u32) -> Frame {
        let n = if long { LONG_LEN } else { SHORT_LEN };
        let data_bits = n * 8 - 24;
        let v = (data & ((1u128 << data_bits) - 1)) << 24;
        let all = v.to_be_bytes();
        let mut bytes = [0u8; LONG_LEN];
        bytes[..n].copy_from_slice(&all[16 - n..]);
        let parity = crc::crc24(&bytes[..n - 3]) ^ (overlay & 0xFF_FFFF);
        bytes[n - 3] = (parity >> 16) as u8;
        bytes[n - 2] = (parity >> 8) as u8;
        bytes[n - 1] = parity as u8;
        Frame { bytes, len: n as u8 }
    }
}

#[inline]
fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame({self})")
    }
}

/// Lower-case hex, as everywhere in picket's output.
impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_is_the_frame_then_zeros() {
        for hex in ["5DAB92A2B04912", "8D406B902015A678D4D220AA4BDA"] {
            let f = Frame::from_hex(hex).unwrap();
            let p = f.padded();
            assert_eq!(&p[..f.len()], f.as_bytes());
            assert!(p[f.len()..].iter().all(|&b| b == 0));
            // Flipping a bit past the frame is refused, so the padding stays zero.
            assert_eq!(f.with_bit_flipped(f.len_bits()).padded(), p);
        }
    }

    // pyModeS tests: 8D406B902015A678D4D220AA4BDA, DF17 from 406B90, TC4 (EZY85MH).
    const IDENT: &str = "8D406B902015A678D4D220AA4BDA";

    #[test]
    fn reads_fields_from_known_bytes() {
        let f = Frame::from_hex(IDENT).unwrap();
        assert_eq!(f.df(), 17);
        assert_eq!(f.bits(1, 5), 17);
        assert_eq!(f.bits_6_8(), 5);
        assert_eq!(f.aa(), Icao(0x406B90));
        assert_eq!(f.type_code(), 4);
        assert_eq!(f.bits(33, 37), 4);
        assert_eq!(f.me(), 0x2015A678D4D220);
        assert_eq!(f.parity(), 0xAA4BDA);
        assert_eq!(f.crc_residual(), 0);
        assert_eq!(f.to_string(), IDENT.to_lowercase());
    }

    #[test]
    fn builds_bytes_with_parity() {
        let f = Frame::from_hex(IDENT).unwrap();
        let data = f.as_u128() >> 24;
        assert_eq!(Frame::build(true, data, 0), f);
        // DF5 from pyModeS test_common: address 0x510AF9
        let s = Frame::from_hex("2A00516D492B80").unwrap();
        assert_eq!(Frame::build(false, s.as_u128() >> (24 + 56), 0x510AF9), s);
    }

    /// The fixed-length residual and ME readers agree with the general ones on every
    /// length, also for frames `build` makes in the length their format does not have.
    #[test]
    fn residual_and_me_agree_with_the_byte_wise_readers() {
        let mut state = 3u64;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let z = (state ^ (state >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z ^ (z >> 27)
        };
        for i in 0..2000 {
            let data = u128::from(next()) << 64 | u128::from(next());
            let f = Frame::build(i % 2 == 0, data, next() as u32);
            assert_eq!(f.crc_residual(), crc::residual(f.as_bytes()), "{f}");
            let me = if f.is_long() { f.bits(33, 88) } else { 0 };
            assert_eq!(f.me(), me, "{f}");
        }
    }

    #[test]
    fn rejects_bad_lengths_and_hex() {
        assert_eq!(
            Frame::new(&[0x8d; 7]),
            Err(FrameError::LengthMismatch { df: 17, len: 7 })
        );
        assert_eq!(Frame::new(&[0x8d; 3]), Err(FrameError::BadLength(3)));
        assert_eq!(
            Frame::from_hex("8D406B902015A678D4D220AA4BDG"),
            Err(FrameError::BadHex)
        );
        assert!(Frame::from_hex("").is_err());
    }

    #[test]
    fn comm_d_formats_read_as_24() {
        let mut b = [0u8; 14];
        b[0] = 0xFF;
        assert_eq!(Frame::new(&b).unwrap().df(), 24);
    }
}
