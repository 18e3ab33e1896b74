//! Per-aircraft smoothing of fixes: a constant-velocity Kalman filter in local east/north.

// Index loops read as the matrix formulas they implement.
#![allow(clippy::needless_range_loop)]

use crate::geo::{dot, Ecef, Geodetic};

/// Acceleration noise of the motion model, (m/s²)²·s per axis: manoeuvres of a few m/s².
const ACCEL_PSD: f64 = 2.0;
/// Innovations beyond this Mahalanobis distance² are rejected (χ² with 2 dof, p ≈ 1e-6).
const GATE: f64 = 28.0;
/// Rejections in a row after which the filter starts again from the latest fix.
const RESET_AFTER: u32 = 3;
/// A gap after which the filter starts again, s.
const MAX_GAP_S: f64 = 60.0;
/// Distance from the tangent point after which the plane is moved, m.
const REANCHOR_M: f64 = 30_000.0;

/// What the filter made of one fix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Smoothed {
    /// Taken: the filtered position and its horizontal 1-σ error.
    Position {
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
        /// Horizontal 1-σ error, m.
        error_m: f64,
        /// Ground speed, m/s (0 until a second fix).
        speed_ms: f64,
    },
    /// Too far from the prediction: left out.
    Rejected,
}

/// The filter of one aircraft.
#[derive(Debug, Clone)]
pub struct Track {
    anchor: Ecef,
    axes: [Ecef; 3],
    x: [f64; 4],
    p: [[f64; 4]; 4],
    time: f64,
    rejected: u32,
    fixes: u32,
}

impl Track {
    /// A filter started from a fix (ECEF, its east/north covariance, its time).
    pub fn new(fix: Ecef, cov_en: [[f64; 2]; 2], time: f64) -> Track {
        let g = Geodetic::from_ecef(fix);
        let anchor = Geodetic::new(g.lat, g.lon, 0.0).to_ecef();
        let axes = Geodetic::new(g.lat, g.lon, 0.0).enu_axes();
        let mut t = Track {
            anchor,
            axes,
            x: [0.0; 4],
            p: [[0.0; 4]; 4],
            time,
            rejected: 0,
            fixes: 1,
        };
        let (e, n) = t.project(&fix);
        t.x = [e, n, 0.0, 0.0];
        t.p[0][0] = cov_en[0][0];
        t.p[0][1] = cov_en[0][1];
        t.p[1][0] = cov_en[1][0];
        t.p[1][1] = cov_en[1][1];
        // Speed unknown: up to Mach 1.
        t.p[2][2] = 300.0 * 300.0;
        t.p[3][3] = 300.0 * 300.0;
        t
    }

    /// Time of the latest fix taken.
    pub fn time(&self) -> f64 {
        self.time
    }

    /// The predicted position (ECEF on the ground) at `time`, for a solver's start.
    pub fn predict_ecef(&self, time: f64) -> Ecef {
        let dt = time - self.time;
        self.unproject(self.x[0] + self.x[2] * dt, self.x[1] + self.x[3] * dt)
    }

    /// East/north of the point's footprint (the ground below it: projecting the point
    /// itself would move a fix 10 km up by 47 m at 30 km from the tangent point).
    fn project(&self, p: &Ecef) -> (f64, f64) {
        let g = Geodetic::from_ecef(*p);
        let p = Geodetic::new(g.lat, g.lon, 0.0).to_ecef();
        let d = [
            p[0] - self.anchor[0],
            p[1] - self.anchor[1],
            p[2] - self.anchor[2],
        ];
        (dot(&d, &self.axes[0]), dot(&d, &self.axes[1]))
    }

    fn unproject(&self, e: f64, n: f64) -> Ecef {
        let [ea, na, _] = self.axes;
        [
            self.anchor[0] + e * ea[0] + n * na[0],
            self.anchor[1] + e * ea[1] + n * na[1],
            self.anchor[2] + e * ea[2] + n * na[2],
        ]
    }

    /// Takes a fix; returns the filtered position or a rejection.
    pub fn update(&mut self, fix: Ecef, cov_en: [[f64; 2]; 2], time: f64) -> Smoothed {
        let dt = time - self.time;
        if !(0.0..=MAX_GAP_S).contains(&dt) {
            *self = Track::new(fix, cov_en, time);
            return self.output();
        }
        self.predict(dt);
        let (e, n) = self.project(&fix);
        let y = [e - self.x[0], n - self.x[1]];
        let s = [
            [self.p[0][0] + cov_en[0][0], self.p[0][1] + cov_en[0][1]],
            [self.p[1][0] + cov_en[1][0], self.p[1][1] + cov_en[1][1]],
        ];
        let det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
        if det <= 0.0 || !det.is_finite() {
            *self = Track::new(fix, cov_en, time);
            return self.output();
        }
        let si = [[s[1][1] / det, -s[0][1] / det], [-s[1][0] / det, s[0][0] / det]];
        let d2 = y[0] * (si[0][0] * y[0] + si[0][1] * y[1]) + y[1] * (si[1][0] * y[0] + si[1][1] * y[1]);
        // The first fixes set the speed: do not gate them on a guessed one.
        if d2 > GATE && self.fixes >= 3 {
            self.rejected += 1;
            if self.rejected >= RESET_AFTER {
                *self = Track::new(fix, cov_en, time);
                return self.output();
            }
            // Keep the prediction's time: the state was advanced to `time`.
            self.time = time;
            return Smoothed::Rejected;
        }
        self.rejected = 0;
        // K = P Hᵀ S⁻¹ (4×2).
        let mut k = [[0.0; 2]; 4];
        for (i, row) in k.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = self.p[i][0] * si[0][j] + self.p[i][1] * si[1][j];
            }
        }
        for i in 0..4 {
            self.x[i] += k[i][0] * y[0] + k[i][1] * y[1];
        }
        let p = self.p;
        for i in 0..4 {
            for j in 0..4 {
                self.p[i][j] = p[i][j] - (k[i][0] * p[0][j] + k[i][1] * p[1][j]);
            }
        }
        self.time = time;
        self.fixes += 1;
        if self.x[0].hypot(self.x[1]) > REANCHOR_M {
            self.reanchor();
        }
        self.output()
    }

    fn predict(&mut self, dt: f64) {
        self.x[0] += self.x[2] * dt;
        self.x[1] += self.x[3] * dt;
        let p = self.p;
        // P = F P Fᵀ + Q, F the constant-velocity transition.
        let mut fp = p;
        for j in 0..4 {
            fp[0][j] = p[0][j] + dt * p[2][j];
            fp[1][j] = p[1][j] + dt * p[3][j];
        }
        let mut n = fp;
        for row in n.iter_mut() {
            row[0] += dt * row[2];
            row[1] += dt * row[3];
        }
        let q = ACCEL_PSD;
        let (q11, q12, q22) = (q * dt * dt * dt / 3.0, q * dt * dt / 2.0, q * dt);
        for a in 0..2 {
            n[a][a] += q11;
            n[a][a + 2] += q12;
            n[a + 2][a] += q12;
            n[a + 2][a + 2] += q22;
        }
        self.p = n;
    }

    fn reanchor(&mut self) {
        let here = self.unproject(self.x[0], self.x[1]);
        let g = Geodetic::from_ecef(here);
        let v = [
            self.x[2] * self.axes[0][0] + self.x[3] * self.axes[1][0],
            self.x[2] * self.axes[0][1] + self.x[3] * self.axes[1][1],
            self.x[2] * self.axes[0][2] + self.x[3] * self.axes[1][2],
        ];
        self.anchor = Geodetic::new(g.lat, g.lon, 0.0).to_ecef();
        self.axes = Geodetic::new(g.lat, g.lon, 0.0).enu_axes();
        self.x = [0.0, 0.0, dot(&v, &self.axes[0]), dot(&v, &self.axes[1])];
    }

    fn output(&self) -> Smoothed {
        let g = Geodetic::from_ecef(self.unproject(self.x[0], self.x[1]));
        Smoothed::Position {
            lat: g.lat,
            lon: g.lon,
            error_m: (self.p[0][0] + self.p[1][1]).max(0.0).sqrt(),
            speed_ms: self.x[2].hypot(self.x[3]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_straight_track_is_smoothed_and_a_wild_fix_rejected() {
        let start = Geodetic::new(70.0, -160.0, 10_000.0);
        let axes = start.enu_axes();
        let origin = start.to_ecef();
        let at = |t: f64, wobble: f64| {
            // 230 m/s north-east, with ±wobble metres of alternating error.
            let (e, n) = (160.0 * t + wobble, 165.0 * t - wobble);
            [
                origin[0] + e * axes[0][0] + n * axes[1][0],
                origin[1] + e * axes[0][1] + n * axes[1][1],
                origin[2] + e * axes[0][2] + n * axes[1][2],
            ]
        };
        let cov = [[100.0 * 100.0, 0.0], [0.0, 100.0 * 100.0]];
        let mut tr = Track::new(at(0.0, 0.0), cov, 0.0);
        let mut last = None;
        for i in 1..60 {
            let t = i as f64 * 2.0;
            let w = if i % 2 == 0 { 100.0 } else { -100.0 };
            last = Some(tr.update(at(t, w), cov, t));
        }
        let Some(Smoothed::Position {
            error_m, speed_ms, ..
        }) = last
        else {
            panic!("{last:?}")
        };
        assert!(error_m < 80.0, "{error_m}");
        assert!((speed_ms - 229.8).abs() < 10.0, "{speed_ms}");
        assert_eq!(tr.update(at(121.0, 20_000.0), cov, 121.0), Smoothed::Rejected);
    }
}
