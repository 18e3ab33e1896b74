//! picket-sim: scripted flights turned into ground truth, Mode S frames and radio samples.

pub mod geo;
pub mod parse;
pub mod perf;
pub mod rng;
pub mod scenario;
pub mod time;

pub use parse::ScenarioError;
pub use scenario::Scenario;
