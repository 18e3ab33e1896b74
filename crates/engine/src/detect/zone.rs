//! Zone entry and exit, with hysteresis.
//!
//! An aircraft is inside a zone when it is inside the area and inside the altitude band.
//! The state changes only after [`DetectorParams::zone_confirm_positions`] consecutive
//! positions past the margin of [`DetectorParams::zone_inside_next`] (1 NM inside to enter,
//! 1 NM outside to leave), so a track along the border never flaps and one bad position
//! never raises an entry. The onset is the first of those positions. The first position of
//! an aircraft sets its state without an event: an aircraft that appears inside a zone
//! has not entered it.
//!
//! Cost: the distance to a boundary is measured only when the aircraft may have reached
//! the margin since the last measurement at the highest speed an aircraft flies
//! ([`MAX_SPEED_MPS`]); aircraft far from every boundary cost one comparison per position.

use picket_world::events::{DetectorParams, EventKind};
use picket_world::zones::Zone;

use crate::event::{Confidence, Detail, Event, Evidence, Place};
use crate::track::Aircraft;

/// Highest speed assumed between two positions when deciding that a boundary cannot have
/// been reached yet: 600 m/s (about 1,170 kt, faster than any aircraft at the altitudes
/// where 1090 MHz is heard). With a known ground speed, the tracker's own bound on a
/// position's move (1.5 times the speed plus 100 kt) is used when lower.
pub(crate) const MAX_SPEED_MPS: f64 = 600.0;

/// The speed bound for an aircraft (m/s).
fn speed_bound(a: &Aircraft) -> f64 {
    a.gs.map_or(MAX_SPEED_MPS, |gs| {
        ((1.5 * f64::from(gs) + 100.0) * 1852.0 / 3600.0).min(MAX_SPEED_MPS)
    })
}

/// One aircraft against one zone.
#[derive(Debug, Clone, Copy)]
struct State {
    inside: bool,
    /// Whether the altitude was in the zone's band at the last position.
    in_band: bool,
    /// Consecutive positions saying the state should change.
    pending: u32,
    /// The first of them.
    pending_evidence: Option<(Evidence, f64)>,
    /// Before this data time the state cannot change (the margin is too far).
    recheck_at: f64,
}

/// One aircraft against every zone.
#[derive(Debug, Clone, Default)]
pub(crate) struct ZoneTrack {
    states: Vec<State>,
    /// What lets a position skip every zone at once: `None` until the states are set (and
    /// after a reset).
    quiet: Option<Quiet>,
}

/// When a position changes nothing for any zone: before every zone's `recheck_at`, with
/// no zone pending, and at an altitude that puts it in the same altitude band of every
/// zone as the last position measured. Such a position would only take the per-zone
/// "nothing to do" branch for each zone (which leaves the state as it is when nothing is
/// pending); the summary lets it skip the walk over the zones.
#[derive(Debug, Clone, Copy)]
struct Quiet {
    /// The earliest `recheck_at` of all zones.
    until: f64,
    /// Altitudes (feet) with the same in-band answer for every zone; `lo > hi` when none.
    lo: i64,
    hi: i64,
    /// Whether a position without an altitude has the same answers.
    no_alt: bool,
}

impl Quiet {
    /// The summary of `states` (just set for `zones` at altitude `alt`), or `None` when a
    /// zone is pending or a recheck time is not a number.
    fn of(states: &[State], zones: &[Zone], alt: Option<i32>) -> Option<Quiet> {
        let mut until = f64::INFINITY;
        for s in states {
            if s.pending != 0 || s.recheck_at.is_nan() {
                return None;
            }
            if s.recheck_at < until {
                until = s.recheck_at;
            }
        }
        let (mut lo, mut hi, no_alt) = match alt {
            Some(_) => (i64::MIN, i64::MAX, false),
            None => (1, 0, true),
        };
        if let Some(a) = alt {
            // `altitude_in_band`: inside when floor <= a and a <= ceiling.
            let a = i64::from(a);
            for z in zones {
                if let Some(f) = z.floor_ft.map(i64::from) {
                    if f <= a {
                        lo = lo.max(f);
                    } else {
                        hi = hi.min(f - 1);
                    }
                }
                if let Some(c) = z.ceiling_ft.map(i64::from) {
                    if a <= c {
                        hi = hi.min(c);
                    } else {
                        lo = lo.max(c + 1);
                    }
                }
            }
        }
        Some(Quiet {
            until,
            lo,
            hi,
            no_alt,
        })
    }

    /// True when a position at data time `t` and altitude `alt` changes nothing.
    #[inline]
    fn holds(&self, t: f64, alt: Option<i32>) -> bool {
        t < self.until
            && match alt {
                Some(a) => self.lo <= i64::from(a) && i64::from(a) <= self.hi,
                None => self.no_alt,
            }
    }
}

/// The evidence of an aircraft's current position.
pub(crate) fn position_evidence(a: &Aircraft, note: &'static str) -> Evidence {
    let p = a.position.as_ref();
    Evidence {
        time: p.map_or(a.last_seen, |p| p.time),
        hex: a.key,
        lat: p.map(|p| p.lat),
        lon: p.map(|p| p.lon),
        alt_baro: a.alt_baro,
        gs: a.gs,
        note,
        position_source: p.and_then(|p| Evidence::label(p.source)),
    }
}

impl ZoneTrack {
    /// Forgets every zone state (after the zones changed).
    pub(crate) fn reset(&mut self) {
        self.states.clear();
        self.quiet = None;
    }

    /// True when the aircraft is inside zone `i` (by the hysteresis state).
    #[cfg(test)]
    pub(crate) fn inside(&self, i: usize) -> bool {
        self.states.get(i).is_some_and(|s| s.inside)
    }

    /// Takes a new accepted position of `a`.
    ///
    /// Inline: most positions are far from every boundary and change nothing (see
    /// [`Quiet`]); they leave at the first test.
    #[inline]
    pub(crate) fn on_position(
        &mut self,
        p: &DetectorParams,
        zones: &[Zone],
        a: &Aircraft,
        out: &mut Vec<Event>,
    ) {
        let Some(pos) = a.position.as_ref() else {
            return;
        };
        if let Some(q) = &self.quiet {
            if q.holds(pos.time, a.alt_baro) && self.states.len() == zones.len() {
                return;
            }
        }
        self.measure(p, zones, a, out);
        self.quiet = Quiet::of(&self.states, zones, a.alt_baro);
    }

    /// [`ZoneTrack::on_position`] zone by zone.
    #[inline(never)]
    fn measure(&mut self, p: &DetectorParams, zones: &[Zone], a: &Aircraft, out: &mut Vec<Event>) {
        let Some(pos) = a.position.as_ref() else {
            return;
        };
        let (t, here) = (pos.time, pos.latlon());
        if self.states.len() != zones.len() {
            self.states.clear();
            for z in zones {
                let in_band = z.altitude_in_band(a.alt_baro);
                let d = if in_band {
                    z.signed_distance_m(here)
                } else {
                    f64::INFINITY
                };
                let inside = d < 0.0;
                self.states.push(State {
                    inside,
                    in_band,
                    pending: 0,
                    pending_evidence: None,
                    recheck_at: recheck_at(p, inside, d, t, speed_bound(a)),
                });
            }
            return;
        }
        for (z, s) in zones.iter().zip(self.states.iter_mut()) {
            let in_band = z.altitude_in_band(a.alt_baro);
            if in_band == s.in_band && t < s.recheck_at {
                s.pending = 0;
                continue;
            }
            s.in_band = in_band;
            let d = if in_band {
                z.signed_distance_m(here)
            } else {
                f64::INFINITY
            };
            let next = p.zone_inside_next(s.inside, d);
            if next == s.inside {
                s.pending = 0;
                s.pending_evidence = None;
                s.recheck_at = recheck_at(p, s.inside, d, t, speed_bound(a));
                continue;
            }
            if s.pending == 0 {
                let note = if next {
                    "inside the margin"
                } else {
                    "outside the margin"
                };
                s.pending_evidence = Some((position_evidence(a, note), d));
            }
            s.pending += 1;
            s.recheck_at = t;
            if s.pending < p.zone_confirm_positions.max(1) {
                continue;
            }
            s.inside = next;
            s.pending = 0;
            let (first, first_d) = s.pending_evidence.take().unwrap_or((position_evidence(a, ""), d));
            let kind = if next {
                EventKind::ZoneEntry
            } else {
                EventKind::ZoneExit
            };
            let mut e = Event::new(kind, a.key, first.time, t).with_place(Place::Zone {
                id: z.id.clone(),
                name: z.name.clone(),
            });
            e.confidence = Confidence::High;
            e.detail = Detail::Zone {
                boundary_m: if first_d.is_finite() { first_d } else { d },
            };
            e.push_evidence(first);
            e.push_evidence(position_evidence(a, "confirmed"));
            out.push(e);
            s.recheck_at = recheck_at(p, s.inside, d, t, speed_bound(a));
        }
    }
}

/// The earliest data time at which an aircraft `d` metres from the boundary (negative
/// inside, infinite when outside the altitude band) could be past the margin that changes
/// its state.
fn recheck_at(p: &DetectorParams, inside: bool, d: f64, t: f64, speed_mps: f64) -> f64 {
    let room = if inside {
        p.zone_exit_margin_m - d
    } else {
        d + p.zone_enter_margin_m
    };
    if room.is_nan() {
        return t;
    }
    t + room.max(0.0) / speed_mps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::flying;
    use picket_world::geo::LatLon;

    fn square() -> Zone {
        // A zone north of 60 N between 10 W and 10 E (up to 62 N).
        let ring = [
            LatLon::new(60.0, -10.0),
            LatLon::new(60.0, 10.0),
            LatLon::new(62.0, 10.0),
            LatLon::new(62.0, -10.0),
        ];
        let poly = picket_world::geo::Polygon::new(&ring, &[]).unwrap();
        Zone::new("sq", "Square", picket_world::geo::Shape::Polygon(poly))
    }

    fn run(track: &[(f64, f64, i32)], zones: &[Zone]) -> Vec<Event> {
        let p = DetectorParams::DEFAULT;
        let mut zt = ZoneTrack::default();
        let mut out = Vec::new();
        for (k, &(lat, lon, alt)) in track.iter().enumerate() {
            // A position every 10 s: steps of up to 0.05 degree (5.6 km) need 1,100 kt.
            let a = flying(0x3c0001, 1000.0 + 10.0 * k as f64, lat, lon, alt, 1_100.0, 0.0);
            zt.on_position(&p, zones, &a, &mut out);
        }
        out
    }

    #[test]
    fn entry_and_exit_with_onset_at_the_first_position_past_the_margin() {
        // 0.01 degree of latitude is 1.1 km; the boundary is at 60 N, the margin 1.852 km.
        let lats = [
            59.9, 59.95, 59.99, 60.005, 60.01, 60.02, 60.03, 60.08, 60.12, 60.07, 60.02, 59.99, 59.98, 59.95,
        ];
        let track: Vec<(f64, f64, i32)> = lats.iter().map(|&l| (l, 0.0, 30_000)).collect();
        let ev = run(&track, &[square()]);
        assert_eq!(ev.len(), 2, "{ev:?}");
        assert_eq!(ev[0].kind, EventKind::ZoneEntry);
        // 60.02 N is the first position 1.852 km inside; the next one confirms it.
        assert_eq!(ev[0].onset, 1050.0);
        assert_eq!(ev[0].time, 1060.0);
        assert_eq!(ev[0].zone(), Some("sq"));
        assert_eq!(ev[0].confidence, Confidence::High);
        assert_eq!(ev[1].kind, EventKind::ZoneExit);
        assert_eq!(ev[1].onset, 1120.0, "59.98 N is the first position 1 NM outside");
        assert_eq!(ev[1].time, 1130.0);
        assert_ne!(ev[0].id, ev[1].id);
    }

    #[test]
    fn a_track_along_the_border_never_flaps_and_one_bad_position_is_not_an_entry() {
        let mut track = Vec::new();
        for k in 0..200 {
            let lat = if k % 2 == 0 { 59.995 } else { 60.008 };
            track.push((lat, -5.0 + f64::from(k) * 0.01, 30_000));
        }
        // One wild position deep inside, then back outside.
        track.insert(100, (61.0, 0.0, 30_000));
        assert!(run(&track, &[square()]).is_empty());
    }

    #[test]
    fn appearing_inside_is_not_an_entry_and_the_altitude_band_counts() {
        assert!(run(
            &[(61.0, 0.0, 30_000), (61.01, 0.0, 30_000), (61.02, 0.0, 30_000)],
            &[square()]
        )
        .is_empty());
        let mut banded = square();
        banded.floor_ft = Some(10_000);
        // Inside the area throughout; climbs through the floor, then descends below it.
        let alts = [2_000, 5_000, 9_000, 11_000, 15_000, 20_000, 12_000, 8_000, 6_000];
        let track: Vec<(f64, f64, i32)> = alts.iter().map(|&a| (61.0, 0.0, a)).collect();
        let ev = run(&track, &[banded]);
        let kinds: Vec<EventKind> = ev.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::ZoneEntry, EventKind::ZoneExit]);
        assert_eq!(ev[0].onset, 1030.0);
        assert_eq!(ev[1].onset, 1070.0);
    }

    #[test]
    fn skipping_quiet_positions_changes_nothing() {
        // Three zones, two with altitude bands; a track wandering across the southern
        // border at altitudes around the bands' edges, sometimes without an altitude.
        let p = DetectorParams::DEFAULT;
        let mut banded = square();
        banded.id = "banded".into();
        (banded.floor_ft, banded.ceiling_ft) = (Some(10_000), Some(20_000));
        let mut floored = square();
        floored.id = "floored".into();
        floored.floor_ft = Some(5_000);
        let zones = [square(), banded, floored];
        let alts = [
            None,
            Some(3_000),
            Some(4_999),
            Some(5_000),
            Some(9_999),
            Some(10_000),
            Some(15_000),
            Some(20_000),
            Some(20_001),
            Some(30_000),
        ];
        let (mut fast, mut slow) = (ZoneTrack::default(), ZoneTrack::default());
        let (mut fast_out, mut slow_out) = (Vec::new(), Vec::new());
        let mut seed = 0x2545_f491_u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let (mut lat, mut alt, mut quiet) = (59.5, Some(30_000), 0);
        for k in 0..4_000 {
            // Long quiet stretches far from the border, then wandering across it.
            let step = if (k / 400) % 2 == 0 { 0.002 } else { 0.02 };
            lat = (lat + step * (next(3) as f64 - 1.0)).clamp(59.0, 61.0);
            if next(10) == 0 {
                alt = alts[next(alts.len() as u64) as usize];
            }
            let mut a = flying(0x3c0001, 1000.0 + 10.0 * f64::from(k), lat, 0.0, 0, 1_100.0, 0.0);
            a.alt_baro = alt;
            quiet += usize::from(fast.quiet.is_some_and(|q| q.holds(a.last_seen, alt)));
            fast.on_position(&p, &zones, &a, &mut fast_out);
            slow.measure(&p, &zones, &a, &mut slow_out);
        }
        assert_eq!(fast_out, slow_out);
        assert!(
            fast_out.len() >= 6,
            "the track crosses the zones: {}",
            fast_out.len()
        );
        assert!(quiet > 1_000, "most positions are quiet: {quiet}");
        for i in 0..zones.len() {
            assert_eq!(fast.inside(i), slow.inside(i));
        }
    }

    #[test]
    fn far_from_every_boundary_the_distance_is_not_measured_again() {
        let p = DetectorParams::DEFAULT;
        let zones = [square()];
        let mut zt = ZoneTrack::default();
        let mut out = Vec::new();
        let a = flying(1, 0.0, 40.0, 0.0, 30_000, 450.0, 0.0);
        zt.on_position(&p, &zones, &a, &mut out);
        // 20 degrees (2,200 km) away: nothing to do for an hour and a half at 450 kt.
        assert!(zt.states[0].recheck_at > 5_000.0, "{}", zt.states[0].recheck_at);
        assert!(!zt.inside(0));
    }
}
