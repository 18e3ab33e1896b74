//! picket-world: geodesy, airports, zones and the event vocabulary shared by the engine and
//! the simulator.
//!
//! - [`geo`]: spherical distances, bearings, destination points, cross/along-track
//!   distances, a local flat frame, lat/lon rings, polygons, multipolygons and circles
//!   (antimeridian-safe), with boundary distances for zone hysteresis.
//! - [`airports`](mod@airports): airports and military bases with runways (OurAirports, public domain).
//! - [`zones`]: zones from GeoJSON with line/column errors, and the built-in (approximate)
//!   US, Alaska and Canadian ADIZ.
//! - [`borders`]: country outlines (Natural Earth 1:110m) and `country_at`.
//! - [`events`]: the event kinds and the detector parameters both sides use.
//!
//! All data is embedded and parsed on first use; nothing touches the network or the disk.
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
