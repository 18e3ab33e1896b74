//! Shared helpers for the integration tests: the test data folder, a small deterministic
//! PRNG, generators of random items, and driving a reader.

#![allow(dead_code, unreachable_pub)]

use picket_modes::{Frame, Icao};
use picket_receive::beast::rssi_of_signal_byte;
use picket_receive::{Clock, Emergency, Observation, ObservationSource, ReadError, Reader, Received, What};
use std::path::PathBuf;

/// `<workspace root>/../shared/testdata`, or `$PICKET_SHARED/testdata`; `None` (with the
/// reason printed) when absent.
pub fn testdata(file: &str) -> Option<PathBuf> {
    let shared = std::env::var_os("PICKET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared"));
    let path = shared.join("testdata").join(file);
    if path.exists() {
        Some(path)
    } else if std::env::var_os("PICKET_REQUIRE_TESTDATA").is_some_and(|v| v == "1") {
        panic!(
            "{} is required (PICKET_REQUIRE_TESTDATA=1) and absent",
            path.display()
        )
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

/// SplitMix64: small, fast, deterministic.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn bytes(&mut self, n: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..n).map(|_| *self.pick(alphabet)).collect()
    }

    /// Splits `input` into chunks of random sizes (1 to `max`).
    pub fn chunks<'a>(&mut self, input: &'a [u8], max: usize) -> Vec<&'a [u8]> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() {
            let n = 1 + self.below(max as u64) as usize;
            let end = (i + n).min(input.len());
            out.push(&input[i..end]);
            i = end;
        }
        out
    }
}

/// A random frame of a real downlink format, of the length that format needs.
pub fn random_frame(rng: &mut Rng) -> Frame {
    let df = *rng.pick(&[0u8, 4, 5, 11, 16, 17, 18, 19, 20, 21, 24]);
    let len = if df >= 16 { 14 } else { 7 };
    let mut b = [0u8; 14];
    for x in b.iter_mut().take(len) {
        *x = rng.next_u64() as u8;
    }
    b[0] = if df == 24 {
        0xC0 | (b[0] & 0x3F)
    } else {
        (df << 3) | (b[0] & 7)
    };
    Frame::new(&b[..len]).expect("a frame of the right length")
}

/// A random frame or Mode A/C item (never the all-zero heartbeat) with a clock and signal
/// level that Beast can carry exactly.
pub fn random_frame_item(rng: &mut Rng, time_utc: f64, gps: bool) -> Received {
    let what = if rng.chance(10) {
        What::ModeAc([rng.below(255) as u8 + 1, rng.next_u64() as u8])
    } else {
        What::ModeS(random_frame(rng))
    };
    let clock = if rng.chance(10) {
        Clock::None
    } else if gps {
        Clock::GpsTimeOfDay {
            seconds: rng.below(86_400) as u32,
            nanos: rng.below(1_000_000_000) as u32,
        }
    } else {
        Clock::Ticks12Mhz(1 + rng.below((1 << 48) - 1))
    };
    let signal = if rng.chance(20) {
        None
    } else {
        rssi_of_signal_byte(1 + rng.below(255) as u8)
    };
    Received {
        time_utc,
        clock,
        signal,
        receiver: 0,
        what,
    }
}

/// A random observation with a random subset of fields, in plausible ranges.
pub fn random_observation(rng: &mut Rng, source: ObservationSource) -> Observation {
    let mut o = Observation::new(Icao(rng.below(1 << 24) as u32), source);
    o.non_icao = rng.chance(10);
    let p = 50;
    if rng.chance(p) {
        let n = 1 + rng.below(8) as usize;
        o.flight = Some(String::from_utf8(rng.bytes(n, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")).unwrap());
    }
    if rng.chance(p) {
        o.alt_baro = Some(rng.below(50_000) as i32 - 1000);
    }
    if rng.chance(p) {
        o.alt_geom = Some(rng.below(50_000) as i32 - 1000);
    }
    if rng.chance(p) {
        o.gs = Some((rng.unit() * 600.0) as f32);
    }
    if rng.chance(p) {
        o.ias = Some(rng.below(500) as u16);
    }
    if rng.chance(p) {
        o.tas = Some(rng.below(600) as u16);
    }
    if rng.chance(p) {
        o.mach = Some((rng.unit() * 0.95) as f32);
    }
    if rng.chance(p) {
        o.track = Some((rng.unit() * 360.0) as f32);
    }
    if rng.chance(p) {
        o.mag_heading = Some((rng.unit() * 360.0) as f32);
    }
    if rng.chance(p) {
        o.true_heading = Some((rng.unit() * 360.0) as f32);
    }
    if rng.chance(p) {
        o.baro_rate = Some(rng.below(8000) as i32 - 4000);
    }
    if rng.chance(p) {
        o.geom_rate = Some(rng.below(8000) as i32 - 4000);
    }
    if rng.chance(p) {
        o.squawk = Some(rng.below(0o10000) as u16);
    }
    if rng.chance(p) {
        o.emergency = Some(*rng.pick(&[
            Emergency::None,
            Emergency::General,
            Emergency::Lifeguard,
            Emergency::MinFuel,
            Emergency::NoRadio,
            Emergency::Unlawful,
            Emergency::Downed,
            Emergency::Reserved,
        ]));
    }
    if rng.chance(p) {
        o.category = Some(format!("{}{}", *rng.pick(&['A', 'B', 'C', 'D']), rng.below(8)));
    }
    if rng.chance(p) {
        o.lat = Some(rng.unit() * 180.0 - 90.0);
        o.lon = Some(rng.unit() * 360.0 - 180.0);
    }
    for (slot, pct) in [(&mut o.on_ground, p), (&mut o.alert, 30), (&mut o.spi, 30)] {
        if rng.chance(pct) {
            *slot = Some(rng.chance(50));
        }
    }
    if rng.chance(p) {
        o.nic = Some(rng.below(12) as u8);
    }
    if rng.chance(p) {
        o.nac_p = Some(rng.below(12) as u8);
    }
    if rng.chance(p) {
        o.sil = Some(rng.below(4) as u8);
    }
    if rng.chance(p) {
        o.version = Some(rng.below(3) as u8);
    }
    if rng.chance(p) {
        o.rssi = Some(-(rng.unit() * 50.0) as f32);
    }
    if rng.chance(30) {
        o.registration = Some(format!("N{}", rng.below(99_999)));
        o.type_code = Some((*rng.pick(&["B738", "A320", "C17", "IL62", "A124"])).to_string());
        o.db_flags = Some(rng.below(16) as u32);
    }
    o
}

/// Feeds the chunks, finishing at the end, and drains after each, with a bound on the
/// number of results that proves progress.
pub fn drive<R: Reader>(r: &mut R, chunks: &[&[u8]]) -> Vec<Result<Received, ReadError>> {
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    let bound = 4 * total + 16;
    let mut out = Vec::new();
    let drain = |r: &mut R, out: &mut Vec<_>| {
        while let Some(x) = r.next() {
            out.push(x);
            assert!(out.len() <= bound, "the reader yields without consuming input");
        }
    };
    for c in chunks {
        r.feed(c);
        drain(r, &mut out);
    }
    r.finish();
    drain(r, &mut out);
    // Finished and drained: nothing more comes.
    assert!(r.next().is_none());
    out
}
