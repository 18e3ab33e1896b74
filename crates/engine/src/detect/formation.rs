//! Formation, intercept and escort: the pairwise detectors, run once per second of data
//! time on the aircraft positions extrapolated to that second.
//!
//! Pairs (the same definitions as the simulator's ground truth):
//! - a pair *meets the formation conditions* at a second when both are airborne and
//!   [`DetectorParams::in_formation`] holds (distance, vertical separation, track
//!   difference, speed); after [`DetectorParams::formation_min_duration`] of it the pair is
//!   *linked*, with the first such second as its onset;
//! - a link *separates* when [`DetectorParams::formation_broken`] has held for
//!   [`DetectorParams::formation_break_duration`] (the separation time is when it began);
//! - the *join* is the first second a pair meets the conditions; an intercept is looked for
//!   then (see [`super::intercept`]) unless both fly for the same side ([`super::Side`]:
//!   one operator by callsign, or military/state aircraft of one country), since an
//!   intercept has two sides; an intercept whose link lasts
//!   [`DetectorParams::escort_min_duration`] after the join is an escort.
//!
//! Events: one formation event per *group* (aircraft connected by links), started when its
//! first link forms, updated when a member or a link is added or removed (every report
//! carries the links with their onsets; a link that separated is listed once more with its
//! end), ended when fewer than two members remain. Intercept and escort events are per
//! pair: subject the interceptor, `others` the intercepted aircraft, with the join time;
//! both end at the separation.
//!
//! Positions older than [`DetectorParams::pair_max_time_skew`] are not compared: a pair
//! with a member not currently located keeps its state until it is located again or
//! retired.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use picket_world::events::{DetectorParams, EventKind};
use picket_world::geo::{bearing_difference, LatLon, EARTH_RADIUS_M};

use super::grid::Grid;
use super::history::History;
use super::intercept;
use super::KeyHasher;
use crate::event::{Confidence, Detail, Event, Evidence, Link, Phase};
use crate::track::{PositionSource, TrackKey};

/// An aircraft at the pass's second.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Snap {
    pub(crate) key: TrackKey,
    /// Position extrapolated to the pass's second.
    pub(crate) pos: LatLon,
    pub(crate) alt: i32,
    pub(crate) gs: f64,
    pub(crate) track: f64,
    pub(crate) airborne: bool,
    /// Where the position came from (evidence says when it is not ADS-B).
    pub(crate) source: PositionSource,
    /// A lower bound of cos(latitude) of `pos`, for [`may_be_within`].
    pub(crate) cos_lat: f64,
}

/// False only when the two snaps are certainly more than `range_m` apart, from two lower
/// bounds of the great-circle distance d that need no trigonometry per pair:
/// d ≥ R·|Δφ|, and (haversine: sin²(d/2) ≥ cos φ₁ cos φ₂ sin²(Δλ/2))
/// d ≥ R·min(cos φ)·|Δλ|·(1 − Δλ²/24) for |Δλ| up to a degree. Most of the pairs the grid
/// offers are rejected here before the exact distance.
#[inline]
pub(crate) fn may_be_within(a: &Snap, b: &Snap, range_m: f64) -> bool {
    let range_rad = range_m / EARTH_RADIUS_M;
    let dlat = (a.pos.lat - b.pos.lat).abs().to_radians();
    if dlat > range_rad {
        return false;
    }
    let mut dlon = (a.pos.lon - b.pos.lon).abs();
    if dlon > 180.0 {
        dlon = 360.0 - dlon;
    }
    let dlon = dlon.to_radians();
    if dlon > 1f64.to_radians() {
        return true;
    }
    a.cos_lat.min(b.cos_lat) * dlon * (1.0 - dlon * dlon / 24.0) <= range_rad
}

/// False only when a pair of these two snaps without pair state cannot meet the formation
/// conditions whatever their distance: [`metrics`]'s `cond` with the distance left out
/// (measured the metrics' way round, from the lower key), cheapest tests first.
#[inline]
pub(crate) fn may_form(p: &DetectorParams, a: &Snap, b: &Snap) -> bool {
    let (sa, sb) = if a.key <= b.key { (a, b) } else { (b, a) };
    let vertical_ft = sa.alt - sb.alt;
    let min_gs = sa.gs.min(sb.gs);
    // The first two are parts of `in_formation`, tested before the track difference's
    // remainder; `in_formation` itself decides.
    vertical_ft.unsigned_abs() <= p.formation_max_vertical_ft.unsigned_abs()
        && min_gs >= p.formation_min_speed_kt
        && p.in_formation(0.0, vertical_ft, bearing_difference(sa.track, sb.track), min_gs)
}

impl Snap {
    fn evidence(&self, t: f64, note: &'static str) -> Evidence {
        Evidence {
            time: t,
            hex: self.key,
            lat: Some(self.pos.lat),
            lon: Some(self.pos.lon),
            alt_baro: Some(self.alt),
            gs: Some(self.gs as f32),
            note,
            position_source: Evidence::label(self.source),
        }
    }
}

/// What two snaps say about a pair.
#[derive(Debug, Clone, Copy)]
struct Metrics {
    distance_m: f64,
    vertical_ft: i32,
    cond: bool,
    broken: bool,
}

/// `distance_m`: `a.pos.distance_m(b.pos)`, measured already by the caller.
fn metrics(p: &DetectorParams, a: &Snap, b: &Snap, distance_m: f64) -> Metrics {
    let vertical_ft = a.alt - b.alt;
    let airborne = a.airborne && b.airborne;
    let cond = airborne
        && p.in_formation(
            distance_m,
            vertical_ft,
            bearing_difference(a.track, b.track),
            a.gs.min(b.gs),
        );
    Metrics {
        distance_m,
        vertical_ft,
        cond,
        broken: !airborne || p.formation_broken(distance_m, vertical_ft),
    }
}

#[derive(Debug, Clone)]
struct Intercept {
    event: Event,
    join: f64,
    escort: Option<Event>,
}

#[derive(Debug, Clone)]
struct PairState {
    a: TrackKey,
    b: TrackKey,
    /// Pass in which the pair was last compared.
    pass: u64,
    cond_since: Option<f64>,
    linked: bool,
    broken_since: Option<f64>,
    intercept: Option<Intercept>,
}

fn pair_key(a: TrackKey, b: TrackKey) -> (u64, TrackKey, TrackKey) {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    ((u64::from(a.raw()) << 32) | u64::from(b.raw()), a, b)
}

/// A connected set of linked aircraft: members, links, and each link's metrics.
type Component = (Vec<TrackKey>, Vec<Link>, Vec<(f64, i32)>);

#[derive(Debug, Clone)]
struct Group {
    event: Event,
    members: Vec<TrackKey>,
    links: Vec<Link>,
    /// Latest distance and vertical separation of each link (parallel to `links`).
    metrics: Vec<(f64, i32)>,
}

impl Group {
    fn report(&mut self, phase: Phase, t: f64, extra: Option<Link>) -> Event {
        let mut e = self.event.clone();
        e.phase = phase;
        e.time = t;
        if let Some(&first) = self.members.first() {
            if !self.members.contains(&e.subject) {
                e.subject = first;
            }
        }
        e.others = self.members.iter().copied().filter(|&m| m != e.subject).collect();
        let mut links = self.links.clone();
        links.extend(extra);
        let (mut dmax, mut vmax) = (0.0f64, 0i32);
        for &(d, v) in &self.metrics {
            dmax = dmax.max(d);
            vmax = vmax.max(v.abs());
        }
        e.detail = Detail::Formation {
            members: self.members.len() as u32,
            max_distance_m: dmax,
            max_vertical_ft: vmax,
            links,
        };
        self.event = e.clone();
        e
    }
}

/// Pair states, formation groups and the pass counter.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pairs {
    states: HashMap<u64, PairState, BuildHasherDefault<KeyHasher>>,
    groups: Vec<Group>,
    pass: u64,
    /// Whether each snapshot of the pass belongs to an aircraft with pair state.
    paired: Vec<bool>,
    scratch: Vec<u64>,
    /// The close pairs of a pass `(i, j)`, with their distance measured from `i` to `j`.
    close: Vec<(usize, usize, f64)>,
    /// Pairs compared in the last pass (for the counters).
    pub(crate) compared: u64,
    /// Tests: measure every pair the grid offers (the search before [`may_form`]).
    #[cfg(test)]
    full: bool,
}

impl Pairs {
    /// Runs one pass at data second `t` over `snaps` (already sorted into `grid` by their
    /// positions, in the same order). `snap_at` gives an aircraft's index in `snaps`,
    /// `history` its samples, `same_side` whether two aircraft fly for one side.
    ///
    /// A pair without state is only looked at when it meets the formation conditions (it
    /// is skipped otherwise), so the pairs of aircraft with no pair state are measured only
    /// when they meet the conditions but for the distance: the same steps in the same
    /// order as measuring every pair the grid offers, without the distances of the many
    /// pairs at other heights, speeds or tracks.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn pass<'h>(
        &mut self,
        p: &DetectorParams,
        t: f64,
        snaps: &[Snap],
        grid: &Grid,
        snap_at: impl Fn(TrackKey) -> Option<usize>,
        history: impl Fn(TrackKey) -> Option<&'h History>,
        same_side: impl Fn(TrackKey, TrackKey) -> bool,
        out: &mut Vec<Event>,
    ) {
        self.pass += 1;
        self.compared = 0;
        let range = p.formation_break_distance_m.max(p.formation_max_distance_m);
        let mut close = std::mem::take(&mut self.close);
        close.clear();
        // The snapshots of aircraft with pair state.
        let mut paired = std::mem::take(&mut self.paired);
        paired.clear();
        paired.resize(snaps.len(), false);
        for s in self.states.values() {
            for k in [s.a, s.b] {
                if let Some(i) = snap_at(k) {
                    paired[i] = true;
                }
            }
        }
        grid.pairs_by(range, |i, j| {
            let (a, b) = (&snaps[i], &snaps[j]);
            if a.airborne
                && b.airborne
                && (paired[i] || paired[j] || self.full_search() || may_form(p, a, b))
                && may_be_within(a, b, range)
            {
                let d = a.pos.distance_m(b.pos);
                if d <= range {
                    close.push((i, j, d));
                }
            }
        });
        self.paired = paired;
        self.compared = close.len() as u64;
        for &(i, j, d) in &close {
            let (a, b) = (&snaps[i], &snaps[j]);
            let (key, ka, _) = pair_key(a.key, b.key);
            let (sa, sb) = if ka == a.key { (a, b) } else { (b, a) };
            // The metrics measure from the lower key: the distance measured from `i` when
            // that is the lower key, else measured again the metrics' way round.
            let d = if ka == a.key { d } else { sa.pos.distance_m(sb.pos) };
            let m = metrics(p, sa, sb, d);
            if let Entry::Vacant(v) = self.states.entry(key) {
                if !m.cond {
                    continue;
                }
                v.insert(PairState {
                    a: sa.key,
                    b: sb.key,
                    pass: 0,
                    cond_since: None,
                    linked: false,
                    broken_since: None,
                    intercept: None,
                });
            }
            self.step(p, key, t, Some((m, sa, sb)), &history, &same_side, out);
        }
        self.close = close;
        // Pairs with state that were not close: apart, if both are located now.
        let mut rest = std::mem::take(&mut self.scratch);
        rest.clear();
        let pass = self.pass;
        rest.extend(
            self.states
                .iter()
                .filter(|(_, s)| s.pass != pass)
                .map(|(k, _)| *k),
        );
        rest.sort_unstable();
        for &key in &rest {
            let Some(s) = self.states.get(&key) else { continue };
            if let (Some(ia), Some(ib)) = (snap_at(s.a), snap_at(s.b)) {
                let (sa, sb) = (snaps[ia], snaps[ib]);
                let m = Metrics {
                    distance_m: sa.pos.distance_m(sb.pos),
                    vertical_ft: sa.alt - sb.alt,
                    cond: false,
                    broken: true,
                };
                self.step(p, key, t, Some((m, &sa, &sb)), &history, &same_side, out);
            } else {
                self.step(p, key, t, None, &history, &same_side, out);
            }
        }
        self.scratch = rest;
    }

    #[cfg(test)]
    fn full_search(&self) -> bool {
        self.full
    }

    #[cfg(not(test))]
    #[inline(always)]
    fn full_search(&self) -> bool {
        false
    }

    /// One second of one pair. `m` is `None` when a member is not located now (the state
    /// holds, except that an unjoined intercept expires).
    #[allow(clippy::too_many_arguments)]
    fn step<'h>(
        &mut self,
        p: &DetectorParams,
        key: u64,
        t: f64,
        m: Option<(Metrics, &Snap, &Snap)>,
        history: &impl Fn(TrackKey) -> Option<&'h History>,
        same_side: &impl Fn(TrackKey, TrackKey) -> bool,
        out: &mut Vec<Event>,
    ) {
        let Some(s) = self.states.get_mut(&key) else {
            return;
        };
        s.pass = self.pass;
        let Some((m, sa, sb)) = m else {
            return;
        };
        let mut join_now = false;
        if m.cond {
            if s.cond_since.is_none() {
                s.cond_since = Some(t);
                join_now = !s.linked;
            }
        } else if !s.linked {
            s.cond_since = None;
        }
        let mut separated: Option<f64> = None;
        if s.linked {
            if m.broken {
                let since = *s.broken_since.get_or_insert(t);
                if t - since >= p.formation_break_duration.as_secs_f64() {
                    separated = Some(since);
                    s.linked = false;
                    s.cond_since = None;
                    s.broken_since = None;
                }
            } else {
                s.broken_since = None;
            }
        }
        // The intercept, decided at the join from the histories; wingmen of one side
        // joining up are a formation only.
        if join_now && s.intercept.is_none() && !same_side(s.a, s.b) {
            if let (Some(ha), Some(hb)) = (history(s.a), history(s.b)) {
                if let Some(f) = intercept::find(p, ha, hb, t) {
                    let (me, target, snap_me, snap_target) = if f.first_intercepts {
                        (s.a, s.b, sa, sb)
                    } else {
                        (s.b, s.a, sb, sa)
                    };
                    let mut e = Event::new(EventKind::Intercept, me, f.onset, t);
                    e.others = vec![target];
                    e.confidence = Confidence::High;
                    e.detail = Detail::Intercept {
                        closure_kt: f.max_closure_kt,
                        join: Some(t),
                        separation: None,
                    };
                    e.push_evidence(snap_me.evidence(t, "joined"));
                    e.push_evidence(snap_target.evidence(t, "intercepted"));
                    out.push(e.clone());
                    s.intercept = Some(Intercept {
                        event: e,
                        join: t,
                        escort: None,
                    });
                }
            }
        }
        let due = !s.linked
            && separated.is_none()
            && s.cond_since
                .is_some_and(|since| t - since >= p.formation_min_duration.as_secs_f64());
        let (a, b) = (s.a, s.b);
        if due {
            s.linked = true;
            let onset = s.cond_since.unwrap_or(t);
            let ev = [sa.evidence(t, "in formation"), sb.evidence(t, "in formation")];
            let metrics = (m.distance_m, m.vertical_ft);
            self.link_up(a, b, onset, t, metrics, ev, out);
        } else if s.linked {
            self.set_metrics(a, b, (m.distance_m, m.vertical_ft));
        }
        let Some(s) = self.states.get_mut(&key) else {
            return;
        };
        // Escort: the intercept's link has lasted long enough.
        if let Some(i) = &mut s.intercept {
            if s.linked && i.escort.is_none() && t - i.join >= p.escort_min_duration.as_secs_f64() {
                let mut e = Event::new(EventKind::Escort, i.event.subject, i.join, t);
                e.others = i.event.others.clone();
                e.confidence = Confidence::High;
                e.detail = i.event.detail.clone();
                e.push_evidence(sa.evidence(t, "escorting"));
                e.push_evidence(sb.evidence(t, "escorted"));
                out.push(e.clone());
                i.escort = Some(e);
            }
        }
        if let Some(since) = separated {
            if let Some(i) = s.intercept.take() {
                end_intercept(i, since, t, out);
            }
            self.link_down(a, b, since, t, out);
        }
        let Some(s) = self.states.get_mut(&key) else {
            return;
        };
        // An intercept that never became a formation ends when the join window has passed.
        if !s.linked && s.cond_since.is_none() {
            if let Some(i) = &s.intercept {
                if t - i.join > p.intercept_join_window.as_secs_f64() {
                    if let Some(i) = s.intercept.take() {
                        end_intercept(i, t, t, out);
                    }
                }
            }
            if s.intercept.is_none() {
                self.states.remove(&key);
            }
        }
    }

    /// An aircraft is gone: its links separate at its last message, its intercepts end.
    pub(crate) fn retire(&mut self, key: TrackKey, last_heard: f64, now: f64, out: &mut Vec<Event>) {
        let mut mine: Vec<u64> = self
            .states
            .iter()
            .filter(|(_, s)| s.a == key || s.b == key)
            .map(|(k, _)| *k)
            .collect();
        mine.sort_unstable();
        for k in mine {
            let Some(s) = self.states.remove(&k) else { continue };
            if let Some(i) = s.intercept {
                end_intercept(i, last_heard, now, out);
            }
            if s.linked {
                self.link_down(s.a, s.b, last_heard, now, out);
            }
        }
    }

    fn group_of(&self, k: TrackKey) -> Option<usize> {
        self.groups.iter().position(|g| g.members.contains(&k))
    }

    fn set_metrics(&mut self, a: TrackKey, b: TrackKey, m: (f64, i32)) {
        if let Some(g) = self.group_of(a) {
            let g = &mut self.groups[g];
            if let Some(i) = g.links.iter().position(|l| l.a == a && l.b == b) {
                g.metrics[i] = m;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn link_up(
        &mut self,
        a: TrackKey,
        b: TrackKey,
        onset: f64,
        t: f64,
        m: (f64, i32),
        evidence: [Evidence; 2],
        out: &mut Vec<Event>,
    ) {
        let link = Link {
            a,
            b,
            onset,
            ended: None,
        };
        let (ga, gb) = (self.group_of(a), self.group_of(b));
        let g = match (ga, gb) {
            (None, None) => {
                let mut e = Event::new(EventKind::Formation, a, onset, t);
                e.confidence = Confidence::High;
                self.groups.push(Group {
                    event: e,
                    members: vec![a, b],
                    links: Vec::new(),
                    metrics: Vec::new(),
                });
                self.groups.len() - 1
            }
            (Some(g), None) | (None, Some(g)) => {
                let new = if ga.is_some() { b } else { a };
                self.groups[g].members.push(new);
                g
            }
            (Some(x), Some(y)) if x == y => x,
            (Some(x), Some(y)) => {
                // Two groups meet: the older one takes the younger one's members.
                let (keep, gone) = if self.groups[x].event.onset <= self.groups[y].event.onset {
                    (x, y)
                } else {
                    (y, x)
                };
                let mut old = self.groups.remove(gone);
                let keep = if gone < keep { keep - 1 } else { keep };
                let mut end = old.report(Phase::Ended, t, None);
                end.ended = Some(t);
                out.push(end);
                let k = &mut self.groups[keep];
                k.members.append(&mut old.members);
                k.links.append(&mut old.links);
                k.metrics.append(&mut old.metrics);
                keep
            }
        };
        let group = &mut self.groups[g];
        group.links.push(link);
        group.metrics.push(m);
        let started = group.links.len() == 1;
        for ev in evidence {
            group.event.push_evidence(ev);
        }
        let phase = if started { Phase::Started } else { Phase::Updated };
        out.push(group.report(phase, t, None));
    }

    fn link_down(&mut self, a: TrackKey, b: TrackKey, since: f64, t: f64, out: &mut Vec<Event>) {
        let Some(gi) = self.group_of(a) else { return };
        let Some(li) = self.groups[gi].links.iter().position(|l| l.a == a && l.b == b) else {
            return;
        };
        let mut group = self.groups.remove(gi);
        let mut gone = group.links.remove(li);
        group.metrics.remove(li);
        gone.ended = Some(since);
        // The connected sets of the remaining links.
        let mut sets: Vec<Component> = Vec::new();
        for (l, m) in group.links.iter().zip(&group.metrics) {
            let ia = sets.iter().position(|s| s.0.contains(&l.a));
            let ib = sets.iter().position(|s| s.0.contains(&l.b));
            let i = match (ia, ib) {
                (None, None) => {
                    sets.push((vec![l.a, l.b], Vec::new(), Vec::new()));
                    sets.len() - 1
                }
                (Some(i), None) => {
                    sets[i].0.push(l.b);
                    i
                }
                (None, Some(i)) => {
                    sets[i].0.push(l.a);
                    i
                }
                (Some(i), Some(j)) if i == j => i,
                (Some(i), Some(j)) => {
                    let (lo, hi) = (i.min(j), i.max(j));
                    let merged = sets.remove(hi);
                    sets[lo].0.extend(merged.0);
                    sets[lo].1.extend(merged.1);
                    sets[lo].2.extend(merged.2);
                    lo
                }
            };
            sets[i].1.push(*l);
            sets[i].2.push(*m);
        }
        // Members keep their order of joining.
        for s in &mut sets {
            s.0.sort_by_key(|k| group.members.iter().position(|m| m == k));
        }
        // The group's event continues with the set holding its oldest link.
        let keep = sets
            .iter()
            .enumerate()
            .min_by(|x, y| {
                let ox = x.1 .1.iter().map(|l| l.onset).fold(f64::INFINITY, f64::min);
                let oy = y.1 .1.iter().map(|l| l.onset).fold(f64::INFINITY, f64::min);
                ox.total_cmp(&oy)
            })
            .map(|(i, _)| i);
        let mut others = Vec::new();
        for (i, (members, links, metrics)) in sets.into_iter().enumerate() {
            if Some(i) == keep {
                group.members = members;
                group.links = links;
                group.metrics = metrics;
            } else {
                others.push((members, links, metrics));
            }
        }
        if keep.is_none() {
            group.members.clear();
            group.links.clear();
            group.metrics.clear();
            let mut e = group.report(Phase::Ended, t, Some(gone));
            e.ended = Some(since);
            out.push(e);
        } else {
            out.push(group.report(Phase::Updated, t, Some(gone)));
            self.groups.push(group);
        }
        for (members, links, metrics) in others {
            let onset = links.iter().map(|l| l.onset).fold(f64::INFINITY, f64::min);
            let mut e = Event::new(EventKind::Formation, members[0], onset, t);
            e.confidence = Confidence::High;
            let mut g = Group {
                event: e,
                members,
                links,
                metrics,
            };
            out.push(g.report(Phase::Started, t, None));
            self.groups.push(g);
        }
    }

    /// Formation groups in progress.
    pub(crate) fn groups(&self) -> usize {
        self.groups.len()
    }

    /// Pair states held.
    pub(crate) fn states(&self) -> usize {
        self.states.len()
    }
}

fn end_intercept(i: Intercept, separation: f64, t: f64, out: &mut Vec<Event>) {
    for e in std::iter::once(i.event).chain(i.escort) {
        let mut e = e;
        e.phase = Phase::Ended;
        e.time = t;
        e.ended = Some(separation);
        if let Detail::Intercept { separation: s, .. } = &mut e.detail {
            *s = Some(separation);
        }
        out.push(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(lat: f64, lon: f64) -> Snap {
        Snap {
            key: TrackKey::icao(picket_modes::Icao(1)),
            pos: LatLon::new(lat, lon),
            alt: 30_000,
            gs: 400.0,
            track: 0.0,
            airborne: true,
            source: PositionSource::Adsb,
            cos_lat: lat.to_radians().cos(),
        }
    }

    /// The cheap bounds never reject a pair within range, at any latitude and across the
    /// antimeridian, and they do reject pairs clearly apart.
    #[test]
    fn may_be_within_never_rejects_a_pair_in_range() {
        let range = 5.0 * 1852.0;
        let mut next = crate::detect::uniform(0x2545_f491_4f6c_dd1du64);
        let (mut within, mut rejected) = (0, 0);
        for _ in 0..200_000 {
            let lat = -89.0 + 178.0 * next();
            let lon = -180.0 + 360.0 * next();
            let a = snap(lat, lon);
            let b_lat = (lat + (next() - 0.5) * 0.4).clamp(-90.0, 90.0);
            let b_lon = picket_world::geo::normalize_lon(lon + (next() - 0.5) * 0.6);
            let b = snap(b_lat, b_lon);
            let d = a.pos.distance_m(b.pos);
            if d <= range {
                within += 1;
                assert!(may_be_within(&a, &b, range), "{a:?} {b:?} {d}");
            } else if !may_be_within(&a, &b, range) {
                rejected += 1;
            }
        }
        assert!(within > 1_000, "{within}");
        assert!(rejected > 100_000, "{rejected}");
        // Across the antimeridian: 0.02° of longitude apart at the equator, 2.2 km.
        assert!(may_be_within(&snap(0.0, 179.99), &snap(0.0, -179.99), range));
        assert!(!may_be_within(&snap(0.0, 179.9), &snap(0.0, -179.9), range));
    }

    /// The pass that measures only the pairs that can matter gives the same events, in the
    /// same order, and keeps the same pair states as the pass that measures every pair the
    /// grid offers: random aircraft, many flying in twos and threes that join, hold and
    /// drift apart at all heights, speeds and tracks, some unlocated for a while, some
    /// retired.
    #[test]
    fn pruned_pass_equals_full_search() {
        let p = DetectorParams::DEFAULT;
        let mut next = crate::detect::uniform(0x2545_f491_4f6c_dd1du64);
        struct Plane {
            key: TrackKey,
            pos: LatLon,
            alt: i32,
            gs: f64,
            track: f64,
            turn: f64,
            airborne: bool,
        }
        let mut planes: Vec<Plane> = Vec::new();
        let mut address = 0x100u32;
        let mut add = |planes: &mut Vec<Plane>, next: &mut dyn FnMut() -> f64| {
            let lead = Plane {
                key: TrackKey::icao(picket_modes::Icao(address)),
                pos: LatLon::new(10.0 + next() * 0.6, 20.0 + next() * 0.6),
                alt: 20_000 + (next() * 8.0) as i32 * 500,
                gs: 150.0 + next() * 350.0,
                track: next() * 360.0,
                turn: (next() - 0.5) * 0.4,
                airborne: next() > 0.05,
            };
            address += 1;
            let wingmen = (next() * 3.0) as usize;
            for _ in 0..wingmen {
                planes.push(Plane {
                    key: TrackKey::icao(picket_modes::Icao(address)),
                    pos: lead.pos.destination(next() * 360.0, 500.0 + next() * 6_000.0),
                    alt: lead.alt + ((next() - 0.5) * 2_400.0) as i32,
                    gs: lead.gs + (next() - 0.5) * 20.0,
                    track: lead.track + (next() - 0.5) * 30.0,
                    turn: lead.turn + (next() - 0.5) * 0.2,
                    airborne: true,
                });
                address += 1;
            }
            planes.push(lead);
        };
        for _ in 0..40 {
            add(&mut planes, &mut next);
        }
        let (mut full, mut pruned) = (Pairs::default(), Pairs::default());
        full.full = true;
        let (mut out_full, mut out_pruned) = (Vec::new(), Vec::new());
        let (mut grid, mut snaps) = (Grid::default(), Vec::<Snap>::new());
        let (mut measured_full, mut measured_pruned) = (0, 0);
        for second in 0..1_500 {
            let t = 1_700_000_000.0 + f64::from(second);
            if next() < 0.05 && !planes.is_empty() {
                let i = (next() * planes.len() as f64) as usize % planes.len();
                let gone = planes.swap_remove(i);
                full.retire(gone.key, t - 1.0, t, &mut out_full);
                pruned.retire(gone.key, t - 1.0, t, &mut out_pruned);
            }
            if next() < 0.05 {
                add(&mut planes, &mut next);
            }
            snaps.clear();
            for pl in &mut planes {
                pl.track = (pl.track + pl.turn).rem_euclid(360.0);
                pl.pos = pl.pos.destination(pl.track, pl.gs * 1852.0 / 3600.0);
                if next() < 0.02 {
                    pl.alt += ((next() - 0.5) * 1_000.0) as i32;
                }
                // Now and then not located this second.
                if next() < 0.03 {
                    continue;
                }
                snaps.push(Snap {
                    key: pl.key,
                    pos: pl.pos,
                    alt: pl.alt,
                    gs: pl.gs,
                    track: pl.track,
                    airborne: pl.airborne,
                    source: PositionSource::Adsb,
                    cos_lat: (pl.pos.lat.to_radians().cos() - 1e-9).max(0.0),
                });
            }
            grid.build(snaps.iter().enumerate().map(|(i, s)| (i as u32, s.pos)));
            let index: HashMap<TrackKey, usize> = snaps.iter().enumerate().map(|(i, s)| (s.key, i)).collect();
            for (pairs, out) in [(&mut full, &mut out_full), (&mut pruned, &mut out_pruned)] {
                pairs.pass(
                    &p,
                    t,
                    &snaps,
                    &grid,
                    |k| index.get(&k).copied(),
                    |_| None,
                    |a, b| a.raw() % 7 == b.raw() % 7,
                    out,
                );
            }
            measured_full += full.compared;
            measured_pruned += pruned.compared;
            assert_eq!(out_full, out_pruned, "second {second}");
            let mut a: Vec<_> = full.states.iter().map(|(k, s)| (*k, format!("{s:?}"))).collect();
            let mut b: Vec<_> = pruned
                .states
                .iter()
                .map(|(k, s)| (*k, format!("{s:?}")))
                .collect();
            a.sort();
            b.sort();
            assert_eq!(a, b, "second {second}");
        }
        let kinds = |k: EventKind| out_full.iter().filter(|e| e.kind == k).count();
        assert!(
            kinds(EventKind::Formation) > 20,
            "{}",
            kinds(EventKind::Formation)
        );
        assert!(
            out_full.iter().any(|e| e.phase == Phase::Ended),
            "no formation ended"
        );
        assert!(
            measured_pruned * 10 < measured_full * 8,
            "{measured_pruned} of {measured_full}"
        );
    }
}
