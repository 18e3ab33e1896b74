//! The properties the fuzz targets check. The two modules are plain files shared with the
//! ordinary tests of picket-modes and picket-receive (`tests/fuzz_properties.rs`).

pub mod modes_props;
pub mod readers_props;
