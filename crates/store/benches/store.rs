//! The store's figures (a plain binary, no bench framework):
//!
//! ```text
//! cargo bench -p picket-store --bench store                # 5 minutes of busy, 1,000 aircraft x 24 h
//! cargo bench -p picket-store --bench store -- 2 200       # 2 minutes of busy, 200 aircraft x 24 h
//! ```
//!
//! 1. Raw frames: the benchmark scenario `crates/sim/scenarios/bench/busy.toml` (about 1,000
//!    airliners at once, four receivers) simulated once into memory for the first N minutes;
//!    then timed: the block encoder (`BlockEncoder::push` + `finish`) at the writer's level (1)
//!    and at the sealed hour's (9), bytes per frame, and decoding.
//! 2. Queries on 24 hours: a store with a state every 10 s for M aircraft over 24 hours
//!    (written through the recorder, timed: states per second) and a month of landings in 40
//!    countries (2,000 a day); then timed, median of 21 each: one aircraft's day
//!    (`History::states_of`) and all landings in one country for the month
//!    (`History::events` with `--in-country`).
//!
//! Wall clock and this thread's CPU time (the machine may be shared).

use std::time::{Duration, Instant};

use picket_receive::Received;
use picket_sim::{Scenario, Simulation, Window};
use picket_store::codec::{decode_block, BlockEncoder};
use picket_store::{Area, EventRow, Filter, History, Recorder, StateRow, StoreOptions};

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (w, c) = (Instant::now(), picket_bench::thread_cpu_s().unwrap_or(f64::NAN));
    let v = f();
    (
        v,
        w.elapsed().as_secs_f64(),
        picket_bench::thread_cpu_s().unwrap_or(f64::NAN) - c,
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let minutes: f64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(5.0);
    let aircraft: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {}", load.trim());

    // 1. Raw frames.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sim/scenarios/bench/busy.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let scenario = Scenario::from_toml(&text, path).unwrap();
    let sim = Simulation::new(
        &scenario,
        scenario.seed,
        Window {
            from_s: 0.0,
            duration_s: Some(minutes * 60.0),
        },
    );
    let (items, w, _) = timed(|| sim.frames().map(|h| h.received).collect::<Vec<Received>>());
    let n = items.len();
    println!("busy: {n} frames in {minutes} minutes simulated ({w:.1} s)");
    for level in [1u32, 6, 9] {
        let ((blocks, bytes), w, c) = timed(|| {
            let mut enc = BlockEncoder::new();
            let mut blocks = Vec::new();
            let mut bytes = 0usize;
            for chunk in items.chunks(500_000) {
                for r in chunk {
                    enc.push(r);
                }
                let b = enc.finish(level);
                bytes += b.len();
                blocks.push(b);
            }
            (blocks, bytes)
        });
        println!(
            "encode level {level}: {:.2} bytes/frame, {:.2} M frames/s wall, {:.2} M/s CPU",
            bytes as f64 / n as f64,
            n as f64 / w / 1e6,
            n as f64 / c / 1e6
        );
        if level == 6 {
            let (count, w, c) = timed(|| {
                blocks
                    .iter()
                    .map(|b| decode_block(b).unwrap().len())
                    .sum::<usize>()
            });
            assert_eq!(count, n);
            println!(
                "decode: {:.2} M frames/s wall, {:.2} M/s CPU",
                n as f64 / w / 1e6,
                n as f64 / c / 1e6
            );
        }
    }
    // Where the bytes go: each column of the first block compressed on its own.
    let columns = |items: &[Received]| {
        let mut enc = BlockEncoder::new();
        let chunk = &items[..items.len().min(500_000)];
        for r in chunk {
            enc.push(r);
        }
        let line: Vec<String> = enc
            .column_sizes(1)
            .into_iter()
            .map(|(name, raw, z)| {
                format!(
                    "{name} {:.2}/{:.2}",
                    raw as f64 / chunk.len() as f64,
                    z as f64 / chunk.len() as f64
                )
            })
            .collect();
        println!("  columns, bytes/frame raw/deflated: {}", line.join(", "));
    };
    columns(&items);
    // The simulator's signal level is a continuous f32 (about 3 bytes of noise a frame); a
    // Beast receiver sends one byte. The same frames with the signal as that byte gives it:
    let beast: Vec<Received> = items
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.signal = r.signal.map(|s| {
                let b = (255.0 * 10f32.powf(s / 20.0)).round().clamp(1.0, 255.0);
                20.0 * (b / 255.0).log10()
            });
            r
        })
        .collect();
    let mut enc = BlockEncoder::new();
    let mut bytes = 0;
    for chunk in beast.chunks(500_000) {
        for r in chunk {
            enc.push(r);
        }
        bytes += enc.finish(1).len();
    }
    println!(
        "encode level 1, signal as a Beast byte: {:.2} bytes/frame",
        bytes as f64 / n as f64
    );
    columns(&beast);
    drop(beast);
    drop(items);

    // 2. Queries on 24 hours.
    let dir = std::env::temp_dir().join(format!("picket-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let t0 = 1_700_006_400.0; // 2023-11-15T00:00:00Z
    let engine = picket_engine::engine::Engine::new(picket_engine::engine::EngineConfig::default());
    let mut rec = Recorder::open(
        &dir,
        StoreOptions {
            lossless: true,
            engine_states: false,
            retention: picket_store::Retention::KEEP_ALL,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    let per_day = 8640usize;
    let (states, w, _) = timed(|| {
        let mut count = 0u64;
        for step in 0..per_day {
            let t = t0 + step as f64 * 10.0;
            let rows: Vec<StateRow> = (0..aircraft)
                .map(|i| {
                    let phase = (step as f64 / 500.0) + i as f64;
                    StateRow {
                        hex: format!("{:06x}", 0x400000 + i),
                        t,
                        lat: 40.0 + 5.0 * phase.sin(),
                        lon: -73.0 + 8.0 * phase.cos(),
                        alt_baro: Some(30_000),
                        gs: Some(450.0),
                        track: Some((phase * 57.0) as f32 % 360.0),
                        baro_rate: Some(0),
                        on_ground: Some(false),
                        flight: Some(format!("TST{i}")),
                        squawk: Some("1000".into()),
                    }
                })
                .collect();
            count += rows.len() as u64;
            rec.observe_states(rows);
            rec.observe(None, &[], &engine);
        }
        assert!(rec.flush(Duration::from_secs(600)));
        count
    });
    println!(
        "states: {states} written ({aircraft} aircraft x 24 h, one per 10 s) in {w:.1} s: {:.0} states/s",
        states as f64 / w
    );
    // A month of landings: 2,000 a day over 40 countries' airports.
    let airports: Vec<&picket_world::airports::Airport> = {
        let mut seen = std::collections::HashSet::new();
        picket_world::airports::airports()
            .iter()
            .filter(|a| a.kind.as_str() == "large" && seen.insert(a.country))
            .take(40)
            .collect()
    };
    let (events, w, _) = timed(|| {
        let mut count = 0u64;
        for day in 0..30 {
            let rows: Vec<EventRow> = (0..2000)
                .map(|k| {
                    let a = airports[k % airports.len()];
                    let t = t0 + day as f64 * 86_400.0 + k as f64 * 43.0;
                    EventRow {
                        record: "alert".into(),
                        event_id: format!("{day:04}{k:012x}"),
                        kind: "landing".into(),
                        phase: "started".into(),
                        hex: Some(format!("{:06x}", 0x400000 + k % aircraft.max(1))),
                        onset: Some(t),
                        t,
                        ended: None,
                        since: None,
                        place: Some(a.ident.into()),
                        place_name: Some(a.name.into()),
                        place_country: Some(a.country.into()),
                        lat: Some(a.position.lat),
                        lon: Some(a.position.lon),
                        rule: Some("bench".into()),
                        json: format!("{{\"kind\":\"landing\",\"airport\":\"{}\"}}", a.ident),
                    }
                })
                .collect();
            count += rows.len() as u64;
            rec.observe_event_rows(rows);
            rec.observe(None, &[], &engine);
        }
        assert!(rec.flush(Duration::from_secs(600)));
        count
    });
    println!("events: {events} landings written in {w:.1} s");
    rec.finish();
    let size = std::fs::metadata(dir.join("picket.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "database: {:.1} MB ({:.1} bytes per state with its indexes and the events)",
        size as f64 / 1e6,
        size as f64 / states as f64
    );

    let h = History::open(&dir).unwrap();
    let day: Vec<f64> = (0..21)
        .map(|i| {
            let hex = format!("{:06x}", 0x400000 + (i * 37) % aircraft);
            let (rows, w, _) = timed(|| h.states_of(&hex, t0, t0 + 86_400.0).unwrap());
            assert_eq!(rows.len(), per_day);
            w
        })
        .collect();
    println!(
        "one aircraft's day ({per_day} states): median {:.2} ms",
        median(day) * 1e3
    );
    let country = picket_world::borders::country(airports[3].country).unwrap();
    let month: Vec<f64> = (0..21)
        .map(|_| {
            let f = Filter {
                from: Some(t0),
                to: Some(t0 + 31.0 * 86_400.0),
                kinds: vec!["landing".into()],
                area: Some(Area::Country(country)),
                ..Filter::default()
            };
            let (rows, w, _) = timed(|| h.events(&f).unwrap());
            assert_eq!(rows.len(), 30 * 50);
            w
        })
        .collect();
    println!(
        "all landings in {} for a month (1,500 of 60,000): median {:.2} ms",
        country.name,
        median(month) * 1e3
    );
    drop(h);
    let _ = std::fs::remove_dir_all(&dir);
}
