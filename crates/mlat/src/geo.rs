//! WGS-84 geodesy for multilateration: geodetic ↔ ECEF and local east-north-up axes (the
//! one copy lives in [`picket_world::geo::wgs84`]), and the speed of light.

pub use picket_world::geo::wgs84::{distance, dot, Ecef, Geodetic};

/// Speed of light in vacuum, m/s (the troposphere's few metres of extra delay are ignored).
pub const C: f64 = 299_792_458.0;
