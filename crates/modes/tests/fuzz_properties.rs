//! The fuzz targets' properties (fuzz/src/modes_props.rs, compiled in here) on 20,000
//! deterministic pseudo-random inputs each, so CI checks them without cargo fuzz:
//! `decode_frame`, `adsb_me`, `commb_infer`.

#[path = "../../../fuzz/src/modes_props.rs"]
mod props;

use picket_modes::commb::infer;
use picket_modes::Frame;

const INPUTS: usize = 20_000;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Random bits, often sparse: reserved fields and register checks want zeros.
    fn sparse(&mut self) -> u64 {
        match self.below(3) {
            0 => self.next_u64() & self.next_u64() & self.next_u64(),
            1 => self.next_u64() & self.next_u64(),
            _ => self.next_u64(),
        }
    }
}

/// 7 or 14 bytes: a third raw random bytes, the rest frames of the decoded formats with the
/// parity computed (AP formats with a random address overlaid), some with one or two bits
/// flipped.
fn frame_bytes(rng: &mut Rng) -> Vec<u8> {
    let kind = rng.below(3);
    if kind == 0 {
        let n = if rng.below(2) == 0 { 7 } else { 14 };
        return (0..n).map(|_| rng.next_u64() as u8).collect();
    }
    let df = [0u8, 4, 5, 11, 16, 17, 18, 19, 20, 21, 24][rng.below(11) as usize];
    let long = df >= 16;
    let head = u128::from(df) << 3 | u128::from(rng.below(8) as u8);
    let bits = if long { 83 } else { 27 };
    let body = (u128::from(rng.sparse()) << 64 | u128::from(rng.sparse())) & ((1u128 << bits) - 1);
    let overlay = match df {
        17..=19 => 0,
        11 => (rng.below(4) == 0) as u32 * rng.below(128) as u32,
        _ => rng.below(1 << 24) as u32,
    };
    let mut frame = Frame::build(long, head << bits | body, overlay);
    if kind == 2 {
        for _ in 0..=rng.below(2) {
            frame = frame.with_bit_flipped(rng.below(frame.len_bits() as u64) as usize);
        }
    }
    frame.as_bytes().to_vec()
}

#[test]
fn decode_frame_property_on_random_frames() {
    let mut rng = Rng(1);
    let mut decoded = 0;
    for _ in 0..INPUTS {
        decoded += props::decode_frame(&frame_bytes(&mut rng));
    }
    // Most generated frames have valid parity: the round trip is really exercised.
    assert!(decoded > INPUTS / 2, "{decoded} decodes");
    // Wrong lengths are errors, not panics.
    for n in [0, 1, 6, 8, 13, 15, 28] {
        props::decode_frame(&vec![0x8d; n]);
    }
}

#[test]
fn adsb_me_property_on_random_fields() {
    let mut rng = Rng(2);
    let mut parsed = 0;
    for i in 0..INPUTS {
        // Every type code equally often; every tenth value wider than 56 bits.
        let tc = (i % 32) as u64;
        let mut me = tc << 51 | (rng.sparse() & ((1 << 51) - 1));
        if i % 10 == 9 {
            me |= rng.next_u64() << 56;
        }
        parsed += props::adsb_me(&me.to_le_bytes()) as usize;
    }
    assert!(parsed > INPUTS / 2, "{parsed} parsed");
}

#[test]
fn commb_infer_property_on_random_fields() {
    let mut rng = Rng(3);
    let mut seen = [0usize; 9];
    for i in 0..INPUTS {
        let mb = rng.sparse();
        let mut data = mb.to_le_bytes().to_vec();
        if i % 2 == 0 {
            // A reference state: any bits, or plausible numbers.
            data.push(rng.next_u64() as u8);
            for k in 0..6 {
                let v = if i % 4 == 0 {
                    f64::from_bits(rng.next_u64())
                } else {
                    [35_000.0, 450.0, 90.0, 460.0, 280.0, 0.78][k] + rng.below(100) as f64 - 50.0
                };
                data.extend_from_slice(&v.to_bits().to_le_bytes());
            }
        }
        let n = props::commb_infer(&data);
        seen[n.min(8)] += 1;
    }
    // Fields that fit one register and fields that fit several both occur.
    assert!(seen[1] > 0 && seen[2..].iter().sum::<usize>() > 0, "{seen:?}");
    // An all-zero field fits no register.
    assert!(infer(0, None).candidates().is_empty());
}
