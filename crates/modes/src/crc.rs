//! CRC-24 of Mode S (ICAO Annex 10 Vol IV, 3.1.2.3.3), error correction and address recovery.
//!
//! The generator polynomial is x^24 + x^23 + ... (0x1FFF409). A frame's *residual* is the CRC
//! of everything before the parity field XORed with the parity field: zero for a clean
//! DF11 (II=0)/17/18, the address for a clean address/parity reply.

use std::sync::OnceLock;

/// The generator polynomial without its x^24 term.
pub const POLYNOMIAL: u32 = 0xFF_F409;

const fn make_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 16;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x80_0000 != 0 {
                (c << 1) ^ POLYNOMIAL
            } else {
                c << 1
            };
            k += 1;
        }
        table[i] = c & 0xFF_FFFF;
        i += 1;
    }
    table
}

static TABLE: [u32; 256] = make_table();

/// Longest data the sliced tables cover: the 88 bits before a long frame's parity.
const SLICES: usize = 11;

/// `SLICE[k][v]`: the CRC of byte `v` followed by `k` zero bytes.
const fn make_slices() -> [[u32; 256]; SLICES] {
    let mut t = [[0u32; 256]; SLICES];
    t[0] = make_table();
    let mut k = 1;
    while k < SLICES {
        let mut v = 0;
        while v < 256 {
            // Append one zero byte to the CRC of (v, k-1 zero bytes).
            let c = t[k - 1][v];
            t[k][v] = ((c << 8) & 0xFF_FFFF) ^ t[0][((c >> 16) & 0xFF) as usize];
            v += 1;
        }
        k += 1;
    }
    t
}

/// 11 KiB: fits the L1 cache beside the rest of the decoder's data.
static SLICE: [[u32; 256]; SLICES] = make_slices();

/// CRC of exactly `N` (at most [`SLICES`]) bytes. The CRC (zero start, no final XOR) is
/// linear in the data, so it is the XOR of one lookup per byte position: independent loads
/// instead of the byte-wise loop's chain of dependent ones (about a third of the
/// instructions for a long frame, and no loop-carried latency).
#[inline(always)]
fn crc24_sliced<const N: usize>(data: &[u8; N]) -> u32 {
    let mut crc = 0u32;
    let mut i = 0;
    while i < N {
        crc ^= SLICE[N - 1 - i][data[i] as usize];
        i += 1;
    }
    crc
}

/// CRC of any length, one byte at a time.
fn crc24_bytewise(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in data {
        crc = ((crc << 8) & 0xFF_FFFF) ^ TABLE[(((crc >> 16) as u8) ^ b) as usize];
    }
    crc
}

/// CRC-24 remainder of `data` (the bytes before the parity field).
#[inline]
pub fn crc24(data: &[u8]) -> u32 {
    // The two lengths of Mode S data take the sliced path; anything else the byte-wise one.
    if let Ok(long) = <&[u8; 11]>::try_from(data) {
        crc24_sliced(long)
    } else if let Ok(short) = <&[u8; 4]>::try_from(data) {
        crc24_sliced(short)
    } else {
        crc24_bytewise(data)
    }
}

/// Residual of a whole frame (7 or 14 bytes): CRC of the data XOR the parity field.
#[inline]
pub fn residual(frame: &[u8]) -> u32 {
    let n = frame.len();
    let parity = (u32::from(frame[n - 3]) << 16) | (u32::from(frame[n - 2]) << 8) | u32::from(frame[n - 1]);
    crc24(&frame[..n - 3]) ^ parity
}

/// Residual of a 112-bit frame: the sliced CRC of its 11 data bytes XOR its parity field.
#[inline(always)]
pub(crate) fn residual_long(frame: &[u8; 14]) -> u32 {
    let [data @ .., _, _, _] = frame;
    let [.., p0, p1, p2, p3] = *frame;
    crc24_sliced(data) ^ (u32::from_be_bytes([p0, p1, p2, p3]) & 0xFF_FFFF)
}

/// Residual of a 56-bit frame: the sliced CRC of its 4 data bytes XOR its parity field.
#[inline(always)]
pub(crate) fn residual_short(frame: &[u8; 7]) -> u32 {
    let [data @ .., _, _, _] = frame;
    let [.., p0, p1, p2, p3] = *frame;
    crc24_sliced(data) ^ (u32::from_be_bytes([p0, p1, p2, p3]) & 0xFF_FFFF)
}

/// Residual caused by flipping bit `bit` (0 = first bit sent) of a frame of `len_bits` bits.
fn bit_syndrome(len_bits: usize, bit: usize) -> u32 {
    let mut bytes = [0u8; 14];
    let n = len_bits / 8;
    bytes[bit / 8] = 0x80 >> (bit % 8);
    residual(&bytes[..n])
}

/// Syndromes of correctable errors for one frame length, sorted for binary search.
#[derive(Debug)]
struct SyndromeTable {
    /// (syndrome, first bit, second bit or 0xFF for a single-bit error)
    entries: Vec<(u32, u8, u8)>,
}

/// Bits 1..=5 (the downlink format) are never "corrected": a fix there would turn one
/// format into another and make up data.
const FIRST_FIXABLE_BIT: usize = 5;

fn build_table(len_bits: usize, two_bits: bool) -> SyndromeTable {
    let syn: Vec<u32> = (0..len_bits).map(|b| bit_syndrome(len_bits, b)).collect();
    let mut entries = Vec::new();
    for i in FIRST_FIXABLE_BIT..len_bits {
        entries.push((syn[i], i as u8, 0xFF));
        if two_bits {
            for j in (i + 1)..len_bits {
                entries.push((syn[i] ^ syn[j], i as u8, j as u8));
            }
        }
    }
    entries.sort_unstable();
    // A syndrome that two different error patterns produce is ambiguous: drop it entirely.
    let mut unique: Vec<(u32, u8, u8)> = Vec::with_capacity(entries.len());
    let mut k = 0;
    while k < entries.len() {
        let mut m = k + 1;
        while m < entries.len() && entries[m].0 == entries[k].0 {
            m += 1;
        }
        if m == k + 1 {
            unique.push(entries[k]);
        }
        k = m;
    }
    SyndromeTable { entries: unique }
}

fn table(len_bits: usize, two_bits: bool) -> &'static SyndromeTable {
    static T56_1: OnceLock<SyndromeTable> = OnceLock::new();
    static T56_2: OnceLock<SyndromeTable> = OnceLock::new();
    static T112_1: OnceLock<SyndromeTable> = OnceLock::new();
    static T112_2: OnceLock<SyndromeTable> = OnceLock::new();
    let cell = match (len_bits, two_bits) {
        (56, false) => &T56_1,
        (56, true) => &T56_2,
        (_, false) => &T112_1,
        (_, true) => &T112_2,
    };
    cell.get_or_init(|| build_table(len_bits, two_bits))
}

/// Bit positions (0-based from the first bit sent) whose flip explains `syndrome`.
///
/// Returns `None` when no unique pattern of at most one (or, with `two_bits`, two) flipped
/// bits outside the downlink-format field gives this syndrome.
pub fn locate_errors(len_bits: usize, syndrome: u32, two_bits: bool) -> Option<ErrorBits> {
    if syndrome == 0 {
        return Some(ErrorBits {
            first: None,
            second: None,
        });
    }
    let t = table(len_bits, two_bits);
    let idx = t.entries.binary_search_by_key(&syndrome, |e| e.0).ok()?;
    let (_, a, b) = t.entries[idx];
    Some(ErrorBits {
        first: Some(a),
        second: if b == 0xFF { None } else { Some(b) },
    })
}

/// The bits a correction flips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorBits {
    /// First flipped bit (0-based from the first bit sent).
    pub first: Option<u8>,
    /// Second flipped bit, for a two-bit correction.
    pub second: Option<u8>,
}

impl ErrorBits {
    /// How many bits the correction flips.
    pub fn count(&self) -> u8 {
        self.first.is_some() as u8 + self.second.is_some() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn sliced_crc_equals_the_bytewise_one_at_every_length() {
        // SplitMix64 bytes; lengths 0..=20 cover both sliced lengths and the fallback.
        let mut state = 7u64;
        let mut byte = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let z = (state ^ (state >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            ((z ^ (z >> 27)) >> 24) as u8
        };
        for len in 0..=20 {
            for _ in 0..200 {
                let data: Vec<u8> = (0..len).map(|_| byte()).collect();
                assert_eq!(crc24(&data), crc24_bytewise(&data), "{data:02x?}");
            }
        }
        for v in 0..=255u8 {
            let mut long = [0u8; 11];
            long[10] = v;
            assert_eq!(crc24(&long), TABLE[v as usize]);
        }
    }

    #[test]
    fn clean_df17_has_zero_residual() {
        // pyModeS tests: 8D406B902015A678D4D220AA4BDA (EZY85MH)
        assert_eq!(residual(&hex("8D406B902015A678D4D220AA4BDA")), 0);
    }

    #[test]
    fn address_parity_residual_is_address() {
        // pyModeS tests (test_common.py): DF20 A0001838CA3E51F0A8000047A36A -> 3C4DD2? use DF5
        // 2A00516D492B80 has address 0x510AF9 (pyModeS test_c_common icao)
        assert_eq!(residual(&hex("2A00516D492B80")), 0x510AF9);
    }

    #[test]
    fn single_bit_errors_are_located_everywhere_but_the_df_field() {
        let clean = hex("8D406B902015A678D4D220AA4BDA");
        for bit in 0..112 {
            let mut f = clean.clone();
            f[bit / 8] ^= 0x80 >> (bit % 8);
            let got = locate_errors(112, residual(&f), false);
            if bit < FIRST_FIXABLE_BIT {
                assert!(got.is_none() || got.unwrap().first != Some(bit as u8));
            } else {
                assert_eq!(
                    got,
                    Some(ErrorBits {
                        first: Some(bit as u8),
                        second: None
                    }),
                    "bit {bit}"
                );
            }
        }
    }

    #[test]
    fn two_bit_errors_are_located_when_asked() {
        let clean = hex("8D406B902015A678D4D220AA4BDA");
        let mut f = clean.clone();
        f[3] ^= 0x10;
        f[9] ^= 0x01;
        assert!(locate_errors(112, residual(&f), false).is_none());
        let e = locate_errors(112, residual(&f), true).unwrap();
        assert_eq!(e.count(), 2);
        assert_eq!((e.first, e.second), (Some(27), Some(79)));
    }
}
