//! Runs simulator windows through multilateration and compares the fixes with the truth.
#![allow(dead_code)]

use std::collections::HashMap;

use picket_mlat::geo::{Ecef, Geodetic, C};
use picket_mlat::{Fix, Mlat, MlatConfig, MlatStats, ReceiverConfig, ReceiverStats, ReceiverStatus};
use picket_receive::Received;
use picket_sim::{Scenario, Simulation, Window};

pub(crate) const FT: f64 = 0.3048;
pub(crate) const BOMBERS: [u32; 2] = [0x156f01, 0x156f02];

/// The scenario's receivers as multilateration is told about them.
pub(crate) fn receivers(s: &Scenario) -> Vec<ReceiverConfig> {
    s.receivers
        .iter()
        .map(|r| ReceiverConfig {
            name: r.name.clone(),
            position: Geodetic::new(r.position.lat, r.position.lon, r.alt_ft * FT),
        })
        .collect()
}

/// What a run gave.
pub(crate) struct MlatRun {
    pub(crate) fixes: Vec<Fix>,
    pub(crate) stats: MlatStats,
    pub(crate) receivers: Vec<(String, ReceiverStats)>,
    /// Truth per (address, second after start): lat, lon, geometric height (m).
    pub(crate) truth: HashMap<(u32, i64), (f64, f64, f64)>,
    pub(crate) start: f64,
    pub(crate) frames: Vec<Received>,
    /// Every 5 s of data: (time_utc, each receiver's status).
    pub(crate) status_log: Vec<(f64, Vec<ReceiverStatus>)>,
}

impl MlatRun {
    /// The true position (ECEF) of `address` at `time_utc`, interpolated between seconds.
    pub(crate) fn truth_at(&self, address: u32, time_utc: f64) -> Option<Ecef> {
        // The fix's time is the first arrival; the transmission was about a millisecond earlier.
        let t = time_utc - self.start - 0.001;
        let s0 = t.floor() as i64;
        let (a, b) = (
            self.truth.get(&(address, s0))?,
            self.truth.get(&(address, s0 + 1))?,
        );
        let f = t - s0 as f64;
        let mut lon_b = b.1;
        if lon_b - a.1 > 180.0 {
            lon_b -= 360.0;
        } else if a.1 - lon_b > 180.0 {
            lon_b += 360.0;
        }
        let g = Geodetic::new(
            a.0 + (b.0 - a.0) * f,
            a.1 + (lon_b - a.1) * f,
            a.2 + (b.2 - a.2) * f,
        );
        Some(g.to_ecef())
    }

    /// Horizontal errors (m) of the bombers' fixes: (smoothed, raw).
    pub(crate) fn bomber_errors(&self) -> (Vec<f64>, Vec<f64>) {
        let mut smooth = Vec::new();
        let mut raw = Vec::new();
        for f in self.fixes.iter().filter(|f| BOMBERS.contains(&f.address.0)) {
            let Some(truth) = self.truth_at(f.address.0, f.time_utc) else {
                continue;
            };
            let tg = Geodetic::from_ecef(truth);
            smooth.push(horizontal_m(tg, f.lat, f.lon));
            raw.push(horizontal_m(tg, f.raw_lat, f.raw_lon));
        }
        (smooth, raw)
    }

    pub(crate) fn receiver(&self, name: &str) -> &ReceiverStats {
        &self
            .receivers
            .iter()
            .find(|(n, _)| n == name)
            .expect("receiver")
            .1
    }
}

/// Horizontal distance between a truth point and a latitude/longitude, m.
pub(crate) fn horizontal_m(truth: Geodetic, lat: f64, lon: f64) -> f64 {
    let p = Geodetic::new(lat, lon, truth.alt_m).to_ecef();
    let t = truth.to_ecef();
    let [e, n, _] = truth.enu_axes();
    let d = [p[0] - t[0], p[1] - t[1], p[2] - t[2]];
    let de = d[0] * e[0] + d[1] * e[1] + d[2] * e[2];
    let dn = d[0] * n[0] + d[1] * n[1] + d[2] * n[2];
    de.hypot(dn)
}

/// Runs `scenario` (possibly modified) from `from_s` for `duration_s`; `receivers` are what
/// multilateration is told (positions may be wrong on purpose); `alter` may change or drop
/// each heard frame before multilateration sees it.
pub(crate) fn run(
    s: &Scenario,
    from_s: f64,
    duration_s: f64,
    receivers: Vec<ReceiverConfig>,
    cfg: MlatConfig,
    mut alter: impl FnMut(&mut Received) -> bool,
    keep_frames: bool,
) -> MlatRun {
    let sim = Simulation::new(
        s,
        s.seed,
        Window {
            from_s,
            duration_s: Some(duration_s),
        },
    );
    let start = s.start as f64 / 1e9;
    let mut truth = HashMap::new();
    for st in sim.truth_states() {
        truth.insert(
            (st.address, st.t_s.round() as i64),
            (st.position.lat, st.position.lon, st.alt_geom_ft * FT),
        );
    }
    let mut mlat = Mlat::new(receivers, cfg);
    let mut fixes = Vec::new();
    let mut frames = Vec::new();
    let mut status_log = Vec::new();
    let mut next_log = f64::NEG_INFINITY;
    // Each receiver's frames as its own recording, merged the way the binary merges files:
    // by `time_utc` less the skew multilateration has learnt for the receiver.
    let mut queues: Vec<std::collections::VecDeque<Received>> = vec![Default::default(); s.receivers.len()];
    for h in sim.frames() {
        let mut r = h.received;
        if alter(&mut r) {
            queues[usize::from(r.receiver)].push_back(r);
        }
    }
    loop {
        let next = (0..queues.len())
            .filter_map(|k| queues[k].front().map(|r| (k, r.time_utc - mlat.skew_s(k))))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((k, t)) = next else { break };
        let r = queues[k].pop_front().expect("non-empty");
        if t >= next_log {
            status_log.push((t, mlat.receivers().map(|(_, s)| s.status).collect()));
            next_log = t + 5.0;
        }
        mlat.ingest(&r, &mut fixes);
        if keep_frames {
            frames.push(r);
        }
    }
    mlat.finish(&mut fixes);
    MlatRun {
        fixes,
        stats: *mlat.stats(),
        receivers: mlat.receivers().map(|(n, s)| (n.to_string(), *s)).collect(),
        truth,
        start,
        frames,
        status_log,
    }
}

pub(crate) fn percentile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// The Cramér–Rao bound of the horizontal position (√ of the east/north variances' sum, m)
/// for a transmitter at `truth` heard by `receivers`, each timestamp with standard deviation
/// `sigma_s`, with a height measured to `height_sigma_m` (None: no height). Computed here
/// from the Fisher information of the time-of-arrival model (unknowns: position and
/// transmission time), independently of the solver.
pub(crate) fn crb_horizontal_m(
    truth: Ecef,
    receivers: &[Ecef],
    sigma_s: f64,
    height_sigma_m: Option<f64>,
) -> f64 {
    let mut fim = [[0.0f64; 4]; 4];
    let s = sigma_s * C;
    for r in receivers {
        let d = [truth[0] - r[0], truth[1] - r[1], truth[2] - r[2]];
        let n = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        let g = [d[0] / n, d[1] / n, d[2] / n, 1.0];
        for i in 0..4 {
            for j in 0..4 {
                fim[i][j] += g[i] * g[j] / (s * s);
            }
        }
    }
    let tg = Geodetic::from_ecef(truth);
    let [e, n, u] = tg.enu_axes();
    if let Some(hs) = height_sigma_m {
        let g = [u[0], u[1], u[2], 0.0];
        for i in 0..4 {
            for j in 0..4 {
                fim[i][j] += g[i] * g[j] / (hs * hs);
            }
        }
    }
    let inv = invert(fim);
    let q = |a: &[f64; 3]| {
        let mut v = 0.0;
        for i in 0..3 {
            for j in 0..3 {
                v += a[i] * inv[i][j] * a[j];
            }
        }
        v
    };
    (q(&e) + q(&n)).sqrt()
}

/// Gauss-Jordan inverse with partial pivoting.
fn invert(m: [[f64; 4]; 4]) -> [[f64; 4]; 4] {
    let mut a = m;
    let mut inv = [[0.0; 4]; 4];
    for (i, row) in inv.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for c in 0..4 {
        let p = (c..4)
            .max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))
            .unwrap();
        a.swap(c, p);
        inv.swap(c, p);
        let d = a[c][c];
        for j in 0..4 {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for r in 0..4 {
            if r != c {
                let f = a[r][c];
                for j in 0..4 {
                    a[r][j] -= f * a[c][j];
                    inv[r][j] -= f * inv[c][j];
                }
            }
        }
    }
    inv
}
