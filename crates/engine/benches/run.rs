//! The whole `picket run` pipeline with the default rules on a simulated busy hour (a plain
//! binary, no bench framework).
//!
//! ```text
//! cargo bench -p picket-engine --bench run              # the whole hour, one timed run each
//! cargo bench -p picket-engine --bench run -- 20 3      # the first 20 minutes, best of 3
//! ```
//!
//! Input: the benchmark scenario `crates/sim/scenarios/bench/busy.toml` (about 1,000
//! airliners airborne at once over the US north-east, four receivers, two US Air Force
//! aircraft), simulated ONCE before any timing into `Received` items held in memory, in
//! arrival order as the receivers heard them (duplicates across receivers included). The
//! generation rate is printed too (the simulator's own benchmark is
//! `cargo bench -p picket-sim --bench generate`).
//!
//! Timed, each over every item, on this thread, reported by wall clock and by the thread's
//! CPU time (the machine is shared: CPU time is the per-core figure):
//! - `decode`: `Decoder::decode` of each frame (the decoder's own address book);
//! - `track`: `Tracker::ingest` of each item, `Tracker::tick` once per data second;
//! - `run`: `Engine::ingest` of each item and `Engine::tick` once per data second, the
//!   engine built as `picket run` builds it with no options: default rules, built-in zones,
//!   built-in aircraft database, the scenario's receivers (the first as the tracker's
//!   reference). Alerts are counted and dropped (delivery to sinks is not timed);
//! - `output`: the same through `Engine::ingest_into`/`tick_into` (every event, the alerts,
//!   the changed aircraft), the output counted and cleared after each call.
//!
//! `PICKET_BENCH_ONLY=decode`, `track`, `run` or `output` times that stage alone, on first copies only
//! (for a profiler); `PICKET_BENCH_CACHE=1` keeps the generated input under the target
//! folder and reads it back on the next run (so a profiler need not watch the simulator).
//!
//! Then, untimed: memory per tracked aircraft (state, index, trails of 64 points, detector
//! history) over the same input.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use picket_engine::detect::{Detectors, Traits};
use picket_engine::engine::{Engine, EngineConfig, Output};
use picket_engine::enrich::AircraftDb;
use picket_engine::event::Alert;
use picket_engine::rules::RuleSet;
use picket_engine::track::{Aircraft, Ingested, Tracker, TrackerConfig};
use picket_modes::message::Decoder;
use picket_receive::{Received, What};
use picket_sim::{Scenario, Simulation, Window};
use picket_world::events::DetectorParams;
use picket_world::geo::LatLon;
use picket_world::zones::builtin_zones;

/// The benchmark scenario.
const BUSY: &str = include_str!("../../sim/scenarios/bench/busy.toml");

/// Wall and CPU seconds of one run of `f`, with the load average before it.
struct Timing {
    wall: f64,
    cpu: Option<f64>,
    load: String,
}

fn timed<T>(f: impl FnOnce() -> T) -> (Timing, T) {
    let load = picket_bench::load_average();
    let (wall0, cpu0) = (Instant::now(), picket_bench::thread_cpu_s());
    let out = f();
    let wall = wall0.elapsed().as_secs_f64();
    let cpu = match (cpu0, picket_bench::thread_cpu_s()) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    (Timing { wall, cpu, load }, out)
}

impl Timing {
    /// "x.xx M frames/s wall, y.yy M frames/s CPU (load z)".
    fn rate(&self, frames: f64) -> String {
        let mut s = format!(
            "{:6.2} M frames/s wall ({:5.1} ns/frame)",
            frames / self.wall / 1e6,
            1e9 * self.wall / frames
        );
        if let Some(c) = self.cpu {
            s += &format!(
                ", {:6.2} M frames/s CPU ({:5.1} ns/frame)",
                frames / c / 1e6,
                1e9 * c / frames
            );
        }
        s + &format!("; load {}", self.load)
    }
}

/// The input: one `Vec` per data minute, so no single huge reallocation while generating.
type Input = Vec<Vec<Received>>;

fn items(input: &Input) -> impl Iterator<Item = &Received> {
    input.iter().flatten()
}

fn generate(scenario: &Scenario, minutes: f64) -> (Timing, Input, usize) {
    let window = Window {
        from_s: 0.0,
        duration_s: Some(minutes * 60.0),
    };
    let sim = Simulation::new(scenario, scenario.seed, window);
    let aircraft = sim.aircraft().len();
    let (timing, input) = timed(|| {
        let mut input: Input = Vec::new();
        let mut minute = Vec::new();
        let mut end = f64::NEG_INFINITY;
        for heard in sim.frames() {
            let t = heard.received.time_utc;
            if t >= end {
                if !minute.is_empty() {
                    input.push(std::mem::take(&mut minute));
                }
                end = (t / 60.0).floor() * 60.0 + 60.0;
                minute.reserve(1_500_000);
            }
            minute.push(heard.received);
        }
        input.push(minute);
        for m in &mut input {
            m.shrink_to_fit();
        }
        input
    });
    (timing, input, aircraft)
}

/// `PICKET_BENCH_CACHE=1`: where the generated input is kept between runs (under the
/// target folder), so that a profiler run need not simulate under the profiler. Opt-in: a
/// cache written by an older simulator holds older frames.
fn cache_path(minutes: f64) -> Option<std::path::PathBuf> {
    std::env::var_os("PICKET_BENCH_CACHE")?;
    // The executable is <target>/<profile>/deps/run-<hash>.
    let exe = std::env::current_exe().ok()?;
    let target = exe.parent()?.parent()?.parent()?;
    Some(
        target
            .join("picket-bench-cache")
            .join(format!("busy-{minutes}min.items")),
    )
}

/// Reads the input from `path`, or makes it and writes it there. Each frame item is stored
/// as time (f64), receiver (u16), signal (f32, NaN for none), length and 14 frame bytes;
/// only Mode S items are kept (all the simulator makes) and the receiver clock is not (the
/// engine reads only the time).
fn cached(path: &std::path::Path, make: impl FnOnce() -> (Timing, Input, usize)) -> (Timing, Input, usize) {
    if let Some(read) = std::fs::read(path).ok().and_then(|bytes| read_cache(&bytes)) {
        eprintln!("input read from {}", path.display());
        return read;
    }
    let (timing, input, aircraft) = make();
    let mut bytes = (aircraft as u64).to_le_bytes().to_vec();
    for r in items(&input) {
        let What::ModeS(frame) = &r.what else { continue };
        bytes.extend_from_slice(&r.time_utc.to_le_bytes());
        bytes.extend_from_slice(&r.receiver.to_le_bytes());
        bytes.extend_from_slice(&r.signal.unwrap_or(f32::NAN).to_le_bytes());
        let mut raw = [0u8; 14];
        raw[..frame.as_bytes().len()].copy_from_slice(frame.as_bytes());
        bytes.push(frame.as_bytes().len() as u8);
        bytes.extend_from_slice(&raw);
    }
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(path, bytes) {
        Ok(()) => eprintln!("input written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
    (timing, input, aircraft)
}

/// The input of a cache file; `None` when the file is short or damaged (it is then made
/// again).
fn read_cache(bytes: &[u8]) -> Option<(Timing, Input, usize)> {
    const LEN: usize = 8 + 2 + 4 + 1 + 14;
    let aircraft = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?) as usize;
    let mut input: Input = Vec::new();
    let mut end = f64::NEG_INFINITY;
    for rec in bytes[8..].chunks_exact(LEN) {
        let time_utc = f64::from_le_bytes(rec[..8].try_into().ok()?);
        let signal = f32::from_le_bytes(rec[10..14].try_into().ok()?);
        let frame = picket_modes::Frame::new(rec.get(15..15 + usize::from(rec[14]))?).ok()?;
        if time_utc >= end || input.is_empty() {
            input.push(Vec::new());
            end = (time_utc / 60.0).floor() * 60.0 + 60.0;
        }
        input.last_mut()?.push(Received {
            time_utc,
            clock: Default::default(),
            signal: (!signal.is_nan()).then_some(signal),
            receiver: u16::from_le_bytes([rec[8], rec[9]]),
            what: What::ModeS(frame),
        });
    }
    let timing = Timing {
        wall: 0.0,
        cpu: None,
        load: "?".into(),
    };
    Some((timing, input, aircraft))
}

#[inline(never)]
fn decode_only(input: &Input) -> u64 {
    let mut decoder = Decoder::default();
    let mut ok = 0u64;
    for r in items(input) {
        if let What::ModeS(frame) = &r.what {
            ok += u64::from(black_box(decoder.decode(black_box(*frame))).is_ok());
        }
    }
    ok
}

fn tracker_config(receivers: &[LatLon]) -> TrackerConfig {
    TrackerConfig {
        receiver: receivers.first().copied(),
        ..TrackerConfig::default()
    }
}

/// Tracking alone, ticked once per data second; returns the tracker and the most aircraft
/// tracked at a tick.
#[inline(never)]
fn track(input: &Input, config: TrackerConfig) -> (Tracker, usize) {
    let mut tracker = Tracker::new(config);
    let mut retired: Vec<Aircraft> = Vec::new();
    let (mut next_tick, mut most) = (f64::NEG_INFINITY, 0);
    for r in items(input) {
        if r.time_utc >= next_tick {
            tracker.tick(r.time_utc, &mut retired);
            retired.clear();
            most = most.max(tracker.len());
            next_tick = picket_engine::engine::next_tick_due(r.time_utc);
        }
        black_box(tracker.ingest(black_box(r)));
    }
    (tracker, most)
}

fn engine(receivers: &[LatLon]) -> Engine {
    Engine::new(EngineConfig {
        tracker: tracker_config(receivers),
        receivers: receivers.to_vec(),
        zones: builtin_zones().to_vec(),
        aircraft_db: Arc::new(AircraftDb::with_builtin()),
        rules: RuleSet::default_rules(),
        detectors: DetectorParams::default(),
    })
}

/// The pipeline as `picket run` drives it: a tick once per data second before the item
/// that crosses into it, then the item. Returns the engine and every alert.
#[inline(never)]
fn run(input: &Input, receivers: &[LatLon]) -> (Engine, Vec<Alert>) {
    let mut engine = engine(receivers);
    let mut alerts: Vec<Alert> = Vec::new();
    let mut kept: Vec<Alert> = Vec::new();
    let (mut next_tick, mut last) = (f64::NEG_INFINITY, 0.0);
    for r in items(input) {
        let t = r.time_utc;
        if t >= next_tick {
            engine.tick(t, &mut alerts);
            next_tick = picket_engine::engine::next_tick_due(t);
        }
        black_box(engine.ingest(black_box(r), &mut alerts));
        if !alerts.is_empty() {
            kept.append(&mut alerts);
        }
        last = t;
    }
    engine.tick(last, &mut alerts);
    kept.append(&mut alerts);
    (engine, kept)
}

/// The same pipeline through the one output (`ingest_into`/`tick_into`): every event, the
/// alerts and the changed aircraft, consumed (counted) and cleared after each call, as a
/// consumer (the store, the map) would. Returns the engine, the alerts, the events and the
/// changed-aircraft keys seen.
#[inline(never)]
fn run_output(input: &Input, receivers: &[LatLon]) -> (Engine, usize, usize, usize) {
    let mut engine = engine(receivers);
    let mut out = Output::new();
    let (mut alerts, mut events, mut changed) = (0, 0, 0);
    let (mut next_tick, mut last) = (f64::NEG_INFINITY, 0.0);
    let mut take = |out: &mut Output| {
        alerts += out.alerts.len();
        events += out.events.len();
        changed += out.changed.len();
        black_box(&*out);
        out.clear();
    };
    for r in items(input) {
        let t = r.time_utc;
        if t >= next_tick {
            engine.tick_into(t, &mut out);
            take(&mut out);
            next_tick = picket_engine::engine::next_tick_due(t);
        }
        black_box(engine.ingest_into(black_box(r), &mut out));
        take(&mut out);
        last = t;
    }
    engine.tick_into(last, &mut out);
    take(&mut out);
    (engine, alerts, events, changed)
}

/// Memory per aircraft, untimed: trails of 64 points and the detectors' history, fed the way
/// the engine feeds them.
fn memory(input: &Input, receivers: &[LatLon]) {
    let mut tracker = Tracker::new(TrackerConfig {
        trail_len: 64,
        ..tracker_config(receivers)
    });
    let mut det = Detectors::new(DetectorParams::default(), builtin_zones().to_vec());
    let (mut events, mut retired) = (Vec::new(), Vec::new());
    let mut next_tick = f64::NEG_INFINITY;
    for r in items(input) {
        let t = r.time_utc;
        if t >= next_tick {
            tracker.tick(t, &mut retired);
            for a in retired.drain(..) {
                det.on_retired(&a, t, &mut events);
            }
            det.on_tick(t, &tracker, &mut events);
            events.clear();
            next_tick = picket_engine::engine::next_tick_due(t);
        }
        if let Ingested::Updated(u) = tracker.ingest(r) {
            if let Some(slot) = tracker.slot(u.key) {
                let a = &tracker.aircraft()[slot];
                det.on_update(slot, a, u.changed, Traits::default(), &mut events);
            }
        }
    }
    let n = tracker.len().max(1) as f64;
    let m = tracker.memory();
    let s = det.stats();
    println!(
        "memory at the end ({} aircraft tracked): state {} B (size_of), slab {:.0} B, index {:.0} B, \
         trail of 64 points {:.0} B per aircraft; detector history {:.0} B per aircraft ({} in the detectors)",
        tracker.len(),
        std::mem::size_of::<Aircraft>(),
        m.states as f64 / n,
        m.index as f64 / n,
        m.trails as f64 / n,
        det.heap_bytes() as f64 / s.aircraft.max(1) as f64,
        s.aircraft
    );
}

/// Keeps the first copy of each transmission: a frame with the same bits as one taken from
/// another receiver less than the tracker's duplicate window earlier is dropped.
fn first_copies(input: &mut Input) {
    use std::collections::HashMap;
    let window = TrackerConfig::default().duplicate_window_s;
    let mut seen: HashMap<picket_modes::Frame, (f64, u16)> = HashMap::new();
    let mut pruned = f64::NEG_INFINITY;
    for minute in input.iter_mut() {
        minute.retain(|r| {
            let What::ModeS(frame) = &r.what else { return true };
            let t = r.time_utc;
            if t - pruned > 1.0 {
                seen.retain(|_, (when, _)| t - *when < window);
                pruned = t;
            }
            match seen.get(frame) {
                Some(&(when, rx)) if rx != r.receiver && t - when < window => false,
                _ => {
                    seen.insert(*frame, (t, r.receiver));
                    true
                }
            }
        });
        minute.shrink_to_fit();
    }
}

/// Times decode, decode + track and the whole pipeline over `input`.
fn measure(input: &Input, receivers: &[LatLon], runs: usize, what: &str) {
    let n: usize = input.iter().map(Vec::len).sum();
    let n = n as f64;
    println!("{what}:");
    // `PICKET_BENCH_ONLY=decode|track|run`: that stage alone (for a profiler).
    let only = std::env::var("PICKET_BENCH_ONLY").ok();
    let times = |stage: &str| match &only {
        Some(o) if o != stage => 0,
        _ => runs,
    };
    for _ in 0..times("decode") {
        let (t, ok) = timed(|| decode_only(input));
        println!("  decode:               {}; {ok} decoded", t.rate(n));
    }
    for _ in 0..times("track") {
        let (t, (tracker, most)) = timed(|| track(input, tracker_config(receivers)));
        let s = tracker.stats();
        println!(
            "  decode + track:       {}; up to {most} aircraft tracked, {} created, {} duplicates",
            t.rate(n),
            s.created,
            s.dropped_duplicate
        );
    }
    for _ in 0..times("run") {
        let (t, (engine, alerts)) = timed(|| run(input, receivers));
        let mut kinds: Vec<String> = alerts
            .iter()
            .map(|a| format!("{} {:?} {}", a.rule, a.event.kind, a.aircraft.hex))
            .collect();
        kinds.sort();
        kinds.dedup();
        if kinds.len() > 12 {
            let more = kinds.len() - 12;
            kinds.truncate(12);
            kinds.push(format!("... and {more} more"));
        }
        println!(
            "  run (default rules):  {}; {} events, {} alerts: {}",
            t.rate(n),
            engine.stats().events,
            alerts.len(),
            kinds.join(", ")
        );
    }
    for _ in 0..times("output") {
        let (t, (_, alerts, events, changed)) = timed(|| run_output(input, receivers));
        println!(
            "  run, one output:      {}; {events} events, {alerts} alerts, {changed} aircraft changes",
            t.rate(n)
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; the first number is the minutes of the scenario to
    // use (default 60), the second how many timed runs of each kind (default 1).
    let numbers: Vec<f64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let minutes = numbers.first().copied().unwrap_or(60.0).clamp(1.0, 60.0);
    let runs = numbers.get(1).copied().unwrap_or(1.0).max(1.0) as usize;
    let scenario = match Scenario::from_toml(BUSY, "busy.toml") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("busy.toml: {e}");
            std::process::exit(1);
        }
    };
    let receivers: Vec<LatLon> = scenario.receivers.iter().map(|r| r.position).collect();

    let (gen, input, aircraft) = match cache_path(minutes) {
        Some(path) => cached(&path, || generate(&scenario, minutes)),
        None => generate(&scenario, minutes),
    };
    let frames: usize = input.iter().map(Vec::len).sum();
    let n = frames as f64;
    let bytes = frames * std::mem::size_of::<Received>();
    println!(
        "busy: first {minutes} min, {aircraft} aircraft scripted + background, {} receivers: {frames} items \
         ({:.0} per data second, {:.2} GB in memory at {} B each)",
        receivers.len(),
        n / (minutes * 60.0),
        bytes as f64 / 1e9,
        std::mem::size_of::<Received>()
    );
    println!("  generate (simulator): {}", gen.rate(n));

    let only = std::env::var_os("PICKET_BENCH_ONLY").is_some();
    if !only {
        measure(&input, &receivers, runs, "every item");
    }
    // The same transmission heard by several receivers: keep the first copy only (as the
    // tracker does), for the figure per transmission.
    let mut input = input;
    let heard = n;
    first_copies(&mut input);
    let unique: usize = input.iter().map(Vec::len).sum();
    println!(
        "first copies only: {unique} items ({:.0} % of the items were copies heard by another receiver)",
        100.0 * (1.0 - unique as f64 / heard)
    );
    measure(&input, &receivers, runs, "first copies");
    if !only {
        memory(&input, &receivers);
    }
}
