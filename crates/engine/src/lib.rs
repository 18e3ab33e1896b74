//! picket-engine
