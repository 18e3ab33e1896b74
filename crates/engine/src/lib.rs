//! picket-engine
pub mod engine;
pub mod enrich;
pub mod track;
