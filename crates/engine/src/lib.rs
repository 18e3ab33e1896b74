//! picket-engine
pub mod detect;
pub mod engine;
pub mod enrich;
pub mod event;
pub mod incident;
pub mod rules;
pub mod state_json;
pub mod track;
