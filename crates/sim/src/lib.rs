//! picket-sim: scripted flights turned into ground truth, Mode S frames and radio samples.
//!
//! ```
//! use picket_sim::{Scenario, Simulation, Window};
//! let scenario = Scenario::builtin("caracas").unwrap();
//! let sim = Simulation::new(&scenario, scenario.seed, Window { from_s: 0.0, duration_s: Some(5.0) });
//! let states: Vec<_> = sim.truth_states().collect();
//! assert!(states.iter().any(|s| s.address == 0x1514c0));
//! ```

pub mod flight;
pub mod frames;
pub mod geo;
pub mod iq;
pub mod parse;
pub mod perf;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod traffic;
pub mod truth;
pub mod truth_json;
pub mod world;

#[cfg(test)]
mod flight_tests;
#[cfg(test)]
mod frame_tests;
#[cfg(test)]
mod scenario_tests;

pub use frames::{Frames, Heard};
pub use iq::{IqFormat, IqOptions, IqStream};
pub use parse::ScenarioError;
pub use scenario::Scenario;
pub use sim::{list, ScenarioInfo, Simulation, Window};
pub use truth::TruthEvent;
pub use world::{TruthState, TruthStates, World};
