//! picket-world: geodesy, airports, zones and the event vocabulary shared by the engine and
//! the simulator.
//!
//! ```
//! use picket_world::geo::LatLon;
//! let nome = LatLon::new(64.5, -165.4);
//! let point = nome.destination(0.0, 10_000.0);
//! assert!((nome.distance_m(point) - 10_000.0).abs() < 1e-6);
//! ```

pub mod airports;
pub mod borders;
pub mod events;
pub mod geo;
pub mod zones;

pub use airports::{airport, airports, nearest, Airport, AirportKind, Runway, RunwayEnd};
pub use borders::{country_at, Country};
pub use events::{DetectorParams, EmergencyKind, EventKind, UnknownEventKind};
pub use geo::{Circle, LatLon, MultiPolygon, Polygon, Ring, Shape};
pub use zones::{builtin_zone, builtin_zones, load_geojson, Zone, ZoneError, ZoneErrorKind, ZoneProperties};
