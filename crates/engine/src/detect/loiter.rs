//! Loiter / orbit: circling or flying a racetrack inside a small area.
//!
//! Fed with the aircraft's samples on the detectors' grid (every 2 s of data time). The
//! window is the longest run of recent samples that fits in a box of
//! [`DetectorParams::loiter_max_extent_m`]; when it spans
//! [`DetectorParams::loiter_min_duration`] and the track turned by
//! [`DetectorParams::loiter_min_turn_deg`] within it (the sum of the track's changes, each
//! counted once it reaches a degree, so that noise on a straight track adds nothing), a
//! loiter is raised with the window's first sample as onset. It is updated after each
//! further `loiter_min_turn_deg` of turn (centre, size, period), and ends when the pattern
//! no longer fits in the box or the aircraft lands or slows below
//! [`DetectorParams::loiter_min_speed_kt`].

use std::collections::VecDeque;

use picket_world::events::{DetectorParams, EventKind};
use picket_world::geo::{bearing_difference, LatLon, LocalFrame};

use super::history::{History, SAMPLE_S};
use crate::event::{Confidence, Detail, Event, Evidence, Phase};
use crate::track::TrackKey;

/// Most samples kept in the window (68 minutes at one every 2 s).
const MAX_SAMPLES: usize = 2048;
/// Distance from the flat frame's origin beyond which it is moved (the box is small, so
/// older samples are far outside it anyway).
const REANCHOR_M: f64 = 200_000.0;
/// Smallest change of track counted as turning, degrees.
const TURN_STEP_DEG: f64 = 1.0;
/// Length of a period of the recent-turn ring, seconds.
const MARK_S: f64 = 120.0;
/// Periods in the recent-turn ring (32 minutes).
const MARKS: usize = 16;
/// Turn within the ring's span that opens the window: an aircraft that turned less is
/// flying straight, and its window is not kept (it is rebuilt from the history when it
/// turns). No loiter pattern that fits the box at the lowest speed turns less than this
/// in 32 minutes, even on a racetrack with the longest legs.
const GATE_DEG: f64 = 90.0;

#[derive(Debug, Clone, Copy)]
struct Point {
    t: f64,
    x: f64,
    y: f64,
    turned: f64,
}

#[derive(Debug, Clone, Copy)]
struct Bbox {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Bbox {
    fn of(p: &Point) -> Bbox {
        Bbox {
            x0: p.x,
            x1: p.x,
            y0: p.y,
            y1: p.y,
        }
    }
    fn add(&mut self, p: &Point) {
        self.x0 = self.x0.min(p.x);
        self.x1 = self.x1.max(p.x);
        self.y0 = self.y0.min(p.y);
        self.y1 = self.y1.max(p.y);
    }
    fn fits(&self, extent: f64) -> bool {
        self.x1 - self.x0 <= extent && self.y1 - self.y0 <= extent
    }
}

/// The samples of the current window with their running extremes: monotonic queues of
/// (sequence number, value) give the window's minimum and maximum x and y in amortised
/// constant time as samples enter at the back and leave at the front.
#[derive(Debug, Clone, Default)]
struct Window {
    points: VecDeque<Point>,
    /// Sequence number of the front point.
    front_seq: u64,
    x_min: VecDeque<(u64, f64)>,
    x_max: VecDeque<(u64, f64)>,
    y_min: VecDeque<(u64, f64)>,
    y_max: VecDeque<(u64, f64)>,
}

fn push_extreme(q: &mut VecDeque<(u64, f64)>, seq: u64, v: f64, keep: impl Fn(f64, f64) -> bool) {
    while q.back().is_some_and(|&(_, b)| !keep(b, v)) {
        q.pop_back();
    }
    q.push_back((seq, v));
}

impl Window {
    fn clear(&mut self) {
        self.front_seq += self.points.len() as u64;
        self.points.clear();
        self.x_min.clear();
        self.x_max.clear();
        self.y_min.clear();
        self.y_max.clear();
    }

    fn len(&self) -> usize {
        self.points.len()
    }

    fn push(&mut self, p: Point) {
        let seq = self.front_seq + self.points.len() as u64;
        self.points.push_back(p);
        push_extreme(&mut self.x_min, seq, p.x, |old, new| old < new);
        push_extreme(&mut self.x_max, seq, p.x, |old, new| old > new);
        push_extreme(&mut self.y_min, seq, p.y, |old, new| old < new);
        push_extreme(&mut self.y_max, seq, p.y, |old, new| old > new);
    }

    fn pop_front(&mut self) {
        if self.points.pop_front().is_none() {
            return;
        }
        let gone = self.front_seq;
        self.front_seq += 1;
        for q in [&mut self.x_min, &mut self.x_max, &mut self.y_min, &mut self.y_max] {
            if q.front().is_some_and(|&(s, _)| s == gone) {
                q.pop_front();
            }
        }
    }

    fn bbox(&self) -> Option<Bbox> {
        Some(Bbox {
            x0: self.x_min.front()?.1,
            x1: self.x_max.front()?.1,
            y0: self.y_min.front()?.1,
            y1: self.y_max.front()?.1,
        })
    }

    fn heap_bytes(&self) -> usize {
        self.points.capacity() * std::mem::size_of::<Point>()
            + (self.x_min.capacity() + self.x_max.capacity() + self.y_min.capacity() + self.y_max.capacity())
                * std::mem::size_of::<(u64, f64)>()
    }
}

#[derive(Debug, Clone)]
struct Active {
    event: Event,
    bbox: Bbox,
    first: Point,
    reported_turn: f64,
}

/// One aircraft's loiter state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Loiter {
    anchor: Option<LocalFrame>,
    reference_track: Option<f64>,
    turned: f64,
    /// Boxed and allocated at the first airborne sample: ground traffic carries none.
    window: Option<Box<Window>>,
    /// Boxed: rare, and the state of every airborne aircraft stays small.
    active: Option<Box<Active>>,
    /// Accumulated turn at the start of each of the last [`MARKS`] periods of
    /// [`MARK_S`] seconds (a ring indexed by period).
    marks: [f32; MARKS],
    mark_period: Option<i64>,
    /// The window is being kept (the aircraft turned recently, or a loiter is active).
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
            // Keep the window's allocation for the next flight.
            let window = self.window.take().map(|mut w| {
                w.clear();
                w
            });
            *self = Loiter {
                window,
                ..Loiter::default()
            };
            return;
        }
        match self.reference_track {
            Some(r) => {
                let d = bearing_difference(r, f.track);
                if d.abs() >= TURN_STEP_DEG {
                    self.turned += d.abs();
                    self.reference_track = Some(f.track);
                }
            }
            None => self.reference_track = Some(f.track),
        }
        if !self.gate(f.t) {
            return;
        }
        let here = LatLon::new(f.lat, f.lon);
        if !self.open {
            self.open = true;
            self.backfill(p, history, k, here, f.track);
        }
        // The flat frame is exact enough within its 200 km; farther, it is moved.
        let mut xy = self.anchor.map(|a| a.to_xy(here));
        if xy.is_none_or(|(x, y)| x * x + y * y > REANCHOR_M * REANCHOR_M) {
            self.anchor = Some(LocalFrame::new(here));
            if let Some(w) = &mut self.window {
                w.clear();
            }
            xy = Some((0.0, 0.0));
        }
        let (x, y) = xy.unwrap_or_default();
        let point = Point {
            t: f.t,
            x,
            y,
            turned: self.turned,
        };
        let extent = p.loiter_max_extent_m;
        if let Some(act) = &mut self.active {
            let mut b = act.bbox;
            b.add(&point);
            if b.fits(extent) {
                act.bbox = b;
                if self.turned - act.reported_turn >= p.loiter_min_turn_deg {
                    act.reported_turn = self.turned;
                    let mut e = act.event.clone();
                    e.phase = Phase::Updated;
                    e.time = f.t;
                    e.detail = detail(self.anchor, &act.first, &point, &b);
                    e.push_evidence(evidence(key, f, "still circling"));
                    act.event = e.clone();
                    out.push(e);
                }
                return;
            }
            self.end(f.t, out);
            if let Some(w) = &mut self.window {
                w.clear();
            }
        }
        let window = self.window.get_or_insert_with(Box::default);
        window.push(point);
        if window.len() > MAX_SAMPLES {
            window.pop_front();
        }
        // Drop the oldest samples until the window fits again.
        let mut b = Bbox::of(&point);
        while let Some(w) = window.bbox() {
            b = w;
            if b.fits(extent) || window.len() <= 1 {
                break;
            }
            window.pop_front();
        }
        let (Some(first), Some(last)) = (window.points.front().copied(), window.points.back().copied())
        else {
            return;
        };
        if last.t - first.t >= p.loiter_min_duration.as_secs_f64()
            && last.turned - first.turned >= p.loiter_min_turn_deg
        {
            let mut e = Event::new(EventKind::Loiter, key, first.t, f.t);
            e.confidence = Confidence::High;
            e.detail = detail(self.anchor, &first, &last, &b);
            e.push_evidence(evidence(key, f, "circling"));
            out.push(e.clone());
            self.active = Some(Box::new(Active {
                event: e,
                bbox: b,
                first,
                reported_turn: self.turned,
            }));
            if let Some(w) = &mut self.window {
                w.clear();
            }
        }
    }

    /// Updates the recent-turn ring; true when the window is to be kept. Closing the
    /// gate drops the window.
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
        let open = self.active.is_some() || self.turned - f64::from(oldest) >= GATE_DEG;
        if !open && self.open {
            self.open = false;
            if let Some(w) = &mut self.window {
                w.clear();
            }
        }
        open
    }

    /// Rebuilds the window from the samples before grid step `k` that fit the box with
    /// the current position `here`, their accumulated turn counted back from now.
    fn backfill(&mut self, p: &DetectorParams, history: &History, k: i64, here: LatLon, track: f64) {
        let anchor = LocalFrame::new(here);
        self.anchor = Some(anchor);
        let window = self.window.get_or_insert_with(Box::default);
        window.clear();
        let extent = p.loiter_max_extent_m;
        let oldest = history.oldest().unwrap_or(k);
        let mut b = Bbox::of(&Point {
            t: 0.0,
            x: 0.0,
            y: 0.0,
            turned: 0.0,
        });
        // Back from now: how far the samples fit, and the turn between them.
        let (mut first, mut back_turn, mut next_track) = (k, 0.0, track);
        let mut j = k - 1;
        while j >= oldest && ((k - j) as usize) < MAX_SAMPLES {
            let Some(s) = history.get(j) else { break };
            let (x, y) = anchor.to_xy(LatLon::new(f64::from(s.lat), f64::from(s.lon)));
            let mut b2 = b;
            b2.add(&Point {
                t: 0.0,
                x,
                y,
                turned: 0.0,
            });
            if !b2.fits(extent) {
                break;
            }
            b = b2;
            let d = bearing_difference(f64::from(s.track), next_track).abs();
            if d >= TURN_STEP_DEG {
                back_turn += d;
            }
            next_track = f64::from(s.track);
            first = j;
            j -= 1;
        }
        // Forward again, pushing them with their accumulated turn.
        let mut turned = self.turned - back_turn;
        let mut prev: Option<f64> = None;
        for j in first..k {
            let Some(s) = history.get(j) else { break };
            if let Some(pt) = prev {
                let d = bearing_difference(pt, f64::from(s.track)).abs();
                if d >= TURN_STEP_DEG {
                    turned += d;
                }
            }
            prev = Some(f64::from(s.track));
            let (x, y) = anchor.to_xy(LatLon::new(f64::from(s.lat), f64::from(s.lon)));
            window.push(Point {
                t: (j * SAMPLE_S) as f64,
                x,
                y,
                turned,
            });
        }
    }

    /// Ends an active loiter at data time `t`.
    pub(crate) fn end(&mut self, t: f64, out: &mut Vec<Event>) {
        if let Some(act) = self.active.take() {
            let mut e = act.event;
            e.phase = Phase::Ended;
            e.time = t;
            e.ended = Some(t);
            out.push(e);
        }
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.window
            .as_ref()
            .map_or(0, |w| std::mem::size_of::<Window>() + w.heap_bytes())
    }
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
        position_source: None,
    }
}

fn detail(anchor: Option<LocalFrame>, first: &Point, last: &Point, b: &Bbox) -> Detail {
    let centre = anchor.map_or(LatLon::new(0.0, 0.0), |a| {
        a.from_xy((b.x0 + b.x1) / 2.0, (b.y0 + b.y1) / 2.0)
    });
    let turn = last.turned - first.turned;
    let period = (turn >= 360.0).then(|| (last.t - first.t) * 360.0 / turn);
    Detail::Loiter {
        centre,
        size_m: (b.x1 - b.x0).max(b.y1 - b.y0),
        period_s: period,
        turn_deg: turn,
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
        fixes: Vec<Fix>,
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
            self.h.push(k, sample, 1024);
            self.fixes.push(f);
            self.l.feed(&DetectorParams::DEFAULT, key(), f, &self.h, k, out);
        }
    }

    fn fix(t: f64, here: LatLon, gs: f64, track: f64) -> Fix {
        Fix {
            t,
            lat: here.lat,
            lon: here.lon,
            alt_baro: Some(25_000),
            gs,
            track,
            airborne: true,
        }
    }

    /// An orbit of radius `r` metres at `gs` knots around (37 N, 76 W), sampled every 2 s
    /// from `t0` for `seconds`.
    fn orbit(l: &mut Fed, t0: f64, seconds: u32, r: f64, gs: f64, out: &mut Vec<Event>) {
        let c = LatLon::new(37.0, -76.0);
        let omega = gs * 1852.0 / 3600.0 / r; // rad/s
        for k in 0..seconds / 2 {
            let t = f64::from(k * 2);
            let angle = (omega * t).to_degrees();
            let here = c.destination(angle, r);
            l.feed(fix(t0 + t, here, gs, (angle + 90.0).rem_euclid(360.0)), out);
        }
    }

    #[test]
    fn an_orbit_is_raised_once_with_centre_size_and_period_and_updated() {
        let mut l = Fed::default();
        let mut out = Vec::new();
        // Radius 8 km at 300 kt: a lap every 326 s.
        orbit(&mut l, 0.0, 3_600, 8_000.0, 300.0, &mut out);
        let started: Vec<Event> = out
            .iter()
            .filter(|e| e.phase == Phase::Started)
            .cloned()
            .collect();
        assert_eq!(started.len(), 1);
        let e = started[0].clone();
        assert_eq!(e.onset, 0.0);
        // 20 minutes is the longer condition (720 degrees take 652 s).
        assert!((e.time - 1_200.0).abs() <= 2.0, "{}", e.time);
        let Detail::Loiter {
            centre,
            size_m,
            period_s,
            ..
        } = e.detail
        else {
            panic!("{:?}", e.detail)
        };
        assert!(centre.distance_m(LatLon::new(37.0, -76.0)) < 300.0, "{centre:?}");
        assert!((size_m - 16_000.0).abs() < 300.0, "{size_m}");
        let period = period_s.unwrap();
        assert!((period - 326.0).abs() < 10.0, "{period}");
        assert!(out.iter().any(|x| x.phase == Phase::Updated && x.id == e.id));
        // Flying away ends it.
        for k in 0..100 {
            let here = LatLon::new(37.0, -76.0).destination(0.0, 8_000.0 + f64::from(k) * 300.0);
            l.feed(fix(3_600.0 + f64::from(k) * 2.0, here, 300.0, 0.0), &mut out);
        }
        let last = out.last().unwrap();
        assert_eq!((last.phase, last.id), (Phase::Ended, e.id));
        assert_eq!(out.iter().filter(|x| x.phase == Phase::Started).count(), 1);
    }

    /// The earliest sample from which every later one fits in the box, by brute force.
    fn earliest_fitting(fixes: &[Fix], extent: f64) -> f64 {
        let anchor = LocalFrame::new(LatLon::new(fixes[0].lat, fixes[0].lon));
        let pts: Vec<(f64, f64)> = fixes
            .iter()
            .map(|f| anchor.to_xy(LatLon::new(f.lat, f.lon)))
            .collect();
        let mut first = pts.len() - 1;
        while first > 0 {
            let mut b = Bbox::of(&Point {
                t: 0.0,
                x: pts[first - 1].0,
                y: pts[first - 1].1,
                turned: 0.0,
            });
            for q in &pts[first..] {
                b.add(&Point {
                    t: 0.0,
                    x: q.0,
                    y: q.1,
                    turned: 0.0,
                });
            }
            if !b.fits(extent) {
                break;
            }
            first -= 1;
        }
        fixes[first].t
    }

    /// A straight leg into an orbit: the window rebuilt from the history when the
    /// aircraft starts turning reaches back along the leg as far as it fits the box.
    #[test]
    fn the_straight_leg_into_an_orbit_is_part_of_the_pattern() {
        let mut l = Fed::default();
        let mut out = Vec::new();
        let c = LatLon::new(37.0, -76.0);
        let (r, gs) = (6_000.0, 250.0);
        let v = gs * 1852.0 / 3600.0;
        // 15 minutes flying east towards the orbit's entry point (due north of the centre,
        // flying east: track 90).
        let entry = c.destination(0.0, r);
        let mut t = 0.0;
        for k in (1..=450).rev() {
            let here = entry.destination(270.0, f64::from(k) * 2.0 * v);
            l.feed(fix(t, here, gs, 90.0), &mut out);
            t += 2.0;
        }
        assert!(!l.l.open, "flying straight keeps no window");
        // Then clockwise orbits for 40 minutes.
        let omega = v / r;
        for k in 0..1_200 {
            let a = (omega * f64::from(k) * 2.0).to_degrees();
            l.feed(
                fix(t, c.destination(a, r), gs, (a + 90.0).rem_euclid(360.0)),
                &mut out,
            );
            t += 2.0;
            if !out.is_empty() {
                break;
            }
        }
        assert_eq!(out.len(), 1, "{out:?}");
        let fixes = l.fixes.clone();
        let want = earliest_fitting(&fixes, DetectorParams::DEFAULT.loiter_max_extent_m);
        assert!(want < 900.0, "the leg is part of it: {want}");
        assert!((out[0].onset - want).abs() <= 2.0, "{} vs {want}", out[0].onset);
    }

    #[test]
    fn a_straight_line_a_wide_turn_or_a_short_hold_is_not_a_loiter() {
        let mut out = Vec::new();
        let mut l = Fed::default();
        // Straight for an hour with a noisy track.
        for k in 0..1_800 {
            let here = LatLon::new(50.0, 0.0).destination(90.0, f64::from(k) * 460.0);
            let noise = if k % 2 == 0 { 0.4 } else { -0.4 };
            l.feed(fix(f64::from(k) * 2.0, here, 450.0, 90.0 + noise), &mut out);
        }
        assert!(out.is_empty());
        assert!(l.l.window.is_none(), "never turned: no window allocated");
        // An orbit larger than the box.
        let mut l = Fed::default();
        orbit(&mut l, 0.0, 3_600, 20_000.0, 300.0, &mut out);
        assert!(out.is_empty());
        // A holding of 15 minutes.
        let mut l = Fed::default();
        orbit(&mut l, 0.0, 900, 3_000.0, 200.0, &mut out);
        assert!(out.is_empty());
    }
}
