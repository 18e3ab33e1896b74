//! picket-sim: scripted flights turned into ground truth, Mode S frames and radio samples.

pub mod flight;
pub mod geo;
pub mod parse;
pub mod perf;
pub mod rng;
pub mod scenario;
pub mod time;
pub mod world;

#[cfg(test)]
mod flight_tests;

pub use parse::ScenarioError;
pub use scenario::Scenario;
pub use world::{TruthState, TruthStates, World};
