//! picket-receive
