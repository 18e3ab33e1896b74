//! Clock synchronisation between receiver pairs, from beacons.
//!
//! For a pair (i, j), every transmission from a beacon (an aircraft whose position is known
//! from its own ADS-B message) heard by both gives one point: `x` = the transmission time on
//! i's clock (arrival minus the known propagation time), `y` = the same instant on j's clock
//! minus `x`. Within a few minutes `y` is a straight line in `x`: the offset between the two
//! clocks and their relative drift. [`PairClock`] fits that line over a sliding window by
//! least squares, rejects points far from it, and resets when several in a row are far (a
//! clock jump). Its residual RMS is the pair's quality figure.

use std::collections::VecDeque;

/// Settings of the pair fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyncConfig {
    /// Points older than this (seconds of the first receiver's clock) leave the fit.
    pub window_s: f64,
    /// Most points kept per pair.
    pub max_points: usize,
    /// Points before a pair is used.
    pub min_points: usize,
    /// A pair whose latest point is older than this is not used, s.
    pub max_age_s: f64,
    /// Smallest residual treated as an outlier, s (below it, residuals are noise).
    pub outlier_floor_s: f64,
    /// Outliers in a row that reset the pair (a clock jump).
    pub reset_after: u32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            window_s: 90.0,
            max_points: 96,
            min_points: 6,
            max_age_s: 45.0,
            outlier_floor_s: 400e-9,
            reset_after: 4,
        }
    }
}

/// A fitted line `y = a + b·(x − xm)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Offset at `xm`, s.
    pub a: f64,
    /// Relative drift (dimensionless; 1e-6 is 1 ppm).
    pub b: f64,
    /// Mean x of the points, s.
    pub xm: f64,
    /// Σ(x − xm)² of the points.
    pub sxx: f64,
    /// RMS of the residuals, s.
    pub rms: f64,
    /// Points in the fit.
    pub n: usize,
}

impl Fit {
    /// The offset y at x.
    #[inline]
    pub fn predict(&self, x: f64) -> f64 {
        self.a + self.b * (x - self.xm)
    }

    /// Variance of the predicted line at x, s².
    #[inline]
    pub fn variance(&self, x: f64) -> f64 {
        let dx = x - self.xm;
        let s2 = self.rms * self.rms;
        s2 * (1.0 / self.n as f64 + if self.sxx > 0.0 { dx * dx / self.sxx } else { 0.0 })
    }
}

/// What became of one point given to a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointOutcome {
    /// Taken into the fit.
    Accepted,
    /// Too far from the fit: left out.
    Outlier,
    /// The last of several outliers in a row: the pair was reset (a clock jump).
    Reset,
}

/// The clock relation of one receiver pair.
#[derive(Debug, Clone, Default)]
pub struct PairClock {
    points: VecDeque<(f64, f64)>,
    fit: Option<Fit>,
    streak: u32,
    last_x: f64,
    /// Points accepted, all time.
    pub accepted: u64,
    /// Points rejected as outliers, all time.
    pub outliers: u64,
    /// Resets (several outliers in a row), all time.
    pub resets: u64,
    /// Points accepted since the last health check.
    pub(crate) period_accepted: u32,
    /// Outliers since the last health check.
    pub(crate) period_outliers: u32,
    /// Resets since the last health check.
    pub(crate) period_resets: u32,
}

impl PairClock {
    /// Adds a point (x on the first receiver's clock, y the second's minus the first's).
    pub fn add(&mut self, x: f64, y: f64, cfg: &SyncConfig) -> PointOutcome {
        if let Some(f) = &self.fit {
            let fresh = x - self.last_x <= cfg.max_age_s;
            if f.n >= cfg.min_points && fresh {
                let r = y - f.predict(x);
                let limit = (5.0 * (f.rms * f.rms + f.variance(x)).sqrt()).max(cfg.outlier_floor_s);
                if r.abs() > limit {
                    self.streak += 1;
                    if self.streak < cfg.reset_after {
                        self.outliers += 1;
                        self.period_outliers += 1;
                        return PointOutcome::Outlier;
                    }
                    // Several in a row: the relation itself changed.
                    self.points.clear();
                    self.fit = None;
                    self.streak = 0;
                    self.resets += 1;
                    self.period_resets += 1;
                    self.push(x, y, cfg);
                    return PointOutcome::Reset;
                }
            } else if !fresh {
                // Out of date: start again rather than extrapolate an old drift.
                self.points.clear();
                self.fit = None;
            }
        }
        self.streak = 0;
        self.push(x, y, cfg);
        self.accepted += 1;
        self.period_accepted += 1;
        PointOutcome::Accepted
    }

    fn push(&mut self, x: f64, y: f64, cfg: &SyncConfig) {
        self.points.push_back((x, y));
        self.last_x = x;
        while self.points.len() > cfg.max_points
            || self.points.front().is_some_and(|&(x0, _)| x - x0 > cfg.window_s)
        {
            self.points.pop_front();
        }
        self.fit = fit(&self.points);
    }

    /// The fit, when it has enough recent points to be used at `x`.
    pub fn usable(&self, x: f64, cfg: &SyncConfig) -> Option<&Fit> {
        self.fit
            .as_ref()
            .filter(|f| f.n >= cfg.min_points && (x - self.last_x).abs() <= cfg.max_age_s)
    }

    /// The current fit, whatever its size or age.
    pub fn fit(&self) -> Option<&Fit> {
        self.fit.as_ref()
    }

    /// The first receiver's clock time of the latest point.
    pub fn last_x(&self) -> f64 {
        self.last_x
    }

    /// Forgets everything fitted (the counters stay).
    pub fn clear(&mut self) {
        self.points.clear();
        self.fit = None;
        self.streak = 0;
    }
}

/// Least-squares line through the points.
fn fit(points: &VecDeque<(f64, f64)>) -> Option<Fit> {
    let n = points.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    // Centre both coordinates on the first point for precision.
    let (x0, y0) = points[0];
    let (mut sx, mut sy) = (0.0, 0.0);
    for &(x, y) in points {
        sx += x - x0;
        sy += y - y0;
    }
    let (mx, my) = (sx / nf, sy / nf);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for &(x, y) in points {
        let (dx, dy) = (x - x0 - mx, y - y0 - my);
        sxx += dx * dx;
        sxy += dx * dy;
    }
    let b = if n >= 3 && sxx > 1e-6 { sxy / sxx } else { 0.0 };
    let mut ss = 0.0;
    for &(x, y) in points {
        let r = (y - y0 - my) - b * (x - x0 - mx);
        ss += r * r;
    }
    let dof = n.saturating_sub(2).max(1) as f64;
    // A floor of 10 ns keeps a lucky few points from claiming perfection.
    let rms = (ss / dof).sqrt().max(10e-9);
    Some(Fit {
        a: y0 + my,
        b,
        xm: x0 + mx,
        sxx,
        rms,
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(i: u32) -> f64 {
        // Deterministic pseudo-noise within ±50 ns.
        let v = (i.wrapping_mul(2_654_435_761) >> 8) as f64 / (1u32 << 24) as f64;
        (v - 0.5) * 100e-9
    }

    #[test]
    fn a_pair_learns_offset_and_drift() {
        let cfg = SyncConfig::default();
        let mut p = PairClock::default();
        for i in 0..40 {
            let x = 100.0 + i as f64 * 1.5;
            let y = 55.5 + 30e-6 * x + noise(i);
            assert_eq!(p.add(x, y, &cfg), PointOutcome::Accepted);
        }
        let f = *p.usable(160.0, &cfg).unwrap();
        assert!((f.b - 30e-6).abs() < 0.2e-6, "{}", f.b);
        assert!((f.predict(160.0) - (55.5 + 30e-6 * 160.0)).abs() < 30e-9);
        assert!(f.rms < 60e-9);
    }

    #[test]
    fn outliers_are_left_out_and_a_jump_resets() {
        let cfg = SyncConfig::default();
        let mut p = PairClock::default();
        for i in 0..20 {
            p.add(i as f64, 1.0 + noise(i), &cfg);
        }
        assert_eq!(p.add(20.0, 1.0 + 5e-6, &cfg), PointOutcome::Outlier);
        assert_eq!(p.add(21.0, 1.0 + noise(21), &cfg), PointOutcome::Accepted);
        // A 20 µs jump that stays.
        let outcomes: Vec<_> = (22..26).map(|i| p.add(i as f64, 1.0 + 20e-6, &cfg)).collect();
        assert_eq!(outcomes.last(), Some(&PointOutcome::Reset));
        assert_eq!(p.resets, 1);
        assert!(p.usable(26.0, &cfg).is_none());
    }
}
