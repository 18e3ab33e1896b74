//! Ground truth events: what a perfect monitor should report, computed from the true states
//! with the same vocabulary and the same parameters as the engine's detectors
//! (`picket_world::events`).
//!
//! Definitions (all times are the truth's one-second samples):
//! - `zone_entry` / `zone_exit`: the first sample past the entry (exit) margin of a built-in
//!   zone, by [`DetectorParams::zone_inside_next`]; an aircraft that appears inside a zone has
//!   not entered it.
//! - `takeoff` / `landing`: the sample at which the on-ground state changes, attributed to the
//!   nearest airport within `airport_max_distance_m`.
//! - `dwell`: a stay on the ground at one airport of at least `dwell_min`; onset at the start of
//!   the stay, end at the take-off. With `dwell_reraise_daily`, the stay is raised again at each
//!   UTC midnight it lasts past (onset: that midnight).
//! - `formation`: a pair meeting [`DetectorParams::in_formation`] for `formation_min_duration`;
//!   onset when the conditions began, end when [`DetectorParams::formation_broken`] began to
//!   hold for `formation_break_duration`. Pairs, not groups: a four-ship is six pairs.
//! - `intercept`: an aircraft closing on another at `intercept_min_closure_kt` or more, within
//!   `intercept_max_range_m`, for `intercept_min_closure_duration`, that then meets the formation
//!   conditions with it within `intercept_join_window` of the end of the closure. Onset: the start
//!   of the first high-closure run of the chain that led to the join (runs less than the join
//!   window apart belong to one chain); `join`: the first sample meeting the formation
//!   conditions. The interceptor is the aircraft whose own velocity closes the range more.
//! - `escort`: an intercept whose formation then lasts `escort_min_duration`; onset at the
//!   join, end at the separation (as for `formation`).
//! - `emergency`: the sample at which the emergency state (squawk 7500/7600/7700 or an ADS-B
//!   emergency/priority state) appears or changes.
//! - `went_dark`: the transponder switched off inside a built-in zone or within
//!   `went_dark_zone_distance_m` of one.
//! - `loiter`: turns adding up to `loiter_min_turn_deg` within a square of
//!   `loiter_max_extent_m`, lasting `loiter_min_duration`, at `loiter_min_speed_kt` or more;
//!   onset at the earliest sample from which the whole pattern fits in the square, end when it
//!   no longer fits.
//! - `first_seen`: the first sample of each UTC day at which the aircraft transmits and is in
//!   some receiver's coverage.
//!
//! Only aircraft of interest (the scripted ones) have events; background traffic has none.
//! An event is `observable` when the receivers could have seen it: every aircraft involved was
//! transmitting and in some receiver's coverage at the onset (the switch-off second for
//! `went_dark`: the second before), and, for every kind that needs a position (all but
//! `emergency`, `went_dark` and `first_seen`), broadcasting its position (not Mode S only).

use picket_world::events::{DetectorParams, EventKind};
use picket_world::geo::{LatLon, LocalFrame};
use picket_world::zones::Zone;

use crate::geo::{radio_horizon_nm, slant_m, FT, KT, NM};
use crate::scenario::{AircraftSpec, Emergency, ReceiverSpec, Transponder, TransponderState};
use crate::time::UnixNanos;
use crate::world::TruthState;

/// One ground-truth event.
#[derive(Debug, Clone, PartialEq)]
pub struct TruthEvent {
    /// What happened.
    pub kind: EventKind,
    /// When it began, UTC nanoseconds.
    pub onset: UnixNanos,
    /// When it ended, for kinds that last (dwell, formation, escort).
    pub end: Option<UnixNanos>,
    /// Addresses involved: the subject first (the interceptor for intercept and escort).
    pub aircraft: Vec<u32>,
    /// Airport ident for take-off, landing and dwell.
    pub airport: Option<String>,
    /// Zone id for zone entry/exit and went dark.
    pub zone: Option<String>,
    /// Join time of an intercept.
    pub join: Option<UnixNanos>,
    /// The emergency state of an emergency event.
    pub emergency: Option<Emergency>,
    /// Whether the receivers could observe it (see the module documentation).
    pub observable: bool,
}

impl TruthEvent {
    fn new(kind: EventKind, onset: UnixNanos, aircraft: Vec<u32>) -> TruthEvent {
        TruthEvent {
            kind,
            onset,
            end: None,
            aircraft,
            airport: None,
            zone: None,
            join: None,
            emergency: None,
            observable: false,
        }
    }
}

/// Whether some receiver hears an aircraft at this state (range and radio line of sight).
pub fn in_coverage(receivers: &[ReceiverSpec], s: &TruthState) -> bool {
    receivers.iter().any(|r| hears(r, s.position, s.alt_geom_ft))
}

/// Whether receiver `r` hears a transmitter at `p`, `alt_ft` feet above sea level.
pub fn hears(r: &ReceiverSpec, p: LatLon, alt_ft: f64) -> bool {
    let d_nm = slant_m(r.position, r.alt_ft * FT, p, alt_ft.max(0.0) * FT) / NM;
    d_nm <= r.range_nm && d_nm <= radio_horizon_nm(r.alt_ft, alt_ft) + 1.0
}

fn transmitting(s: &TruthState) -> bool {
    matches!(s.transponder, TransponderState::On(_))
}

fn broadcasting_position(s: &TruthState) -> bool {
    matches!(s.transponder, TransponderState::On(t) if t != Transponder::ModeSOnly)
}

const SECOND: i64 = 1_000_000_000;
const DAY: i64 = 86_400 * SECOND;

#[derive(Debug, Clone, Default)]
struct PerAircraft {
    seen: bool,
    last: Option<TruthState>,
    zones_inside: Vec<bool>,
    /// Start of the current ground stay, its airport, and the dwell event's index once raised.
    ground: Option<(UnixNanos, Option<String>, Option<usize>)>,
    /// Last UTC day index at which the dwell was (re-)raised.
    dwell_day: i64,
    first_seen_day: Option<i64>,
    loiter: Loiter,
}

/// The pattern being watched for a loiter: recent samples that fit in the box.
#[derive(Debug, Clone, Default)]
struct Loiter {
    anchor: Option<LocalFrame>,
    /// (time, x, y, accumulated turn, observable) of each sample in the window.
    samples: std::collections::VecDeque<(UnixNanos, f64, f64, f64, bool)>,
    turned: f64,
    last_track: Option<f64>,
    /// Index of the loiter event being reported.
    active: Option<usize>,
}

#[derive(Debug, Clone, Default)]
struct Pair {
    /// Formation conditions held continuously since.
    cond_since: Option<UnixNanos>,
    /// Index of the active formation event.
    formation: Option<usize>,
    broken_since: Option<UnixNanos>,
    /// High-closure run in progress, per direction (0: a intercepts b, 1: b intercepts a).
    run_start: [Option<UnixNanos>; 2],
    /// Chain of valid runs: (first start, last end), per direction.
    chain: [Option<(UnixNanos, UnixNanos)>; 2],
    /// Active intercept: (direction, event index, escort event index once raised).
    intercept: Option<(usize, usize, Option<usize>)>,
}

/// Computes the ground-truth events from the true states, one second at a time.
#[derive(Debug)]
pub struct TruthEvents<'a> {
    params: DetectorParams,
    aircraft: &'a [AircraftSpec],
    receivers: &'a [ReceiverSpec],
    zones: &'a [Zone],
    per: Vec<PerAircraft>,
    pairs: Vec<Pair>,
    events: Vec<TruthEvent>,
    second: Vec<TruthState>,
}

impl<'a> TruthEvents<'a> {
    /// A computation over these aircraft (indices as in the truth states), receivers and zones.
    pub fn new(
        params: DetectorParams,
        aircraft: &'a [AircraftSpec],
        receivers: &'a [ReceiverSpec],
        zones: &'a [Zone],
    ) -> TruthEvents<'a> {
        let n = aircraft.len();
        TruthEvents {
            params,
            aircraft,
            receivers,
            zones,
            per: vec![PerAircraft::default(); n],
            pairs: vec![Pair::default(); n * n],
            events: Vec::new(),
            second: Vec::new(),
        }
    }

    /// Feeds one true state; states must come in time order.
    pub fn push(&mut self, s: TruthState) {
        if self.second.first().is_some_and(|f| f.time != s.time) {
            self.flush();
        }
        if self.aircraft.get(s.aircraft).is_some_and(|a| a.interest) {
            self.second.push(s);
        }
    }

    /// The events, in onset order (ties: in the order they were found).
    pub fn finish(mut self) -> Vec<TruthEvent> {
        self.flush();
        let mut ev = self.events;
        ev.sort_by_key(|e| e.onset);
        ev
    }

    fn observable(&self, s: &TruthState, needs_position: bool) -> bool {
        transmitting(s) && (!needs_position || broadcasting_position(s)) && in_coverage(self.receivers, s)
    }

    fn flush(&mut self) {
        let states = std::mem::take(&mut self.second);
        for s in &states {
            self.single(s);
        }
        for (i, a) in states.iter().enumerate() {
            for b in &states[i + 1..] {
                self.pair(a, b);
            }
        }
    }

    fn push_event(&mut self, e: TruthEvent) -> usize {
        self.events.push(e);
        self.events.len() - 1
    }

    fn single(&mut self, s: &TruthState) {
        let p = self.params;
        let i = s.aircraft;
        let addr = s.address;
        let prev = self.per[i].last;
        let obs_pos = self.observable(s, true);
        let obs_any = self.observable(s, false);
        // First seen, per UTC day.
        let day = s.time.div_euclid(DAY);
        if obs_any && self.per[i].first_seen_day != Some(day) {
            self.per[i].first_seen_day = Some(day);
            let mut e = TruthEvent::new(EventKind::FirstSeen, s.time, vec![addr]);
            e.observable = true;
            self.push_event(e);
        }
        // Zones with hysteresis.
        if self.per[i].zones_inside.len() != self.zones.len() {
            self.per[i].zones_inside = self
                .zones
                .iter()
                .map(|z| {
                    z.altitude_in_band(Some(s.alt_baro_ft as i32)) && z.signed_distance_m(s.position) < 0.0
                })
                .collect();
        } else {
            for (zi, z) in self.zones.iter().enumerate() {
                let was = self.per[i].zones_inside[zi];
                let d = if z.altitude_in_band(Some(s.alt_baro_ft as i32)) {
                    z.signed_distance_m(s.position)
                } else {
                    f64::INFINITY
                };
                let now = p.zone_inside_next(was, d);
                if now != was {
                    self.per[i].zones_inside[zi] = now;
                    let kind = if now {
                        EventKind::ZoneEntry
                    } else {
                        EventKind::ZoneExit
                    };
                    let mut e = TruthEvent::new(kind, s.time, vec![addr]);
                    e.zone = Some(z.id.clone());
                    e.observable = obs_pos;
                    self.push_event(e);
                }
            }
        }
        // Take-off, landing and dwell.
        let airport_at = |pos: LatLon| {
            picket_world::airports::nearest(pos.lat, pos.lon, p.airport_max_distance_m).map(|a| a.ident)
        };
        match prev {
            Some(q) if q.on_ground && !s.on_ground => {
                let mut e = TruthEvent::new(EventKind::Takeoff, s.time, vec![addr]);
                e.airport = airport_at(s.position).map(str::to_string);
                e.observable = obs_pos;
                self.push_event(e);
                if let Some((_, _, Some(ev))) = self.per[i].ground.take() {
                    self.events[ev].end = Some(s.time);
                }
                self.per[i].ground = None;
            }
            Some(q) if !q.on_ground && s.on_ground => {
                let mut e = TruthEvent::new(EventKind::Landing, s.time, vec![addr]);
                let ap = airport_at(s.position).map(str::to_string);
                e.airport = ap.clone();
                e.observable = obs_pos;
                self.push_event(e);
                self.per[i].ground = Some((s.time, ap, None));
            }
            None if s.on_ground => {
                self.per[i].ground = Some((s.time, airport_at(s.position).map(str::to_string), None));
            }
            _ => {}
        }
        if s.on_ground {
            if let Some((since, ap, raised)) = self.per[i].ground.clone() {
                if ap.is_some() && s.time - since >= p.dwell_min.as_nanos() as i64 {
                    match raised {
                        None => {
                            let mut e = TruthEvent::new(EventKind::Dwell, since, vec![addr]);
                            e.airport = ap.clone();
                            e.observable = obs_pos;
                            let ev = self.push_event(e);
                            self.per[i].ground = Some((since, ap, Some(ev)));
                            self.per[i].dwell_day = day;
                        }
                        Some(_) if p.dwell_reraise_daily && day > self.per[i].dwell_day => {
                            let mut e = TruthEvent::new(EventKind::Dwell, day * DAY, vec![addr]);
                            e.airport = ap;
                            e.observable = obs_pos;
                            self.push_event(e);
                            self.per[i].dwell_day = day;
                        }
                        _ => {}
                    }
                }
            }
        }
        // Emergency.
        let before = prev.and_then(|q| q.emergency);
        if s.emergency.is_some() && s.emergency != before {
            let mut e = TruthEvent::new(EventKind::Emergency, s.time, vec![addr]);
            e.emergency = s.emergency;
            // Mode S only aircraft announce only squawk emergencies (in identity replies).
            let squawk_says = crate::scenario::emergency_of_squawk(s.squawk) == s.emergency;
            e.observable = obs_any && (broadcasting_position(s) || squawk_says);
            self.push_event(e);
        }
        // Went dark.
        if let Some(q) = prev {
            if transmitting(&q) && !transmitting(s) {
                let near = self
                    .zones
                    .iter()
                    .map(|z| (z, z.signed_distance_m(s.position)))
                    .filter(|(_, d)| *d <= p.went_dark_zone_distance_m)
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                if let Some((z, _)) = near {
                    let mut e = TruthEvent::new(EventKind::WentDark, s.time, vec![addr]);
                    e.zone = Some(z.id.clone());
                    e.observable = self.observable(&q, false);
                    self.push_event(e);
                }
            }
        }
        self.loiter(s, obs_pos);
        self.per[i].seen = true;
        self.per[i].last = Some(*s);
    }

    /// Loiter: accumulated turn of `loiter_min_turn_deg` within a box of `loiter_max_extent_m`
    /// for `loiter_min_duration`, above `loiter_min_speed_kt`. Onset: the earliest sample from
    /// which the whole pattern fits in the box; end: when it no longer fits.
    fn loiter(&mut self, s: &TruthState, obs: bool) {
        let p = self.params;
        let extent = p.loiter_max_extent_m;
        let l = &mut self.per[s.aircraft].loiter;
        let flying = !s.on_ground && s.gs_kt >= p.loiter_min_speed_kt;
        if !flying {
            if let Some(ev) = l.active.take() {
                self.events[ev].end = Some(s.time);
            }
            *l = Loiter::default();
            return;
        }
        if let Some(prev) = l.last_track {
            l.turned += crate::geo::norm180(s.track_deg - prev).abs();
        }
        l.last_track = Some(s.track_deg);
        // Re-anchor the flat frame when the aircraft has moved far from it, so that the box is
        // measured without distortion.
        let far = l
            .anchor
            .is_none_or(|f| f.origin().distance_m(s.position) > 200_000.0);
        if far {
            let frame = LocalFrame::new(s.position);
            l.anchor = Some(frame);
            // Older samples are more than the box away once the anchor is this far: drop them.
            l.samples.clear();
        }
        let (x, y) = l.anchor.map_or((0.0, 0.0), |f| f.to_xy(s.position));
        l.samples.push_back((s.time, x, y, l.turned, obs));
        let fits = |q: &std::collections::VecDeque<(UnixNanos, f64, f64, f64, bool)>| {
            let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
            for &(_, x, y, _, _) in q {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
            x1 - x0 <= extent && y1 - y0 <= extent
        };
        // Cheap test first: the new point within the box of the window's first point.
        let quick = l
            .samples
            .front()
            .is_some_and(|f| (f.1 - x).abs() <= extent && (f.2 - y).abs() <= extent);
        if !(quick && fits(&l.samples)) {
            if let Some(ev) = l.active.take() {
                self.events[ev].end = Some(s.time);
                // A new pattern starts from here, not from the tail of the one that ended.
                l.samples.drain(..l.samples.len() - 1);
            }
            while l.samples.len() > 1 && !fits(&l.samples) {
                l.samples.pop_front();
            }
        }
        if l.active.is_none() {
            if let (Some(first), Some(last)) = (l.samples.front(), l.samples.back()) {
                let long = last.0 - first.0 >= p.loiter_min_duration.as_nanos() as i64;
                if long && last.3 - first.3 >= p.loiter_min_turn_deg {
                    let mut e = TruthEvent::new(EventKind::Loiter, first.0, vec![s.address]);
                    e.observable = first.4;
                    self.events.push(e);
                    l.active = Some(self.events.len() - 1);
                }
            }
        }
    }

    fn pair(&mut self, a: &TruthState, b: &TruthState) {
        let p = self.params;
        let n = self.aircraft.len();
        let key = a.aircraft * n + b.aircraft;
        let dist = a.position.distance_m(b.position);
        let vertical = (a.alt_baro_ft - b.alt_baro_ft).round() as i32;
        let track_diff = crate::geo::norm180(a.track_deg - b.track_deg);
        let min_speed = a.gs_kt.min(b.gs_kt);
        let airborne = !a.on_ground && !b.on_ground;
        let cond = airborne && p.in_formation(dist, vertical, track_diff, min_speed);
        let broken = !airborne || p.formation_broken(dist, vertical);
        let t = a.time;
        let obs = self.observable(a, true) && self.observable(b, true);

        // Closure, per direction: the rate at which the range shrinks, and who makes it shrink.
        let (va, vb) = (velocity(a), velocity(b));
        let brg = a.position.bearing_to(b.position).to_radians();
        let u = (brg.sin(), brg.cos());
        let comp_a = va.0 * u.0 + va.1 * u.1; // a's speed toward b
        let comp_b = -(vb.0 * u.0 + vb.1 * u.1); // b's speed toward a
        let closure_kt = (comp_a + comp_b) / KT;
        let interceptor = if comp_a >= comp_b { 0 } else { 1 };
        let window = p.intercept_join_window.as_nanos() as i64;
        let min_run = p.intercept_min_closure_duration.as_nanos() as i64;
        let closing = airborne && dist <= p.intercept_max_range_m && closure_kt >= p.intercept_min_closure_kt;
        let pair = &mut self.pairs[key];
        for dir in 0..2 {
            let running = closing && interceptor == dir;
            match (pair.run_start[dir], running) {
                (None, true) => pair.run_start[dir] = Some(t),
                (Some(start), false) => {
                    pair.run_start[dir] = None;
                    if t - start >= min_run {
                        pair.chain[dir] = match pair.chain[dir] {
                            Some((first, end)) if start - end <= window => Some((first, t)),
                            _ => Some((start, t)),
                        };
                    }
                }
                _ => {}
            }
        }

        // Formation state machine.
        let mut new_events: Vec<TruthEvent> = Vec::new();
        let mut join_now = false;
        if cond {
            if pair.cond_since.is_none() {
                pair.cond_since = Some(t);
                join_now = pair.formation.is_none();
            }
        } else if pair.formation.is_none() {
            pair.cond_since = None;
        }
        let mut ended: Option<(usize, Option<usize>, UnixNanos)> = None;
        if let Some(ev) = pair.formation {
            if broken {
                let since = *pair.broken_since.get_or_insert(t);
                if t - since >= p.formation_break_duration.as_nanos() as i64 {
                    let escort = pair.intercept.and_then(|(_, _, e)| e);
                    ended = Some((ev, escort, since));
                    pair.formation = None;
                    pair.cond_since = None;
                    pair.broken_since = None;
                    pair.intercept = None;
                }
            } else {
                pair.broken_since = None;
            }
        }
        let formation_due = pair.formation.is_none()
            && pair
                .cond_since
                .is_some_and(|since| t - since >= p.formation_min_duration.as_nanos() as i64);
        // An intercept is decided at the join: a chain of high-closure runs that ended (or is
        // still running) within the join window. It needs two sides: wingmen of one operator
        // joining up are a formation only.
        let mut intercept_dir = None;
        // (Sides are compared last: it builds strings, and runs for every pair every second.)
        if join_now
            && pair.intercept.is_none()
            && !same_side(&self.aircraft[a.aircraft], &self.aircraft[b.aircraft])
        {
            for dir in 0..2 {
                let ongoing =
                    pair.run_start[dir]
                        .filter(|s| t - s >= min_run)
                        .map(|s| match pair.chain[dir] {
                            Some((first, end)) if s - end <= window => first,
                            _ => s,
                        });
                let done = pair.chain[dir]
                    .filter(|(_, end)| t - end <= window)
                    .map(|(first, _)| first);
                if let Some(first) = ongoing.or(done) {
                    intercept_dir = Some((dir, first));
                    break;
                }
            }
        }
        let (addr_a, addr_b) = (a.address, b.address);
        if let Some((ev, escort, since)) = ended {
            self.events[ev].end = Some(since);
            if let Some(e) = escort {
                self.events[e].end = Some(since);
            }
        }
        if let Some((dir, first)) = intercept_dir {
            let members = if dir == 0 {
                vec![addr_a, addr_b]
            } else {
                vec![addr_b, addr_a]
            };
            let mut e = TruthEvent::new(EventKind::Intercept, first, members);
            e.join = Some(t);
            e.observable = obs;
            new_events.push(e);
        }
        let formation_onset = if formation_due {
            self.pairs[key].cond_since
        } else {
            None
        };
        for e in new_events {
            let idx = self.push_event(e);
            let dir = usize::from(self.events[idx].aircraft[0] != addr_a);
            self.pairs[key].intercept = Some((dir, idx, None));
        }
        if let Some(onset) = formation_onset {
            let mut e = TruthEvent::new(EventKind::Formation, onset, vec![addr_a, addr_b]);
            e.observable = obs;
            let idx = self.push_event(e);
            self.pairs[key].formation = Some(idx);
        }
        // Escort: the intercept's formation has lasted long enough.
        if let (Some((_, iev, None)), Some(_)) = (self.pairs[key].intercept, self.pairs[key].formation) {
            if let Some(join) = self.events[iev].join {
                if t - join >= p.escort_min_duration.as_nanos() as i64 {
                    let mut e = TruthEvent::new(EventKind::Escort, join, self.events[iev].aircraft.clone());
                    e.join = Some(join);
                    e.observable = obs;
                    let idx = self.push_event(e);
                    if let Some(x) = self.pairs[key].intercept.as_mut() {
                        x.2 = Some(idx);
                    }
                }
            }
        }
    }
}

/// Whether two scripted aircraft fly for one side: the same operator, named after the last
/// comma of their descriptions ("Lockheed Martin F-22A Raptor, United States Air Force"), or
/// callsigns with the same leading letters (FURY11 and FURY12).
fn same_side(a: &AircraftSpec, b: &AircraftSpec) -> bool {
    let operator = |s: &AircraftSpec| {
        s.description
            .as_deref()
            .and_then(|d| d.rsplit_once(", "))
            .map(|(_, op)| op.trim().to_ascii_lowercase())
    };
    let letters = |s: &AircraftSpec| {
        s.callsign.as_deref().map(|c| {
            c.trim()
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_ascii_uppercase()
        })
    };
    let op = operator(a);
    let prefix = letters(a);
    (op.is_some() && op == operator(b))
        || (prefix.as_ref().is_some_and(|p| p.len() >= 3) && prefix == letters(b))
}

/// Velocity east and north, m/s.
fn velocity(s: &TruthState) -> (f64, f64) {
    let v = s.gs_kt * KT;
    let t = s.track_deg.to_radians();
    (v * t.sin(), v * t.cos())
}
