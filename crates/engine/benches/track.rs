//! Decode + track throughput and memory per aircraft (a plain binary, no bench framework).
//!
//! ```text
//! cargo bench -p picket-engine --bench track            # default: 20 passes
//! cargo bench -p picket-engine --bench track -- 50      # passes over long_flight.csv
//! ```
//!
//! Workloads, prepared before any timing:
//! - `long_flight`: rs1090's long_flight.csv (172,432 real frames; skipped when the shared
//!   test data is absent), replayed N times, each pass shifted in time past the timeout so
//!   its aircraft are retired by a tick and created again;
//! - `synthetic`: 1,000 aircraft over a 250 NM circle, built with `Message::encode`, each
//!   sending ADS-B positions (2/s), velocities (1/s), identification (every 5 s) and Mode S
//!   replies, for 60 s of data time.
//!
//! For each it reports frames per second on one core for decoding alone (the decoder's own
//! known-address bitmap) and for decoding plus tracking (the tracker as the address book).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use picket_engine::track::{Aircraft, Tracker, TrackerConfig};
use picket_modes::message::Decoder;
use picket_modes::{Frame, Icao};
use picket_receive::csv::CsvReader;
use picket_receive::{Reader, ReaderConfig};

mod synthetic;
use synthetic::{flight_frames, Flight, Rng};

type Item = (f64, Frame, Option<f32>);

/// Wall and CPU time of a closure.
fn timed(f: impl FnOnce()) -> (f64, Option<f64>) {
    let (wall, cpu) = (Instant::now(), picket_bench::thread_cpu_s());
    f();
    let cpu = match (cpu, picket_bench::thread_cpu_s()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    (wall.elapsed().as_secs_f64(), cpu)
}

fn long_flight() -> Option<Vec<Item>> {
    let root = std::env::var_os("PICKET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")));
    let path = root.join("testdata/rs1090_crate/long_flight.csv");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipping long_flight: {} not found", path.display());
        return None;
    };
    let mut reader = CsvReader::new(ReaderConfig::default());
    reader.feed(&bytes);
    reader.finish();
    let mut items = Vec::new();
    while let Some(item) = reader.next() {
        if let Ok(r) = item {
            if let Some(f) = r.what.frame() {
                items.push((r.time_utc, *f, r.signal));
            }
        }
    }
    Some(items)
}

fn synthetic(aircraft: usize, seconds: u32) -> Vec<Item> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let t0 = 1_700_000_000.0;
    let centre = (50.0, 8.0);
    let mut items = Vec::new();
    for n in 0..aircraft {
        let address = Icao(0x400000 + (rng.next() as u32 & 0x3F_FFFF));
        let r_deg = 4.0 * rng.unit().sqrt();
        let bearing = rng.unit() * std::f64::consts::TAU;
        let start = (
            centre.0 + r_deg * bearing.cos(),
            centre.1 + r_deg * bearing.sin() / 50f64.to_radians().cos(),
        );
        let heading = rng.unit() * std::f64::consts::TAU;
        let gs_kt = 250.0 + 250.0 * rng.unit();
        let alt_ft = 1_000 + 25 * (rng.next() % 1_500) as i32;
        let phase = rng.unit();
        let f = Flight {
            n,
            address,
            start,
            heading,
            gs_kt,
            alt_ft,
            phase,
        };
        flight_frames(&f, t0, seconds, true, |t, frame| {
            items.push((t, frame, Some(-20.0)))
        });
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    items
}

/// Frames per second by wall clock and by CPU time.
#[derive(Clone, Copy)]
struct Rate {
    wall: f64,
    cpu: Option<f64>,
}

impl Rate {
    fn of(frames: f64, (wall, cpu): (f64, Option<f64>)) -> Rate {
        Rate {
            wall: frames / wall,
            cpu: cpu.filter(|&c| c > 0.0).map(|c| frames / c),
        }
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} M frames/s wall ({:.1} ns/frame)",
            self.wall / 1e6,
            1e9 / self.wall
        )?;
        if let Some(c) = self.cpu {
            write!(f, ", {:.2} M frames/s CPU ({:.1} ns/frame)", c / 1e6, 1e9 / c)?;
        }
        Ok(())
    }
}

/// Decoding alone, with the decoder's known-address bitmap.
fn decode_only(items: &[Item], passes: u32) -> Rate {
    let mut decoder = Decoder::default();
    let mut ok = 0u64;
    let time = timed(|| {
        for _ in 0..passes {
            for &(_, frame, _) in items {
                ok += u64::from(black_box(decoder.decode(black_box(frame))).is_ok());
            }
        }
    });
    black_box(ok);
    Rate::of(items.len() as f64 * f64::from(passes), time)
}

/// Decoding and tracking; each pass shifted past the timeout. Returns the rate and the
/// tracker after the last pass.
fn decode_and_track(items: &[Item], passes: u32, config: TrackerConfig) -> (Rate, Tracker) {
    let span = items.last().map_or(0.0, |l| l.0) - items.first().map_or(0.0, |f| f.0);
    let shift = span + config.timeout_s + 10.0;
    let mut tracker = Tracker::new(config);
    let mut retired: Vec<Aircraft> = Vec::new();
    let time = timed(|| {
        for pass in 0..passes {
            let offset = f64::from(pass) * shift;
            tracker.tick(items[0].0 + offset, &mut retired);
            retired.clear();
            for &(t, frame, rssi) in items {
                black_box(tracker.ingest_frame(t + offset, black_box(frame), rssi));
            }
        }
    });
    (Rate::of(items.len() as f64 * f64::from(passes), time), tracker)
}

fn report(name: &str, items: &[Item], passes: u32) {
    if items.is_empty() {
        return;
    }
    // One untimed pass to warm caches and tables.
    decode_and_track(items, 1, TrackerConfig::default());
    let d = decode_only(items, passes);
    let (t, tracker) = decode_and_track(items, passes, TrackerConfig::default());
    let n = items.len() as f64 * f64::from(passes);
    println!("{name}: {} frames x {passes} passes = {n:.0} frames", items.len());
    println!("  decode only:    {d}");
    println!("  decode + track: {t}; {} aircraft at the end", tracker.len());
    let s = tracker.stats();
    println!(
        "  positions: {} global, {} local, {} rejected; created {}, retired {}",
        s.positions_global,
        s.positions_local,
        s.positions_rejected_global + s.positions_rejected_local,
        s.created,
        s.retired
    );
    let m = tracker.memory();
    let per = |bytes: usize| bytes as f64 / tracker.len().max(1) as f64;
    println!(
        "  memory: state {} B/aircraft (size_of), slab {:.0} B/aircraft, index {:.0} B/aircraft",
        std::mem::size_of::<Aircraft>(),
        per(m.states),
        per(m.index)
    );
    let (_, with_trails) = decode_and_track(
        items,
        1,
        TrackerConfig {
            trail_len: 64,
            ..TrackerConfig::default()
        },
    );
    let m = with_trails.memory();
    println!(
        "  trails of 64 points: {:.0} B/aircraft ({} aircraft)",
        m.trails as f64 / with_trails.len().max(1) as f64,
        with_trails.len()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; the first number given is the pass count.
    let passes = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<u32>().ok())
        .unwrap_or(20);
    if let Some(items) = long_flight() {
        report("long_flight", &items, passes);
    }
    let items = synthetic(1_000, 60);
    report("synthetic 1,000 aircraft", &items, (passes / 4).max(1));
}
