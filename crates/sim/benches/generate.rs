//! Simulator speed: frames generated (as the receivers hear them) per second on one core,
//! per scenario (a plain binary, no bench framework).
//!
//! ```text
//! cargo bench -p picket-sim --bench generate                      # every scenario, whole
//! cargo bench -p picket-sim --bench generate -- busy 600          # one scenario, 10 minutes
//! cargo bench -p picket-sim --bench generate -- caracas arctic 1800
//! ```
//!
//! Scenarios: the built-in ones by name, `busy` (the benchmark scenario
//! `scenarios/bench/busy.toml`, about 1,000 airliners airborne at once), or a path to a
//! scenario file. A number sets the window (seconds from the scenario start; default: the whole
//! scenario).
//!
//! Timed: iterating `Simulation::frames` over the window (the world stepped, every
//! transmission built and encoded, each receiver's loss, bit errors, time of arrival and
//! clock, the merge into arrival order); the frames are counted and dropped. Reported by
//! wall clock and by this thread's CPU time (the machine is shared; CPU time is the figure
//! per core). Then, untimed, the true states of the same window give how many aircraft were
//! airborne and how many of those at least one receiver could hear, per second.

use std::hint::black_box;
use std::time::Instant;

use picket_sim::scenario::TransponderState;
use picket_sim::truth::hears;
use picket_sim::{Scenario, Simulation, Window};

/// The benchmark scenario, embedded so the bench runs from any directory.
const BUSY: &str = include_str!("../scenarios/bench/busy.toml");

fn scenario(name: &str) -> Option<Scenario> {
    if let Some(s) = Scenario::builtin(name) {
        return Some(s);
    }
    let parsed = if name == "busy" {
        Scenario::from_toml(BUSY, "busy.toml")
    } else {
        let text = std::fs::read_to_string(name).ok()?;
        Scenario::from_toml(&text, name)
    };
    match parsed {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("{e}");
            None
        }
    }
}

fn measure(name: &str, seconds: Option<f64>) {
    let Some(scenario) = scenario(name) else {
        eprintln!("skipping {name}: not a built-in scenario, `busy` or a readable scenario file");
        return;
    };
    let window = Window {
        from_s: 0.0,
        duration_s: seconds,
    };
    let sim = Simulation::new(&scenario, scenario.seed, window);
    let (from, to) = sim.window_s();
    let load = picket_bench::load_average();
    let (wall0, cpu0) = (Instant::now(), picket_bench::thread_cpu_s());
    let mut frames = 0u64;
    for heard in sim.frames() {
        black_box(&heard);
        frames += 1;
    }
    let wall = wall0.elapsed().as_secs_f64();
    let cpu = match (cpu0, picket_bench::thread_cpu_s()) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    let n = frames as f64;
    println!(
        "{name}: {:.0} s window, {} aircraft ({} scripted + background), {} receivers; load {load}",
        to - from,
        sim.aircraft().len(),
        scenario.aircraft.len(),
        scenario.receivers.len()
    );
    print!(
        "  generated {frames} frames ({:.0} per data second) in {wall:.2} s wall: {:.3} M frames/s",
        n / (to - from).max(1.0),
        n / wall / 1e6
    );
    match cpu {
        Some(c) => println!("; {c:.2} s CPU: {:.3} M frames/s per core", n / c / 1e6),
        None => println!(),
    }

    // Untimed: how busy the sky was.
    let (mut seconds_seen, mut sum_air, mut sum_heard, mut max_air, mut min_air) =
        (0u64, 0u64, 0u64, 0u64, u64::MAX);
    let mut current = f64::NAN;
    let (mut air, mut heard) = (0u64, 0u64);
    let mut close = |air: u64, heard: u64| {
        seconds_seen += 1;
        sum_air += air;
        sum_heard += heard;
        max_air = max_air.max(air);
        min_air = min_air.min(air);
    };
    for s in sim.truth_states() {
        if s.t_s != current {
            if !current.is_nan() {
                close(air, heard);
            }
            (current, air, heard) = (s.t_s, 0, 0);
        }
        if !s.on_ground {
            air += 1;
            let on = matches!(s.transponder, TransponderState::On(_));
            if on
                && scenario
                    .receivers
                    .iter()
                    .any(|r| hears(r, s.position, s.alt_geom_ft))
            {
                heard += 1;
            }
        }
    }
    if !current.is_nan() {
        close(air, heard);
    }
    if seconds_seen > 0 {
        let k = seconds_seen as f64;
        println!(
            "  airborne per second: mean {:.0}, min {min_air}, max {max_air}; within some receiver's \
             coverage: mean {:.0}",
            sum_air as f64 / k,
            sum_heard as f64 / k
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; other arguments are scenario names and a window.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let seconds = args.iter().find_map(|a| a.parse::<f64>().ok());
    let mut names: Vec<&str> = args
        .iter()
        .filter(|a| a.parse::<f64>().is_err())
        .map(String::as_str)
        .collect();
    if names.is_empty() {
        names = vec!["caracas", "orchila", "arctic", "busy"];
    }
    for name in names {
        measure(name, seconds);
    }
}
