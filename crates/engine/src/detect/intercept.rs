//! Intercept: was one aircraft of a pair closing on the other at high closure rate before
//! they joined? Answered at the join from the two aircraft's sample histories, so that no
//! pair is followed while nothing happens.
//!
//! At each sample both aircraft have, the closure rate is the rate at which the range
//! shrinks, and the interceptor the aircraft whose own velocity shrinks it more. A *run* is
//! a stretch of samples, within [`DetectorParams::intercept_max_range_m`], closing at
//! [`DetectorParams::intercept_min_closure_kt`] or more with the same interceptor, lasting
//! [`DetectorParams::intercept_min_closure_duration`] (measured to the first sample that no
//! longer closes, or to the join for a run still going). Runs less than
//! [`DetectorParams::intercept_join_window`] apart form a chain; the join must come within
//! that window of the chain's last run. The intercept's onset is the chain's first sample.

use picket_world::events::DetectorParams;
use picket_world::geo::LatLon;

use super::history::{History, Sample, SAMPLE_S};

/// What the histories say about a join.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Found {
    /// True when the first aircraft of the pair is the interceptor.
    pub(crate) first_intercepts: bool,
    /// Start of the chain of high-closure runs.
    pub(crate) onset: f64,
    /// Highest closure rate in the chain, kt.
    pub(crate) max_closure_kt: f64,
}

/// Closure rate (kt) between two samples and whether the first sample's aircraft closes
/// the range more; `None` beyond `max_range_m`.
pub(crate) fn closure(a: Sample, b: Sample, max_range_m: f64) -> Option<(f64, bool)> {
    let (pa, pb) = (
        LatLon::new(f64::from(a.lat), f64::from(a.lon)),
        LatLon::new(f64::from(b.lat), f64::from(b.lon)),
    );
    if pa.distance_m(pb) > max_range_m {
        return None;
    }
    let brg = pa.bearing_to(pb).to_radians();
    let u = (brg.sin(), brg.cos());
    let (va, vb) = (a.velocity_kt(), b.velocity_kt());
    let comp_a = va.0 * u.0 + va.1 * u.1;
    let comp_b = -(vb.0 * u.0 + vb.1 * u.1);
    Some((comp_a + comp_b, comp_a >= comp_b))
}

#[derive(Debug, Clone, Copy)]
struct Run {
    start: f64,
    end: f64,
    ongoing: bool,
    max_kt: f64,
}

/// Looks back from a join at data time `join` for a chain of high-closure runs.
pub(crate) fn find(p: &DetectorParams, ha: &History, hb: &History, join: f64) -> Option<Found> {
    let last = (join / SAMPLE_S as f64).floor() as i64;
    let oldest = ha.oldest()?.max(hb.oldest()?);
    let min_run = p.intercept_min_closure_duration.as_secs_f64();
    let window = p.intercept_join_window.as_secs_f64();
    // Per direction: what was found and when its newest run ended.
    let mut found: [Option<(Found, f64)>; 2] = [None, None];
    for (slot, dir) in [true, false].into_iter().enumerate() {
        // Runs of this direction, newest first.
        let mut runs: Vec<Run> = Vec::new();
        let mut open: Option<Run> = None;
        // The time of the sample after the current one (the join for the newest).
        let mut after = join;
        let mut k = last;
        while k >= oldest {
            let t = (k * SAMPLE_S) as f64;
            let running = match (ha.get(k), hb.get(k)) {
                (Some(a), Some(b)) => match closure(a, b, p.intercept_max_range_m) {
                    Some((kt, first)) if kt >= p.intercept_min_closure_kt && first == dir => Some(kt),
                    _ => None,
                },
                _ => None,
            };
            match (running, &mut open) {
                (Some(kt), Some(r)) => {
                    r.start = t;
                    r.max_kt = r.max_kt.max(kt);
                }
                (Some(kt), None) => {
                    open = Some(Run {
                        start: t,
                        end: after,
                        ongoing: k == last,
                        max_kt: kt,
                    })
                }
                (None, Some(_)) => runs.extend(open.take()),
                (None, None) => {}
            }
            after = t;
            k -= 1;
            // No older run can be the newest one or join the chain any more.
            let horizon = runs.last().map_or(join, |r| r.start);
            if open.is_none() && horizon - t > window + SAMPLE_S as f64 {
                break;
            }
        }
        runs.extend(open.take());
        let valid: Vec<Run> = runs.into_iter().filter(|r| r.end - r.start >= min_run).collect();
        let Some(newest) = valid.first().copied() else {
            continue;
        };
        if !newest.ongoing && join - newest.end > window {
            continue;
        }
        let (mut onset, mut max_kt) = (newest.start, newest.max_kt);
        for r in &valid[1..] {
            if onset - r.end > window {
                break;
            }
            onset = r.start;
            max_kt = max_kt.max(r.max_kt);
        }
        let f = Found {
            first_intercepts: dir,
            onset,
            max_closure_kt: max_kt,
        };
        found[slot] = Some((f, newest.end));
    }
    // Both directions: the more recent closing wins (ties: the first aircraft).
    match found {
        [Some((a, ea)), Some((b, eb))] => Some(if eb > ea { b } else { a }),
        [a, b] => a.or(b).map(|(f, _)| f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(p: LatLon, gs: f64, track: f64) -> Sample {
        Sample {
            lat: p.lat as f32,
            lon: p.lon as f32,
            gs: gs as f32,
            track: track as f32,
        }
    }

    /// A target flying north at 450 kt; an interceptor starting `gap` metres behind it
    /// closing at `speed` kt from `t_fast` until it is 1 km behind, then matching speed.
    fn histories(t_fast: f64, gap: f64, speed: f64, until: f64) -> (History, History, f64) {
        let mut ha = History::default();
        let mut hb = History::default();
        let start = LatLon::new(60.0, -150.0);
        let mut behind = gap;
        let mut join = None;
        for k in 0..(until as i64 / SAMPLE_S) {
            let t = (k * SAMPLE_S) as f64;
            let target = start.destination(0.0, t * 450.0 * 1852.0 / 3600.0);
            let v = if t >= t_fast && behind > 1_000.0 {
                speed
            } else {
                450.0
            };
            behind -= (v - 450.0) * 1852.0 / 3600.0 * SAMPLE_S as f64;
            if behind <= 1_000.0 && join.is_none() {
                join = Some(t);
            }
            let me = target.destination(180.0, behind.max(1_000.0));
            ha.push(k, sample(me, v, 0.0), 1024);
            hb.push(k, sample(target, 450.0, 0.0), 1024);
        }
        (ha, hb, join.unwrap_or(until))
    }

    #[test]
    fn closure_rate_and_interceptor() {
        let a = sample(LatLon::new(60.0, -150.0), 600.0, 0.0);
        let b = sample(LatLon::new(60.1, -150.0), 450.0, 0.0);
        let (kt, first) = closure(a, b, 200_000.0).unwrap();
        assert!((kt - 150.0).abs() < 0.5, "{kt}");
        assert!(first);
        let (kt, first) = closure(b, a, 200_000.0).unwrap();
        assert!((kt - 150.0).abs() < 0.5 && !first);
        assert_eq!(closure(a, b, 1_000.0), None);
    }

    #[test]
    fn a_fast_closing_run_before_the_join_is_an_intercept_with_its_onset() {
        let p = DetectorParams::DEFAULT;
        // 40 km behind, closing at 250 kt over 450 from t = 200 s: about 311 s of closing.
        let (ha, hb, join) = histories(200.0, 40_000.0, 700.0, 1_000.0);
        let f = find(&p, &ha, &hb, join).unwrap();
        assert!(f.first_intercepts);
        assert!((f.onset - 200.0).abs() <= 2.0, "{f:?}");
        assert!((f.max_closure_kt - 250.0).abs() < 5.0, "{f:?}");
        // The same join looked at from the other aircraft's side.
        let g = find(&p, &hb, &ha, join).unwrap();
        assert!(!g.first_intercepts && g.onset == f.onset);
    }

    #[test]
    fn slow_closing_or_a_short_burst_is_not_an_intercept() {
        let p = DetectorParams::DEFAULT;
        // 100 kt of closure: below the threshold.
        let (ha, hb, join) = histories(200.0, 10_000.0, 550.0, 1_000.0);
        assert_eq!(find(&p, &ha, &hb, join), None);
        // 250 kt for 20 s only (2.6 km gap).
        let (ha, hb, join) = histories(200.0, 3_600.0, 700.0, 1_000.0);
        assert_eq!(find(&p, &ha, &hb, join), None);
    }
}
