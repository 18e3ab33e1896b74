//! Writes the seed corpora of the fuzz targets into `fuzz/corpus/<target>/` (or the folder
//! given as the first argument), using only picket's own encoder and writers: no recorded
//! data is copied.
//!
//! `cargo run --release --manifest-path fuzz/Cargo.toml -p picket-fuzz-seeds`
//!
//! Frames: random field values for every decoded downlink format, with the parity computed
//! by `Frame::build`, kept when they decode (a few per format and type code), then encoded
//! again by `Message::encode`; plus copies with one and two bits flipped, for the repair
//! paths. ME and MB fields come from those frames and from a search for fields that each
//! Comm-B register accepts. Reader inputs are those frames, Mode A/C replies and
//! observations written by `FormatWriter` in every format and style.

use picket_modes::adsb::type_code;
use picket_modes::commb::infer;
use picket_modes::message::NoAddresses;
use picket_modes::{decode, DecodeOptions, Frame, Icao, Message};
use picket_receive::avr::AvrStyle;
use picket_receive::csv::write_csv_beast;
use picket_receive::{
    Clock, Emergency, Format, FormatWriter, Observation, ObservationSource, Received, What,
};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

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
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// A number with about a quarter, half or all of its bits random (registers and
    /// reserved fields want many zero bits).
    fn sparse(&mut self) -> u64 {
        match self.below(3) {
            0 => self.next_u64() & self.next_u64() & self.next_u64(),
            1 => self.next_u64() & self.next_u64(),
            _ => self.next_u64(),
        }
    }
}

const MASK56: u64 = (1 << 56) - 1;
const FORMATS: [u8; 10] = [0, 4, 5, 11, 16, 17, 18, 19, 20, 21];

/// Encoded frames of every format, a few per (format, type code or control field).
fn frames(rng: &mut Rng) -> Vec<Frame> {
    let mut per_key: HashMap<(u8, u8, u8), usize> = HashMap::new();
    let mut out = Vec::new();
    let options = DecodeOptions::default();
    for _ in 0..400_000 {
        let df = FORMATS[rng.below(FORMATS.len() as u64) as usize];
        let long = df >= 16;
        let head = u128::from(df) << 3 | u128::from(rng.below(8) as u8);
        let (data, overlay) = if long {
            let aa = rng.below(1 << 24) as u128;
            let tc = rng.below(32) as u128;
            let me = (tc << 51) | u128::from(rng.sparse() & ((1 << 51) - 1));
            let ap = matches!(df, 16 | 20 | 21);
            let body = if ap {
                rng.sparse() as u128 & ((1 << 80) - 1)
            } else {
                (aa << 56) | me
            };
            (
                (head << 80) | body,
                if ap { rng.below(1 << 24) as u32 } else { 0 },
            )
        } else {
            let body = rng.below(1 << 24) as u128;
            let overlay = if df == 11 {
                rng.below(2) as u32 * rng.below(80) as u32
            } else {
                rng.below(1 << 24) as u32
            };
            ((head << 24) | body, overlay)
        };
        let frame = Frame::build(long, data, overlay);
        let Ok(d) = decode(frame, &options, &NoAddresses) else {
            continue;
        };
        let sub = match &d.message {
            Message::NonTransponder { cf, .. } => cf.bits(),
            _ => (frame.me() >> 48 & 7) as u8,
        };
        let tc = d.message.adsb().map_or(0, |m| type_code(m.emit()));
        let n = per_key.entry((d.message.df(), tc, sub)).or_default();
        if *n < 2 {
            *n += 1;
            out.push(d.message.encode(d.address));
        }
    }
    out
}

/// Copies with one or two bits flipped after the downlink format field.
fn damaged(rng: &mut Rng, frames: &[Frame], count: usize) -> Vec<Frame> {
    (0..count)
        .map(|i| {
            let f = frames[rng.below(frames.len() as u64) as usize];
            let mut g = f.with_bit_flipped(5 + rng.below(f.len_bits() as u64 - 5) as usize);
            if i % 2 == 1 {
                g = g.with_bit_flipped(5 + rng.below(f.len_bits() as u64 - 5) as usize);
            }
            g
        })
        .collect()
}

/// MB fields that the Comm-B registers accept, a few per set of candidates.
fn mb_fields(rng: &mut Rng) -> Vec<u64> {
    let mut per_set: HashMap<Vec<(u8, u8)>, usize> = HashMap::new();
    let mut out = Vec::new();
    for _ in 0..1_000_000 {
        let mb = rng.sparse() & MASK56;
        let set: Vec<_> = infer(mb, None).candidates().bds().collect();
        let n = per_set.entry(set).or_default();
        if *n < 4 {
            *n += 1;
            out.push(mb);
        }
    }
    out
}

/// A plausible reference state, as the commb_infer target reads it after the MB field.
fn reference_bytes(rng: &mut Rng) -> Vec<u8> {
    let mut out = vec![rng.below(128) as u8];
    let values = [
        35_000.0 + rng.below(1000) as f64, // alt_ft is read from the same bytes as gs_kt
        100.0 + rng.below(400) as f64,
        rng.below(360) as f64,
        100.0 + rng.below(400) as f64,
        100.0 + rng.below(300) as f64,
        0.3 + rng.below(50) as f64 / 100.0,
        rng.below(360) as f64,
    ];
    for v in &values[1..] {
        out.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    out
}

fn observation(rng: &mut Rng, source: ObservationSource) -> Observation {
    let mut o = Observation::new(Icao(rng.below(1 << 24) as u32), source);
    let callsigns = ["KLM1023", "RCH285", "DLH4AB", "N12345", "AF1", "BAW9"];
    if rng.chance(60) {
        o.flight = Some(callsigns[rng.below(callsigns.len() as u64) as usize].to_string());
    }
    if rng.chance(70) {
        o.alt_baro = Some(rng.below(45_000) as i32 - 1000);
    }
    if rng.chance(40) {
        o.alt_geom = Some(rng.below(45_000) as i32 - 1000);
    }
    if rng.chance(60) {
        o.gs = Some(rng.below(6000) as f32 / 10.0);
        o.track = Some(rng.below(3600) as f32 / 10.0);
    }
    if rng.chance(30) {
        o.ias = Some(rng.below(400) as u16);
        o.tas = Some(rng.below(500) as u16);
        o.mach = Some(rng.below(900) as f32 / 1000.0);
        o.mag_heading = Some(rng.below(360) as f32);
    }
    if rng.chance(50) {
        o.baro_rate = Some(rng.below(8000) as i32 - 4000);
    }
    if rng.chance(50) {
        o.squawk = Some(rng.below(0o10000) as u16);
    }
    if rng.chance(20) {
        o.emergency = Some([Emergency::None, Emergency::General, Emergency::NoRadio][rng.below(3) as usize]);
    }
    if rng.chance(60) {
        o.lat = Some(rng.below(1_800_000) as f64 / 10_000.0 - 90.0);
        o.lon = Some(rng.below(3_600_000) as f64 / 10_000.0 - 180.0);
    }
    if rng.chance(50) {
        o.on_ground = Some(rng.chance(20));
    }
    if rng.chance(20) {
        o.alert = Some(rng.chance(50));
        o.spi = Some(rng.chance(50));
    }
    if rng.chance(30) {
        o.category = Some(format!("A{}", rng.below(8)));
        o.nic = Some(rng.below(12) as u8);
        o.nac_p = Some(rng.below(12) as u8);
        o.sil = Some(rng.below(4) as u8);
        o.version = Some(rng.below(3) as u8);
    }
    o
}

fn frame_item(rng: &mut Rng, frames: &[Frame], t: f64) -> Received {
    let what = if rng.chance(5) {
        What::ModeAc([1 + rng.below(255) as u8, rng.below(256) as u8])
    } else {
        What::ModeS(frames[rng.below(frames.len() as u64) as usize])
    };
    Received {
        time_utc: t,
        clock: match rng.below(4) {
            0 => Clock::None,
            1 => Clock::GpsTimeOfDay {
                seconds: rng.below(86_400) as u32,
                nanos: rng.below(1_000_000_000) as u32,
            },
            _ => Clock::Ticks12Mhz(1 + rng.below(1 << 40)),
        },
        signal: rng.chance(80).then(|| -(rng.below(400) as f32) / 10.0),
        receiver: 0,
        what,
    }
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).expect("corpus folder");
    fs::write(dir.join(name), bytes).expect("corpus file");
}

fn main() {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus")));
    let mut rng = Rng(0x5EED_0F_91C4E7);

    let good = frames(&mut rng);
    let bad = damaged(&mut rng, &good, good.len() / 2);
    let dir = root.join("decode_frame");
    for (i, f) in good.iter().chain(&bad).enumerate() {
        write_file(&dir, &format!("frame-{i:04}"), f.as_bytes());
    }

    let dir = root.join("adsb_me");
    let mut n = 0;
    for f in good.iter().filter(|f| matches!(f.df(), 17 | 18 | 19)) {
        write_file(&dir, &format!("me-{n:04}"), &f.me().to_le_bytes());
        n += 1;
    }

    let dir = root.join("commb_infer");
    let mbs = mb_fields(&mut rng);
    for (i, mb) in mbs.iter().enumerate() {
        let mut bytes = mb.to_le_bytes().to_vec();
        if i % 2 == 1 {
            bytes.extend(reference_bytes(&mut rng));
        }
        write_file(&dir, &format!("mb-{i:04}"), &bytes);
    }

    // Reader inputs: the first byte seeds the chunking, the rest is the stream.
    let styles = [AvrStyle::Plain, AvrStyle::Mlat, AvrStyle::MlatSignal];
    let mut counts = HashMap::new();
    for file in 0..60 {
        let items = [1usize, 3, 10, 30][file % 4];
        let t0 = 1_700_000_000.0 + rng.below(1_000_000) as f64;
        let frame_items: Vec<Received> = (0..items)
            .map(|k| frame_item(&mut rng, &good, t0 + k as f64 * 0.125))
            .collect();
        let obs_items = |rng: &mut Rng, source| -> Vec<Received> {
            (0..items)
                .map(|k| Received {
                    time_utc: t0 + k as f64 * 0.5,
                    clock: Clock::None,
                    signal: None,
                    receiver: 0,
                    what: What::Observation(Box::new(observation(rng, source))),
                })
                .collect()
        };
        let sbs = obs_items(&mut rng, ObservationSource::Sbs);
        let states = obs_items(&mut rng, ObservationSource::JsonState);
        let seed = rng.below(256) as u8;
        let mut emit = |target: &str, writer: FormatWriter, items: &[Received]| {
            let mut out = vec![seed];
            out.extend_from_slice(writer.header().as_bytes());
            let mut w = writer;
            for item in items {
                w.write(&mut out, item).expect("the format carries this item");
            }
            let n = counts.entry(target.to_string()).or_insert(0);
            write_file(&root.join(target), &format!("{target}-{n:03}"), &out);
            *n += 1;
        };
        emit("read_beast", FormatWriter::new(Format::Beast), &frame_items);
        let style = styles[file % 3];
        emit(
            "read_avr",
            FormatWriter::new(Format::Avr).avr_style(style),
            &frame_items,
        );
        emit("read_avr", FormatWriter::new(Format::Hex), &frame_items);
        emit("read_csv", FormatWriter::new(Format::Csv), &frame_items);
        emit("read_sbs", FormatWriter::new(Format::Sbs), &sbs);
        emit("read_jsonl", FormatWriter::new(Format::Jsonl), &frame_items);
        emit("read_jsonl", FormatWriter::new(Format::Jsonl), &states);
        // CSV of whole Beast messages, as rs1090's long_flight.csv stores them.
        let mut text = String::new();
        for item in &frame_items {
            write_csv_beast(&mut text, item).expect("a frame");
        }
        let mut out = vec![seed];
        out.extend_from_slice(text.as_bytes());
        let n = counts.entry("read_csv".to_string()).or_insert(0);
        write_file(&root.join("read_csv"), &format!("read_csv-{n:03}"), &out);
        *n += 1;
    }
    eprintln!(
        "wrote {} frames ({} damaged), {} ME fields, {} MB fields and reader inputs {:?} under {}",
        good.len() + bad.len(),
        bad.len(),
        n,
        mbs.len(),
        counts,
        root.display()
    );
}
