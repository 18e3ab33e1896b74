//! Take-off, landing and dwell at an airport or base.
//!
//! Each aircraft is on the ground, in the air, or not yet known. The evidence, message by
//! message, is the on-ground flag (surface positions, the VS/FS bits of replies, or an
//! observation's flag) when the aircraft gives one, else "low and slow at the field"
//! ([`DetectorParams::at_field`]) against "fast or high". A change of state needs
//! [`CONFIRM_MESSAGES`] consecutive messages; the onset is the first of them.
//!
//! - Landing: air to ground within [`DetectorParams::airport_max_distance_m`] of an
//!   airport; high confidence on the flag, medium when low and slow without one. A ground
//!   flag while the latest altitude says the aircraft is well above the field is ignored.
//!   A track last positioned within that distance and below
//!   [`DetectorParams::airport_max_height_ft`] above the field, then silent for
//!   [`DetectorParams::landing_silence`], is landed with low confidence (onset: the last
//!   message). A track lost anywhere else (at cruise, or where coverage ends) is never
//!   landed.
//! - Take-off: ground at an airport to air. Air evidence on the ground needs speed above
//!   [`DetectorParams::ground_max_speed_kt`] or height above the field limit when those are
//!   known, so a transponder that flickers while parked does not take off.
//! - Dwell: a foreign (by the country of its address block against the airport's country)
//!   aircraft of interest on the ground at one airport for [`DetectorParams::dwell_min`];
//!   with [`DetectorParams::dwell_reraise_daily`], raised again at each UTC midnight it
//!   stays (onset: that midnight; the previous day's event ends there). It needs to be heard
//!   when raised; a parked aircraft that switched off is remembered across retirement and
//!   raised when heard again at the same airport. The take-off ends it.

use picket_world::airports::{nearest_with_distance, Airport};
use picket_world::events::{DetectorParams, EventKind};

use super::first_seen::{utc_day, DAY_S};
use super::zone::position_evidence;
use crate::enrich::country;
use crate::event::{Confidence, Detail, Event, MovementBasis, Phase, Place};
use crate::track::{Aircraft, Field};

/// Consecutive messages needed to change between ground and air.
pub(crate) const CONFIRM_MESSAGES: u32 = 2;

/// Above this barometric altitude no airport is looked up (the highest airports are near
/// 14,500 ft).
const AIRPORT_CEILING_FT: i32 = 16_000;

/// Seconds between two nearest-airport look-ups of one aircraft.
const LOOKUP_EVERY_S: f64 = 5.0;

/// Age (s) up to which a speed or altitude says something about the current message.
const FRESH_S: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Ground {
    since: f64,
    airport: Option<&'static Airport>,
    /// False when the state was restored after a silence (retirement or lost low).
    confirmed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Unknown,
    Ground(Ground),
    Air,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    ground: bool,
    first: f64,
    count: u32,
    basis: MovementBasis,
}

/// One aircraft's ground/air state and its open dwell.
#[derive(Debug, Clone)]
pub(crate) struct Movement {
    state: State,
    candidate: Option<Candidate>,
    /// The nearest airport (within the attribution distance) at the last look-up.
    near: Option<(&'static Airport, f64)>,
    near_at: f64,
    /// The silence of the current track was already checked for a lost-low landing.
    silence_checked: bool,
    /// The open dwell event and the UTC day it was raised for.
    dwell: Option<Box<(Event, i64)>>,
    /// Data time the aircraft was last heard (kept for parked records).
    pub(crate) last_heard: f64,
}

impl Default for Movement {
    fn default() -> Self {
        Movement {
            state: State::Unknown,
            candidate: None,
            near: None,
            near_at: f64::NEG_INFINITY,
            silence_checked: false,
            dwell: None,
            last_heard: f64::NEG_INFINITY,
        }
    }
}

fn height_above(a: &Aircraft, ap: &Airport, now: f64) -> Option<i32> {
    let alt = a.alt_baro.filter(|_| a.is_fresh(Field::AltBaro, now, FRESH_S))?;
    Some(alt - ap.elevation_ft.unwrap_or(0))
}

fn runway(ap: &Airport, track: Option<f32>) -> Option<&'static str> {
    let (_, end, off) = ap.runway_end_for_track(f64::from(track?))?;
    (off <= 30.0).then_some(end.designator)
}

impl Movement {
    /// True while the aircraft is known to be on the ground.
    pub(crate) fn on_ground(&self) -> bool {
        matches!(self.state, State::Ground(_))
    }

    /// True while the aircraft is known to be airborne.
    #[cfg(test)]
    pub(crate) fn airborne(&self) -> bool {
        matches!(self.state, State::Air)
    }

    /// True when this record is worth keeping while the aircraft is silent (on the ground
    /// at an airport).
    pub(crate) fn parked(&self) -> bool {
        matches!(self.state, State::Ground(Ground { airport: Some(_), .. }))
    }

    /// Marks a record restored after a silence.
    pub(crate) fn restored(&mut self) {
        if let State::Ground(g) = &mut self.state {
            g.confirmed = false;
        }
        self.candidate = None;
    }

    fn nearest(&mut self, p: &DetectorParams, a: &Aircraft, t: f64) -> Option<(&'static Airport, f64)> {
        let pos = a.position.as_ref()?;
        if t - self.near_at >= LOOKUP_EVERY_S || pos.time < self.near_at {
            let high = a.alt_baro.is_some_and(|alt| alt > AIRPORT_CEILING_FT)
                && a.is_fresh(Field::AltBaro, t, FRESH_S);
            self.near = if high {
                None
            } else {
                nearest_with_distance(pos.latlon(), p.airport_max_distance_m)
            };
            self.near_at = t;
        }
        self.near
    }

    /// What this message of `a` says: Some(true) on the ground, Some(false) airborne.
    fn evidence(&mut self, p: &DetectorParams, a: &Aircraft) -> Option<(bool, MovementBasis)> {
        let t = a.last_seen;
        if a.seen(Field::OnGround) == Some(t) {
            return a.on_ground.map(|g| (g, MovementBasis::OnGround));
        }
        if a.on_ground.is_some() || a.position.is_none_or(|pos| pos.time != t) {
            return None;
        }
        // No source gives the flag: decide from height and speed at the nearest airport.
        let gs = a.gs.filter(|_| a.is_fresh(Field::Gs, t, FRESH_S)).map(f64::from);
        let near = self.nearest(p, a, t);
        let height = near.and_then(|(ap, _)| height_above(a, ap, t));
        match (near, height, gs) {
            (Some((_, d)), Some(h), Some(v)) if p.at_field(d, h, v) => {
                Some((true, MovementBasis::LowAndSlow))
            }
            (_, _, Some(v)) if v >= p.airborne_min_speed_kt => Some((false, MovementBasis::LowAndSlow)),
            (Some(_), Some(h), _) if h > p.airport_max_height_ft => Some((false, MovementBasis::LowAndSlow)),
            _ => None,
        }
    }

    /// Takes a message of `a`. `foreign_interest` says whether a dwell may be raised.
    pub(crate) fn on_update(&mut self, p: &DetectorParams, a: &Aircraft, out: &mut Vec<Event>) {
        let t = a.last_seen;
        self.last_heard = t;
        self.silence_checked = false;
        let Some((ground, basis)) = self.evidence(p, a) else {
            return;
        };
        let agrees = match self.state {
            State::Unknown => false,
            State::Ground(_) => ground,
            State::Air => !ground,
        };
        if agrees {
            self.candidate = None;
            if let State::Ground(g) = &mut self.state {
                g.confirmed = true;
            }
            return;
        }
        if !self.plausible(p, a, ground) {
            self.candidate = None;
            return;
        }
        let c = match self.candidate {
            Some(c) if c.ground == ground => Candidate {
                count: c.count + 1,
                ..c
            },
            _ => Candidate {
                ground,
                first: t,
                count: 1,
                basis,
            },
        };
        if c.count < CONFIRM_MESSAGES {
            self.candidate = Some(c);
            return;
        }
        self.candidate = None;
        let previous = self.state;
        if ground {
            let airport = self.attribute(p, a, t);
            self.state = State::Ground(Ground {
                since: c.first,
                airport,
                confirmed: true,
            });
            if let (State::Air, Some(ap)) = (previous, airport) {
                let confidence = match c.basis {
                    MovementBasis::OnGround => Confidence::High,
                    _ => Confidence::Medium,
                };
                out.push(movement_event(
                    EventKind::Landing,
                    a,
                    ap,
                    c.first,
                    t,
                    confidence,
                    c.basis,
                ));
            }
        } else {
            self.state = State::Air;
            if let State::Ground(g) = previous {
                // A record restored after a silence takes off only from where it was.
                let here = self.attribute(p, a, t);
                let airport = match (g.confirmed, g.airport, here) {
                    (true, Some(ap), _) => Some(ap),
                    (true, None, here) => here,
                    (false, Some(ap), Some(h)) if h.ident == ap.ident => Some(ap),
                    _ => None,
                };
                if let Some(ap) = airport {
                    let confidence = match c.basis {
                        MovementBasis::OnGround => Confidence::High,
                        _ => Confidence::Medium,
                    };
                    out.push(movement_event(
                        EventKind::Takeoff,
                        a,
                        ap,
                        c.first,
                        t,
                        confidence,
                        c.basis,
                    ));
                }
                self.end_dwell(c.first, t, out);
            }
        }
    }

    /// Whether a change to `ground` is believable from the speed and height, when known.
    fn plausible(&mut self, p: &DetectorParams, a: &Aircraft, ground: bool) -> bool {
        let t = a.last_seen;
        let near = self.nearest(p, a, t);
        let height = near.and_then(|(ap, _)| height_above(a, ap, t));
        if ground {
            // Well above the field by the latest altitude: not on the ground.
            return height.is_none_or(|h| h <= p.airport_max_height_ft);
        }
        if !matches!(self.state, State::Ground(_)) {
            return true;
        }
        let gs = a.gs.filter(|_| a.is_fresh(Field::Gs, t, FRESH_S));
        match (gs, height) {
            (None, None) => true,
            (gs, h) => {
                gs.is_some_and(|v| f64::from(v) >= p.ground_max_speed_kt)
                    || h.is_some_and(|h| h > p.airport_max_height_ft)
            }
        }
    }

    /// The airport a movement at the current position is attributed to.
    fn attribute(&self, p: &DetectorParams, a: &Aircraft, t: f64) -> Option<&'static Airport> {
        let pos = a.position.as_ref().filter(|pos| t - pos.time <= 60.0)?;
        nearest_with_distance(pos.latlon(), p.airport_max_distance_m).map(|(ap, _)| ap)
    }

    /// The airport at which `a` was last heard low (its last position and altitude no
    /// older than [`FRESH_S`] before its last message), if any.
    fn lost_low_at(&self, p: &DetectorParams, a: &Aircraft) -> Option<&'static Airport> {
        let last = a.last_seen;
        let pos = a.position.as_ref().filter(|pos| last - pos.time <= FRESH_S)?;
        let alt = a.alt_baro.filter(|_| a.is_fresh(Field::AltBaro, last, FRESH_S))?;
        let (ap, _) = nearest_with_distance(pos.latlon(), p.airport_max_distance_m)?;
        (alt - ap.elevation_ft.unwrap_or(0) <= p.airport_max_height_ft).then_some(ap)
    }

    fn end_dwell(&mut self, at: f64, now: f64, out: &mut Vec<Event>) {
        if let Some(b) = self.dwell.take() {
            let (mut e, _) = *b;
            e.phase = Phase::Ended;
            e.time = now;
            e.ended = Some(at);
            out.push(e);
        }
    }

    /// Silence and time checks at data time `now`: lost-low landings and dwell.
    /// `interest` says whether the aircraft is military or state.
    pub(crate) fn on_tick(
        &mut self,
        p: &DetectorParams,
        a: &Aircraft,
        interest: bool,
        now: f64,
        out: &mut Vec<Event>,
    ) {
        let silent = now - a.last_seen;
        if matches!(self.state, State::Air)
            && silent >= p.landing_silence.as_secs_f64()
            && !self.silence_checked
        {
            // Looked at once per silence: the airport look-up is the expensive part.
            self.silence_checked = true;
            if let Some(ap) = self.lost_low_at(p, a) {
                let mut e = movement_event(
                    EventKind::Landing,
                    a,
                    ap,
                    a.last_seen,
                    now,
                    Confidence::Low,
                    MovementBasis::LostLow,
                );
                e.evidence[0].note = "last heard low at the field";
                out.push(e);
                self.state = State::Unknown;
            }
        }
        self.check_dwell(p, a, interest, now, out);
    }

    fn check_dwell(
        &mut self,
        p: &DetectorParams,
        a: &Aircraft,
        interest: bool,
        now: f64,
        out: &mut Vec<Event>,
    ) {
        let State::Ground(Ground {
            since,
            airport: Some(ap),
            ..
        }) = self.state
        else {
            return;
        };
        if !interest || !a.key.is_icao() {
            return;
        }
        // Heard recently: the stay is evidenced, not assumed.
        if now - a.last_seen > p.landing_silence.as_secs_f64() || now - since < p.dwell_min.as_secs_f64() {
            return;
        }
        let foreign = country(a.address()).is_some_and(|c| !c.iso2.eq_ignore_ascii_case(ap.country));
        if !foreign {
            return;
        }
        let day = utc_day(now);
        let onset = match &self.dwell {
            None => since,
            Some(b) if p.dwell_reraise_daily && day > b.1 => {
                let midnight = day as f64 * DAY_S;
                self.end_dwell(midnight, now, out);
                midnight
            }
            Some(_) => return,
        };
        let mut e = Event::new(EventKind::Dwell, a.key, onset, now).with_place(Place::Airport {
            ident: ap.ident.to_string(),
            name: ap.name.to_string(),
        });
        e.confidence = Confidence::High;
        e.detail = Detail::Dwell {
            since,
            hours: (now - since) / 3600.0,
            day,
        };
        e.push_evidence(position_evidence(a, "on the ground"));
        out.push(e.clone());
        self.dwell = Some(Box::new((e, day)));
    }

    /// The aircraft is gone for good (not parked): ends its dwell.
    pub(crate) fn on_retired(&mut self, now: f64, out: &mut Vec<Event>) {
        let last = self.last_heard;
        self.end_dwell(last, now, out);
    }
}

fn movement_event(
    kind: EventKind,
    a: &Aircraft,
    ap: &'static Airport,
    onset: f64,
    now: f64,
    confidence: Confidence,
    basis: MovementBasis,
) -> Event {
    let mut e = Event::new(kind, a.key, onset, now).with_place(Place::Airport {
        ident: ap.ident.to_string(),
        name: ap.name.to_string(),
    });
    e.confidence = confidence;
    e.detail = Detail::Movement {
        basis,
        runway: runway(ap, a.track),
    };
    let note = match (kind, basis) {
        (EventKind::Landing, MovementBasis::OnGround) => "on the ground",
        (EventKind::Takeoff, MovementBasis::OnGround) => "airborne",
        (_, MovementBasis::LowAndSlow) => "low and slow at the field",
        _ => "",
    };
    e.push_evidence(position_evidence(a, note));
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{carried, fly, heard, taxi};
    use picket_world::airports::airport;

    fn svmi() -> &'static Airport {
        airport("SVMI").unwrap()
    }

    /// An approach to SVMI from 20 km east, touchdown at `t0 + 120`, taxi, parked.
    fn arrival(a: &mut Aircraft, m: &mut Movement, t0: f64, out: &mut Vec<Event>) {
        let p = DetectorParams::DEFAULT;
        let ap = svmi().position;
        let elev = svmi().elevation_ft.unwrap_or(0);
        for k in 0..120 {
            let d = 20_000.0 - f64::from(k) * 150.0;
            let here = ap.destination(90.0, d);
            let alt = elev + (d * 0.052 / 0.3048) as i32;
            fly(a, t0 + f64::from(k), here.lat, here.lon, alt, 140.0, 270.0);
            m.on_update(&p, a, out);
        }
        for k in 0..60 {
            let here = ap.destination(90.0, 2_000.0 - f64::from(k) * 40.0);
            taxi(
                a,
                t0 + 120.0 + f64::from(k),
                here.lat,
                here.lon,
                120.0 - 2.0 * k as f32,
                270.0,
            );
            m.on_update(&p, a, out);
        }
    }

    #[test]
    fn landing_on_the_ground_flag_and_take_off() {
        let p = DetectorParams::DEFAULT;
        let mut a = heard(0x1514c0, 0.0);
        let mut m = Movement::default();
        let mut out = Vec::new();
        arrival(&mut a, &mut m, 1000.0, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let e = &out[0];
        assert_eq!((e.kind, e.onset, e.time), (EventKind::Landing, 1120.0, 1121.0));
        assert_eq!(e.airport(), Some("SVMI"));
        assert_eq!(e.confidence, Confidence::High);
        assert!(matches!(
            e.detail,
            Detail::Movement {
                basis: MovementBasis::OnGround,
                ..
            }
        ));
        assert!(m.on_ground());
        // Parked with the transponder on for an hour: nothing more.
        let ap = svmi().position;
        for k in 0..3600 {
            taxi(&mut a, 2000.0 + f64::from(k), ap.lat, ap.lon, 0.0, 0.0);
            m.on_update(&p, &a, &mut out);
            m.on_tick(&p, &a, true, 2000.0 + f64::from(k), &mut out);
        }
        assert_eq!(out.len(), 1);
        // Take-off roll then airborne.
        for k in 0..30 {
            let here = ap.destination(90.0, f64::from(k) * 60.0);
            taxi(
                &mut a,
                6000.0 + f64::from(k),
                here.lat,
                here.lon,
                4.0 * k as f32,
                90.0,
            );
            m.on_update(&p, &a, &mut out);
        }
        for k in 0..30 {
            let here = ap.destination(90.0, 2_000.0 + f64::from(k) * 80.0);
            fly(
                &mut a,
                6030.0 + f64::from(k),
                here.lat,
                here.lon,
                300 + 50 * k,
                160.0,
                90.0,
            );
            m.on_update(&p, &a, &mut out);
        }
        assert_eq!(out.len(), 2);
        assert_eq!((out[1].kind, out[1].onset), (EventKind::Takeoff, 6030.0));
        assert_eq!(out[1].airport(), Some("SVMI"));
        assert!(m.airborne());
    }

    #[test]
    fn leaving_coverage_at_cruise_is_not_a_landing_but_lost_low_at_the_field_is() {
        let p = DetectorParams::DEFAULT;
        let mut out = Vec::new();
        // FL350 right over SVMI, then silence.
        let mut a = heard(0x4ca001, 0.0);
        let mut m = Movement::default();
        let ap = svmi().position;
        for k in 0..20 {
            let here = ap.destination(90.0, 4_000.0 - f64::from(k) * 230.0);
            fly(&mut a, f64::from(k), here.lat, here.lon, 35_000, 450.0, 270.0);
            m.on_update(&p, &a, &mut out);
        }
        for now in 20..1000 {
            m.on_tick(&p, &a, false, f64::from(now), &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
        // Lost at 300 ft above the field 2 km out on final, never heard again.
        let mut b = heard(0x4ca002, 0.0);
        let mut m = Movement::default();
        let elev = svmi().elevation_ft.unwrap_or(0);
        for k in 0..20 {
            let here = ap.destination(90.0, 5_000.0 - f64::from(k) * 150.0);
            fly(
                &mut b,
                f64::from(k),
                here.lat,
                here.lon,
                elev + 1_000 - 40 * k,
                140.0,
                270.0,
            );
            m.on_update(&p, &b, &mut out);
        }
        for now in 20..138 {
            m.on_tick(&p, &b, false, f64::from(now), &mut out);
        }
        assert!(out.is_empty(), "not silent for long enough");
        m.on_tick(&p, &b, false, 139.0, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].kind, out[0].onset, out[0].confidence),
            (EventKind::Landing, 19.0, Confidence::Low)
        );
        assert_eq!(out[0].airport(), Some("SVMI"));
        m.on_tick(&p, &b, false, 500.0, &mut out);
        assert_eq!(out.len(), 1, "raised once");
    }

    #[test]
    fn a_single_ground_flag_at_altitude_or_a_flicker_while_parked_changes_nothing() {
        let p = DetectorParams::DEFAULT;
        let mut out = Vec::new();
        let mut a = heard(0x4ca003, 0.0);
        let mut m = Movement::default();
        let ap = svmi().position;
        for k in 0..10 {
            fly(&mut a, f64::from(k), ap.lat, ap.lon + 0.01, 12_000, 300.0, 270.0);
            m.on_update(&p, &a, &mut out);
        }
        // Two replies saying "on the ground" at 12,000 ft over the airport.
        for k in 10..12 {
            a.on_ground = Some(true);
            carried(&mut a, f64::from(k), &[Field::OnGround]);
            m.on_update(&p, &a, &mut out);
        }
        assert!(out.is_empty() && m.airborne());
        // Parked; the flag flickers to airborne at 0 kt.
        let mut b = heard(0x4ca004, 0.0);
        let mut m = Movement::default();
        for k in 0..10 {
            taxi(&mut b, f64::from(k), ap.lat, ap.lon, 0.0, 0.0);
            m.on_update(&p, &b, &mut out);
        }
        for k in 10..14 {
            b.on_ground = Some(false);
            carried(&mut b, f64::from(k), &[Field::OnGround]);
            m.on_update(&p, &b, &mut out);
        }
        assert!(out.is_empty() && m.on_ground());
    }

    #[test]
    fn dwell_of_a_foreign_military_aircraft_raised_after_six_hours_and_each_day() {
        let p = DetectorParams::DEFAULT;
        let mut out = Vec::new();
        // A Russian address (0x150000 is in the 0x100000 block) at Caracas.
        let mut a = heard(0x150d8a, 0.0);
        let mut m = Movement::default();
        let day0 = 17_978.0 * DAY_S;
        arrival(&mut a, &mut m, day0 + 40_000.0, &mut out);
        assert_eq!(out.len(), 1);
        let landed = out[0].onset;
        let ap = svmi().position;
        let mut now = day0 + 40_200.0;
        while now < day0 + 2.0 * DAY_S + 3_600.0 {
            taxi(&mut a, now, ap.lat, ap.lon, 0.0, 0.0);
            m.on_update(&p, &a, &mut out);
            m.on_tick(&p, &a, true, now, &mut out);
            now += 10.0;
        }
        let dwell: Vec<&Event> = out.iter().filter(|e| e.kind == EventKind::Dwell).collect();
        let summary: Vec<(Phase, f64)> = dwell.iter().map(|e| (e.phase, e.onset)).collect();
        assert_eq!(
            summary,
            [
                (Phase::Started, landed),
                (Phase::Ended, landed),
                (Phase::Started, day0 + DAY_S),
                (Phase::Ended, day0 + DAY_S),
                (Phase::Started, day0 + 2.0 * DAY_S),
            ]
        );
        assert!(dwell[0].time >= landed + 6.0 * 3600.0 && dwell[0].time <= landed + 6.0 * 3600.0 + 10.0);
        assert_eq!(dwell[1].ended, Some(day0 + DAY_S));
        assert_eq!(dwell[0].airport(), Some("SVMI"));
        // Not of interest, or a Venezuelan address: no dwell.
        for (addr, interest) in [(0x150d8b, false), (0x0d8001, true)] {
            let mut out = Vec::new();
            let mut b = heard(addr, 0.0);
            let mut m = Movement::default();
            arrival(&mut b, &mut m, 0.0, &mut out);
            for k in 0..3_000 {
                let now = 200.0 + f64::from(k) * 10.0;
                taxi(&mut b, now, ap.lat, ap.lon, 0.0, 0.0);
                m.on_update(&p, &b, &mut out);
                m.on_tick(&p, &b, interest, now, &mut out);
            }
            assert!(out.iter().all(|e| e.kind != EventKind::Dwell), "{addr:06x}");
        }
    }
}
