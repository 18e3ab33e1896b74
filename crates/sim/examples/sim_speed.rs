//! Measures simulation speed: frames generated (and heard) per second of wall time.
//!
//! `cargo run -p picket-sim --example sim_speed [SCENARIO] [SECONDS]` (default: caracas, 3600).

use std::time::Instant;

use picket_sim::{Scenario, Simulation, Window};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "caracas".to_string());
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3600.0);
    let Some(scenario) = Scenario::builtin(&name) else {
        eprintln!("no built-in scenario {name:?}");
        std::process::exit(2);
    };
    let sim = Simulation::new(
        &scenario,
        scenario.seed,
        Window {
            from_s: 0.0,
            duration_s: Some(seconds),
        },
    );
    let t0 = Instant::now();
    let states = sim.truth_states().count();
    let truth_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut frames = 0u64;
    let mut bytes = 0u64;
    for h in sim.frames() {
        frames += 1;
        bytes += h.received.what.frame().map_or(0, |f| f.len() as u64);
    }
    let frames_s = t1.elapsed().as_secs_f64();
    println!(
        "{name}: {seconds} s simulated, {} aircraft; truth: {states} states in {truth_s:.2} s; \
         frames: {frames} heard ({bytes} bytes) in {frames_s:.2} s = {:.0} frames/s",
        sim.aircraft().len(),
        frames as f64 / frames_s
    );
}
