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

use crate::event::{Confidence, Detail, Event, Evidence, Phase};
use crate::track::TrackKey;

/// Most samples kept in the window (68 minutes at one every 2 s).
const MAX_SAMPLES: usize = 2048;
/// Distance from the flat frame's origin beyond which it is moved (the box is small, so
/// older samples are far outside it anyway).
const REANCHOR_M: f64 = 200_000.0;
/// Smallest change of track counted as turning, degrees.
const TURN_STEP_DEG: f64 = 1.0;

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
    window: VecDeque<Point>,
    bbox: Option<Bbox>,
    active: Option<Active>,
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
    /// Takes the next sample of aircraft `key`.
    pub(crate) fn feed(&mut self, p: &DetectorParams, key: TrackKey, f: Fix, out: &mut Vec<Event>) {
        if !f.airborne || f.gs < p.loiter_min_speed_kt {
            self.end(f.t, out);
            *self = Loiter::default();
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
        let here = LatLon::new(f.lat, f.lon);
        if self
            .anchor
            .is_none_or(|a| a.origin().distance_m(here) > REANCHOR_M)
        {
            self.anchor = Some(LocalFrame::new(here));
            self.window.clear();
            self.bbox = None;
        }
        let (x, y) = self.anchor.map_or((0.0, 0.0), |a| a.to_xy(here));
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
            self.window.clear();
            self.bbox = None;
        }
        self.window.push_back(point);
        if self.window.len() > MAX_SAMPLES {
            self.window.pop_front();
            self.bbox = None;
        }
        let mut b = self.bbox.unwrap_or(Bbox::of(&point));
        b.add(&point);
        if !b.fits(extent) || self.bbox.is_none() {
            // Drop the oldest samples until the window fits again.
            loop {
                b = Bbox::of(&point);
                for q in &self.window {
                    b.add(q);
                }
                if b.fits(extent) || self.window.len() <= 1 {
                    break;
                }
                self.window.pop_front();
            }
        }
        self.bbox = Some(b);
        let (Some(first), Some(last)) = (self.window.front().copied(), self.window.back().copied()) else {
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
            self.active = Some(Active {
                event: e,
                bbox: b,
                first,
                reported_turn: self.turned,
            });
            self.window.clear();
            self.bbox = None;
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
        self.window.capacity() * std::mem::size_of::<Point>()
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
    use picket_modes::Icao;

    fn key() -> TrackKey {
        TrackKey::icao(Icao(0xae01ce))
    }

    /// An orbit of radius `r` metres at `gs` knots around (lat, lon), sampled every 2 s
    /// from `t0` for `seconds`.
    fn orbit(l: &mut Loiter, t0: f64, seconds: u32, r: f64, gs: f64, out: &mut Vec<Event>) {
        let p = DetectorParams::DEFAULT;
        let c = LatLon::new(37.0, -76.0);
        let omega = gs * 1852.0 / 3600.0 / r; // rad/s
        for k in 0..seconds / 2 {
            let t = f64::from(k * 2);
            let angle = (omega * t).to_degrees();
            let here = c.destination(angle, r);
            l.feed(
                &p,
                key(),
                Fix {
                    t: t0 + t,
                    lat: here.lat,
                    lon: here.lon,
                    alt_baro: Some(25_000),
                    gs,
                    track: (angle + 90.0).rem_euclid(360.0),
                    airborne: true,
                },
                out,
            );
        }
    }

    #[test]
    fn an_orbit_is_raised_once_with_centre_size_and_period_and_updated() {
        let mut l = Loiter::default();
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
        let p = DetectorParams::DEFAULT;
        for k in 0..100 {
            let here = LatLon::new(37.0, -76.0).destination(0.0, 8_000.0 + f64::from(k) * 300.0);
            let f = Fix {
                t: 3_600.0 + f64::from(k) * 2.0,
                lat: here.lat,
                lon: here.lon,
                alt_baro: None,
                gs: 300.0,
                track: 0.0,
                airborne: true,
            };
            l.feed(&p, key(), f, &mut out);
        }
        let last = out.last().unwrap();
        assert_eq!((last.phase, last.id), (Phase::Ended, e.id));
        assert_eq!(out.iter().filter(|x| x.phase == Phase::Started).count(), 1);
    }

    #[test]
    fn a_straight_line_a_wide_turn_or_a_short_hold_is_not_a_loiter() {
        let p = DetectorParams::DEFAULT;
        let mut out = Vec::new();
        let mut l = Loiter::default();
        // Straight for an hour with a noisy track.
        for k in 0..1_800 {
            let here = LatLon::new(50.0, 0.0).destination(90.0, f64::from(k) * 460.0);
            let noise = if k % 2 == 0 { 0.4 } else { -0.4 };
            let f = Fix {
                t: f64::from(k) * 2.0,
                lat: here.lat,
                lon: here.lon,
                alt_baro: None,
                gs: 450.0,
                track: 90.0 + noise,
                airborne: true,
            };
            l.feed(&p, key(), f, &mut out);
        }
        assert!(out.is_empty());
        // An orbit larger than the box.
        let mut l = Loiter::default();
        orbit(&mut l, 0.0, 3_600, 20_000.0, 300.0, &mut out);
        assert!(out.is_empty());
        // A holding of 15 minutes.
        let mut l = Loiter::default();
        orbit(&mut l, 0.0, 900, 3_000.0, 200.0, &mut out);
        assert!(out.is_empty());
    }
}
