//! The position solver: times of arrival on one timeline → a position and its covariance.
//!
//! Each receiver `k` at `R_k` measured the arrival `t_k` on a common timeline (the reference
//! receiver's clock after synchronisation). The unknowns are the position `p` (ECEF) and
//! `b`, the transmission time times c; the model is `|p − R_k| + b = c·t_k` (pseudoranges),
//! which is the TDOA problem with the common offset solved for instead of differenced out,
//! so each measurement keeps its own independent noise. An altitude from the reply adds one
//! row `h(p) = alt`. Gauss-Newton with Levenberg-Marquardt damping from a start point; the
//! covariance is `(JᵀWJ)⁻¹` at the solution, the same matrix whose inverse at the true
//! position is the Cramér–Rao bound.

// Index loops read as the matrix formulas they implement.
#![allow(clippy::needless_range_loop)]

use crate::geo::{distance, dot, Ecef, Geodetic, C};

/// One receiver's time of arrival.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrival {
    /// The receiver's antenna, ECEF.
    pub position: Ecef,
    /// Time of arrival on the common timeline, seconds (any origin).
    pub time_s: f64,
    /// Standard deviation of `time_s`, seconds.
    pub sigma_s: f64,
}

/// A height constraint: the reply's altitude turned into a height above the ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Height {
    /// Height above the WGS-84 ellipsoid, m.
    pub alt_m: f64,
    /// Its standard deviation, m.
    pub sigma_m: f64,
}

/// Solver limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveConfig {
    /// Iterations before giving up.
    pub max_iterations: u32,
    /// Largest horizontal 1-σ error (DRMS) a fix may have, m; worse geometry gives no fix.
    pub max_error_m: f64,
    /// Largest χ² per degree of freedom of an accepted fix (when there are spare measurements).
    pub max_chi2_per_dof: f64,
    /// Largest distance of a fix from the nearest receiver hearing it, m.
    pub max_range_m: f64,
}

impl Default for SolveConfig {
    fn default() -> Self {
        SolveConfig {
            max_iterations: 20,
            max_error_m: 2_000.0,
            max_chi2_per_dof: 8.0,
            max_range_m: 600_000.0,
        }
    }
}

/// A solved position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Solution {
    /// Position, ECEF.
    pub ecef: Ecef,
    /// Position, geodetic.
    pub geodetic: Geodetic,
    /// Covariance of the position, ECEF, m².
    pub covariance: [[f64; 3]; 3],
    /// Covariance of the horizontal position in local east/north, m².
    pub covariance_en: [[f64; 2]; 2],
    /// Horizontal 1-σ error (√ of the east/north covariance's trace), m.
    pub error_m: f64,
    /// Sum of squared normalised residuals.
    pub chi2: f64,
    /// Measurements minus unknowns.
    pub dof: u32,
    /// Iterations used.
    pub iterations: u32,
}

/// Why a set of arrivals gave no position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoFix {
    /// Fewer measurements than unknowns.
    TooFew,
    /// The geometry does not determine the position (singular, or error above the limit).
    Geometry,
    /// The iterations did not converge, or converged somewhere impossible.
    Diverged,
    /// The measurements disagree with each other beyond their noise.
    Inconsistent,
    /// Two positions fit (mirror images across the receivers' line) and nothing says which.
    Ambiguous,
}

impl NoFix {
    /// A short name for statistics.
    pub const fn as_str(self) -> &'static str {
        match self {
            NoFix::TooFew => "too_few",
            NoFix::Geometry => "geometry",
            NoFix::Diverged => "diverged",
            NoFix::Inconsistent => "inconsistent",
            NoFix::Ambiguous => "ambiguous",
        }
    }
}

/// Most measurements one solve takes (receivers hearing one reply).
pub const MAX_ARRIVALS: usize = 32;

/// Solves from `start` (ECEF); the arrivals' times may have any common origin.
pub fn solve(
    arrivals: &[Arrival],
    height: Option<Height>,
    start: Ecef,
    cfg: &SolveConfig,
) -> Result<Solution, NoFix> {
    let m = arrivals.len().min(MAX_ARRIVALS);
    let arrivals = &arrivals[..m];
    let rows = m + usize::from(height.is_some());
    if rows < 4 || m < 2 {
        return Err(NoFix::TooFew);
    }
    let t0 = arrivals[0].time_s;
    // Pseudoranges in metres relative to the first arrival, and weights 1/σ in 1/m.
    let mut rho = [0.0; MAX_ARRIVALS];
    let mut w = [0.0; MAX_ARRIVALS];
    for (k, a) in arrivals.iter().enumerate() {
        rho[k] = (a.time_s - t0) * C;
        w[k] = 1.0 / (a.sigma_s * C).max(1e-3);
    }
    let mut p = start;
    let mut b = (0..m)
        .map(|k| rho[k] - distance(&p, &arrivals[k].position))
        .sum::<f64>()
        / m as f64;
    let mut cost = cost_at(arrivals, &rho, &w, height, &p, b);
    let mut lambda = 1e-3;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < cfg.max_iterations {
        iterations += 1;
        let (n, g) = normal_equations(arrivals, &rho, &w, height, &p, b);
        let mut step_taken = false;
        for _ in 0..8 {
            let mut damped = n;
            for (i, row) in damped.iter_mut().enumerate() {
                row[i] += lambda * n[i][i].max(1e-12);
            }
            let Some(d) = solve4(&damped, &g) else {
                return Err(NoFix::Geometry);
            };
            let np = [p[0] + d[0], p[1] + d[1], p[2] + d[2]];
            let nb = b + d[3];
            let ncost = cost_at(arrivals, &rho, &w, height, &np, nb);
            if ncost.is_finite() && ncost <= cost {
                let moved = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                p = np;
                b = nb;
                cost = ncost;
                lambda = (lambda * 0.1).max(1e-9);
                step_taken = true;
                if moved < 0.05 {
                    converged = true;
                }
                break;
            }
            lambda *= 10.0;
        }
        if converged || !step_taken {
            // No step lowers the cost: a minimum.
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(NoFix::Diverged);
    }
    let geodetic = Geodetic::from_ecef(p);
    if !(geodetic.alt_m > -2_000.0 && geodetic.alt_m < 30_000.0) {
        return Err(NoFix::Diverged);
    }
    let nearest = arrivals
        .iter()
        .map(|a| distance(&p, &a.position))
        .fold(f64::INFINITY, f64::min);
    if nearest > cfg.max_range_m {
        return Err(NoFix::Diverged);
    }
    let (n, _) = normal_equations(arrivals, &rho, &w, height, &p, b);
    let Some(inv) = invert4(&n) else {
        return Err(NoFix::Geometry);
    };
    let mut covariance = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            covariance[i][j] = inv[i][j];
        }
    }
    let [e, nn, _] = geodetic.enu_axes();
    let project = |u: &Ecef, v: &Ecef| {
        let mut s = 0.0;
        for i in 0..3 {
            for j in 0..3 {
                s += u[i] * covariance[i][j] * v[j];
            }
        }
        s
    };
    let covariance_en = [
        [project(&e, &e), project(&e, &nn)],
        [project(&nn, &e), project(&nn, &nn)],
    ];
    let error_m = (covariance_en[0][0] + covariance_en[1][1]).max(0.0).sqrt();
    if !error_m.is_finite() || error_m > cfg.max_error_m {
        return Err(NoFix::Geometry);
    }
    let dof = (rows - 4) as u32;
    let chi2 = 2.0 * cost;
    if dof > 0 && chi2 > cfg.max_chi2_per_dof * f64::from(dof) + 6.0 {
        return Err(NoFix::Inconsistent);
    }
    Ok(Solution {
        ecef: p,
        geodetic,
        covariance,
        covariance_en,
        error_m,
        chi2,
        dof,
        iterations,
    })
}

/// Half the sum of squared normalised residuals.
fn cost_at(arrivals: &[Arrival], rho: &[f64], w: &[f64], height: Option<Height>, p: &Ecef, b: f64) -> f64 {
    let mut s = 0.0;
    for (k, a) in arrivals.iter().enumerate() {
        let r = (distance(p, &a.position) + b - rho[k]) * w[k];
        s += r * r;
    }
    if let Some(h) = height {
        let r = (Geodetic::from_ecef(*p).alt_m - h.alt_m) / h.sigma_m;
        s += r * r;
    }
    0.5 * s
}

/// JᵀWJ and −JᵀWr at (p, b).
fn normal_equations(
    arrivals: &[Arrival],
    rho: &[f64],
    w: &[f64],
    height: Option<Height>,
    p: &Ecef,
    b: f64,
) -> ([[f64; 4]; 4], [f64; 4]) {
    let mut n = [[0.0; 4]; 4];
    let mut g = [0.0; 4];
    let mut add = |j: [f64; 4], r: f64| {
        for i in 0..4 {
            g[i] -= j[i] * r;
            for k in i..4 {
                n[i][k] += j[i] * j[k];
            }
        }
    };
    for (k, a) in arrivals.iter().enumerate() {
        let d = distance(p, &a.position).max(1.0);
        let wk = w[k];
        let u = [
            (p[0] - a.position[0]) / d,
            (p[1] - a.position[1]) / d,
            (p[2] - a.position[2]) / d,
        ];
        add([u[0] * wk, u[1] * wk, u[2] * wk, wk], (d + b - rho[k]) * wk);
    }
    if let Some(h) = height {
        let g0 = Geodetic::from_ecef(*p);
        let [_, _, up] = g0.enu_axes();
        let wh = 1.0 / h.sigma_m;
        add(
            [up[0] * wh, up[1] * wh, up[2] * wh, 0.0],
            (g0.alt_m - h.alt_m) * wh,
        );
    }
    for i in 0..4 {
        for k in 0..i {
            n[i][k] = n[k][i];
        }
    }
    (n, g)
}

/// Cholesky factor of a symmetric 4×4 matrix, None when it is not positive definite enough.
fn cholesky4(a: &[[f64; 4]; 4]) -> Option<[[f64; 4]; 4]> {
    let mut l = [[0.0; 4]; 4];
    let scale = (0..4).map(|i| a[i][i].abs()).fold(0.0, f64::max);
    if scale <= 0.0 || !scale.is_finite() {
        return None;
    }
    for i in 0..4 {
        for j in 0..=i {
            let mut s = a[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            if i == j {
                // A pivot this small relative to the matrix means a direction the data do
                // not constrain (collinear receivers, a reply from far outside them).
                if s <= scale * 1e-13 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

fn solve4(a: &[[f64; 4]; 4], b: &[f64; 4]) -> Option<[f64; 4]> {
    let l = cholesky4(a)?;
    let mut y = [0.0; 4];
    for i in 0..4 {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i][k] * y[k];
        }
        y[i] = s / l[i][i];
    }
    let mut x = [0.0; 4];
    for i in (0..4).rev() {
        let mut s = y[i];
        for k in i + 1..4 {
            s -= l[k][i] * x[k];
        }
        x[i] = s / l[i][i];
    }
    Some(x)
}

fn invert4(a: &[[f64; 4]; 4]) -> Option<[[f64; 4]; 4]> {
    let mut inv = [[0.0; 4]; 4];
    for c in 0..4 {
        let mut e = [0.0; 4];
        e[c] = 1.0;
        let x = solve4(a, &e)?;
        for r in 0..4 {
            inv[r][c] = x[r];
        }
    }
    Some(inv)
}

/// Unit vector helper for callers building starts: the point `alt_m` above `g`'s footprint.
pub fn lifted(g: Geodetic, alt_m: f64) -> Ecef {
    Geodetic::new(g.lat, g.lon, alt_m).to_ecef()
}

/// The horizontal distance between two ECEF points measured in the east/north plane at `a`, m.
pub fn horizontal_distance(a: &Ecef, b: &Ecef) -> f64 {
    let [e, n, _] = Geodetic::from_ecef(*a).enu_axes();
    let d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    dot(&d, &e).hypot(dot(&d, &n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrivals_for(truth: Ecef, receivers: &[Geodetic], t0: f64, noise: &[f64]) -> Vec<Arrival> {
        receivers
            .iter()
            .zip(noise.iter().chain(std::iter::repeat(&0.0)))
            .map(|(r, n)| {
                let pos = r.to_ecef();
                Arrival {
                    position: pos,
                    time_s: t0 + distance(&truth, &pos) / C + n,
                    sigma_s: 50e-9,
                }
            })
            .collect()
    }

    fn square() -> Vec<Geodetic> {
        vec![
            Geodetic::new(60.0, 10.0, 50.0),
            Geodetic::new(60.0, 12.0, 80.0),
            Geodetic::new(61.0, 10.0, 20.0),
            Geodetic::new(61.0, 12.0, 300.0),
            Geodetic::new(60.5, 11.0, 10.0),
        ]
    }

    #[test]
    fn exact_arrivals_give_the_true_position() {
        let truth = Geodetic::new(60.4, 11.3, 10_000.0).to_ecef();
        let rx = square();
        let a = arrivals_for(truth, &rx, 1234.5, &[]);
        let start = lifted(Geodetic::new(60.5, 11.0, 0.0), 9_000.0);
        let s = solve(&a, None, start, &SolveConfig::default()).unwrap();
        assert!(distance(&s.ecef, &truth) < 0.01, "{:?}", s.geodetic);
        assert!(s.chi2 < 1e-6);
        assert_eq!(s.dof, 1);
        // 50 ns per receiver inside the polygon: tens of metres.
        assert!(s.error_m > 5.0 && s.error_m < 100.0, "{}", s.error_m);
    }

    #[test]
    fn three_receivers_and_a_height() {
        let truth = Geodetic::new(60.6, 11.2, 11_000.0).to_ecef();
        let rx = &square()[..3];
        let a = arrivals_for(truth, rx, 0.25, &[]);
        let start = lifted(Geodetic::new(60.3, 10.7, 0.0), 9_000.0);
        assert_eq!(
            solve(&a, None, start, &SolveConfig::default()),
            Err(NoFix::TooFew)
        );
        let h = Height {
            alt_m: 11_000.0,
            sigma_m: 30.0,
        };
        let s = solve(&a, Some(h), start, &SolveConfig::default()).unwrap();
        assert!(distance(&s.ecef, &truth) < 0.1, "{:?}", s.geodetic);
    }

    #[test]
    fn collinear_receivers_give_no_fix() {
        // Four receivers on one short straight line: rotation about it is unconstrained.
        let rx: Vec<Geodetic> = (0..4)
            .map(|i| Geodetic::new(60.0 + 0.02 * i as f64, 10.0, 0.0))
            .collect();
        let truth = Geodetic::new(60.3, 10.8, 9_000.0).to_ecef();
        let a = arrivals_for(truth, &rx, 0.0, &[]);
        let start = lifted(Geodetic::new(60.03, 10.0, 0.0), 9_000.0);
        let r = solve(&a, None, start, &SolveConfig::default());
        assert!(matches!(r, Err(NoFix::Geometry | NoFix::Diverged)), "{r:?}");
    }

    #[test]
    fn a_wrong_arrival_is_inconsistent() {
        let truth = Geodetic::new(60.4, 11.3, 10_000.0).to_ecef();
        let rx = square();
        let a = arrivals_for(truth, &rx, 0.0, &[0.0, 0.0, 5e-6, 0.0, 0.0]);
        let start = lifted(Geodetic::new(60.5, 11.0, 0.0), 9_000.0);
        assert_eq!(
            solve(&a, None, start, &SolveConfig::default()),
            Err(NoFix::Inconsistent)
        );
    }
}
