//! What the detectors add to tracking (a plain binary, no bench framework).
//!
//! ```text
//! cargo bench -p picket-engine --bench detect            # 1,000 aircraft, 600 s
//! cargo bench -p picket-engine --bench detect -- 1800    # seconds of data
//! ```
//!
//! Workload, prepared before any timing: 1,000 aircraft over a 250 NM circle (a tenth of
//! them flying in pairs 1 km apart, so formations form), built with `Message::encode`, each
//! sending ADS-B positions (2/s), velocities (1/s), altitude replies (1/s), identification
//! and identity replies (every 5 s). Timed: decode + track alone, then decode + track +
//! detectors (`on_update` after every updated aircraft, `on_tick` every data second), the
//! way the engine drives them.

use std::hint::black_box;
use std::time::Instant;

use picket_engine::detect::{Detectors, Traits};
use picket_engine::track::{Aircraft, Ingested, Tracker, TrackerConfig};
use picket_modes::{Frame, Icao};
use picket_world::events::DetectorParams;
use picket_world::zones::builtin_zones;

mod synthetic;
use synthetic::{flight_frames, Flight, Rng};

type Item = (f64, Frame);

fn synthetic(aircraft: usize, seconds: u32) -> Vec<Item> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let t0 = 1_700_000_000.0;
    // South of Alaska's ADIZ, so the zone detector has boundaries to watch.
    let centre = (56.0, -150.0);
    let mut items = Vec::new();
    let mut lead: Option<((f64, f64), f64, f64, i32)> = None;
    for n in 0..aircraft {
        let address = Icao(0x400000 + n as u32 * 7 + (rng.next() as u32 & 3));
        let (start, heading, gs, alt) = match lead.take() {
            // Every tenth aircraft flies 1 km to the right of the one before.
            Some((s, h, g, a)) => (
                (
                    s.0 - 0.009 * h.sin(),
                    s.1 + 0.009 * h.cos() / 56f64.to_radians().cos(),
                ),
                h,
                g,
                a,
            ),
            None => {
                let r_deg = 4.0 * rng.unit().sqrt();
                let bearing = rng.unit() * std::f64::consts::TAU;
                let start = (
                    centre.0 + r_deg * bearing.cos(),
                    centre.1 + r_deg * bearing.sin() / 56f64.to_radians().cos(),
                );
                let heading = rng.unit() * std::f64::consts::TAU;
                (
                    start,
                    heading,
                    250.0 + 250.0 * rng.unit(),
                    1_000 + 25 * (rng.next() % 1_500) as i32,
                )
            }
        };
        if n % 10 == 8 {
            lead = Some((start, heading, gs, alt));
        }
        let phase = rng.unit();
        let f = Flight {
            n,
            address,
            start,
            heading,
            gs_kt: gs,
            alt_ft: alt,
            phase,
        };
        flight_frames(&f, t0, seconds, false, |t, frame| items.push((t, frame)));
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    items
}

/// Seconds spent, events raised and the detectors of one run; `ticks`: the part of the
/// time spent in `on_retired` and `on_tick`.
struct Outcome {
    total: f64,
    ticks: f64,
    events: usize,
    detectors: Option<Detectors>,
}

fn run(items: &[Item], detect: bool) -> Outcome {
    let mut tracker = Tracker::new(TrackerConfig::default());
    let mut det = Detectors::new(DetectorParams::DEFAULT, builtin_zones().to_vec());
    let mut events = Vec::new();
    let mut retired: Vec<Aircraft> = Vec::new();
    let mut next = f64::NEG_INFINITY;
    let mut count = 0;
    let mut ticks = 0.0;
    let start = Instant::now();
    for &(t, frame) in items {
        if t >= next {
            tracker.tick(t, &mut retired);
            if detect {
                let tick_start = Instant::now();
                for a in retired.drain(..) {
                    det.on_retired(&a, t, &mut events);
                }
                det.on_tick(t, &tracker, &mut events);
                ticks += tick_start.elapsed().as_secs_f64();
            }
            retired.clear();
            next = picket_engine::engine::next_tick_due(t);
            count += events.len();
            events.clear();
        }
        if let Ingested::Updated(u) = tracker.ingest_frame(t, black_box(frame), None) {
            if detect {
                let slot = tracker.slot(u.key).unwrap_or_else(|| unreachable!());
                let a = &tracker.aircraft()[slot];
                det.on_update(slot, a, u.changed, Traits::default(), &mut events);
            }
        }
    }
    let total = start.elapsed().as_secs_f64();
    count += events.len();
    Outcome {
        total,
        ticks,
        events: count,
        detectors: detect.then_some(det),
    }
}

fn main() {
    let seconds = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<u32>().ok())
        .unwrap_or(600);
    let items = synthetic(1_000, seconds);
    let n = items.len() as f64;
    // `PICKET_BENCH_ONLY=track|detect`: one timed run only (for `perf stat`).
    if let Ok(only) = std::env::var("PICKET_BENCH_ONLY") {
        let o = run(&items, only == "detect");
        println!("{only}: {:.1} ns/frame, {} events", 1e9 * o.total / n, o.events);
        return;
    }
    run(&items, true);
    let track = run(&items, false).total;
    let with = run(&items, true);
    let (both, events) = (with.total, with.events);
    let det = with.detectors.unwrap_or_else(|| unreachable!());
    let s = det.stats();
    println!("1,000 aircraft, {seconds} s of data: {n:.0} frames");
    println!(
        "  decode + track:             {:.2} M frames/s ({:.1} ns/frame)",
        n / track / 1e6,
        1e9 * track / n
    );
    println!(
        "  decode + track + detectors: {:.2} M frames/s ({:.1} ns/frame); detectors {:.1} ns/frame",
        n / both / 1e6,
        1e9 * both / n,
        1e9 * (both - track) / n
    );
    println!(
        "  of which ticks (silences, samples, pairwise): {:.3} ms per data second ({:.1} ns/frame)",
        1e3 * with.ticks / f64::from(seconds),
        1e9 * with.ticks / n
    );
    println!(
        "  {} events; {} pairwise passes, {:.0} pairs compared per pass; {} formation groups at the end",
        events,
        s.passes,
        s.pairs_compared as f64 / s.passes.max(1) as f64,
        s.groups
    );
    println!(
        "  detector memory: {:.0} B/aircraft ({} aircraft)",
        det.heap_bytes() as f64 / s.aircraft.max(1) as f64,
        s.aircraft
    );
}
