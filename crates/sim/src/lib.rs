//! picket-sim
