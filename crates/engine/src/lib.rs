//! picket-engine
pub mod engine;
pub mod enrich;
pub mod event;
pub mod rules;
pub mod track;
