//! Geodesy on a spherical Earth: distances, bearings, destination points, cross-track
//! distances, a local flat-earth frame, and lat/lon polygons and circles.
//!
//! All angles are degrees, all distances metres unless a name says otherwise (`_nm`).
//! The sphere has the IUGG mean radius; for the distances picket cares about (a few
//! hundred kilometres of radio horizon) the spherical model is within 0.5 % of the
//! ellipsoid, far below the position noise of the data.
//!
//! Polygon edges are straight lines in longitude/latitude coordinates, as in GeoJSON
//! (RFC 7946 section 3.1.1), not great circles. Containment and boundary distance use the
//! same convention, so a zone's hysteresis band and its inside test always agree.
//!
//! ```
//! use picket_world::geo::LatLon;
//! let a = LatLon::new(0.0, 0.0);
//! let b = a.destination(90.0, 100_000.0);
//! assert!((a.distance_m(b) - 100_000.0).abs() < 1e-6);
//! assert!((a.bearing_to(b) - 90.0).abs() < 1e-9);
//! ```

/// Mean Earth radius in metres (IUGG R1).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Metres in one international nautical mile.
pub const METRES_PER_NM: f64 = 1852.0;
/// Metres in one international foot.
pub const METRES_PER_FOOT: f64 = 0.3048;

/// Converts nautical miles to metres.
pub fn nm_to_m(nm: f64) -> f64 {
    nm * METRES_PER_NM
}

/// Converts metres to nautical miles.
pub fn m_to_nm(m: f64) -> f64 {
    m / METRES_PER_NM
}

/// `x.rem_euclid(360.0)`, bit for bit, without the library remainder when `x` lies in
/// (-360, 360): the remainder is then `x` itself, exact, so the result is `x`, or `x + 360`
/// when `x` is negative (as `rem_euclid` computes it). Bearings and longitudes are nearly
/// always in that range.
#[inline]
fn rem_euclid_360(x: f64) -> f64 {
    if x > -360.0 && x < 360.0 {
        if x < 0.0 {
            x + 360.0
        } else {
            x
        }
    } else {
        x.rem_euclid(360.0)
    }
}

/// Normalises a bearing to [0, 360).
pub fn normalize_bearing(deg: f64) -> f64 {
    let b = rem_euclid_360(deg);
    // rem_euclid can round up to exactly 360.0 for tiny negative inputs.
    if b >= 360.0 {
        0.0
    } else {
        b
    }
}

/// Signed smallest difference `to - from` between two bearings, in (-180, 180].
///
/// Positive means `to` is clockwise (to the right) of `from`.
pub fn bearing_difference(from: f64, to: f64) -> f64 {
    let d = rem_euclid_360(to - from);
    if d > 180.0 {
        d - 360.0
    } else {
        d
    }
}

/// Normalises a longitude to [-180, 180).
pub fn normalize_lon(lon: f64) -> f64 {
    let l = rem_euclid_360(lon + 180.0) - 180.0;
    if l >= 180.0 {
        -180.0
    } else {
        l
    }
}

/// Whether `p` lies in the box `[west, south, east, north]` (degrees, edges included; the
/// GeoJSON bbox order, as map clients send it). A box whose west edge is east of its east
/// edge crosses the antimeridian: it holds the longitudes from `west` to 180 and from -180
/// to `east`.
pub fn in_box(p: LatLon, [west, south, east, north]: [f64; 4]) -> bool {
    let in_lon = if west <= east {
        p.lon >= west && p.lon <= east
    } else {
        p.lon >= west || p.lon <= east
    };
    in_lon && p.lat >= south && p.lat <= north
}

/// A position in degrees of latitude (north positive) and longitude (east positive).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LatLon {
    /// Latitude in degrees, -90..=90.
    pub lat: f64,
    /// Longitude in degrees, -180..=180.
    pub lon: f64,
}

impl LatLon {
    /// Makes a position from latitude and longitude in degrees.
    pub const fn new(lat: f64, lon: f64) -> Self {
        LatLon { lat, lon }
    }

    /// True when both values are finite and in range.
    pub fn is_valid(self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }

    /// Central angle to `other` in radians (haversine, stable for small distances).
    pub fn central_angle(self, other: LatLon) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * h.sqrt().min(1.0).asin()
    }

    /// Great-circle distance to `other` in metres.
    pub fn distance_m(self, other: LatLon) -> f64 {
        self.central_angle(other) * EARTH_RADIUS_M
    }

    /// Great-circle distance to `other` in nautical miles.
    pub fn distance_nm(self, other: LatLon) -> f64 {
        m_to_nm(self.distance_m(other))
    }

    /// Initial great-circle bearing (true, degrees in [0, 360)) from here to `other`.
    pub fn bearing_to(self, other: LatLon) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dl = (other.lon - self.lon).to_radians();
        let y = dl.sin() * p2.cos();
        let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
        normalize_bearing(y.atan2(x).to_degrees())
    }

    /// The point reached by following a great circle from here for `distance_m` metres
    /// on the initial true bearing `bearing_deg`.
    pub fn destination(self, bearing_deg: f64, distance_m: f64) -> LatLon {
        let d = distance_m / EARTH_RADIUS_M;
        let t = bearing_deg.to_radians();
        let p1 = self.lat.to_radians();
        let l1 = self.lon.to_radians();
        let sin_p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * t.cos()).clamp(-1.0, 1.0);
        let p2 = sin_p2.asin();
        let l2 = l1 + (t.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * sin_p2);
        LatLon::new(p2.to_degrees(), normalize_lon(l2.to_degrees()))
    }

    /// Signed distance in metres from here to the great circle through `start` and `end`:
    /// positive when this point is to the right of the path from `start` towards `end`.
    pub fn cross_track_m(self, start: LatLon, end: LatLon) -> f64 {
        let d13 = start.central_angle(self);
        let t13 = start.bearing_to(self).to_radians();
        let t12 = start.bearing_to(end).to_radians();
        (d13.sin() * (t13 - t12).sin()).clamp(-1.0, 1.0).asin() * EARTH_RADIUS_M
    }

    /// Distance in metres from `start` along the great circle towards `end` to the point
    /// on it closest to here; negative when that point lies behind `start`.
    pub fn along_track_m(self, start: LatLon, end: LatLon) -> f64 {
        let d13 = start.central_angle(self);
        let dxt = self.cross_track_m(start, end) / EARTH_RADIUS_M;
        let t13 = start.bearing_to(self).to_radians();
        let t12 = start.bearing_to(end).to_radians();
        let cos_dxt = dxt.cos();
        let along = if cos_dxt.abs() < 1e-15 {
            0.0
        } else {
            (d13.cos() / cos_dxt).clamp(-1.0, 1.0).acos()
        };
        // acos loses the sign: the point is behind `start` when it lies more than 90
        // degrees off the path's initial bearing.
        along * (t13 - t12).cos().signum() * EARTH_RADIUS_M
    }

    /// Fast approximate distance in metres (equirectangular); good to about 0.1 % below
    /// 100 km away from the poles, and much cheaper than [`LatLon::distance_m`].
    pub fn fast_distance_m(self, other: LatLon) -> f64 {
        let (x, y) = LocalFrame::new(self).to_xy(other);
        x.hypot(y)
    }
}

/// A local flat-earth (equirectangular) frame around an origin, for short distances.
///
/// `x` is metres east and `y` metres north of the origin. Longitude differences are
/// taken the short way round, so the frame works across the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    origin: LatLon,
    metres_per_deg_lat: f64,
    metres_per_deg_lon: f64,
}

impl LocalFrame {
    /// Makes a frame centred on `origin`.
    pub fn new(origin: LatLon) -> Self {
        let metres_per_deg_lat = EARTH_RADIUS_M.to_radians();
        LocalFrame {
            origin,
            metres_per_deg_lat,
            metres_per_deg_lon: metres_per_deg_lat * origin.lat.to_radians().cos(),
        }
    }

    /// The frame's origin.
    pub fn origin(&self) -> LatLon {
        self.origin
    }

    /// Position of `p` in metres (east, north) from the origin.
    pub fn to_xy(&self, p: LatLon) -> (f64, f64) {
        let dlon = bearing_difference(self.origin.lon, p.lon);
        (
            dlon * self.metres_per_deg_lon,
            (p.lat - self.origin.lat) * self.metres_per_deg_lat,
        )
    }

    /// The position `x` metres east and `y` metres north of the origin.
    pub fn from_xy(&self, x: f64, y: f64) -> LatLon {
        let lon = if self.metres_per_deg_lon.abs() < 1e-9 {
            self.origin.lon
        } else {
            self.origin.lon + x / self.metres_per_deg_lon
        };
        LatLon::new(self.origin.lat + y / self.metres_per_deg_lat, normalize_lon(lon))
    }
}

/// Distance from (px, py) to the segment (ax, ay)-(bx, by) in the same planar units.
fn point_segment_distance(px: f64, py: f64, ax: f64, ay: f64, bx: f64, by: f64) -> f64 {
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (px - (ax + t * dx)).hypot(py - (ay + t * dy))
}

/// A closed ring of vertices (first vertex not repeated at the end), with longitudes
/// unwrapped so that consecutive vertices never differ by more than 180 degrees.
///
/// Unwrapping makes a ring that crosses the antimeridian (e.g. Alaska's Aleutians) a
/// plain planar ring whose longitudes run past 180; points are shifted by a multiple of
/// 360 into the ring's longitude range before testing. Rings that enclose a pole are not
/// supported (none of picket's zones does).
#[derive(Debug, Clone, PartialEq)]
pub struct Ring {
    /// Vertices with unwrapped longitudes.
    points: Vec<LatLon>,
    min_lat: f64,
    max_lat: f64,
    min_lon: f64,
    max_lon: f64,
}

/// Why a ring or polygon could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GeometryError {
    /// A ring has fewer than three distinct vertices.
    TooFewVertices,
    /// A coordinate is not finite or out of range.
    InvalidCoordinate,
}

impl std::fmt::Display for GeometryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GeometryError::TooFewVertices => "a ring needs at least three distinct vertices",
            GeometryError::InvalidCoordinate => "a coordinate is not a finite latitude/longitude",
        })
    }
}

impl std::error::Error for GeometryError {}

impl Ring {
    /// Builds a ring from vertices; a closing vertex equal to the first is dropped.
    pub fn new(vertices: &[LatLon]) -> Result<Ring, GeometryError> {
        if vertices.iter().any(|p| !p.is_valid()) {
            return Err(GeometryError::InvalidCoordinate);
        }
        let mut v = vertices;
        if v.len() >= 2 && v[0] == v[v.len() - 1] {
            v = &v[..v.len() - 1];
        }
        if v.len() < 3 {
            return Err(GeometryError::TooFewVertices);
        }
        let mut points = Vec::with_capacity(v.len());
        let mut prev = v[0].lon;
        points.push(v[0]);
        for p in &v[1..] {
            let lon = prev + bearing_difference(prev, p.lon);
            points.push(LatLon::new(p.lat, lon));
            prev = lon;
        }
        let fold =
            |f: fn(f64, f64) -> f64, init: f64, g: fn(&LatLon) -> f64| points.iter().map(g).fold(init, f);
        Ok(Ring {
            min_lat: fold(f64::min, f64::INFINITY, |p| p.lat),
            max_lat: fold(f64::max, f64::NEG_INFINITY, |p| p.lat),
            min_lon: fold(f64::min, f64::INFINITY, |p| p.lon),
            max_lon: fold(f64::max, f64::NEG_INFINITY, |p| p.lon),
            points,
        })
    }

    /// The vertices, longitudes unwrapped (they may lie outside -180..180).
    pub fn vertices(&self) -> &[LatLon] {
        &self.points
    }

    /// Bounding box as (min_lat, min_lon, max_lat, max_lon), longitudes unwrapped.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        (self.min_lat, self.min_lon, self.max_lat, self.max_lon)
    }

    /// `lon` shifted by a multiple of 360 to lie nearest the ring's longitude centre.
    fn unwrap_lon(&self, lon: f64) -> f64 {
        let centre = (self.min_lon + self.max_lon) / 2.0;
        centre + bearing_difference(centre, lon)
    }

    /// True when `p` is inside the ring (even-odd rule; points exactly on an edge may
    /// go either way).
    pub fn contains(&self, p: LatLon) -> bool {
        if p.lat < self.min_lat || p.lat > self.max_lat {
            return false;
        }
        let x = self.unwrap_lon(p.lon);
        if x < self.min_lon || x > self.max_lon {
            return false;
        }
        let y = p.lat;
        let mut inside = false;
        let n = self.points.len();
        let mut j = n - 1;
        for i in 0..n {
            let (a, b) = (self.points[i], self.points[j]);
            if (a.lat > y) != (b.lat > y) {
                let xi = a.lon + (y - a.lat) / (b.lat - a.lat) * (b.lon - a.lon);
                if x < xi {
                    inside = !inside;
                }
            }
            j = i;
        }
        inside
    }

    /// Distance in metres from `p` to the nearest point of the ring's boundary.
    ///
    /// Measured in a local flat frame centred on `p`, exact for the nearby edges that
    /// matter for hysteresis and within a few percent for edges hundreds of km away.
    ///
    /// An edge whose bounding box lies farther than the nearest edge so far is not
    /// measured: it cannot be nearer (the margin covers the rounding of both), so the
    /// result is the minimum over every edge, bit for bit.
    pub fn boundary_distance_m(&self, p: LatLon) -> f64 {
        let x0 = self.unwrap_lon(p.lon);
        let frame = LocalFrame::new(LatLon::new(p.lat, 0.0));
        let xy = |v: &LatLon| {
            (
                (v.lon - x0) * frame.metres_per_deg_lon,
                (v.lat - p.lat) * frame.metres_per_deg_lat,
            )
        };
        let n = self.points.len();
        let mut best = f64::INFINITY;
        // The square of the distance beyond which an edge's box cannot hold a nearer point.
        let mut beyond2 = f64::INFINITY;
        let mut prev = xy(&self.points[n - 1]);
        for v in &self.points {
            let cur = xy(v);
            // Distance from (0, 0) to the edge's box, along each axis.
            let gx = prev.0.min(cur.0).max(-prev.0.max(cur.0)).max(0.0);
            let gy = prev.1.min(cur.1).max(-prev.1.max(cur.1)).max(0.0);
            if gx * gx + gy * gy <= beyond2 {
                let d = point_segment_distance(0.0, 0.0, prev.0, prev.1, cur.0, cur.1);
                if d < best {
                    best = d;
                    let m = best * (1.0 + 1e-9) + 1e-6;
                    beyond2 = m * m;
                }
            }
            prev = cur;
        }
        best
    }
}

/// A polygon: an exterior ring and zero or more holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    /// The outer boundary.
    pub exterior: Ring,
    /// Holes cut out of the exterior.
    pub holes: Vec<Ring>,
}

impl Polygon {
    /// Builds a polygon from an exterior ring and holes given as vertex lists.
    pub fn new(exterior: &[LatLon], holes: &[&[LatLon]]) -> Result<Polygon, GeometryError> {
        Ok(Polygon {
            exterior: Ring::new(exterior)?,
            holes: holes.iter().map(|h| Ring::new(h)).collect::<Result<_, _>>()?,
        })
    }

    /// True when `p` is inside the exterior and in no hole.
    pub fn contains(&self, p: LatLon) -> bool {
        self.exterior.contains(p) && !self.holes.iter().any(|h| h.contains(p))
    }

    /// Distance in metres from `p` to the nearest boundary (exterior or hole).
    pub fn boundary_distance_m(&self, p: LatLon) -> f64 {
        self.holes
            .iter()
            .map(|h| h.boundary_distance_m(p))
            .fold(self.exterior.boundary_distance_m(p), f64::min)
    }
}

/// A set of polygons, inside when inside any of them.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiPolygon {
    /// The member polygons.
    pub polygons: Vec<Polygon>,
}

impl MultiPolygon {
    /// True when `p` is inside any member polygon.
    pub fn contains(&self, p: LatLon) -> bool {
        self.polygons.iter().any(|poly| poly.contains(p))
    }

    /// Distance in metres from `p` to the nearest boundary of any member.
    pub fn boundary_distance_m(&self, p: LatLon) -> f64 {
        self.polygons
            .iter()
            .map(|poly| poly.boundary_distance_m(p))
            .fold(f64::INFINITY, f64::min)
    }
}

/// A circle on the sphere: all points within `radius_m` great-circle metres of `centre`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    /// Centre of the circle.
    pub centre: LatLon,
    /// Radius in metres.
    pub radius_m: f64,
}

impl Circle {
    /// True when `p` is within the radius.
    pub fn contains(&self, p: LatLon) -> bool {
        self.centre.distance_m(p) <= self.radius_m
    }

    /// Distance in metres from `p` to the circle's edge.
    pub fn boundary_distance_m(&self, p: LatLon) -> f64 {
        (self.centre.distance_m(p) - self.radius_m).abs()
    }
}

/// Any area a zone can have.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// One polygon with optional holes.
    Polygon(Polygon),
    /// Several polygons.
    MultiPolygon(MultiPolygon),
    /// A circle.
    Circle(Circle),
}

impl Shape {
    /// True when `p` is inside the area.
    pub fn contains(&self, p: LatLon) -> bool {
        match self {
            Shape::Polygon(s) => s.contains(p),
            Shape::MultiPolygon(s) => s.contains(p),
            Shape::Circle(s) => s.contains(p),
        }
    }

    /// Distance in metres from `p` to the area's boundary (never negative).
    pub fn boundary_distance_m(&self, p: LatLon) -> f64 {
        match self {
            Shape::Polygon(s) => s.boundary_distance_m(p),
            Shape::MultiPolygon(s) => s.boundary_distance_m(p),
            Shape::Circle(s) => s.boundary_distance_m(p),
        }
    }

    /// Signed distance to the boundary: negative inside, positive outside.
    ///
    /// Hysteresis reads naturally from it: enter when it drops below `-margin`, exit when
    /// it rises above `+margin`.
    pub fn signed_distance_m(&self, p: LatLon) -> f64 {
        let d = self.boundary_distance_m(p);
        if self.contains(p) {
            -d
        } else {
            d
        }
    }
}

/// WGS-84 geodesy: geodetic ↔ ECEF and local east-north-up axes (one copy for the
/// simulator and multilateration).
pub mod wgs84 {
    /// WGS-84 semi-major axis, m.
    pub const A: f64 = 6_378_137.0;
    /// WGS-84 flattening.
    pub const F: f64 = 1.0 / 298.257_223_563;
    /// First eccentricity squared.
    pub const E2: f64 = F * (2.0 - F);
    /// Semi-minor axis, m.
    pub const B: f64 = A * (1.0 - F);
    /// Second eccentricity squared.
    pub const EP2: f64 = (A * A - B * B) / (B * B);

    /// A point in Earth-centred, Earth-fixed coordinates, metres.
    pub type Ecef = [f64; 3];

    /// A geodetic position: latitude and longitude in degrees, height above the ellipsoid in m.
    #[derive(Debug, Clone, Copy, PartialEq, Default)]
    pub struct Geodetic {
        /// Latitude, degrees.
        pub lat: f64,
        /// Longitude, degrees.
        pub lon: f64,
        /// Height above the WGS-84 ellipsoid, metres.
        pub alt_m: f64,
    }

    impl Geodetic {
        /// A position from degrees and metres.
        pub const fn new(lat: f64, lon: f64, alt_m: f64) -> Geodetic {
            Geodetic { lat, lon, alt_m }
        }

        /// The position in ECEF.
        pub fn to_ecef(self) -> Ecef {
            let (sl, cl) = self.lat.to_radians().sin_cos();
            let (so, co) = self.lon.to_radians().sin_cos();
            let n = A / (1.0 - E2 * sl * sl).sqrt();
            [
                (n + self.alt_m) * cl * co,
                (n + self.alt_m) * cl * so,
                (n * (1.0 - E2) + self.alt_m) * sl,
            ]
        }

        /// A position from ECEF (Bowring's method, one iteration: millimetres at aircraft heights).
        pub fn from_ecef(p: Ecef) -> Geodetic {
            let [x, y, z] = p;
            let r = (x * x + y * y).sqrt();
            let theta = (z * A).atan2(r * B);
            let (st, ct) = theta.sin_cos();
            let lat = (z + EP2 * B * st * st * st).atan2(r - E2 * A * ct * ct * ct);
            let lon = y.atan2(x);
            let sl = lat.sin();
            let n = A / (1.0 - E2 * sl * sl).sqrt();
            let alt = if lat.cos().abs() > 1e-9 {
                r / lat.cos() - n
            } else {
                z.abs() - B
            };
            Geodetic {
                lat: lat.to_degrees(),
                lon: lon.to_degrees(),
                alt_m: alt,
            }
        }

        /// The unit vectors east, north and up at this position, in ECEF.
        pub fn enu_axes(self) -> [Ecef; 3] {
            let (sl, cl) = self.lat.to_radians().sin_cos();
            let (so, co) = self.lon.to_radians().sin_cos();
            [[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]]
        }
    }

    /// Distance between two ECEF points, m.
    #[inline]
    pub fn distance(a: &Ecef, b: &Ecef) -> f64 {
        let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        (dx * dx + dy * dy + dz * dz).sqrt()
    }

    /// Dot product.
    #[inline]
    pub fn dot(a: &Ecef, b: &Ecef) -> f64 {
        a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn ecef_round_trip_at_aircraft_heights() {
            for &(lat, lon, alt) in &[
                (0.0, 0.0, 0.0),
                (71.29, -156.77, 15.0),
                (-33.9, 151.2, 11_000.0),
                (89.9, 10.0, 10_000.0),
            ] {
                let g = Geodetic::new(lat, lon, alt);
                let back = Geodetic::from_ecef(g.to_ecef());
                assert!((back.lat - lat).abs() < 1e-8, "{back:?}");
                assert!((back.lon - lon).abs() < 1e-8, "{back:?}");
                assert!((back.alt_m - alt).abs() < 1e-3, "{back:?}");
            }
        }

        #[test]
        fn known_ecef_of_the_equator_and_pole() {
            let e = Geodetic::new(0.0, 90.0, 0.0).to_ecef();
            assert!(e[0].abs() < 1e-6 && (e[1] - A).abs() < 1e-6 && e[2].abs() < 1e-6);
            let p = Geodetic::new(90.0, 0.0, 0.0).to_ecef();
            assert!((p[2] - B).abs() < 1e-6);
        }

        #[test]
        fn up_axis_points_away_from_the_centre() {
            let g = Geodetic::new(64.5, -165.4, 0.0);
            let [e, n, u] = g.enu_axes();
            let p = g.to_ecef();
            let above = Geodetic::new(64.5, -165.4, 1000.0).to_ecef();
            let d = [above[0] - p[0], above[1] - p[1], above[2] - p[2]];
            assert!((dot(&d, &u) - 1000.0).abs() < 1e-6);
            assert!(dot(&e, &n).abs() < 1e-12 && dot(&e, &u).abs() < 1e-12);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ring's distance, which skips edges whose box is too far, is the minimum over
    /// every edge, bit for bit: rings of many shapes and sizes, points inside, outside,
    /// on and near the boundary, across the antimeridian.
    #[test]
    fn pruned_boundary_distance_is_the_minimum_over_every_edge() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut checked = 0;
        for _ in 0..300 {
            let centre = LatLon::new(-70.0 + 140.0 * next(), -180.0 + 360.0 * next());
            let radius = 1_000.0 + next() * 800_000.0;
            let n = 3 + (next() * 200.0) as usize;
            let pts: Vec<LatLon> = (0..n)
                .map(|k| {
                    let b = 360.0 * k as f64 / n as f64;
                    centre.destination(b, radius * (0.3 + 0.7 * next()))
                })
                .collect();
            let ring = Ring::new(&pts).unwrap();
            for k in 0..60 {
                let p = if k % 3 == 0 {
                    // On or next to a vertex or an edge.
                    let v = pts[(next() * n as f64) as usize % n];
                    v.destination(next() * 360.0, next() * 50.0 * f64::from(k % 2))
                } else {
                    centre.destination(next() * 360.0, radius * 2.0 * next())
                };
                let x0 = ring.unwrap_lon(p.lon);
                let frame = LocalFrame::new(LatLon::new(p.lat, 0.0));
                let xy = |v: &LatLon| {
                    (
                        (v.lon - x0) * frame.metres_per_deg_lon,
                        (v.lat - p.lat) * frame.metres_per_deg_lat,
                    )
                };
                let mut want = f64::INFINITY;
                let mut prev = xy(&ring.points[ring.points.len() - 1]);
                for v in &ring.points {
                    let cur = xy(v);
                    want = want.min(point_segment_distance(0.0, 0.0, prev.0, prev.1, cur.0, cur.1));
                    prev = cur;
                }
                assert_eq!(ring.boundary_distance_m(p).to_bits(), want.to_bits(), "{p:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 18_000);
    }

    /// The shortcut of `rem_euclid(360.0)` gives the library's bits for every input: the
    /// range's edges, signed zeros, tiny and huge values, non-finite ones and random ones.
    #[test]
    fn rem_euclid_360_is_rem_euclid() {
        let mut v = vec![
            0.0,
            -0.0,
            360.0,
            -360.0,
            359.999_999_999_999_94,
            -359.999_999_999_999_94,
            1e-300,
            -1e-300,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            -1e-17,
            720.0,
            -720.5,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut state = 0x853c_49e6_748f_ea9bu64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            v.push((u - 0.5) * 1_500.0);
            v.push(f64::from_bits(state));
        }
        for x in v {
            assert_eq!(
                rem_euclid_360(x).to_bits(),
                x.rem_euclid(360.0).to_bits(),
                "{x:e}"
            );
        }
    }

    #[test]
    fn in_box_takes_edges_and_boxes_across_the_antimeridian() {
        let b = [-10.0, 40.0, 5.0, 50.0];
        assert!(in_box(LatLon::new(45.0, 0.0), b));
        assert!(in_box(LatLon::new(40.0, -10.0), b), "edges are inside");
        assert!(in_box(LatLon::new(50.0, 5.0), b));
        assert!(!in_box(LatLon::new(39.99, 0.0), b));
        assert!(!in_box(LatLon::new(45.0, 5.01), b));
        // West 170, east -170: the 20 degrees around 180.
        let across = [170.0, -10.0, -170.0, 10.0];
        assert!(in_box(LatLon::new(0.0, 179.0), across));
        assert!(in_box(LatLon::new(0.0, -179.0), across));
        assert!(in_box(LatLon::new(0.0, 180.0), across));
        assert!(!in_box(LatLon::new(0.0, 0.0), across));
        assert!(!in_box(LatLon::new(0.0, 169.0), across));
        // Not a number is nowhere.
        assert!(!in_box(LatLon::new(f64::NAN, 0.0), b));
        assert!(!in_box(LatLon::new(45.0, f64::NAN), b));
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn one_degree_of_meridian_is_r_times_pi_over_180() {
        let d = LatLon::new(0.0, 0.0).distance_m(LatLon::new(1.0, 0.0));
        assert!(close(d, 111_195.08, 0.01), "{d}");
        // 60 NM per degree of arc is the classical definition the sphere nearly matches.
        let nm = LatLon::new(10.0, 20.0).distance_nm(LatLon::new(11.0, 20.0));
        assert!(close(nm, 60.04, 0.01), "{nm}");
    }

    #[test]
    fn known_city_pair_distance_and_bearing() {
        // JFK (40.6398 N, 73.7789 W) to LHR (51.4700 N, 0.4543 W) on the mean-radius
        // sphere: 5,540.18 km, initial bearing 51.35 degrees, reverse 287.94 (computed
        // independently with the spherical law of cosines rather than the haversine).
        let jfk = LatLon::new(40.6398, -73.7789);
        let lhr = LatLon::new(51.4700, -0.4543);
        assert!(
            close(jfk.distance_m(lhr), 5_540_175.9, 1.0),
            "{}",
            jfk.distance_m(lhr)
        );
        assert!(
            close(jfk.bearing_to(lhr), 51.3513, 1e-3),
            "{}",
            jfk.bearing_to(lhr)
        );
        // The reverse bearing is not the reciprocal on a great circle.
        assert!(
            close(lhr.bearing_to(jfk), 287.9422, 1e-3),
            "{}",
            lhr.bearing_to(jfk)
        );
    }

    #[test]
    fn cardinal_bearings() {
        let o = LatLon::new(0.0, 0.0);
        assert!(close(o.bearing_to(LatLon::new(1.0, 0.0)), 0.0, 1e-9));
        assert!(close(o.bearing_to(LatLon::new(0.0, 1.0)), 90.0, 1e-9));
        assert!(close(o.bearing_to(LatLon::new(-1.0, 0.0)), 180.0, 1e-9));
        assert!(close(o.bearing_to(LatLon::new(0.0, -1.0)), 270.0, 1e-9));
        // Across the antimeridian: from 179E to 179W is east.
        assert!(close(
            LatLon::new(0.0, 179.0).bearing_to(LatLon::new(0.0, -179.0)),
            90.0,
            1e-9
        ));
    }

    #[test]
    fn destination_round_trips_and_wraps() {
        let quarter = std::f64::consts::FRAC_PI_2 * EARTH_RADIUS_M;
        let p = LatLon::new(0.0, 0.0).destination(90.0, quarter);
        assert!(close(p.lat, 0.0, 1e-9) && close(p.lon, 90.0, 1e-9), "{p:?}");
        let q = LatLon::new(0.0, 179.5).destination(90.0, nm_to_m(60.0));
        assert!(q.lon < -179.0 && q.lon > -180.0, "{q:?}");
        let start = LatLon::new(64.5, -165.4); // near Nome
        for bearing in [0.0, 37.0, 123.0, 250.0, 359.0] {
            let end = start.destination(bearing, 250_000.0);
            assert!(close(start.distance_m(end), 250_000.0, 1e-3));
            assert!(close(
                bearing_difference(bearing, start.bearing_to(end)),
                0.0,
                1e-7
            ));
        }
    }

    #[test]
    fn cross_and_along_track() {
        let a = LatLon::new(0.0, 0.0);
        let b = LatLon::new(0.0, 10.0);
        // North of an eastbound path is left: negative.
        let p = LatLon::new(1.0, 5.0);
        assert!(
            close(p.cross_track_m(a, b), -111_195.08, 0.5),
            "{}",
            p.cross_track_m(a, b)
        );
        assert!(close(LatLon::new(-1.0, 5.0).cross_track_m(a, b), 111_195.08, 0.5));
        let at = p.along_track_m(a, b);
        assert!(close(at, 5.0 * 111_195.08, 200.0), "{at}");
        // Behind the start point.
        assert!(LatLon::new(0.2, -2.0).along_track_m(a, b) < -200_000.0);
    }

    #[test]
    fn bearing_normalisation() {
        assert_eq!(normalize_bearing(-90.0), 270.0);
        assert_eq!(normalize_bearing(720.0), 0.0);
        assert_eq!(normalize_bearing(-1e-17), 0.0);
        assert_eq!(bearing_difference(350.0, 10.0), 20.0);
        assert_eq!(bearing_difference(10.0, 350.0), -20.0);
        assert_eq!(bearing_difference(0.0, 180.0), 180.0);
        assert_eq!(bearing_difference(90.0, 270.0), 180.0);
        assert_eq!(normalize_lon(190.0), -170.0);
        assert_eq!(normalize_lon(-180.0), -180.0);
        assert_eq!(normalize_lon(180.0), -180.0);
    }

    #[test]
    fn local_frame_matches_great_circle_for_short_distances() {
        let o = LatLon::new(61.25, -149.8);
        let f = LocalFrame::new(o);
        for (b, d) in [(0.0, 10_000.0), (45.0, 30_000.0), (200.0, 50_000.0)] {
            let p = o.destination(b, d);
            let (x, y) = f.to_xy(p);
            assert!(close(x.hypot(y), d, d * 0.002), "{b} {d} {x} {y}");
            let back = f.from_xy(x, y);
            assert!(close(back.lat, p.lat, 1e-9) && close(back.lon, p.lon, 1e-9));
            assert!(close(o.fast_distance_m(p), o.distance_m(p), d * 0.002));
        }
        // Across the antimeridian the short way round.
        let g = LocalFrame::new(LatLon::new(52.0, 179.9));
        let (x, _) = g.to_xy(LatLon::new(52.0, -179.9));
        assert!(close(x, 0.2 * 111_195.08 * 52f64.to_radians().cos(), 1.0), "{x}");
    }

    fn square(lat0: f64, lon0: f64, size: f64) -> Vec<LatLon> {
        vec![
            LatLon::new(lat0, lon0),
            LatLon::new(lat0, lon0 + size),
            LatLon::new(lat0 + size, lon0 + size),
            LatLon::new(lat0 + size, lon0),
            LatLon::new(lat0, lon0),
        ]
    }

    #[test]
    fn point_in_polygon_with_hole() {
        let outer = square(0.0, 0.0, 10.0);
        let hole = square(4.0, 4.0, 2.0);
        let poly = Polygon::new(&outer, &[&hole]).unwrap();
        assert!(poly.contains(LatLon::new(1.0, 1.0)));
        assert!(!poly.contains(LatLon::new(5.0, 5.0)));
        assert!(!poly.contains(LatLon::new(11.0, 5.0)));
        assert!(!poly.contains(LatLon::new(5.0, -0.1)));
        // Closing vertex dropped.
        assert_eq!(poly.exterior.vertices().len(), 4);
        // Boundary distance: to the hole's edge from its centre is 1 degree of latitude
        // at most, to the nearest vertical edge 1 degree of longitude at 5N.
        let d = poly.boundary_distance_m(LatLon::new(5.0, 5.0));
        assert!(close(d, 111_195.08 * 5f64.to_radians().cos(), 5.0), "{d}");
        let shape = Shape::Polygon(poly);
        assert!(shape.signed_distance_m(LatLon::new(1.0, 1.0)) < 0.0);
        assert!(shape.signed_distance_m(LatLon::new(5.0, 5.0)) > 0.0);
    }

    #[test]
    fn polygon_across_antimeridian() {
        // A box from 170E to 170W (20 degrees wide across 180).
        let ring = [
            LatLon::new(50.0, 170.0),
            LatLon::new(50.0, -170.0),
            LatLon::new(60.0, -170.0),
            LatLon::new(60.0, 170.0),
        ];
        let poly = Polygon::new(&ring, &[]).unwrap();
        assert!(poly.contains(LatLon::new(55.0, 180.0)));
        assert!(poly.contains(LatLon::new(55.0, -180.0)));
        assert!(poly.contains(LatLon::new(55.0, 175.0)));
        assert!(poly.contains(LatLon::new(55.0, -175.0)));
        assert!(!poly.contains(LatLon::new(55.0, 0.0)));
        assert!(!poly.contains(LatLon::new(55.0, 160.0)));
        assert!(!poly.contains(LatLon::new(55.0, -160.0)));
        let d = poly.boundary_distance_m(LatLon::new(55.0, -171.0));
        assert!(close(d, 111_195.08 * 55f64.to_radians().cos(), 50.0), "{d}");
        let d = poly.boundary_distance_m(LatLon::new(55.0, -169.0));
        assert!(close(d, 111_195.08 * 55f64.to_radians().cos(), 50.0), "{d}");
    }

    #[test]
    fn multipolygon_and_circle() {
        let a = Polygon::new(&square(0.0, 0.0, 1.0), &[]).unwrap();
        let b = Polygon::new(&square(0.0, 5.0, 1.0), &[]).unwrap();
        let m = MultiPolygon { polygons: vec![a, b] };
        assert!(m.contains(LatLon::new(0.5, 0.5)));
        assert!(m.contains(LatLon::new(0.5, 5.5)));
        assert!(!m.contains(LatLon::new(0.5, 3.0)));
        let d = m.boundary_distance_m(LatLon::new(0.5, 3.0));
        assert!(close(d, 2.0 * 111_195.08, 100.0), "{d}");

        let c = Circle {
            centre: LatLon::new(10.6, -67.0),
            radius_m: 10_000.0,
        };
        assert!(c.contains(c.centre.destination(33.0, 9_999.0)));
        assert!(!c.contains(c.centre.destination(33.0, 10_001.0)));
        assert!(close(
            c.boundary_distance_m(c.centre.destination(100.0, 12_000.0)),
            2_000.0,
            1e-3
        ));
        assert!(close(
            Shape::Circle(c).signed_distance_m(c.centre),
            -10_000.0,
            1e-9
        ));
    }

    #[test]
    fn ring_errors() {
        assert_eq!(
            Ring::new(&[
                LatLon::new(0.0, 0.0),
                LatLon::new(1.0, 1.0),
                LatLon::new(0.0, 0.0)
            ]),
            Err(GeometryError::TooFewVertices)
        );
        assert_eq!(
            Ring::new(&[
                LatLon::new(0.0, 0.0),
                LatLon::new(91.0, 1.0),
                LatLon::new(0.0, 1.0)
            ]),
            Err(GeometryError::InvalidCoordinate)
        );
        assert_eq!(
            Ring::new(&[
                LatLon::new(f64::NAN, 0.0),
                LatLon::new(1.0, 1.0),
                LatLon::new(0.0, 1.0)
            ]),
            Err(GeometryError::InvalidCoordinate)
        );
    }
}
