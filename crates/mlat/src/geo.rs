//! WGS-84 geodesy for multilateration: geodetic ↔ ECEF and local east-north-up axes.

/// Speed of light in vacuum, m/s (the troposphere's few metres of extra delay are ignored).
pub const C: f64 = 299_792_458.0;
/// WGS-84 semi-major axis, m.
const A: f64 = 6_378_137.0;
/// WGS-84 flattening.
const F: f64 = 1.0 / 298.257_223_563;
/// First eccentricity squared.
const E2: f64 = F * (2.0 - F);
/// Semi-minor axis, m.
const B: f64 = A * (1.0 - F);
/// Second eccentricity squared.
const EP2: f64 = (A * A - B * B) / (B * B);

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
