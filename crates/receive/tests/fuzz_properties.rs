//! The fuzz targets' reader properties (fuzz/src/readers_props.rs, compiled in here) on
//! 24,000 deterministic pseudo-random inputs, 4,000 per format (`read_beast`, `read_avr`,
//! `read_csv`, `read_sbs`, `read_jsonl`, and plain hex lines), so CI checks them without
//! cargo fuzz: no panic, bounded output, the same results whatever the chunking, stable
//! parse -> emit -> parse.
//!
//! Inputs are streams that picket's writers wrote from random items, then damaged: bytes
//! replaced by the format's own delimiters, cut out, repeated, or the stream truncated.

#[path = "../../../fuzz/src/readers_props.rs"]
mod props;

use picket_modes::{Frame, Icao};
use picket_receive::avr::AvrStyle;
use picket_receive::{Clock, Format, FormatWriter, Observation, ObservationSource, Received, What};
use props::SplitMix;

const PER_FORMAT: usize = 4_000;

fn frame(rng: &mut SplitMix) -> Frame {
    let df = [0u8, 4, 5, 11, 16, 17, 18, 20, 21, 24][rng.below(10) as usize];
    let long = df >= 16;
    let bits = if long { 83 } else { 27 };
    let body = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) & ((1u128 << bits) - 1);
    Frame::build(long, u128::from(df) << bits | body, rng.below(1 << 24) as u32)
}

fn item(rng: &mut SplitMix, format: Format, t: f64) -> Received {
    let what = if format == Format::Sbs || (format == Format::Jsonl && rng.below(2) == 0) {
        let mut o = Observation::new(Icao(rng.below(1 << 24) as u32), ObservationSource::Sbs);
        let pick = |rng: &mut SplitMix| rng.below(2) == 0;
        if pick(rng) {
            o.flight = Some(["KLM1023", "RCH285 ", "A,B", "N1"][rng.below(4) as usize].to_string());
        }
        if pick(rng) {
            o.alt_baro = Some(rng.below(50_000) as i32 - 1000);
        }
        if pick(rng) {
            o.gs = Some(rng.below(6000) as f32 / 10.0);
            o.track = Some(rng.below(3600) as f32 / 10.0);
        }
        if pick(rng) {
            o.lat = Some(rng.below(1_800_000) as f64 / 1e4 - 90.0);
            o.lon = Some(rng.below(3_600_000) as f64 / 1e4 - 180.0);
            o.on_ground = Some(pick(rng));
        }
        if pick(rng) {
            o.squawk = Some(rng.below(0o10000) as u16);
            o.baro_rate = Some(rng.below(8000) as i32 - 4000);
        }
        What::Observation(Box::new(o))
    } else if rng.below(10) == 0 {
        What::ModeAc([1 + rng.below(255) as u8, rng.below(256) as u8])
    } else {
        What::ModeS(frame(rng))
    };
    Received {
        time_utc: t,
        clock: match rng.below(3) {
            0 => Clock::None,
            _ => Clock::Ticks12Mhz(1 + rng.below(1 << 40)),
        },
        signal: (rng.below(4) != 0).then(|| -(rng.below(400) as f32) / 10.0),
        receiver: 0,
        what,
    }
}

/// A written stream of 0 to 11 items, damaged a little; the first byte seeds the chunking.
fn input(rng: &mut SplitMix, format: Format, style: AvrStyle) -> Vec<u8> {
    let mut w = FormatWriter::new(format).avr_style(style);
    let mut out = vec![rng.next_u64() as u8];
    out.extend_from_slice(w.header().as_bytes());
    let t0 = 1.7e9 + rng.below(1 << 20) as f64 / 8.0;
    for k in 0..rng.below(12) {
        let it = item(rng, format, t0 + k as f64 * 0.25);
        w.write(&mut out, &it).expect("the format carries it");
    }
    let specials: &[u8] = match format {
        Format::Beast => b"\x1a\x1a\x1a123\x00\xff\xe3\xe4",
        Format::Sbs => b",,,\n\r\x00MSG-.:/9",
        Format::Jsonl => b"{}[]\",:\n\\ .e-0",
        _ => b"*@<;,\n\r \t0aF.xZ#",
    };
    for _ in 0..rng.below(4) {
        if out.len() < 2 {
            break;
        }
        let i = 1 + rng.below(out.len() as u64 - 1) as usize;
        match rng.below(4) {
            0 => out[i] = specials[rng.below(specials.len() as u64) as usize],
            1 => {
                let n = (1 + rng.below(8) as usize).min(out.len() - i);
                out.drain(i..i + n);
            }
            2 => {
                let n = (1 + rng.below(16) as usize).min(out.len() - i);
                let copy = out[i..i + n].to_vec();
                out.splice(i..i, copy);
            }
            _ => out.truncate(i),
        }
    }
    out
}

fn check(format: Format, seed: u64) {
    let mut rng = SplitMix(seed);
    let styles = [AvrStyle::Plain, AvrStyle::Mlat, AvrStyle::MlatSignal];
    let mut items = 0;
    for i in 0..PER_FORMAT {
        let data = input(&mut rng, format, styles[i % 3]);
        items += props::reader(format, &data);
    }
    assert!(items > PER_FORMAT, "{format}: only {items} items read");
}

#[test]
fn beast_reader_property() {
    check(Format::Beast, 11);
}

#[test]
fn avr_reader_property() {
    check(Format::Avr, 12);
}

#[test]
fn csv_reader_property() {
    check(Format::Csv, 13);
}

#[test]
fn sbs_reader_property() {
    check(Format::Sbs, 14);
}

#[test]
fn jsonl_reader_property() {
    check(Format::Jsonl, 15);
}

#[test]
fn hex_lines_reader_property() {
    check(Format::Hex, 16);
}
