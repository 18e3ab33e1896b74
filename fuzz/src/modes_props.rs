//! The properties of the wire layer that the fuzz targets check, one function per target.
//!
//! The same file is compiled into `crates/modes/tests/fuzz_properties.rs` (through
//! `#[path]`), so CI checks every property on deterministic pseudo-random inputs without
//! cargo fuzz. Each function takes the fuzzer's raw bytes and panics when a property fails.

#![allow(dead_code, unreachable_pub)]

use picket_modes::adsb::Me;
use picket_modes::commb::{infer, Inference, Reference, Register, KNOWN_REGISTERS};
use picket_modes::message::{AddressBook, NoAddresses};
use picket_modes::{decode, DecodeOptions, Decoded, Frame, Icao, Integrity};

/// An address book that knows every address: the other extreme from [`NoAddresses`].
#[derive(Debug, Clone, Copy)]
pub struct AllAddresses;

impl AddressBook for AllAddresses {
    fn is_known(&self, _: Icao) -> bool {
        true
    }
}

const MASK56: u64 = (1 << 56) - 1;

/// Up to the first eight bytes as a little-endian number (missing bytes are zero).
pub fn u64_of(data: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = data.len().min(8);
    b[..n].copy_from_slice(&data[..n]);
    u64::from_le_bytes(b)
}

/// The two decoding options the fuzz target uses: 1-bit fixing, and 1- and 2-bit fixing.
pub const OPTIONS: [DecodeOptions; 2] = [
    DecodeOptions {
        fix_one_bit: true,
        fix_two_bits: false,
        adsb_version: None,
    },
    DecodeOptions {
        fix_one_bit: true,
        fix_two_bits: true,
        adsb_version: None,
    },
];

/// `decode_frame`: any 7 or 14 bytes. `Frame::new` never panics; a frame's accessors never
/// panic; decoding (1-bit and 1+2-bit fixing, no and every address known) never panics; a
/// decoded message, encoded with its address, decodes to the same message and address.
pub fn decode_frame(data: &[u8]) -> usize {
    let _ = Frame::new(data);
    let mut decoded = 0;
    for len in [7, 14] {
        if data.len() < len {
            continue;
        }
        if let Ok(frame) = Frame::new(&data[..len]) {
            decoded += check_frame(frame);
        }
    }
    decoded
}

/// The `decode_frame` properties on one frame; returns how many decodes succeeded.
pub fn check_frame(frame: Frame) -> usize {
    let _ = (
        frame.df(),
        frame.aa(),
        frame.me(),
        frame.type_code(),
        frame.parity(),
    );
    assert_eq!(Frame::from_hex(&frame.to_string()), Ok(frame));
    let mut ok = 0;
    for options in &OPTIONS {
        ok += round_trip(frame, options, &NoAddresses);
        ok += round_trip(frame, options, &AllAddresses);
    }
    ok
}

fn round_trip(frame: Frame, options: &DecodeOptions, book: &impl AddressBook) -> usize {
    let Ok(d) = decode(frame, options, book) else {
        return 0;
    };
    let again = d.message.encode(d.address);
    let d2: Decoded = match decode(again, options, book) {
        Ok(d2) => d2,
        Err(e) => panic!("{frame} decoded to {d:?}; its encoding {again} does not decode: {e:?}"),
    };
    assert_eq!(d2.message, d.message, "{frame} -> {again}");
    assert_eq!(d2.address, d.address, "{frame} -> {again}");
    if let Some(mb) = d.message.mb() {
        commb_mb(mb, None);
    }
    // DF5/21: the X bit (frame bit 26) between the A4 and B1 pulses is not part of the
    // squawk and is encoded as zero (Squawk::to_id13), so only those frames with X = 0
    // re-encode bit for bit.
    let x_bit = matches!(d.message.df(), 5 | 21) && frame.bits(26, 26) == 1;
    if x_bit {
        assert_eq!(again.bits(26, 26), 0, "{frame}");
        return 1;
    }
    match d.integrity {
        // A DF11 with a non-zero interrogator code is encoded with code 0.
        Integrity::InterrogatorCode { .. } => assert_eq!(d2.integrity, Integrity::Clean),
        Integrity::Recovered { known } => {
            assert_eq!(again, d.frame, "{frame}");
            assert_eq!(d2.integrity, Integrity::Recovered { known });
        }
        Integrity::Clean | Integrity::Corrected(_) => {
            assert_eq!(again, d.frame, "{frame}");
            assert_eq!(d2.integrity, Integrity::Clean);
        }
    }
    1
}

/// `adsb_me`: any 64-bit number. `Me::parse` never panics (every version hint); what parses
/// emits back exactly; values wider than 56 bits never parse.
pub fn adsb_me(data: &[u8]) -> bool {
    let raw = u64_of(data);
    let mut parsed = false;
    for me in [raw, raw & MASK56] {
        for version in [None, Some(0), Some(1), Some(2)] {
            if let Ok(m) = Me::parse(me, version) {
                assert!(me >> 56 == 0, "{me:#x} is wider than 56 bits but parsed");
                assert_eq!(m.emit(), me, "{m:?}");
                assert_eq!(m.type_code(), (me >> 51) as u8);
                let _ = m.imf();
                parsed = true;
            }
        }
    }
    parsed
}

/// A reference state read from the fuzzer's bytes after the MB field; any bit pattern,
/// NaN and infinities included, because a reference comes from decoded data.
pub fn reference_of(data: &[u8]) -> Option<Reference> {
    if data.len() < 9 {
        return None;
    }
    let rest = &data[8..];
    let mask = rest[0];
    let num = |i: usize| f64::from_bits(u64_of(rest.get(1 + 8 * i..).unwrap_or(&[])));
    let pick = |bit: u8, v: f64| (mask >> bit & 1 == 1).then_some(v);
    Some(Reference {
        alt_ft: pick(0, 0.0).map(|_| u64_of(rest.get(1..).unwrap_or(&[])) as i32),
        gs_kt: pick(1, num(0)),
        track_deg: pick(2, num(1)),
        tas_kt: pick(3, num(2)),
        ias_kt: pick(4, num(3)),
        mach: pick(5, num(4)),
        heading_deg: pick(6, num(5)),
    })
}

/// `commb_infer`: any 64-bit number (and an optional reference). `infer` never panics; its
/// candidates are exactly the registers whose parse accepts the field (none for zero);
/// every accepted register emits back exactly; a reference only removes candidates.
pub fn commb_infer(data: &[u8]) -> usize {
    let raw = u64_of(data);
    // Wider than the MB field: must not panic, whatever it gives.
    let _ = infer(raw, None);
    let reference = reference_of(data);
    commb_mb(raw & MASK56, reference.as_ref())
}

/// The `commb_infer` properties on one 56-bit MB field; returns the number of candidates.
pub fn commb_mb(mb: u64, reference: Option<&Reference>) -> usize {
    let all = infer(mb, None);
    let candidates = all.candidates();
    for (i, &bds) in KNOWN_REGISTERS.iter().enumerate() {
        let parsed = Register::parse_as(bds, mb);
        if let Some(r) = parsed {
            assert_eq!(r.emit(), mb, "register {bds:?} of {mb:#016x}: {r:?}");
            assert_eq!(r.bds(), bds);
        }
        let expected = mb != 0 && parsed.is_some();
        assert_eq!(
            candidates.contains(bds),
            expected,
            "{mb:#016x}: register {bds:?} (index {i})"
        );
    }
    for r in candidates.iter() {
        assert_eq!(r.emit(), mb);
    }
    match all {
        Inference::Unknown => assert!(candidates.is_empty()),
        Inference::One(r) => {
            assert_eq!(candidates.len(), 1);
            assert_eq!(r.emit(), mb);
        }
        Inference::Ambiguous(c) => assert!(c.len() >= 2),
    }
    if let Some(reference) = reference {
        let narrowed = infer(mb, Some(reference)).candidates();
        for bds in narrowed.bds() {
            assert!(
                candidates.contains(bds),
                "{mb:#016x}: the reference added {bds:?}"
            );
        }
    }
    candidates.len()
}
