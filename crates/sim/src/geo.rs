//! Navigation helpers for the kinematic model, on top of `picket_world::geo`.
//!
//! The simulator flies aircraft on the same sphere the rest of picket measures on, so the
//! ground truth and the detectors agree on every distance.

use picket_world::geo::wgs84::{self, Geodetic};
pub use picket_world::geo::LatLon;
use picket_world::geo::EARTH_RADIUS_M;

/// Metres per nautical mile.
pub const NM: f64 = picket_world::geo::METRES_PER_NM;
/// Metres per foot.
pub const FT: f64 = picket_world::geo::METRES_PER_FOOT;
/// Metres per second per knot.
pub const KT: f64 = NM / 3600.0;
/// Standard gravity, m/s².
pub const G: f64 = 9.80665;
/// Speed of light in vacuum, m/s (propagation delay to receivers).
pub const C: f64 = 299_792_458.0;

/// Normalises an angle in degrees to [0, 360).
pub fn norm360(deg: f64) -> f64 {
    picket_world::geo::normalize_bearing(deg)
}

/// Normalises an angle difference in degrees to [-180, 180).
pub fn norm180(deg: f64) -> f64 {
    (deg + 180.0).rem_euclid(360.0) - 180.0
}

/// Signed cross-track distance in metres of `p` from the great circle through `a` with initial
/// course `course` (positive: right of the course).
pub fn cross_track_m(p: LatLon, a: LatLon, course: f64) -> f64 {
    p.cross_track_m(a, a.destination(course, 100_000.0))
}

/// Signed along-track distance in metres of `p`'s projection on the course line through `a`.
pub fn along_track_m(p: LatLon, a: LatLon, course: f64) -> f64 {
    p.along_track_m(a, a.destination(course, 100_000.0))
}

/// Straight-line (slant) distance in metres between two points with heights in metres.
pub fn slant_m(a: LatLon, ha: f64, b: LatLon, hb: f64) -> f64 {
    let xyz = |p: LatLon, h: f64| {
        let r = EARTH_RADIUS_M + h;
        let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
        (
            r * lat.cos() * lon.cos(),
            r * lat.cos() * lon.sin(),
            r * lat.sin(),
        )
    };
    let (u, v) = (xyz(a, ha), xyz(b, hb));
    ((u.0 - v.0).powi(2) + (u.1 - v.1).powi(2) + (u.2 - v.2).powi(2)).sqrt()
}

/// Straight-line distance in metres between two points with heights in metres above the
/// WGS-84 ellipsoid: what a radio signal travels, as multilateration assumes it. (The sphere
/// of [`slant_m`] is good for ranges and losses but differs from the real Earth by up to a
/// few hundred metres over hundreds of kilometres, far more than clock jitter.)
pub fn ellipsoid_slant_m(a: LatLon, ha: f64, b: LatLon, hb: f64) -> f64 {
    let u = Geodetic::new(a.lat, a.lon, ha).to_ecef();
    let v = Geodetic::new(b.lat, b.lon, hb).to_ecef();
    wgs84::distance(&u, &v)
}

/// Radio line-of-sight range in nautical miles between two heights in feet (4/3 earth radius).
pub fn radio_horizon_nm(h1_ft: f64, h2_ft: f64) -> f64 {
    1.23 * (h1_ft.max(0.0).sqrt() + h2_ft.max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_and_along_track_relative_to_a_course() {
        let a = LatLon::new(10.0, -67.0);
        let p = a.destination(0.0, 10_000.0).destination(90.0, 500.0);
        assert!((cross_track_m(p, a, 0.0) - 500.0).abs() < 1.0);
        assert!((along_track_m(p, a, 0.0) - 10_000.0).abs() < 20.0);
        assert_eq!(norm180(190.0), -170.0);
        assert_eq!(norm360(-10.0), 350.0);
    }

    #[test]
    fn slant_range_and_horizon() {
        let a = LatLon::new(64.5, -165.4);
        assert!((slant_m(a, 0.0, a, 10_000.0) - 10_000.0).abs() < 1e-6);
        // 30,000 ft aircraft, ground receiver: about 213 nm.
        assert!((radio_horizon_nm(30_000.0, 0.0) - 213.0).abs() < 1.0);
    }

    #[test]
    fn ellipsoid_slant_uses_the_wgs84_ellipsoid() {
        // Two points on the equator a quarter turn apart: the chord of the semi-major axis.
        let d = ellipsoid_slant_m(LatLon::new(0.0, 0.0), 0.0, LatLon::new(0.0, 90.0), 0.0);
        assert!((d - wgs84::A * 2f64.sqrt()).abs() < 1e-6, "{d}");
        // Equator to pole: from the semi-major to the semi-minor axis.
        let d = ellipsoid_slant_m(LatLon::new(0.0, 0.0), 0.0, LatLon::new(90.0, 0.0), 0.0);
        assert!((d - wgs84::A.hypot(wgs84::B)).abs() < 1e-6, "{d}");
    }
}
