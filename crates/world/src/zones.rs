//! Zones: named areas (polygons, multipolygons, circles) with an optional altitude band,
//! loaded from GeoJSON, and the built-in identification zones (ADIZ).
//!
//! # GeoJSON accepted
//! A `FeatureCollection` whose features are:
//! - `Polygon` or `MultiPolygon` geometries (holes allowed, `[lon, lat]` positions);
//! - `Point` geometries with a `radius_m` (or `radius_nm`) property: a circle;
//! - features with `"geometry": null`, an `airport` property (ident, e.g. `"SVLO"`) and a
//!   radius: a circle around that airport's reference point.
//!
//! Properties read: `id` (or the feature's own `id`), `name`, `floor_ft`, `ceiling_ft`
//! (integers, feet), `radius_m`, `radius_nm`, `airport`, `source`, `approximate` (bool),
//! `note`. Others are ignored. The user documentation is docs/zones.md (a test checks that
//! it lists every property read here).
//! Errors carry the line and column of the offending value and what is wrong.
//!
//! ```
//! use picket_world::zones::{builtin_zone, load_geojson};
//! use picket_world::LatLon;
//! let alaska = builtin_zone("alaska_adiz").unwrap();
//! assert!(alaska.properties.approximate);
//! assert!(alaska.contains(LatLon::new(71.5, -160.0), Some(35_000)));
//!
//! let text = r#"{"type":"FeatureCollection","features":[
//!   {"type":"Feature","properties":{"id":"orchila","airport":"SVLO","radius_m":20000},"geometry":null}]}"#;
//! let zones = load_geojson(text).unwrap();
//! assert!(zones[0].contains(LatLon::new(11.8, -66.18), None));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde_json::value::RawValue;

use crate::geo::{Circle, LatLon, MultiPolygon, Polygon, Ring, Shape, METRES_PER_NM};

const BUILTIN_GEOJSON: &str = include_str!("../data/zones.geojson");

/// Descriptive properties of a zone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ZoneProperties {
    /// Where the boundary comes from (a regulation, a handbook, a user file).
    pub source: Option<String>,
    /// True when the boundary is an approximation of the published one.
    pub approximate: bool,
    /// Free text: what the approximation approximates, caveats.
    pub note: Option<String>,
}

/// A named area with an optional altitude band.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// Stable identifier used in rules and events (`alaska_adiz`).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// The area.
    pub shape: Shape,
    /// Lowest altitude (feet, barometric) that counts as inside; `None` from the surface.
    pub floor_ft: Option<i32>,
    /// Highest altitude (feet, barometric) that counts as inside; `None` unlimited.
    pub ceiling_ft: Option<i32>,
    /// Source, approximation flag, note.
    pub properties: ZoneProperties,
}

impl Zone {
    /// Makes a zone with no altitude band and empty properties.
    pub fn new(id: impl Into<String>, name: impl Into<String>, shape: Shape) -> Zone {
        Zone {
            id: id.into(),
            name: name.into(),
            shape,
            floor_ft: None,
            ceiling_ft: None,
            properties: ZoneProperties::default(),
        }
    }

    /// Makes a circular zone.
    pub fn circle(id: impl Into<String>, name: impl Into<String>, centre: LatLon, radius_m: f64) -> Zone {
        Zone::new(id, name, Shape::Circle(Circle { centre, radius_m }))
    }

    /// True when `alt_ft` lies within the altitude band (inclusive).
    ///
    /// An unknown altitude is inside only when the zone has no band at all: a zone that
    /// cares about altitude cannot claim an aircraft whose altitude nobody knows.
    pub fn altitude_in_band(&self, alt_ft: Option<i32>) -> bool {
        match alt_ft {
            Some(a) => {
                !matches!(self.floor_ft, Some(f) if f > a) && !matches!(self.ceiling_ft, Some(c) if a > c)
            }
            None => self.floor_ft.is_none() && self.ceiling_ft.is_none(),
        }
    }

    /// True when `p` is inside the area and `alt_ft` inside the altitude band.
    pub fn contains(&self, p: LatLon, alt_ft: Option<i32>) -> bool {
        self.altitude_in_band(alt_ft) && self.shape.contains(p)
    }

    /// Signed horizontal distance to the boundary in metres: negative inside.
    pub fn signed_distance_m(&self, p: LatLon) -> f64 {
        self.shape.signed_distance_m(p)
    }

    /// Horizontal distance to the boundary in metres (never negative).
    pub fn boundary_distance_m(&self, p: LatLon) -> f64 {
        self.shape.boundary_distance_m(p)
    }
}

/// What is wrong with a zone file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZoneErrorKind {
    /// The text is not valid JSON.
    Syntax,
    /// The top level is not a GeoJSON `FeatureCollection` with a `features` array.
    NotFeatureCollection,
    /// A member of `features` is not a `Feature` object.
    NotFeature,
    /// A feature has no geometry and no `airport` property.
    MissingGeometry,
    /// A geometry type other than Polygon, MultiPolygon or Point.
    UnsupportedGeometry,
    /// `coordinates` is not nested as the geometry type requires, or holds non-numbers.
    BadCoordinates,
    /// A position is outside -180..180 longitude / -90..90 latitude.
    CoordinateOutOfRange,
    /// A ring has fewer than three distinct positions.
    RingTooShort,
    /// A circle (Point or airport) has no `radius_m` / `radius_nm`.
    MissingRadius,
    /// A radius that is not a positive finite number.
    BadRadius,
    /// `floor_ft` / `ceiling_ft` is not an integer, or the floor is above the ceiling.
    BadAltitude,
    /// A property has the wrong type (e.g. `name` not a string, `approximate` not a bool).
    BadProperty,
    /// The `airport` property names no airport in the built-in table.
    UnknownAirport,
    /// Two zones have the same id.
    DuplicateId,
}

impl ZoneErrorKind {
    /// One-sentence description of the problem.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneErrorKind::Syntax => "invalid JSON",
            ZoneErrorKind::NotFeatureCollection => {
                "expected a GeoJSON object {\"type\": \"FeatureCollection\", \"features\": [...]}"
            }
            ZoneErrorKind::NotFeature => "expected a GeoJSON Feature object",
            ZoneErrorKind::MissingGeometry => {
                "feature has no geometry (and no \"airport\" property for a circle)"
            }
            ZoneErrorKind::UnsupportedGeometry => {
                "unsupported geometry type (use Polygon, MultiPolygon, or Point with radius_m)"
            }
            ZoneErrorKind::BadCoordinates => "coordinates are not nested as the geometry type requires",
            ZoneErrorKind::CoordinateOutOfRange => {
                "position out of range (expected [longitude -180..180, latitude -90..90])"
            }
            ZoneErrorKind::RingTooShort => "a polygon ring needs at least three distinct positions",
            ZoneErrorKind::MissingRadius => "a circle needs a \"radius_m\" or \"radius_nm\" property",
            ZoneErrorKind::BadRadius => "radius must be a positive number",
            ZoneErrorKind::BadAltitude => {
                "floor_ft/ceiling_ft must be integers (feet) with the floor not above the ceiling"
            }
            ZoneErrorKind::BadProperty => "a property has the wrong type",
            ZoneErrorKind::UnknownAirport => "the \"airport\" property names an unknown airport",
            ZoneErrorKind::DuplicateId => "another zone already has this id",
        }
    }
}

/// A zone file error: where (1-based line and column, feature index) and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneError {
    /// 1-based line of the offending value.
    pub line: u32,
    /// 1-based column (in bytes) of the offending value.
    pub column: u32,
    /// 0-based index of the feature in `features`, when the error is inside one.
    pub feature: Option<u32>,
    /// What is wrong.
    pub kind: ZoneErrorKind,
}

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if let Some(i) = self.feature {
            write!(f, "feature {i}: ")?;
        }
        f.write_str(self.kind.as_str())
    }
}

impl std::error::Error for ZoneError {}

/// Byte offsets to line/column, and the context of the feature being read.
struct Cursor<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    feature: Option<u32>,
}

type Object<'a> = HashMap<String, &'a RawValue>;

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Cursor {
            text,
            line_starts,
            feature: None,
        }
    }

    fn at_offset(&self, offset: usize, kind: ZoneErrorKind) -> ZoneError {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let column = offset - self.line_starts[line - 1] + 1;
        ZoneError {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            feature: self.feature,
            kind,
        }
    }

    /// An error located at `raw`, which must be a slice of the cursor's text.
    fn at(&self, raw: &RawValue, kind: ZoneErrorKind) -> ZoneError {
        let start = self.text.as_ptr() as usize;
        let offset = (raw.get().as_ptr() as usize)
            .saturating_sub(start)
            .min(self.text.len());
        self.at_offset(offset, kind)
    }

    fn parse<T: serde::Deserialize<'a>>(
        &self,
        raw: &'a RawValue,
        kind: ZoneErrorKind,
    ) -> Result<T, ZoneError> {
        serde_json::from_str(raw.get()).map_err(|_| self.at(raw, kind))
    }

    fn object(&self, raw: &'a RawValue, kind: ZoneErrorKind) -> Result<Object<'a>, ZoneError> {
        self.parse(raw, kind)
    }

    fn position(&self, raw: &'a RawValue) -> Result<LatLon, ZoneError> {
        let v: Vec<f64> = self.parse(raw, ZoneErrorKind::BadCoordinates)?;
        if v.len() < 2 {
            return Err(self.at(raw, ZoneErrorKind::BadCoordinates));
        }
        let p = LatLon::new(v[1], v[0]);
        if !p.is_valid() {
            return Err(self.at(raw, ZoneErrorKind::CoordinateOutOfRange));
        }
        Ok(p)
    }

    fn ring(&self, raw: &'a RawValue) -> Result<Ring, ZoneError> {
        let positions: Vec<&RawValue> = self.parse(raw, ZoneErrorKind::BadCoordinates)?;
        let points = positions
            .iter()
            .map(|p| self.position(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ring::new(&points).map_err(|_| self.at(raw, ZoneErrorKind::RingTooShort))
    }

    fn polygon(&self, raw: &'a RawValue) -> Result<Polygon, ZoneError> {
        let rings: Vec<&RawValue> = self.parse(raw, ZoneErrorKind::BadCoordinates)?;
        let Some((first, rest)) = rings.split_first() else {
            return Err(self.at(raw, ZoneErrorKind::BadCoordinates));
        };
        Ok(Polygon {
            exterior: self.ring(first)?,
            holes: rest.iter().map(|r| self.ring(r)).collect::<Result<_, _>>()?,
        })
    }

    fn string(&self, props: &Object<'a>, key: &str) -> Result<Option<String>, ZoneError> {
        match props.get(key) {
            None => Ok(None),
            Some(raw) if raw.get() == "null" => Ok(None),
            Some(raw) => self.parse(raw, ZoneErrorKind::BadProperty).map(Some),
        }
    }

    /// A string or a number, as GeoJSON allows for a feature's `id`.
    fn id(&self, raw: &'a RawValue) -> Result<Option<String>, ZoneError> {
        if raw.get() == "null" {
            return Ok(None);
        }
        if let Ok(s) = serde_json::from_str::<String>(raw.get()) {
            return Ok(Some(s));
        }
        match serde_json::from_str::<serde_json::Number>(raw.get()) {
            Ok(n) => Ok(Some(n.to_string())),
            Err(_) => Err(self.at(raw, ZoneErrorKind::BadProperty)),
        }
    }

    fn altitude(&self, props: &Object<'a>, key: &str) -> Result<Option<i32>, ZoneError> {
        match props.get(key) {
            None => Ok(None),
            Some(raw) if raw.get() == "null" => Ok(None),
            Some(raw) => self.parse::<i32>(raw, ZoneErrorKind::BadAltitude).map(Some),
        }
    }

    fn radius(&self, props: &Object<'a>, feature_raw: &RawValue) -> Result<f64, ZoneError> {
        let (raw, scale) = match (props.get("radius_m"), props.get("radius_nm")) {
            (Some(r), _) => (*r, 1.0),
            (None, Some(r)) => (*r, METRES_PER_NM),
            (None, None) => return Err(self.at(feature_raw, ZoneErrorKind::MissingRadius)),
        };
        let r: f64 = self.parse(raw, ZoneErrorKind::BadRadius)?;
        if !(r.is_finite() && r > 0.0) {
            return Err(self.at(raw, ZoneErrorKind::BadRadius));
        }
        Ok(r * scale)
    }

    fn feature(&self, raw: &'a RawValue, index: usize) -> Result<Zone, ZoneError> {
        let f = self.object(raw, ZoneErrorKind::NotFeature)?;
        let kind: Option<String> = match f.get("type") {
            Some(t) => self.parse(t, ZoneErrorKind::NotFeature)?,
            None => None,
        };
        if kind.as_deref() != Some("Feature") {
            return Err(self.at(raw, ZoneErrorKind::NotFeature));
        }
        let props: Object<'a> = match f.get("properties") {
            Some(p) if p.get() != "null" => self.object(p, ZoneErrorKind::BadProperty)?,
            _ => Object::new(),
        };
        let id = match props.get("id") {
            Some(r) => self.id(r)?,
            None => None,
        };
        let id = match (id, f.get("id")) {
            (Some(id), _) => id,
            (None, Some(r)) => self.id(r)?.unwrap_or_else(|| format!("zone-{index}")),
            (None, None) => format!("zone-{index}"),
        };
        let name = self.string(&props, "name")?.unwrap_or_else(|| id.clone());
        let approximate = match props.get("approximate") {
            None => false,
            Some(r) => self.parse(r, ZoneErrorKind::BadProperty)?,
        };
        let floor_ft = self.altitude(&props, "floor_ft")?;
        let ceiling_ft = self.altitude(&props, "ceiling_ft")?;
        if let (Some(lo), Some(hi)) = (floor_ft, ceiling_ft) {
            if lo > hi {
                return Err(self.at(props["floor_ft"], ZoneErrorKind::BadAltitude));
            }
        }
        let shape = match f.get("geometry").filter(|g| g.get() != "null") {
            Some(g) => self.geometry(g, &props, raw)?,
            None => {
                let Some(code_raw) = props.get("airport") else {
                    return Err(self.at(raw, ZoneErrorKind::MissingGeometry));
                };
                let code: String = self.parse(code_raw, ZoneErrorKind::BadProperty)?;
                let airport = crate::airports::airport(&code)
                    .ok_or_else(|| self.at(code_raw, ZoneErrorKind::UnknownAirport))?;
                Shape::Circle(Circle {
                    centre: airport.position,
                    radius_m: self.radius(&props, raw)?,
                })
            }
        };
        Ok(Zone {
            id,
            name,
            shape,
            floor_ft,
            ceiling_ft,
            properties: ZoneProperties {
                source: self.string(&props, "source")?,
                approximate,
                note: self.string(&props, "note")?,
            },
        })
    }

    fn geometry(
        &self,
        raw: &'a RawValue,
        props: &Object<'a>,
        feature_raw: &RawValue,
    ) -> Result<Shape, ZoneError> {
        let g = self.object(raw, ZoneErrorKind::UnsupportedGeometry)?;
        let kind: String = match g.get("type") {
            Some(t) => self.parse(t, ZoneErrorKind::UnsupportedGeometry)?,
            None => return Err(self.at(raw, ZoneErrorKind::UnsupportedGeometry)),
        };
        let coords = match g.get("coordinates") {
            Some(c) => *c,
            None => return Err(self.at(raw, ZoneErrorKind::BadCoordinates)),
        };
        match kind.as_str() {
            "Polygon" => Ok(Shape::Polygon(self.polygon(coords)?)),
            "MultiPolygon" => {
                let polys: Vec<&RawValue> = self.parse(coords, ZoneErrorKind::BadCoordinates)?;
                if polys.is_empty() {
                    return Err(self.at(coords, ZoneErrorKind::BadCoordinates));
                }
                let polygons = polys.iter().map(|p| self.polygon(p)).collect::<Result<_, _>>()?;
                Ok(Shape::MultiPolygon(MultiPolygon { polygons }))
            }
            "Point" => {
                let centre = self.position(coords)?;
                Ok(Shape::Circle(Circle {
                    centre,
                    radius_m: self.radius(props, feature_raw)?,
                }))
            }
            _ => Err(self.at(g["type"], ZoneErrorKind::UnsupportedGeometry)),
        }
    }
}

/// Parses a GeoJSON FeatureCollection of zones.
pub fn load_geojson(text: &str) -> Result<Vec<Zone>, ZoneError> {
    let mut cur = Cursor::new(text);
    let top: Object<'_> = serde_json::from_str(text).map_err(|e| {
        let kind = if e.is_data() {
            ZoneErrorKind::NotFeatureCollection
        } else {
            ZoneErrorKind::Syntax
        };
        ZoneError {
            line: u32::try_from(e.line().max(1)).unwrap_or(u32::MAX),
            column: u32::try_from(e.column().max(1)).unwrap_or(u32::MAX),
            feature: None,
            kind,
        }
    })?;
    let is_collection = match top.get("type") {
        Some(t) => serde_json::from_str::<String>(t.get()).ok().as_deref() == Some("FeatureCollection"),
        None => false,
    };
    let Some(features_raw) = top.get("features").filter(|_| is_collection) else {
        return Err(cur.at_offset(
            text.len() - text.trim_start().len(),
            ZoneErrorKind::NotFeatureCollection,
        ));
    };
    let features: Vec<&RawValue> = cur.parse(features_raw, ZoneErrorKind::NotFeatureCollection)?;
    let mut zones: Vec<Zone> = Vec::with_capacity(features.len());
    for (i, raw) in features.iter().enumerate() {
        cur.feature = Some(u32::try_from(i).unwrap_or(u32::MAX));
        let zone = cur.feature(raw, i)?;
        if zones.iter().any(|z| z.id == zone.id) {
            return Err(cur.at(raw, ZoneErrorKind::DuplicateId));
        }
        zones.push(zone);
    }
    Ok(zones)
}

/// The built-in identification zones: `us_contiguous_adiz` (14 CFR 99.43), `alaska_adiz`
/// (14 CFR 99.45) and `cadiz` (Canadian ADIZ). All are documented approximations; read
/// each zone's `properties.note`.
pub fn builtin_zones() -> &'static [Zone] {
    static ZONES: OnceLock<Vec<Zone>> = OnceLock::new();
    // The embedded file is checked by the tests; an error here would be a build defect,
    // and an empty set is the safe answer for a running monitor.
    ZONES.get_or_init(|| load_geojson(BUILTIN_GEOJSON).unwrap_or_default())
}

/// The built-in zone with this id.
pub fn builtin_zone(id: &str) -> Option<&'static Zone> {
    builtin_zones().iter().find(|z| z.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_documentation_lists_every_property_and_its_example_loads() {
        // The doc is part of the repository: missing, the test fails rather than passes.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/zones.md");
        let doc = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for p in [
            "id",
            "name",
            "floor_ft",
            "ceiling_ft",
            "radius_m",
            "radius_nm",
            "airport",
            "source",
            "approximate",
            "note",
        ] {
            assert!(
                doc.contains(&format!("| `{p}` |")),
                "docs/zones.md does not list `{p}`"
            );
        }
        let example = doc
            .split("```json\n")
            .nth(1)
            .and_then(|b| b.split("```").next())
            .expect("docs/zones.md has a JSON example");
        let zones = load_geojson(example).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(zones.len(), 2);
        assert_eq!(
            (zones[1].floor_ft, zones[1].ceiling_ft),
            (Some(1000), Some(25000))
        );
        assert!(zones[1].properties.approximate);
    }

    #[test]
    fn builtin_file_loads() {
        let zones = load_geojson(BUILTIN_GEOJSON).unwrap();
        let ids: Vec<&str> = zones.iter().map(|z| z.id.as_str()).collect();
        assert_eq!(ids, ["alaska_adiz", "us_contiguous_adiz", "cadiz"]);
        assert_eq!(builtin_zones().len(), 3);
        for z in builtin_zones() {
            assert!(z.properties.approximate, "{}", z.id);
            assert!(z
                .properties
                .note
                .as_deref()
                .is_some_and(|n| n.contains("Approximation")));
            assert!(z.properties.source.is_some());
            assert_eq!((z.floor_ft, z.ceiling_ft), (None, None));
        }
    }

    #[test]
    fn alaska_adiz_geography() {
        let z = builtin_zone("alaska_adiz").unwrap();
        let inside = |lat, lon| z.contains(LatLon::new(lat, lon), Some(30_000));
        // Over the sea off every coast, including both sides of the antimeridian.
        assert!(inside(72.0, -157.0), "north of Utqiagvik");
        assert!(inside(68.5, -168.0), "Chukchi Sea");
        assert!(inside(62.0, -172.0), "Bering Sea");
        assert!(inside(52.5, -176.0), "Adak");
        assert!(inside(52.8, 173.2), "Attu, east longitude");
        assert!(
            inside(51.0, 179.9) && inside(51.0, -179.9),
            "antimeridian south of the Aleutians"
        );
        assert!(inside(57.5, -152.5), "Kodiak");
        assert!(inside(57.0, -142.0), "Gulf of Alaska");
        // Outside: Russia, the high Arctic, the Pacific, interior Alaska, Canada.
        assert!(!inside(64.7, 177.5), "Anadyr");
        assert!(!inside(66.0, -171.0), "Chukotka side of the Bering Strait");
        assert!(!inside(76.0, -160.0), "polar sea north of the zone");
        assert!(!inside(45.0, -160.0), "North Pacific");
        assert!(!inside(64.84, -147.72), "Fairbanks");
        assert!(!inside(61.17, -149.99), "Anchorage");
        assert!(!inside(60.7, -135.1), "Whitehorse");
    }

    #[test]
    fn bombers_from_the_north_cross_the_alaska_boundary() {
        // A straight run from the polar sea toward Utqiagvik crosses from outside to inside
        // exactly once, and the signed distance changes sign where containment does.
        let z = builtin_zone("alaska_adiz").unwrap();
        let start = LatLon::new(78.0, -158.0);
        let goal = LatLon::new(71.3, -156.8);
        let total = start.distance_m(goal);
        let bearing = start.bearing_to(goal);
        let mut transitions = 0;
        let mut prev = z.contains(start, Some(33_000));
        assert!(!prev);
        for k in 1..=200 {
            let p = start.destination(bearing, total * f64::from(k) / 200.0 * 0.97);
            let now = z.contains(p, Some(33_000));
            if now != prev {
                transitions += 1;
            }
            assert_eq!(now, z.signed_distance_m(p) < 0.0, "{p:?}");
            prev = now;
        }
        assert!(prev);
        assert_eq!(transitions, 1);
    }

    #[test]
    fn contiguous_and_canadian_zones() {
        let us = builtin_zone("us_contiguous_adiz").unwrap();
        let ca = builtin_zone("cadiz").unwrap();
        let at = |z: &Zone, lat, lon| z.contains(LatLon::new(lat, lon), None);
        assert!(at(us, 38.0, -72.0), "off New Jersey");
        assert!(at(us, 27.0, -90.0), "Gulf of Mexico");
        assert!(at(us, 40.0, -126.0), "off California");
        assert!(!at(us, 39.0, -98.0), "Kansas");
        assert!(!at(us, 35.0, -50.0), "mid Atlantic");
        assert!(at(ca, 75.0, -95.0), "Arctic Archipelago");
        assert!(at(ca, 52.0, -51.0), "off Newfoundland");
        assert!(at(ca, 52.0, -133.8), "off Haida Gwaii");
        assert!(!at(ca, 54.4, -110.3), "Cold Lake");
        assert!(!at(ca, 76.5, -68.7), "Thule is Greenland");
    }

    #[test]
    fn circles_points_and_altitude_bands() {
        let text = r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": 7, "properties": {"name": "Maiquetia low", "radius_nm": 10,
             "ceiling_ft": 5000, "approximate": false, "source": "test"},
             "geometry": {"type": "Point", "coordinates": [-66.99, 10.60]}},
            {"type": "Feature", "properties": {"id": "box", "floor_ft": 1000},
             "geometry": {"type": "MultiPolygon", "coordinates": [[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}}
        ]}"#;
        let zones = load_geojson(text).unwrap();
        let svmi = &zones[0];
        assert_eq!(svmi.id, "7");
        assert_eq!(svmi.name, "Maiquetia low");
        assert_eq!(svmi.properties.source.as_deref(), Some("test"));
        let near = LatLon::new(10.60, -66.99).destination(90.0, 9.0 * METRES_PER_NM);
        let far = LatLon::new(10.60, -66.99).destination(90.0, 11.0 * METRES_PER_NM);
        assert!(svmi.contains(near, Some(4_000)));
        assert!(svmi.contains(near, Some(5_000)));
        assert!(!svmi.contains(near, Some(5_100)));
        assert!(
            !svmi.contains(near, None),
            "unknown altitude is not inside a banded zone"
        );
        assert!(!svmi.contains(far, Some(1_000)));
        let b = &zones[1];
        assert_eq!((b.id.as_str(), b.name.as_str()), ("box", "box"));
        assert!(b.contains(LatLon::new(0.5, 0.5), Some(1_000)));
        assert!(!b.contains(LatLon::new(0.5, 0.5), Some(999)));
    }

    fn err(text: &str) -> ZoneError {
        load_geojson(text).unwrap_err()
    }

    #[test]
    fn errors_give_line_and_reason() {
        let e = err("{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\"\n");
        assert_eq!(e.kind, ZoneErrorKind::Syntax);
        assert_eq!(e.line, 4);

        let e = err("[1, 2]");
        assert_eq!(e.kind, ZoneErrorKind::NotFeatureCollection);

        let e = err("{\"type\": \"Feature\", \"features\": []}");
        assert_eq!(e.kind, ZoneErrorKind::NotFeatureCollection);

        let text = "{\"type\": \"FeatureCollection\", \"features\": [\n\
            {\"type\": \"Feature\", \"properties\": {}, \"geometry\": {\"type\": \"Polygon\", \"coordinates\":\n\
              [[[0, 0], [1, 0],\n\
              [1, 1], [1, 95], [0, 0]]]}}]}";
        let e = err(text);
        assert_eq!(e.kind, ZoneErrorKind::CoordinateOutOfRange);
        assert_eq!((e.line, e.column, e.feature), (4, 9, Some(0)));
        assert_eq!(
            e.to_string(),
            format!("line 4, column 9: feature 0: {}", e.kind.as_str())
        );

        let text = "{\"type\": \"FeatureCollection\", \"features\": [\n\
            {\"type\": \"Feature\", \"properties\": {\"id\": \"a\", \"radius_m\": 5}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [0, 0]}},\n\
            {\"type\": \"Feature\", \"properties\": {\"id\": \"a\", \"radius_m\": 5}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [0, 0]}}]}";
        let e = err(text);
        assert_eq!(
            (e.kind, e.line, e.column, e.feature),
            (ZoneErrorKind::DuplicateId, 3, 1, Some(1))
        );
    }

    #[test]
    fn each_error_kind_is_reachable() {
        let wrap = |feature: &str| format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{feature}]}}");
        let cases = [
            ("{\"type\":\"Feature\",\"properties\":{}}", ZoneErrorKind::MissingGeometry),
            ("{\"type\":\"Foo\"}", ZoneErrorKind::NotFeature),
            ("3", ZoneErrorKind::NotFeature),
            (
                "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}}",
                ZoneErrorKind::UnsupportedGeometry,
            ),
            ("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[0,0]]}}", ZoneErrorKind::BadCoordinates),
            (
                "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[0,0]]]}}",
                ZoneErrorKind::RingTooShort,
            ),
            ("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}", ZoneErrorKind::MissingRadius),
            (
                "{\"type\":\"Feature\",\"properties\":{\"radius_m\":-4},\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}",
                ZoneErrorKind::BadRadius,
            ),
            (
                "{\"type\":\"Feature\",\"properties\":{\"radius_m\":4,\"floor_ft\":\"low\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}",
                ZoneErrorKind::BadAltitude,
            ),
            (
                "{\"type\":\"Feature\",\"properties\":{\"radius_m\":4,\"floor_ft\":900,\"ceiling_ft\":800},\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}",
                ZoneErrorKind::BadAltitude,
            ),
            (
                "{\"type\":\"Feature\",\"properties\":{\"radius_m\":4,\"name\":12},\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}",
                ZoneErrorKind::BadProperty,
            ),
            (
                "{\"type\":\"Feature\",\"properties\":{\"radius_m\":4,\"airport\":\"XXXXNOPE\"},\"geometry\":null}",
                ZoneErrorKind::UnknownAirport,
            ),
        ];
        for (feature, kind) in cases {
            let e = err(&wrap(feature));
            assert_eq!(e.kind, kind, "{feature}");
            assert_eq!((e.line, e.feature), (2, Some(0)), "{feature}");
        }
    }
}
