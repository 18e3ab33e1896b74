//! picket-engine
pub mod enrich;
