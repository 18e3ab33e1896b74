//! Hexadecimal in and out, and turning payload bytes into a frame or a Mode A/C reply.

use crate::error::ReadErrorKind;
use crate::received::What;
use picket_modes::Frame;

/// Value of each byte as a hex digit; 0xFF for bytes that are not one.
const HEX_VALUE: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

const LOWER: &[u8; 16] = b"0123456789abcdef";
const UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Decodes hex into `out`, returning the number of bytes: `BadHex` for a character that is
/// no hex digit or an odd count, `BadLength` when `out` is too short.
#[inline]
pub(crate) fn decode(text: &[u8], out: &mut [u8]) -> Result<usize, ReadErrorKind> {
    if text.len() % 2 != 0 {
        return Err(if text.iter().all(u8::is_ascii_hexdigit) {
            ReadErrorKind::BadLength
        } else {
            ReadErrorKind::BadHex
        });
    }
    let n = text.len() / 2;
    if n > out.len() {
        return Err(if text.iter().all(u8::is_ascii_hexdigit) {
            ReadErrorKind::BadLength
        } else {
            ReadErrorKind::BadHex
        });
    }
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let hi = HEX_VALUE[pair[0] as usize];
        let lo = HEX_VALUE[pair[1] as usize];
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 0x0F);
    }
    // Any invalid digit has bits above the low nibble set.
    if bad & 0xF0 != 0 {
        return Err(ReadErrorKind::BadHex);
    }
    Ok(n)
}

/// Reads up to 16 hex digits as a number.
pub(crate) fn decode_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 16 {
        return None;
    }
    let mut v = 0u64;
    for &c in text {
        let d = HEX_VALUE[c as usize];
        if d > 15 {
            return None;
        }
        v = (v << 4) | u64::from(d);
    }
    Some(v)
}

/// A frame (7 or 14 bytes) or a Mode A/C reply (2 bytes) from its payload bytes.
#[inline]
pub(crate) fn what_from_payload(payload: &[u8]) -> Result<What, ReadErrorKind> {
    match payload.len() {
        2 => Ok(What::ModeAc([payload[0], payload[1]])),
        // Constant lengths let the copy inside `Frame::new` compile to plain moves.
        7 => Frame::new(&payload[..7])
            .map(What::ModeS)
            .map_err(|_| ReadErrorKind::BadFrame),
        14 => Frame::new(&payload[..14])
            .map(What::ModeS)
            .map_err(|_| ReadErrorKind::BadFrame),
        _ => Err(ReadErrorKind::BadLength),
    }
}

/// A frame or Mode A/C reply from 4, 14 or 28 hex digits.
#[inline]
pub(crate) fn what_from_hex(text: &[u8]) -> Result<What, ReadErrorKind> {
    if !matches!(text.len(), 4 | 14 | 28) {
        return Err(if text.iter().all(u8::is_ascii_hexdigit) {
            ReadErrorKind::BadLength
        } else {
            ReadErrorKind::BadHex
        });
    }
    let mut buf = [0u8; 14];
    let n = decode(text, &mut buf)?;
    what_from_payload(&buf[..n])
}

/// The payload bytes of a frame or Mode A/C reply (observations have none).
#[inline]
pub(crate) fn payload_of(what: &What) -> Option<&[u8]> {
    match what {
        What::ModeS(f) => Some(f.as_bytes()),
        What::ModeAc(b) => Some(b),
        What::Observation(_) => None,
    }
}

/// Appends lower-case hex.
#[inline]
pub(crate) fn push_lower(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        out.push(LOWER[(b >> 4) as usize] as char);
        out.push(LOWER[(b & 15) as usize] as char);
    }
}

/// Appends upper-case hex (AVR and SBS, as dump1090 writes them).
#[inline]
pub(crate) fn push_upper(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        out.push(UPPER[(b >> 4) as usize] as char);
        out.push(UPPER[(b & 15) as usize] as char);
    }
}

/// Appends `value` as `digits` upper-case hex digits.
pub(crate) fn push_upper_u64(out: &mut String, value: u64, digits: u32) {
    for i in (0..digits).rev() {
        out.push(UPPER[((value >> (4 * i)) & 15) as usize] as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_rejects() {
        let mut b = [0u8; 14];
        assert_eq!(decode(b"8D406b90", &mut b), Ok(4));
        assert_eq!(&b[..4], &[0x8d, 0x40, 0x6b, 0x90]);
        assert_eq!(decode(b"8D4", &mut b), Err(ReadErrorKind::BadLength));
        assert_eq!(decode(b"8G", &mut b), Err(ReadErrorKind::BadHex));
        assert_eq!(decode(&[b'0'; 30], &mut b), Err(ReadErrorKind::BadLength));
        assert_eq!(decode_u64(b"03BA2A7C1DD1"), Some(0x03BA_2A7C_1DD1));
        assert_eq!(decode_u64(b"03BA2A7C1DDX"), None);
    }

    #[test]
    fn payloads_become_frames_or_mode_ac() {
        // pyModeS tests: DF17 from 406B90.
        let w = what_from_hex(b"8D406B902015A678D4D220AA4BDA").unwrap();
        assert_eq!(w.frame().unwrap().df(), 17);
        assert_eq!(what_from_hex(b"1234"), Ok(What::ModeAc([0x12, 0x34])));
        // A DF17 payload in 7 bytes does not suit its format.
        assert_eq!(what_from_hex(b"8D406B902015A6"), Err(ReadErrorKind::BadFrame));
        assert_eq!(what_from_hex(b"8D406B"), Err(ReadErrorKind::BadLength));
        assert_eq!(what_from_hex(b"8D406B902015AZ"), Err(ReadErrorKind::BadHex));
        let mut s = String::new();
        push_lower(&mut s, &[0xAB, 0x01]);
        push_upper(&mut s, &[0xAB, 0x01]);
        push_upper_u64(&mut s, 0x3BA, 6);
        assert_eq!(s, "ab01AB010003BA");
    }
}
