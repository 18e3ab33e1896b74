//! Loiter / orbit: circles, racetracks and figure-eights, from a holding of a few
//! kilometres to a refuelling track with 150 km legs flown for hours.
//!
//! Fed with the aircraft's samples on the detectors' grid (every 2 s of data time). While
//! the aircraft turns (at least [`GATE_DEG`] within the last 32 minutes) the detector keeps
//! a decimated track: a point every [`POINT_S`] seconds or [`POINT_TURN_DEG`] degrees of
//! turn, rebuilt from the sample history when the turning begins. A *lap* is a return to
//! the track of an earlier point: the new point lies within a tolerance of an earlier
//! segment ([`TOL_MIN_M`], or [`TOL_SHARE`] of how far the aircraft went in between), with
//! the same track (within [`TRACK_MATCH_DEG`]) and altitude (within [`ALT_MATCH_FT`]), after
//! [`LAP_MIN_TURN_DEG`] of turning and [`MIN_LAP_S`] to [`MAX_LAP_S`] of time. Laps that
//! follow each other make a pattern, whose onset is the start of its first lap; a loiter is
//! raised once the pattern has lasted half of [`DetectorParams::loiter_min_duration`] when
//! it has two laps, or laps at least that long (a refuelling track is raised at the end of
//! its first lap), or one lap the aircraft is still flying (`Pattern::established`); or
//! when it has lasted all of it. Its shape comes from the latest lap: the principal axis of
//! its points gives the orientation, length and width; the net turn over the lap separates
//! circles and racetracks (one way round: 360 degrees) from figure-eights (none). It is
//! updated after each further [`DetectorParams::loiter_min_turn_deg`] of turn, and ends
//! when no lap has closed for one and a half periods, or the aircraft lands or slows below
//! [`DetectorParams::loiter_min_speed_kt`].
//!
//! Cost: a few comparisons per sample; per decimated point, one pass over the points of
//! the last [`MAX_LAP_S`] (at most [`MAX_POINTS`]). An aircraft flying straight keeps no
//! track and allocates nothing.

use std::collections::VecDeque;

use picket_world::events::{DetectorParams, EventKind};
use picket_world::geo::{bearing_difference, LatLon};

use super::history::{History, SAMPLE_S};
use crate::event::{Confidence, Detail, Event, Evidence, LoiterShape, Phase};
use crate::track::{PositionSource, TrackKey};

/// Most points kept (the decimated track).
const MAX_POINTS: usize = 1024;
/// A point at least this often, seconds.
const POINT_S: f64 = 20.0;
/// A point after this much turn since the last one, degrees.
const POINT_TURN_DEG: f64 = 15.0;
/// Smallest change of track counted as turning, degrees.
const TURN_STEP_DEG: f64 = 1.0;
/// Shortest lap, seconds.
const MIN_LAP_S: f64 = 90.0;
/// Longest lap, seconds (a racetrack with 150 km legs at 250 kt takes about 45 minutes).
const MAX_LAP_S: f64 = 90.0 * 60.0;
/// Smallest distance tolerance of a return to the track, metres.
const TOL_MIN_M: f64 = 2_000.0;
/// Tolerance of a return as a share of the farthest the aircraft went in between.
const TOL_SHARE: f64 = 0.2;
/// Track difference of a return, degrees.
const TRACK_MATCH_DEG: f64 = 40.0;
/// Altitude difference of a return, ft.
const ALT_MATCH_FT: i32 = 2_000;
/// Turn within a lap, degrees.
const LAP_MIN_TURN_DEG: f64 = 300.0;
/// Length of a period of the recent-turn ring, seconds.
const MARK_S: f64 = 120.0;
/// Periods in the recent-turn ring (32 minutes).
const MARKS: usize = 16;
/// Turn within the ring's span that opens the track: an aircraft that turned less is
/// flying straight, and keeps no track (it is rebuilt from the history when it turns).
/// Every pattern turns more than this in 32 minutes, even a racetrack with 150 km legs.
pub(crate) const GATE_DEG: f64 = 90.0;
/// Longest time (s) since the latest return for which an established pattern is raised at
/// a point that returns to nothing (half a lap at most).
const RAISE_GAP_S: f64 = 120.0;
/// Metres per degree of latitude.
const M_PER_DEG: f64 = 111_195.0;

/// One point of the decimated track.
#[derive(Debug, Clone, Copy)]
struct Pt {
    t: f64,
    lat: f64,
    lon: f64,
    track: f32,
    /// Signed accumulated turn (right positive), degrees.
    net: f32,
    /// Accumulated turn, degrees.
    turned: f64,
    /// Barometric altitude, ft (`i32::MIN`: unknown).
    alt: i32,
}

impl Pt {
    /// Position of `q` in metres east and north of `self` (flat within a few hundred km).
    fn xy(&self, q: &Pt) -> (f64, f64) {
        self.xy_with(self.lat.to_radians().cos(), q)
    }

    /// [`Pt::xy`] with the cosine of `self`'s latitude given.
    fn xy_with(&self, k: f64, q: &Pt) -> (f64, f64) {
        let mut dlon = q.lon - self.lon;
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        (dlon * k * M_PER_DEG, (q.lat - self.lat) * M_PER_DEG)
    }

    fn alt(&self) -> Option<i32> {
        (self.alt != i32::MIN).then_some(self.alt)
    }
}

/// Distance from the origin to the segment a-b, and where along it the nearest point is.
fn segment_distance(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let f = if len2 > 0.0 {
        (-(a.0 * dx + a.1 * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (x, y) = (a.0 + f * dx, a.1 + f * dy);
    ((x * x + y * y).sqrt(), f)
}

/// What a lap says about the pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shape {
    shape: LoiterShape,
    centre: LatLon,
    length_m: f64,
    width_m: f64,
    orientation_deg: f64,
}

/// The shape of the lap made of `pts` (oldest first).
fn shape_of(pts: &[Pt]) -> Shape {
    let Some(origin) = pts.last() else {
        return Shape {
            shape: LoiterShape::Irregular,
            centre: LatLon::new(0.0, 0.0),
            length_m: 0.0,
            width_m: 0.0,
            orientation_deg: 0.0,
        };
    };
    let n = pts.len() as f64;
    let xy: Vec<(f64, f64)> = pts.iter().map(|q| origin.xy(q)).collect();
    let (mx, my) = xy.iter().fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for &(x, y) in &xy {
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
        sxy += (x - mx) * (y - my);
    }
    // The principal axis, as an angle from east.
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let (c, s) = (theta.cos(), theta.sin());
    let (mut u0, mut u1, mut v0, mut v1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &xy {
        let (u, v) = (x * c + y * s, -x * s + y * c);
        u0 = u0.min(u);
        u1 = u1.max(u);
        v0 = v0.min(v);
        v1 = v1.max(v);
    }
    let (uc, vc) = ((u0 + u1) / 2.0, (v0 + v1) / 2.0);
    let (cx, cy) = (uc * c - vc * s, uc * s + vc * c);
    let k = origin.lat.to_radians().cos().max(1e-6);
    let centre = LatLon::new(
        origin.lat + cy / M_PER_DEG,
        picket_world::geo::normalize_lon(origin.lon + cx / (k * M_PER_DEG)),
    );
    let (length_m, width_m) = (u1 - u0, v1 - v0);
    let first = pts[0];
    let net = f64::from(origin.net - first.net);
    let turned = origin.turned - first.turned;
    let shape = if net.abs() >= 270.0 {
        if length_m < 1.5 * width_m {
            LoiterShape::Circle
        } else {
            LoiterShape::Racetrack
        }
    } else if net.abs() <= 120.0 && turned >= 360.0 {
        LoiterShape::FigureEight
    } else {
        LoiterShape::Irregular
    };
    Shape {
        shape,
        centre,
        length_m,
        width_m,
        orientation_deg: (90.0 - theta.to_degrees()).rem_euclid(180.0),
    }
}

/// A pattern of laps.
#[derive(Debug, Clone)]
struct Pattern {
    onset: f64,
    /// Accumulated turn at the onset.
    onset_turned: f64,
    /// Data time of the latest return.
    last_lap: f64,
    period: f64,
    shape: Shape,
    alt_band: Option<(i32, i32)>,
    /// The event, once raised.
    event: Option<Event>,
    reported_turn: f64,
}

impl Pattern {
    /// Whether the pattern, its latest lap closed at `closed`, is one to raise at `now`
    /// (the aircraft at `f`). Nothing before half of
    /// [`DetectorParams::loiter_min_duration`] (10 minutes); then, while the aircraft is on
    /// its laps (a return now, or at most half a lap or [`RAISE_GAP_S`] ago): two laps, or
    /// one lap of at least that half (a lap that long is a pattern flown for that long: a
    /// calibration pattern of 25 km legs, a refuelling track), or one lap and the whole
    /// minimum duration. And one lap that the aircraft is still flying: less than a lap
    /// since it closed, inside its outline and at its height (a single loop followed by a
    /// departure is not).
    fn established(&self, p: &DetectorParams, closed: f64, now: f64, f: &Fix) -> bool {
        let min = p.loiter_min_duration.as_secs_f64();
        let since = now - self.onset;
        if since < min / 2.0 {
            return false;
        }
        let laps = (closed - self.onset) / self.period.max(1.0);
        let gap = now - closed;
        let on_it = gap <= (0.5 * self.period).min(RAISE_GAP_S);
        if on_it && (laps >= 1.9 || self.period >= min / 2.0 || since >= min) {
            return true;
        }
        laps >= 0.9 && gap <= self.period && self.inside(f)
    }

    /// Whether `f` is inside the pattern's outline (its length around the centre, with the
    /// return tolerance) and within its altitude band.
    fn inside(&self, f: &Fix) -> bool {
        let d = self.shape.centre.distance_m(LatLon::new(f.lat, f.lon));
        let alt_ok = match (self.alt_band, f.alt_baro) {
            (Some((lo, hi)), Some(a)) => a >= lo - ALT_MATCH_FT && a <= hi + ALT_MATCH_FT,
            _ => true,
        };
        d <= 0.5 * self.shape.length_m + TOL_MIN_M && alt_ok
    }

    /// Raises the pattern's event at the time of `f`.
    fn raise(&mut self, key: TrackKey, f: Fix, turned: f64, out: &mut Vec<Event>) {
        let mut e = Event::new(EventKind::Loiter, key, self.onset, f.t);
        e.confidence = Confidence::High;
        e.detail = self.detail(turned);
        e.push_evidence(evidence(key, f, "lap closed"));
        out.push(e.clone());
        self.event = Some(e);
        self.reported_turn = turned;
    }

    fn detail(&self, turned: f64) -> Detail {
        let s = &self.shape;
        Detail::Loiter {
            centre: s.centre,
            size_m: s.length_m,
            period_s: Some(self.period),
            turn_deg: turned - self.onset_turned,
            shape: s.shape,
            leg_m: (s.shape == LoiterShape::Racetrack).then_some(s.length_m - s.width_m),
            width_m: s.width_m,
            orientation_deg: s.orientation_deg,
            alt_band: self.alt_band,
            laps: if self.period > 0.0 {
                ((self.last_lap - self.onset) / self.period).max(1.0)
            } else {
                1.0
            },
        }
    }
}

/// One aircraft's loiter state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Loiter {
    reference_track: Option<f64>,
    turned: f64,
    net: f64,
    /// The decimated track: allocated when the aircraft first turns. Boxed so that the
    /// state of every aircraft that never turns costs one word, not a deque's four.
    #[allow(clippy::box_collection)]
    points: Option<Box<VecDeque<Pt>>>,
    /// Boxed: rare, and the state of every airborne aircraft stays small.
    pattern: Option<Box<Pattern>>,
    /// Accumulated turn at the start of each of the last [`MARKS`] periods of
    /// [`MARK_S`] seconds (a ring indexed by period).
    marks: [f32; MARKS],
    mark_period: Option<i64>,
    /// The track is being kept (the aircraft turned recently, or a pattern is on).
    open: bool,
}

/// One sample of an aircraft for the loiter detector.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fix {
    pub(crate) t: f64,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    pub(crate) alt_baro: Option<i32>,
    pub(crate) gs: f64,
    pub(crate) track: f64,
    pub(crate) airborne: bool,
    /// Where the position came from (evidence says when it is not ADS-B).
    pub(crate) source: PositionSource,
}

impl Loiter {
    /// Takes the next sample of aircraft `key` (grid step `k` of its `history`, which
    /// holds this sample already).
    pub(crate) fn feed(
        &mut self,
        p: &DetectorParams,
        key: TrackKey,
        f: Fix,
        history: &History,
        k: i64,
        out: &mut Vec<Event>,
    ) {
        if !f.airborne || f.gs < p.loiter_min_speed_kt {
            self.end(f.t, out);
            // Keep the track's allocation for the next flight.
            let points = self.points.take().map(|mut w| {
                w.clear();
                w
            });
            *self = Loiter {
                points,
                ..Loiter::default()
            };
            return;
        }
        match self.reference_track {
            Some(r) => {
                let d = bearing_difference(r, f.track);
                if d.abs() >= TURN_STEP_DEG {
                    self.turned += d.abs();
                    self.net += d;
                    self.reference_track = Some(f.track);
                }
            }
            None => self.reference_track = Some(f.track),
        }
        if !self.gate(f.t) {
            return;
        }
        if !self.open {
            self.open = true;
            self.backfill(history, k, f.track);
        }
        let here = Pt {
            t: f.t,
            lat: f.lat,
            lon: f.lon,
            track: f.track as f32,
            net: self.net as f32,
            turned: self.turned,
            alt: f.alt_baro.unwrap_or(i32::MIN),
        };
        let points = self.points.get_or_insert_with(Box::default);
        let due = points
            .back()
            .is_none_or(|b| here.t - b.t >= POINT_S || here.turned - b.turned >= POINT_TURN_DEG);
        if due {
            points.push_back(here);
            if points.len() > MAX_POINTS {
                points.pop_front();
            }
            self.on_point(p, key, f, out);
        }
        // A pattern whose laps stopped closing is over.
        if let Some(pat) = &self.pattern {
            if f.t - pat.last_lap > (1.5 * pat.period).max(pat.period + 300.0) {
                self.end(f.t, out);
            }
        }
    }

    /// A new point: looks for the return that closes a lap, and follows the pattern.
    fn on_point(&mut self, p: &DetectorParams, key: TrackKey, f: Fix, out: &mut Vec<Event>) {
        let Some(points) = self.points.as_deref() else {
            return;
        };
        let now = f.t;
        let Some(lap) = find_lap(points) else {
            // No return at this point (a figure-eight crosses its earlier lap only here and
            // there; a circle drifts off it for a moment): a pattern that is established is
            // raised now rather than at its next return.
            let turned = self.turned;
            if let Some(pat) = self.pattern.as_deref_mut() {
                if pat.event.is_none() && pat.established(p, pat.last_lap, now, &f) {
                    pat.raise(key, f, turned, out);
                }
            }
            return;
        };
        let (start_t, first, per_laps) = lap;
        let laps: Vec<Pt> = points.iter().skip(first).copied().collect();
        let shape = shape_of(&laps);
        let band = laps
            .iter()
            .filter_map(Pt::alt)
            .fold(None, |b: Option<(i32, i32)>, a| {
                Some(b.map_or((a, a), |(lo, hi)| (lo.min(a), hi.max(a))))
            });
        let continues = self
            .pattern
            .as_ref()
            .is_some_and(|pat| start_t <= pat.last_lap + POINT_S);
        if !continues {
            self.end(now, out);
            let onset_turned = laps.first().map_or(self.turned, |q| q.turned);
            self.pattern = Some(Box::new(Pattern {
                onset: start_t,
                onset_turned,
                last_lap: now,
                period: (now - start_t) / per_laps,
                shape,
                alt_band: band,
                event: None,
                reported_turn: self.turned,
            }));
        }
        let turned = self.turned;
        let Some(pat) = self.pattern.as_deref_mut() else {
            return;
        };
        if continues {
            pat.last_lap = now;
            pat.period = 0.7 * pat.period + 0.3 * (now - start_t) / per_laps;
            pat.shape = shape;
            pat.alt_band = match (pat.alt_band, band) {
                (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
                (x, y) => x.or(y),
            };
        }
        if pat.event.is_none() {
            if pat.established(p, now, now, &f) {
                pat.raise(key, f, turned, out);
            }
            return;
        }
        if turned - pat.reported_turn >= p.loiter_min_turn_deg {
            let detail = pat.detail(turned);
            pat.reported_turn = turned;
            if let Some(e) = &mut pat.event {
                e.phase = Phase::Updated;
                e.time = now;
                e.detail = detail;
                e.push_evidence(evidence(key, f, "still circling"));
                out.push(e.clone());
            }
        }
    }

    /// Updates the recent-turn ring; true when the track is to be kept. Closing the gate
    /// drops the track.
    fn gate(&mut self, t: f64) -> bool {
        let period = (t / MARK_S).floor() as i64;
        let turned = self.turned as f32;
        match self.mark_period {
            None => self.marks = [turned; MARKS],
            Some(last) if period > last => {
                for q in (last + 1)..=period.min(last + MARKS as i64) {
                    self.marks[q.rem_euclid(MARKS as i64) as usize] = turned;
                }
            }
            Some(_) => {}
        }
        self.mark_period = Some(self.mark_period.map_or(period, |m| m.max(period)));
        let oldest = self.marks[(period + 1).rem_euclid(MARKS as i64) as usize];
        let open = self.pattern.is_some() || self.turned - f64::from(oldest) >= GATE_DEG;
        if !open && self.open {
            self.open = false;
            if let Some(w) = &mut self.points {
                w.clear();
            }
        }
        open
    }

    /// Rebuilds the track from the samples before grid step `k`, their accumulated turn
    /// counted back from now (the history has no altitude: those points have none).
    fn backfill(&mut self, history: &History, k: i64, track: f64) {
        let points = self.points.get_or_insert_with(Box::default);
        points.clear();
        let oldest = history.oldest().unwrap_or(k).max(k - MAX_LAP_S as i64 / SAMPLE_S);
        let mut samples = Vec::new();
        for j in oldest..k {
            if let Some(s) = history.get(j) {
                samples.push(((j * SAMPLE_S) as f64, s));
            }
        }
        // Turn from each sample to now, counted back.
        let mut back = vec![(0.0f64, 0.0f64); samples.len()];
        let (mut abs, mut net, mut next) = (0.0, 0.0, track);
        for (i, (_, s)) in samples.iter().enumerate().rev() {
            let d = bearing_difference(f64::from(s.track), next);
            if d.abs() >= TURN_STEP_DEG {
                abs += d.abs();
                net += d;
            }
            next = f64::from(s.track);
            back[i] = (abs, net);
        }
        let mut last: Option<Pt> = None;
        for ((t, s), (abs, net)) in samples.into_iter().zip(back) {
            let pt = Pt {
                t,
                lat: f64::from(s.lat),
                lon: f64::from(s.lon),
                track: s.track,
                net: (self.net - net) as f32,
                turned: self.turned - abs,
                alt: i32::MIN,
            };
            if last.is_none_or(|b| pt.t - b.t >= POINT_S || pt.turned - b.turned >= POINT_TURN_DEG) {
                points.push_back(pt);
                last = Some(pt);
            }
        }
        while points.len() > MAX_POINTS {
            points.pop_front();
        }
    }

    /// Ends an active loiter at data time `t`.
    pub(crate) fn end(&mut self, t: f64, out: &mut Vec<Event>) {
        if let Some(pat) = self.pattern.take() {
            if let Some(mut e) = pat.event {
                e.phase = Phase::Ended;
                e.time = t;
                e.ended = Some(pat.last_lap.min(t));
                out.push(e);
            }
        }
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.points.as_ref().map_or(0, |w| {
            std::mem::size_of::<VecDeque<Pt>>() + w.capacity() * std::mem::size_of::<Pt>()
        }) + self
            .pattern
            .as_ref()
            .map_or(0, |_| std::mem::size_of::<Pattern>())
    }
}

/// The lap the newest point closes: the start time of the lap, the index of its first
/// point, and how many laps it spans (a return missed one lap back is found two laps back:
/// by the turn in between, 360 degrees a lap one way round, 720 in a figure-eight). Of the
/// earlier segments the point returns to, the nearest within the most recent run of
/// candidates.
fn find_lap(points: &VecDeque<Pt>) -> Option<(f64, usize, f64)> {
    let n = points.len();
    let now = *points.back()?;
    // Most aircraft that turn (arrivals, departures) never turn a lap's worth within the
    // longest lap: the oldest point in reach says so without looking at the others.
    let oldest = points.partition_point(|q| now.t - q.t > MAX_LAP_S);
    if points
        .get(oldest)
        .is_none_or(|q| now.turned - q.turned < LAP_MIN_TURN_DEG)
    {
        return None;
    }
    let k = now.lat.to_radians().cos();
    let xy = |q: &Pt| now.xy_with(k, q);
    let mut farthest: f64 = 0.0;
    let mut best: Option<(usize, f64, f64)> = None;
    for j in (0..n.saturating_sub(1)).rev() {
        let q = points[j];
        let age = now.t - q.t;
        if age > MAX_LAP_S {
            break;
        }
        let (x, y) = xy(&q);
        farthest = farthest.max((x * x + y * y).sqrt());
        if age < MIN_LAP_S || j + 1 >= n - 1 {
            continue;
        }
        let r = points[j + 1];
        let (d, frac) = segment_distance((x, y), xy(&r));
        let tol = TOL_MIN_M.max(TOL_SHARE * farthest);
        let alt_ok = match (now.alt(), q.alt()) {
            (Some(a), Some(b)) => (a - b).abs() <= ALT_MATCH_FT,
            _ => true,
        };
        let candidate = d <= tol
            && farthest >= 3.0 * tol
            && now.turned - q.turned >= LAP_MIN_TURN_DEG
            && bearing_difference(f64::from(q.track), f64::from(now.track)).abs() <= TRACK_MATCH_DEG
            && alt_ok;
        if candidate {
            if best.is_none_or(|b| d < b.1) {
                best = Some((j, d, q.t + frac * (r.t - q.t)));
            }
        } else if best.is_some() {
            break;
        }
    }
    let (j, _, t) = best?;
    let q = points[j];
    let net = f64::from(now.net - q.net).abs();
    let turned = now.turned - q.turned;
    let per_lap = if net >= 0.75 * turned { 360.0 } else { 720.0 };
    Some((t, j, (turned / per_lap).round().max(1.0)))
}

fn evidence(key: TrackKey, f: Fix, note: &'static str) -> Evidence {
    Evidence {
        time: f.t,
        hex: key,
        lat: Some(f.lat),
        lon: Some(f.lon),
        alt_baro: f.alt_baro,
        gs: Some(f.gs as f32),
        note,
        position_source: Evidence::label(f.source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::history::Sample;
    use picket_modes::Icao;

    fn key() -> TrackKey {
        TrackKey::icao(Icao(0xae01ce))
    }

    /// A loiter detector with its aircraft's history, fed the way the detectors do.
    #[derive(Default)]
    struct Fed {
        l: Loiter,
        h: History,
    }

    impl Fed {
        fn feed(&mut self, f: Fix, out: &mut Vec<Event>) {
            let k = (f.t / SAMPLE_S as f64).round() as i64;
            let sample = Sample {
                lat: f.lat as f32,
                lon: f.lon as f32,
                gs: f.gs as f32,
                track: f.track as f32,
            };
            self.h.push(k, sample, 916);
            self.l.feed(&DetectorParams::DEFAULT, key(), f, &self.h, k, out);
        }
    }

    fn fix(t: f64, here: LatLon, gs: f64, track: f64, alt: i32) -> Fix {
        Fix {
            t,
            lat: here.lat,
            lon: here.lon,
            alt_baro: Some(alt),
            gs,
            track,
            airborne: true,
            source: PositionSource::Adsb,
        }
    }

    /// Flies a path given as a function of time (position, track), sampled every 2 s.
    fn fly(
        l: &mut Fed,
        t0: f64,
        seconds: f64,
        alt: i32,
        gs: f64,
        path: impl Fn(f64) -> (LatLon, f64),
        out: &mut Vec<Event>,
    ) {
        let mut t = 0.0;
        while t < seconds {
            let (here, track) = path(t);
            l.feed(fix(t0 + t, here, gs, track, alt), out);
            t += 2.0;
        }
    }

    /// A racetrack: legs of `leg` metres, `width` apart, flown clockwise at `gs` knots, its
    /// long axis along `axis` degrees, centred on `c`; the position and track at time t.
    fn racetrack(c: LatLon, axis: f64, leg: f64, width: f64, gs: f64) -> impl Fn(f64) -> (LatLon, f64) {
        let v = gs * 1852.0 / 3600.0;
        let r = width / 2.0;
        let turn = std::f64::consts::PI * r;
        let lap = 2.0 * leg + 2.0 * turn;
        move |t: f64| {
            let s = (t * v).rem_euclid(lap);
            // Local frame: u along the axis, w to its right; start at the left end of the
            // upper (right-hand) leg heading along the axis.
            let (u, w, tr) = if s < leg {
                (-leg / 2.0 + s, -r, axis)
            } else if s < leg + turn {
                let a = (s - leg) / r; // radians turned
                (leg / 2.0 + r * a.sin(), -r * a.cos(), axis + a.to_degrees())
            } else if s < 2.0 * leg + turn {
                (leg / 2.0 - (s - leg - turn), r, axis + 180.0)
            } else {
                let a = (s - 2.0 * leg - turn) / r;
                (
                    -leg / 2.0 - r * a.sin(),
                    r * a.cos(),
                    axis + 180.0 + a.to_degrees(),
                )
            };
            let ax = axis.to_radians();
            // East/north of the point: u along the axis bearing, w to its right.
            let east = u * ax.sin() + w * ax.cos();
            let north = u * ax.cos() - w * ax.sin();
            let d = (east * east + north * north).sqrt();
            let brg = east.atan2(north).to_degrees();
            (c.destination(brg, d), tr.rem_euclid(360.0))
        }
    }

    fn circle(c: LatLon, r: f64, gs: f64) -> impl Fn(f64) -> (LatLon, f64) {
        let omega = gs * 1852.0 / 3600.0 / r;
        move |t: f64| {
            let a = (omega * t).to_degrees();
            (c.destination(a, r), (a + 90.0).rem_euclid(360.0))
        }
    }

    fn loiter(e: &Event) -> (LoiterShape, f64, Option<f64>, f64, f64, f64) {
        let Detail::Loiter {
            shape,
            size_m,
            leg_m,
            width_m,
            orientation_deg,
            period_s,
            ..
        } = e.detail
        else {
            panic!("{:?}", e.detail)
        };
        (
            shape,
            size_m,
            leg_m,
            width_m,
            orientation_deg,
            period_s.unwrap_or(0.0),
        )
    }

    #[test]
    fn an_orbit_is_raised_once_with_centre_size_and_period_and_updated() {
        let mut l = Fed::default();
        let mut out = Vec::new();
        let c = LatLon::new(37.0, -76.0);
        // Radius 8 km at 300 kt: a lap every 326 s.
        fly(
            &mut l,
            0.0,
            3_600.0,
            25_000,
            300.0,
            circle(c, 8_000.0, 300.0),
            &mut out,
        );
        let started: Vec<&Event> = out.iter().filter(|e| e.phase == Phase::Started).collect();
        assert_eq!(started.len(), 1);
        let e = started[0].clone();
        assert!(e.onset <= 20.0, "{}", e.onset);
        // Two laps and half the minimum duration: 10 minutes.
        assert!((e.time - 600.0).abs() <= 30.0, "{}", e.time);
        let (shape, size, leg, width, _, period) = loiter(&e);
        assert_eq!(shape, LoiterShape::Circle);
        assert_eq!(leg, None);
        let Detail::Loiter {
            centre,
            alt_band,
            laps,
            ..
        } = e.detail
        else {
            unreachable!()
        };
        assert!(centre.distance_m(c) < 500.0, "{centre:?}");
        assert!(
            (size - 16_000.0).abs() < 800.0 && (width - 16_000.0).abs() < 800.0,
            "{size} {width}"
        );
        assert!((period - 326.0).abs() < 10.0, "{period}");
        assert_eq!(alt_band, Some((25_000, 25_000)));
        assert!((laps - 1.8).abs() < 0.3, "{laps}");
        assert!(out.iter().any(|x| x.phase == Phase::Updated && x.id == e.id));
        // Flying away ends it.
        for k in 0..600 {
            let here = c.destination(0.0, 8_000.0 + f64::from(k) * 300.0);
            l.feed(
                fix(3_600.0 + f64::from(k) * 2.0, here, 300.0, 0.0, 25_000),
                &mut out,
            );
        }
        let last = out.last().unwrap();
        assert_eq!((last.phase, last.id), (Phase::Ended, e.id));
        assert_eq!(out.iter().filter(|x| x.phase == Phase::Started).count(), 1);
    }

    /// A tanker's racetrack of 120 km legs 30 km apart at FL250: raised at the end of its
    /// first lap (longer than the minimum duration), a racetrack along its axis with legs
    /// within 20 % of 120 km.
    #[test]
    fn a_refuelling_racetrack_with_120_km_legs() {
        let mut l = Fed::default();
        let mut out = Vec::new();
        let c = LatLon::new(52.0, 20.0);
        let path = racetrack(c, 60.0, 120_000.0, 30_000.0, 420.0);
        let lap = (2.0 * 120_000.0 + std::f64::consts::PI * 30_000.0) / (420.0 * 1852.0 / 3600.0);
        fly(&mut l, 0.0, 3.0 * 3_600.0, 25_000, 420.0, path, &mut out);
        let started: Vec<&Event> = out.iter().filter(|e| e.phase == Phase::Started).collect();
        assert_eq!(started.len(), 1, "{out:?}");
        let e = started[0];
        assert!(
            e.time - e.onset <= lap + 600.0,
            "raised {} s after the onset, lap {lap}",
            e.time - e.onset
        );
        assert!(e.onset < 600.0, "{}", e.onset);
        let (shape, size, leg, width, orientation, period) = loiter(e);
        assert_eq!(shape, LoiterShape::Racetrack);
        let leg = leg.unwrap();
        assert!((leg - 120_000.0).abs() <= 24_000.0, "leg {leg}");
        assert!((width - 30_000.0).abs() <= 6_000.0, "width {width}");
        assert!((size - 150_000.0).abs() <= 15_000.0, "size {size}");
        assert!((orientation - 60.0).abs() <= 5.0, "orientation {orientation}");
        assert!((period - lap).abs() <= 0.05 * lap, "period {period} vs {lap}");
        // Still on when the input ends: not ended.
        assert!(!out.iter().any(|x| x.phase == Phase::Ended));
    }

    /// A figure-eight (a lemniscate of Gerono, its lobes crossing at right angles), 16 km
    /// long and 8 km wide, a lap every 10 minutes.
    #[test]
    fn a_figure_eight() {
        let mut l = Fed::default();
        let mut out = Vec::new();
        let c = LatLon::new(46.0, 7.0);
        let (a, period) = (8_000.0, 600.0);
        let w = 2.0 * std::f64::consts::PI / period;
        let path = move |t: f64| {
            let s = w * t;
            let (x, y) = (a * s.sin(), a / 2.0 * (2.0 * s).sin());
            let (dx, dy) = (a * s.cos(), a * (2.0 * s).cos());
            let d = (x * x + y * y).sqrt();
            (
                c.destination(x.atan2(y).to_degrees(), d),
                dx.atan2(dy).to_degrees().rem_euclid(360.0),
            )
        };
        fly(&mut l, 0.0, 2_400.0, 3_000, 150.0, path, &mut out);
        let e = out.iter().find(|e| e.phase == Phase::Started).expect("raised");
        let (shape, size, leg, width, orientation, p) = loiter(e);
        assert_eq!(shape, LoiterShape::FigureEight);
        assert_eq!(leg, None);
        assert!((size - 2.0 * a).abs() < 0.1 * 2.0 * a, "{size}");
        assert!((width - a).abs() < 0.15 * a, "{width}");
        assert!((orientation - 90.0).abs() < 5.0, "{orientation}");
        assert!((p - period).abs() < 0.05 * period, "{p}");
    }

    #[test]
    fn a_straight_line_turns_without_a_pattern_or_a_short_hold_are_not_a_loiter() {
        let mut out = Vec::new();
        let mut l = Fed::default();
        // Straight for an hour with a noisy track.
        for k in 0..1_800 {
            let here = LatLon::new(50.0, 0.0).destination(90.0, f64::from(k) * 460.0);
            let noise = if k % 2 == 0 { 0.4 } else { -0.4 };
            l.feed(
                fix(f64::from(k) * 2.0, here, 450.0, 90.0 + noise, 35_000),
                &mut out,
            );
        }
        assert!(out.is_empty());
        assert!(l.l.points.is_none(), "never turned: no track allocated");
        // A climb-out: a full turn while climbing 6,000 ft, then away on a new heading.
        let mut l = Fed::default();
        let c = LatLon::new(47.0, 8.0);
        let turn = circle(c, 4_000.0, 220.0);
        let lap = 2.0 * std::f64::consts::PI * 4_000.0 / (220.0 * 1852.0 / 3600.0);
        let mut t = 0.0;
        while t < 3_600.0 {
            let (here, track, alt) = if t < 1.3 * lap {
                let (h, tr) = turn(t);
                (h, tr, 2_000 + (t / (1.3 * lap) * 6_000.0) as i32)
            } else {
                let (h0, tr0) = turn(1.3 * lap);
                (
                    h0.destination(tr0, (t - 1.3 * lap) * 220.0 * 1852.0 / 3600.0),
                    tr0,
                    8_000,
                )
            };
            l.feed(fix(t, here, 220.0, track, alt), &mut out);
            t += 2.0;
        }
        assert!(out.is_empty(), "{out:?}");
        // An approach: a procedure turn out and back, then downwind, base and a long
        // final to the runway.
        let mut l = Fed::default();
        let mut here = LatLon::new(47.5, 8.5);
        let legs = [
            (0.0, 300.0),
            (45.0, 60.0),
            (225.0, 90.0),
            (180.0, 240.0),
            (90.0, 400.0),
            (0.0, 90.0),
            (270.0, 900.0),
        ];
        let mut t = 0.0;
        for (track, secs) in legs {
            let mut s = 0.0;
            while s < secs {
                here = here.destination(track, 2.0 * 180.0 * 1852.0 / 3600.0);
                l.feed(fix(t, here, 180.0, track, 3_000), &mut out);
                t += 2.0;
                s += 2.0;
            }
        }
        assert!(out.is_empty(), "{out:?}");
        // One and a half turns of a holding (shorter than half the minimum duration).
        let mut l = Fed::default();
        fly(
            &mut l,
            0.0,
            500.0,
            8_000,
            200.0,
            circle(c, 3_000.0, 200.0),
            &mut out,
        );
        assert!(out.is_empty());
    }

    /// The shape of a lap's points, by itself.
    #[test]
    fn shape_of_a_lap() {
        let c = LatLon::new(0.0, 0.0);
        let path = racetrack(c, 90.0, 40_000.0, 10_000.0, 300.0);
        let (mut pts, mut turned, mut net, mut prev) = (Vec::new(), 0.0, 0.0, None::<f64>);
        let lap = (80_000.0 + std::f64::consts::PI * 10_000.0) / (300.0 * 1852.0 / 3600.0);
        let mut t = 0.0;
        while t <= lap {
            let (h, tr) = path(t);
            if let Some(p) = prev {
                let d = bearing_difference(p, tr);
                turned += d.abs();
                net += d;
            }
            prev = Some(tr);
            pts.push(Pt {
                t,
                lat: h.lat,
                lon: h.lon,
                track: tr as f32,
                net: net as f32,
                turned,
                alt: 20_000,
            });
            t += 10.0;
        }
        let s = shape_of(&pts);
        assert_eq!(s.shape, LoiterShape::Racetrack);
        assert!((s.length_m - 50_000.0).abs() < 1_000.0, "{s:?}");
        assert!((s.width_m - 10_000.0).abs() < 500.0, "{s:?}");
        assert!((s.orientation_deg - 90.0).abs() < 2.0, "{s:?}");
        assert!(s.centre.distance_m(c) < 500.0, "{s:?}");
    }
}
