//! Prints a built-in scenario's ground-truth events as JSON lines.
//!
//! `cargo run -p picket-sim --example sim_truth [SCENARIO] [SEED]` (default: arctic).

use picket_sim::{truth_json, Scenario, Simulation, Window};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "arctic".to_string());
    let Some(scenario) = Scenario::builtin(&name) else {
        eprintln!("no built-in scenario {name:?}");
        std::process::exit(2);
    };
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(scenario.seed);
    let sim = Simulation::new(&scenario, seed, Window::ALL);
    let mut out = String::new();
    for e in sim.truth_events() {
        truth_json::write_event(&mut out, &e);
    }
    print!("{out}");
}
