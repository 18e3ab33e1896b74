//! Take-off, landing and dwell at an airport or base, and take-offs and landings away from
//! airports (a helicopter's landing site, a possible ship at sea).
//!
//! Each aircraft is on the ground, in the air, or not yet known. The evidence, message by
//! message, is the on-ground flag (surface positions, the VS/FS bits of replies, or an
//! observation's flag) when the aircraft gives one, else "low and slow at the field"
//! ([`DetectorParams::at_field`]) against "fast or high". A change of state needs
//! [`CONFIRM_MESSAGES`] consecutive messages; the onset is the first of them. docs/detectors.md
//! explains the decisions and their known failure modes.
//!
//! - **The flag is not believed alone.** Real flags flicker (a taxiing aircraft reports
//!   "airborne" for a message or two, aggregators merge a bad altitude with a flag). A flag
//!   change waits for evidence of the same thing from speed or height: a take-off is
//!   confirmed by speed (at least [`DetectorParams::airborne_min_speed_kt`]) or by a climb
//!   ([`CLIMB_MIN_FT`] to [`CLIMB_MAX_FT`] above the altitude heard on the ground: a jump to
//!   cruise altitude is a bad altitude, not a climb); a landing by deceleration (below
//!   [`DetectorParams::ground_max_speed_kt`] or [`DECELERATION_KT`] slower than at the
//!   first ground flag), by the flag held for [`LANDING_HOLD_S`] at the field, or by
//!   silence at the field. A flag that flips back before that is noise: counted
//!   ([`super::DetectorStats::ground_flag_noise`]) and ignored, and so is a ground flag
//!   while the altitude says the aircraft is well above the field.
//! - **Landing**: air to ground within [`DetectorParams::airport_max_distance_m`] of an
//!   airport; high confidence on the flag, medium when low and slow without one, or when
//!   the flag was confirmed by silence. A track last positioned within that distance and
//!   below [`DetectorParams::airport_max_height_ft`] above the field, then silent for
//!   [`DetectorParams::landing_silence`] (or at the end of a recorded input,
//!   [`Movement::on_finish`]), is landed with low confidence (onset: the last message). A
//!   track lost anywhere else (at cruise, or where coverage ends) is never landed, except:
//!   - at a place: last heard at most [`PLACE_LANDING_MAX_SPEED_KT`] after a descent of
//!     [`PLACE_DESCENT_FT`] within [`DESCENT_WINDOW_S`], over land away from airports (a
//!     helicopter landing at a hospital or in the field);
//!   - at sea: a low ([`SEA_MAX_ALT_FT`]), slow ([`SEA_MAX_SPEED_KT`]) pass over the sea at
//!     least [`SEA_MIN_AIRPORT_M`] from any airport that ends in silence, or that climbs
//!     away again by [`SEA_CLIMB_FT`] (a touch-and-go or wave-off), is a possible ship
//!     landing with its position, never a landing at the nearest airport on shore.
//! - **Take-off**: ground at an airport to air. Without any flag, a track whose first
//!   position is within [`START_MAX_DISTANCE_M`] of an airport and [`START_MAX_HEIGHT_FT`]
//!   above it and that climbs [`START_CLIMB_FT`] within [`START_WINDOW_S`] took off there
//!   (low confidence); one that begins low over the sea far from airports, or slow (a
//!   helicopter) over land away from airports, took off at that site.
//! - Dwell: a foreign (by the country of its address block against the airport's country)
//!   aircraft of interest on the ground at one airport for [`DetectorParams::dwell_min`];
//!   with [`DetectorParams::dwell_reraise_daily`], raised again at each UTC midnight it
//!   stays (onset: that midnight; the previous day's event ends there). It needs to be heard
//!   when raised; a parked aircraft that switched off is remembered across retirement and
//!   raised when heard again at the same airport. The take-off ends it.

use picket_world::airports::{nearest_with_distance, Airport};
use picket_world::borders::over_sea;
use picket_world::events::{DetectorParams, EventKind};
use picket_world::geo::LatLon;

use super::first_seen::{utc_day, DAY_S};
use super::zone::position_evidence;
use crate::enrich::country;
use crate::event::{Confidence, Detail, Event, Evidence, MovementBasis, Phase, Place, Site};
use crate::track::{Aircraft, Field, PositionSource};

/// Consecutive messages needed to change between ground and air.
pub(crate) const CONFIRM_MESSAGES: u32 = 2;

/// Above this barometric altitude no airport is looked up (the highest airports are near
/// 14,500 ft).
const AIRPORT_CEILING_FT: i32 = 16_000;

/// Seconds between two nearest-airport (or over-sea) look-ups of one aircraft.
const LOOKUP_EVERY_S: f64 = 5.0;

/// Age (s) up to which a speed or altitude says something about the current message.
const FRESH_S: f64 = 10.0;

/// Least climb (ft) above the altitude heard on the ground that confirms a take-off flag.
pub(crate) const CLIMB_MIN_FT: i32 = 200;
/// Largest: more is a bad altitude (aggregated feeds merge cruise altitudes of other
/// sources into ground tracks), not a climb.
pub(crate) const CLIMB_MAX_FT: i32 = 5_000;
/// Seconds a ground flag must be held at the field to confirm a landing when the speed
/// does not drop (feeds that carry the last airborne speed forward).
pub(crate) const LANDING_HOLD_S: f64 = 15.0;
/// Speed loss (kt) since the first ground flag that confirms a landing.
pub(crate) const DECELERATION_KT: f32 = 10.0;
/// Seconds a flying speed may be heard on the ground before it is taken for a stale value
/// (a take-off roll is above 100 kt for well under a minute; aggregated feeds carry the
/// last airborne speed forward for as long as the aircraft stays on the ground).
pub(crate) const STALE_SPEED_S: f64 = 60.0;

/// Farthest distance (m) of a track's first position from an airport for a take-off seen
/// from the air (a feed without ground data may first show the aircraft a minute after
/// lift-off, past the runway's end).
pub(crate) const START_MAX_DISTANCE_M: f64 = 8_000.0;
/// Highest height (ft) above the field of that first position.
pub(crate) const START_MAX_HEIGHT_FT: i32 = 1_000;
/// Climb (ft) above the first altitude that makes the beginning a take-off...
pub(crate) const START_CLIMB_FT: i32 = 500;
/// ...within this many seconds.
pub(crate) const START_WINDOW_S: f64 = 180.0;
/// Highest speed (kt) of a track beginning over land away from airports that is taken for
/// a helicopter lifting off.
pub(crate) const PLACE_START_MAX_SPEED_KT: f32 = 60.0;
/// Highest altitude (ft) of a take-off or landing at a place (the highest helipads).
pub(crate) const PLACE_MAX_ALT_FT: i32 = 12_000;
/// Highest last speed (kt) of a track ending at a place.
pub(crate) const PLACE_LANDING_MAX_SPEED_KT: f32 = 40.0;
/// Descent (ft) within [`DESCENT_WINDOW_S`] that must come before a landing at a place.
pub(crate) const PLACE_DESCENT_FT: i32 = 300;
/// Seconds over which the descent before a landing at a place is measured.
pub(crate) const DESCENT_WINDOW_S: f64 = 180.0;
/// Least distance (m) from any airport of a landing or take-off at sea.
pub(crate) const SEA_MIN_AIRPORT_M: f64 = 20_000.0;
/// Highest pressure altitude (ft) of a pass at sea that may be a ship landing (a deck is
/// 20-70 ft above the water; the pressure altitude of the sea surface is within a few
/// hundred feet of zero).
pub(crate) const SEA_MAX_ALT_FT: i32 = 800;
/// Highest ground speed (kt) of such a pass (jets approach a carrier at 130-150 kt of
/// airspeed, into the wind over the deck).
pub(crate) const SEA_MAX_SPEED_KT: f32 = 170.0;
/// Climb (ft) above the lowest point of a pass at sea that makes it a touch-and-go.
pub(crate) const SEA_CLIMB_FT: i32 = 400;
/// Seconds after its lowest point that a pass at sea is forgotten if it neither ends nor
/// climbs away (a patrol flown low for a long time).
pub(crate) const SEA_WINDOW_S: f64 = 180.0;
/// Longest a pass at sea lasts from the descent into it, however often it finds a new lowest
/// point (a deck approach, even a helicopter's hover beside a ship, takes a few minutes; a
/// patrol drifting down a few feet at a time does not become one).
pub(crate) const SEA_PASS_MAX_S: f64 = 600.0;

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
    /// Ground speed at the first message (for deceleration).
    gs0: Option<f32>,
}

/// The beginning of a track that may be a take-off seen from the air.
#[derive(Debug, Clone, Copy)]
struct Start {
    time: f64,
    alt: i32,
    gs: Option<f32>,
    position: LatLon,
    /// Where the position came from.
    source: PositionSource,
    airport: Option<&'static Airport>,
    sea: bool,
}

/// The lowest point of a low, slow pass over the sea.
#[derive(Debug, Clone, Copy)]
struct SeaPass {
    /// When the pass began (the descent reached the low, slow band).
    began: f64,
    /// When it was at its lowest.
    time: f64,
    alt: i32,
    gs: Option<f32>,
    position: LatLon,
    /// Where the position came from.
    source: PositionSource,
}

/// One aircraft's ground/air state and its open dwell.
#[derive(Debug, Clone)]
pub(crate) struct Movement {
    state: State,
    candidate: Option<Candidate>,
    /// The nearest airport (within the attribution distance) at the last look-up.
    near: Option<(&'static Airport, f64)>,
    near_at: f64,
    /// Over the sea and at least [`SEA_MIN_AIRPORT_M`] from airports at the last look-up.
    sea: bool,
    sea_at: f64,
    /// The silence of the current track was already checked for a lost-low landing.
    silence_checked: bool,
    /// The open dwell event and the UTC day it was raised for.
    dwell: Option<Box<(Event, i64)>>,
    /// Data time the aircraft was last heard (kept for parked records).
    pub(crate) last_heard: f64,
    /// The last fresh altitude heard on the ground: the reference of a take-off's climb.
    ground_alt: Option<i32>,
    /// Since when a flying speed has been heard on the ground without a break.
    fast_since: Option<f64>,
    /// That speed has been heard for [`STALE_SPEED_S`]: it is no evidence of a take-off.
    stale_speed: bool,
    /// The track has had a message with a position and an altitude (its beginning is past).
    located: bool,
    /// The aircraft left the ground in this record (a take-off was reported or is waiting
    /// for a position): its beginning is no take-off seen from the air.
    left_ground: bool,
    /// A beginning that may still turn out to be a take-off.
    start: Option<Start>,
    /// The highest altitude of the last [`DESCENT_WINDOW_S`], and when.
    high: Option<(i32, f64)>,
    /// A low, slow pass over the sea in progress.
    pass: Option<SeaPass>,
    /// Airborne with nothing pending (no candidate, beginning, pass at sea or unplaced
    /// movement): a message at cruise that says "airborne" changes nothing (the inline
    /// path).
    idle: bool,
    /// A take-off or landing confirmed before the aircraft was located (surface positions
    /// that cannot be decoded far from the receiver, an airborne position not yet paired):
    /// reported at the first position within [`UNPLACED_S`].
    unplaced: Option<Unplaced>,
}

/// Seconds a movement confirmed without a position waits for one.
pub(crate) const UNPLACED_S: f64 = 120.0;

/// A movement waiting for a position.
#[derive(Debug, Clone, Copy)]
struct Unplaced {
    kind: EventKind,
    onset: f64,
    confidence: Confidence,
    basis: MovementBasis,
}

impl SeaPass {
    /// Whether the pass is still evidence at `t`: its lowest point recent and the pass
    /// itself not older than [`SEA_PASS_MAX_S`].
    fn current(&self, t: f64) -> bool {
        t - self.time <= SEA_WINDOW_S && t - self.began <= SEA_PASS_MAX_S
    }
}

impl Default for Movement {
    fn default() -> Self {
        Movement {
            state: State::Unknown,
            candidate: None,
            near: None,
            near_at: f64::NEG_INFINITY,
            sea: false,
            sea_at: f64::NEG_INFINITY,
            silence_checked: false,
            dwell: None,
            last_heard: f64::NEG_INFINITY,
            ground_alt: None,
            fast_since: None,
            stale_speed: false,
            located: false,
            left_ground: false,
            start: None,
            high: None,
            pass: None,
            unplaced: None,
            idle: false,
        }
    }
}

fn height_above(a: &Aircraft, ap: &Airport, now: f64) -> Option<i32> {
    let alt = fresh_alt(a, now)?;
    Some(alt - ap.elevation_ft.unwrap_or(0))
}

fn fresh_alt(a: &Aircraft, now: f64) -> Option<i32> {
    a.alt_baro.filter(|_| a.is_fresh(Field::AltBaro, now, FRESH_S))
}

fn fresh_gs(a: &Aircraft, now: f64) -> Option<f32> {
    a.gs.filter(|_| a.is_fresh(Field::Gs, now, FRESH_S))
}

fn runway(ap: &Airport, track: Option<f32>) -> Option<&'static str> {
    let (_, end, off) = ap.runway_end_for_track(f64::from(track?))?;
    (off <= 30.0).then_some(end.designator)
}

/// Where a movement happened: an airport, or a site away from airports.
#[derive(Debug, Clone, Copy)]
enum Where {
    Airport(&'static Airport),
    Site(Site),
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
        self.idle = false;
        self.located = true;
        self.start = None;
        self.high = None;
        self.pass = None;
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

    /// Whether `pos` is over the sea and far from airports (looked up every few seconds).
    fn far_at_sea(&mut self, pos: LatLon, t: f64) -> bool {
        if t - self.sea_at >= LOOKUP_EVERY_S || t < self.sea_at {
            // The airport look-up first: it is the cheaper test, and near airports it decides.
            self.sea = nearest_with_distance(pos, SEA_MIN_AIRPORT_M).is_none() && over_sea(pos);
            self.sea_at = t;
        }
        self.sea
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
        let gs = fresh_gs(a, t).map(f64::from);
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

    /// Takes a message of `a`. `noise` counts ground flags found to be noise.
    #[inline]
    pub(crate) fn on_update(
        &mut self,
        p: &DetectorParams,
        a: &Aircraft,
        noise: &mut u64,
        out: &mut Vec<Event>,
    ) {
        let t = a.last_seen;
        self.last_heard = t;
        self.silence_checked = false;
        // The common case, inline: airborne at cruise with nothing pending, and a message
        // that says "airborne" by its flag or says nothing of ground or air. It is what the
        // full path below concludes for such a message, without the call.
        // Above PLACE_MAX_ALT_FT, or faster than SEA_MAX_SPEED_KT, nothing that `follow`
        // watches can happen (a descent to a place ends slower than a helicopter's top
        // speed, a pass at sea is slower still).
        let cruising = a.alt_baro.is_some_and(|alt| alt > PLACE_MAX_ALT_FT)
            || a.gs.is_some_and(|v| v > SEA_MAX_SPEED_KT);
        if self.idle && cruising {
            let flagged = a.seen(Field::OnGround) == Some(t);
            let silent = !flagged && (a.on_ground.is_some() || a.position.is_none_or(|pos| pos.time != t));
            if (flagged && a.on_ground == Some(false)) || silent {
                return;
            }
        }
        self.on_update_full(p, a, t, noise, out);
        self.idle = matches!(self.state, State::Air)
            && self.candidate.is_none()
            && self.located
            && self.start.is_none()
            && self.unplaced.is_none()
            && self.pass.is_none();
    }

    #[inline(never)]
    fn on_update_full(
        &mut self,
        p: &DetectorParams,
        a: &Aircraft,
        t: f64,
        noise: &mut u64,
        out: &mut Vec<Event>,
    ) {
        self.follow(p, a, t, out);
        if self.on_ground() {
            match fresh_gs(a, t) {
                Some(v) if f64::from(v) >= p.airborne_min_speed_kt => {
                    let since = *self.fast_since.get_or_insert(t);
                    self.stale_speed |= t - since > STALE_SPEED_S;
                }
                Some(_) => {
                    self.fast_since = None;
                    self.stale_speed = false;
                }
                None => {}
            }
        }
        let Some((ground, basis)) = self.evidence(p, a) else {
            return;
        };
        let agrees = match self.state {
            State::Unknown => false,
            State::Ground(_) => ground,
            State::Air => !ground,
        };
        if agrees {
            if let Some(c) = self.candidate.take() {
                // The flag flipped back before anything confirmed the change.
                if c.basis == MovementBasis::OnGround && basis == MovementBasis::OnGround {
                    *noise += 1;
                }
            }
            if let State::Ground(g) = &mut self.state {
                g.confirmed = true;
                let airport = g.airport;
                self.note_ground_alt(a, t, airport);
            }
            return;
        }
        if !self.plausible(p, a, ground, basis) {
            if basis == MovementBasis::OnGround && self.candidate.is_none_or(|c| c.ground != ground) {
                *noise += 1;
            }
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
                gs0: fresh_gs(a, t),
            },
        };
        self.candidate = Some(c);
        if c.count < CONFIRM_MESSAGES || !self.corroborated(p, a, &c) {
            return;
        }
        self.candidate = None;
        self.change(p, a, c, t, out);
    }

    /// Remembers the altitude heard on the ground, when it is believable for this field.
    fn note_ground_alt(&mut self, a: &Aircraft, t: f64, airport: Option<&'static Airport>) {
        if let Some(alt) = fresh_alt(a, t) {
            let elevation = airport.and_then(|ap| ap.elevation_ft);
            if elevation.is_none_or(|e| (alt - e).abs() <= 2_000) {
                self.ground_alt = Some(alt);
            }
        }
    }

    /// Whether speed or height say the same as a flag that changed (the flag alone is not
    /// believed); evidence that is not a flag is speed and height already.
    fn corroborated(&mut self, p: &DetectorParams, a: &Aircraft, c: &Candidate) -> bool {
        if c.basis != MovementBasis::OnGround {
            return true;
        }
        let t = a.last_seen;
        let gs = fresh_gs(a, t);
        if c.ground {
            if !matches!(self.state, State::Air) {
                return true;
            }
            let decelerated = gs.is_some_and(|v| {
                f64::from(v) < p.ground_max_speed_kt || c.gs0.is_some_and(|g0| g0 - v >= DECELERATION_KT)
            });
            return decelerated || t - c.first >= LANDING_HOLD_S;
        }
        if !self.stale_speed && gs.is_some_and(|v| f64::from(v) >= p.airborne_min_speed_kt) {
            return true;
        }
        match self.state {
            // Airborne from the first messages: believed unless the aircraft is at an
            // airport without the speed to fly.
            State::Unknown => self.attribute(p, a, t).is_none(),
            _ => self.climbing(a, t),
        }
    }

    /// Whether the altitude says the aircraft climbed away from the ground.
    fn climbing(&self, a: &Aircraft, t: f64) -> bool {
        let Some(alt) = fresh_alt(a, t) else {
            return false;
        };
        let reference = match (self.ground_alt, self.state) {
            (Some(g), _) => Some(g),
            (None, State::Ground(g)) => g.airport.and_then(|ap| ap.elevation_ft),
            _ => None,
        };
        reference.is_some_and(|r| (CLIMB_MIN_FT..=CLIMB_MAX_FT).contains(&(alt - r)))
    }

    /// The change `c` is confirmed at `t`: the new state, and its event.
    fn change(&mut self, p: &DetectorParams, a: &Aircraft, c: Candidate, t: f64, out: &mut Vec<Event>) {
        let previous = self.state;
        let confidence = match c.basis {
            MovementBasis::OnGround => Confidence::High,
            _ => Confidence::Medium,
        };
        if c.ground {
            self.start = None;
            self.pass = None;
            let airport = self.attribute(p, a, t);
            self.state = State::Ground(Ground {
                since: c.first,
                airport,
                confirmed: true,
            });
            self.ground_alt = None;
            self.fast_since = None;
            self.stale_speed = false;
            self.note_ground_alt(a, t, airport);
            if previous == State::Air {
                let at = match airport {
                    Some(ap) => Some(Where::Airport(ap)),
                    // On the flag away from airports: a site (a helicopter pad, a ship).
                    None => self.site_here(a, t),
                };
                match at {
                    Some(at) => out.push(movement_event(
                        EventKind::Landing,
                        a,
                        at,
                        c.first,
                        t,
                        confidence,
                        c.basis,
                    )),
                    None => self.unplaced_at(EventKind::Landing, c, confidence, a),
                }
            }
            return;
        }
        self.state = State::Air;
        if let State::Ground(g) = previous {
            self.left_ground = true;
            // A record restored after a silence takes off only from where it was.
            let here = self.attribute(p, a, t);
            let airport = match (g.confirmed, g.airport, here) {
                (true, Some(ap), _) => Some(Where::Airport(ap)),
                (true, None, Some(h)) => Some(Where::Airport(h)),
                (true, None, None) => self.site_here(a, t),
                (false, Some(ap), Some(h)) if h.ident == ap.ident => Some(Where::Airport(ap)),
                _ => None,
            };
            match airport {
                Some(at) => out.push(movement_event(
                    EventKind::Takeoff,
                    a,
                    at,
                    c.first,
                    t,
                    confidence,
                    c.basis,
                )),
                None if g.confirmed && g.airport.is_none() => {
                    self.unplaced_at(EventKind::Takeoff, c, confidence, a);
                }
                None => {}
            }
            self.end_dwell(c.first, t, out);
        }
    }

    /// Keeps a movement confirmed while the aircraft has no recent position.
    fn unplaced_at(&mut self, kind: EventKind, c: Candidate, confidence: Confidence, a: &Aircraft) {
        let located = a.position.is_some_and(|pos| a.last_seen - pos.time <= 60.0);
        if !located {
            self.unplaced = Some(Unplaced {
                kind,
                onset: c.first,
                confidence,
                basis: c.basis,
            });
        }
    }

    /// The site at the current position (no airport there).
    fn site_here(&mut self, a: &Aircraft, t: f64) -> Option<Where> {
        let pos = a.position.as_ref().filter(|pos| t - pos.time <= 60.0)?.latlon();
        Some(Where::Site(Site {
            position: pos,
            sea: self.far_at_sea(pos, t),
        }))
    }

    /// Whether a change to `ground` is believable from the speed and height, when known.
    fn plausible(&mut self, p: &DetectorParams, a: &Aircraft, ground: bool, basis: MovementBasis) -> bool {
        let t = a.last_seen;
        let near = self.nearest(p, a, t);
        let height = near.and_then(|(ap, _)| height_above(a, ap, t));
        if ground {
            // Well above the field by the latest altitude: not on the ground.
            return height.is_none_or(|h| h <= p.airport_max_height_ft);
        }
        if !matches!(self.state, State::Ground(_)) || basis == MovementBasis::OnGround {
            // A flag's change waits for its confirmation (`corroborated`).
            return true;
        }
        let gs = fresh_gs(a, t);
        match (gs, height) {
            (None, None) => true,
            (gs, h) => {
                gs.is_some_and(|v| f64::from(v) >= p.ground_max_speed_kt)
                    || h.is_some_and(|h| h > p.airport_max_height_ft)
            }
        }
    }

    /// Follows the shape of the track: its beginning (a take-off seen from the air), the
    /// recent highest altitude (the descent before a landing at a place) and low passes
    /// over the sea.
    fn follow(&mut self, p: &DetectorParams, a: &Aircraft, t: f64, out: &mut Vec<Event>) {
        let Some((pos, source)) = a
            .position
            .as_ref()
            .filter(|pos| pos.time == t)
            .map(|pos| (pos.latlon(), pos.source))
        else {
            return;
        };
        let Some(alt) = fresh_alt(a, t) else {
            return;
        };
        let gs = fresh_gs(a, t);
        if let Some(u) = self.unplaced.take() {
            if t - u.onset <= UNPLACED_S {
                let at = match self.attribute(p, a, t) {
                    Some(ap) => Where::Airport(ap),
                    None => Where::Site(Site {
                        position: pos,
                        sea: self.far_at_sea(pos, t),
                    }),
                };
                out.push(movement_event(u.kind, a, at, u.onset, t, u.confidence, u.basis));
            }
        }
        match self.high {
            Some((h, at)) if alt < h && t - at <= DESCENT_WINDOW_S => {}
            _ => self.high = Some((alt, t)),
        }
        if !self.located {
            self.located = true;
            // Not yet known, or airborne by messages heard before the first position (how
            // many arrive before it depends on the receivers, not on the flight).
            let begins = match self.state {
                State::Unknown => true,
                State::Air => !self.left_ground,
                State::Ground(_) => false,
            };
            if begins && a.on_ground != Some(true) {
                self.start = self.start_here(p, pos, source, alt, gs, t);
            }
        } else if let Some(s) = self.start {
            if t - s.time > START_WINDOW_S || self.on_ground() {
                self.start = None;
            } else if (START_CLIMB_FT..=CLIMB_MAX_FT).contains(&(alt - s.alt)) {
                self.start = None;
                let at = match s.airport {
                    Some(ap) => Where::Airport(ap),
                    None => Where::Site(Site {
                        position: s.position,
                        sea: s.sea,
                    }),
                };
                let mut e = movement_event(
                    EventKind::Takeoff,
                    a,
                    at,
                    s.time,
                    t,
                    Confidence::Low,
                    MovementBasis::TrackStart,
                );
                e.evidence.insert(
                    0,
                    low_point(a, s.time, s.position, s.source, s.alt, s.gs, "track began low"),
                );
                out.push(e);
                if self.state == State::Unknown {
                    self.state = State::Air;
                }
            }
        }
        // Low and slow over the sea, far from airports: a possible ship approach.
        let low_slow = alt <= SEA_MAX_ALT_FT && gs.is_some_and(|v| v <= SEA_MAX_SPEED_KT);
        // A pass begins with a descent into it (not with the climb after a launch).
        let descended = self.high.is_some_and(|(h, _)| h - alt >= PLACE_DESCENT_FT);
        if self.pass.is_some_and(|ps| !ps.current(t)) {
            // Low for too long without coming down or climbing away: a patrol, not an
            // approach. Only a new descent begins another pass.
            self.pass = None;
        }
        if low_slow && !self.on_ground() && (self.pass.is_some() || descended) && self.far_at_sea(pos, t) {
            match &mut self.pass {
                Some(ps) if alt >= ps.alt => {}
                Some(ps) => {
                    (ps.time, ps.alt, ps.gs, ps.position, ps.source) = (t, alt, gs, pos, source);
                }
                None => {
                    self.pass = Some(SeaPass {
                        began: t,
                        time: t,
                        alt,
                        gs,
                        position: pos,
                        source,
                    });
                }
            }
        } else if let Some(ps) = self.pass {
            if alt - ps.alt >= SEA_CLIMB_FT {
                self.pass = None;
                let mut e = movement_event(
                    EventKind::Landing,
                    a,
                    Where::Site(Site {
                        position: ps.position,
                        sea: true,
                    }),
                    ps.time,
                    t,
                    Confidence::Low,
                    MovementBasis::TouchAndGo,
                );
                e.evidence.insert(
                    0,
                    low_point(
                        a,
                        ps.time,
                        ps.position,
                        ps.source,
                        ps.alt,
                        ps.gs,
                        "lowest point over the sea",
                    ),
                );
                out.push(e);
            }
        }
    }

    /// Whether the first position of a track may be the start of a take-off.
    fn start_here(
        &mut self,
        p: &DetectorParams,
        pos: LatLon,
        source: PositionSource,
        alt: i32,
        gs: Option<f32>,
        t: f64,
    ) -> Option<Start> {
        if alt > PLACE_MAX_ALT_FT {
            return None;
        }
        let start = |airport, sea| Start {
            time: t,
            alt,
            gs,
            position: pos,
            source,
            airport,
            sea,
        };
        if let Some((ap, _)) = nearest_with_distance(pos, START_MAX_DISTANCE_M) {
            let low = alt - ap.elevation_ft.unwrap_or(0) <= START_MAX_HEIGHT_FT;
            return low.then(|| start(Some(ap), false));
        }
        let _ = p;
        if alt <= START_MAX_HEIGHT_FT && self.far_at_sea(pos, t) {
            return Some(start(None, true));
        }
        let slow = gs.is_some_and(|v| v <= PLACE_START_MAX_SPEED_KT);
        (slow && !over_sea(pos)).then(|| start(None, false))
    }

    /// The airport a movement at the current position is attributed to.
    fn attribute(&self, p: &DetectorParams, a: &Aircraft, t: f64) -> Option<&'static Airport> {
        let pos = a.position.as_ref().filter(|pos| t - pos.time <= 60.0)?;
        nearest_with_distance(pos.latlon(), p.airport_max_distance_m).map(|(ap, _)| ap)
    }

    /// Where a track that ends now (silence or end of input) landed, if it did: at the
    /// field it was last heard low at, at sea after a low slow pass, or at a place after a
    /// descent to a hover.
    fn landed_at(&mut self, p: &DetectorParams, a: &Aircraft) -> Option<Where> {
        let last = a.last_seen;
        let pos = a
            .position
            .as_ref()
            .filter(|pos| last - pos.time <= FRESH_S)?
            .latlon();
        let alt = fresh_alt(a, last)?;
        if let Some((ap, _)) = nearest_with_distance(pos, p.airport_max_distance_m) {
            return (alt - ap.elevation_ft.unwrap_or(0) <= p.airport_max_height_ft)
                .then_some(Where::Airport(ap));
        }
        // The pass must still be evidence when the track ends: low and slow to the last.
        let slow_to_sea = fresh_gs(a, last).is_none_or(|v| v <= SEA_MAX_SPEED_KT);
        if self.pass.is_some_and(|ps| ps.current(last)) && alt <= SEA_MAX_ALT_FT && slow_to_sea {
            return Some(Where::Site(Site {
                position: pos,
                sea: true,
            }));
        }
        let slow = fresh_gs(a, last).is_some_and(|v| v <= PLACE_LANDING_MAX_SPEED_KT);
        let descended = self
            .high
            .is_some_and(|(h, at)| last - at <= DESCENT_WINDOW_S && h - alt >= PLACE_DESCENT_FT);
        (slow && descended && alt <= PLACE_MAX_ALT_FT && !over_sea(pos)).then_some(Where::Site(Site {
            position: pos,
            sea: false,
        }))
    }

    /// The track ended (a silence of `landing_silence`, or the end of the input when
    /// `basis` is [`MovementBasis::InputEnd`]): a pending landing on the flag is confirmed
    /// by the silence, a track last heard low at a field (or at a site) is landed.
    fn conclude(
        &mut self,
        p: &DetectorParams,
        a: &Aircraft,
        now: f64,
        basis: MovementBasis,
        out: &mut Vec<Event>,
    ) {
        self.idle = false;
        if self.state != State::Air {
            return;
        }
        if let Some(c) = self
            .candidate
            .filter(|c| c.ground && c.basis == MovementBasis::OnGround)
        {
            // Ground flags at the field, then silence.
            let at = match self.attribute(p, a, a.last_seen) {
                Some(ap) => Some(Where::Airport(ap)),
                None => self.site_here(a, a.last_seen),
            };
            if let Some(at) = at {
                self.candidate = None;
                let mut e = movement_event(
                    EventKind::Landing,
                    a,
                    at,
                    c.first,
                    now,
                    Confidence::Medium,
                    c.basis,
                );
                e.evidence[0].note = "on the ground, then silent";
                out.push(e);
                self.state = State::Unknown;
                return;
            }
        }
        if let Some(at) = self.landed_at(p, a) {
            let mut e = movement_event(
                EventKind::Landing,
                a,
                at,
                a.last_seen,
                now,
                Confidence::Low,
                basis,
            );
            e.evidence[0].note = match (basis, at) {
                (MovementBasis::InputEnd, _) => "the input ended with the aircraft here, low",
                (_, Where::Airport(_)) => "last heard low at the field",
                (_, Where::Site(s)) if s.sea => "last heard low and slow over the sea",
                (_, Where::Site(_)) => "last heard slow after a descent",
            };
            out.push(e);
            self.state = State::Unknown;
        }
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
    ///
    /// Inline for the common case of a tick that cannot change anything: airborne and not
    /// (or no longer) to be concluded, or in no state a dwell can come from.
    #[inline]
    pub(crate) fn on_tick(
        &mut self,
        p: &DetectorParams,
        a: &Aircraft,
        interest: bool,
        now: f64,
        out: &mut Vec<Event>,
    ) {
        let conclude = matches!(self.state, State::Air)
            && now - a.last_seen >= p.landing_silence.as_secs_f64()
            && !self.silence_checked;
        if conclude || matches!(self.state, State::Ground(Ground { airport: Some(_), .. })) {
            self.on_tick_some(p, a, interest, now, out);
        }
    }

    #[inline(never)]
    fn on_tick_some(
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
            self.conclude(p, a, now, MovementBasis::LostLow, out);
        }
        self.check_dwell(p, a, interest, now, out);
    }

    /// The recorded input ended at data time `now`: a track still airborne and last heard
    /// low at a field (or at a site) is concluded as landed there, its detail saying so.
    pub(crate) fn on_finish(&mut self, p: &DetectorParams, a: &Aircraft, now: f64, out: &mut Vec<Event>) {
        if !self.silence_checked {
            self.silence_checked = true;
            self.conclude(p, a, now, MovementBasis::InputEnd, out);
        }
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

/// The evidence of a remembered point of the track (where it began, its lowest point).
fn low_point(
    a: &Aircraft,
    time: f64,
    position: LatLon,
    source: PositionSource,
    alt: i32,
    gs: Option<f32>,
    note: &'static str,
) -> Evidence {
    Evidence {
        time,
        position_source: Evidence::label(source),
        hex: a.key,
        lat: Some(position.lat),
        lon: Some(position.lon),
        alt_baro: Some(alt),
        gs,
        note,
    }
}

fn movement_event(
    kind: EventKind,
    a: &Aircraft,
    at: Where,
    onset: f64,
    now: f64,
    confidence: Confidence,
    basis: MovementBasis,
) -> Event {
    let (mut e, runway, site) = match at {
        Where::Airport(ap) => (
            Event::new(kind, a.key, onset, now).with_place(Place::Airport {
                ident: ap.ident.to_string(),
                name: ap.name.to_string(),
            }),
            runway(ap, a.track),
            None,
        ),
        Where::Site(s) => (Event::new(kind, a.key, onset, now), None, Some(s)),
    };
    e.confidence = confidence;
    e.detail = Detail::Movement { basis, runway, site };
    let note = match (kind, basis) {
        (EventKind::Landing, MovementBasis::OnGround) => "on the ground",
        (EventKind::Takeoff, MovementBasis::OnGround) => "airborne",
        (_, MovementBasis::LowAndSlow) => "low and slow at the field",
        (_, MovementBasis::TrackStart) => "climbing away",
        (_, MovementBasis::TouchAndGo) => "climbing away from a low pass over the sea",
        _ => "",
    };
    e.push_evidence(position_evidence(a, note));
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{carried, fly, heard, subject, taxi};
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
            m.on_update(&p, a, &mut 0, out);
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
            m.on_update(&p, a, &mut 0, out);
        }
    }

    #[test]
    fn landing_on_the_ground_flag_and_take_off() {
        let p = DetectorParams::DEFAULT;
        let (mut a, mut m) = subject(0x1514c0, 0.0);
        let mut out = Vec::new();
        arrival(&mut a, &mut m, 1000.0, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let e = &out[0];
        // The flag at 1120, confirmed when the roll has lost 10 kt.
        assert_eq!((e.kind, e.onset, e.time), (EventKind::Landing, 1120.0, 1125.0));
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
            m.on_update(&p, &a, &mut 0, &mut out);
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
            m.on_update(&p, &a, &mut 0, &mut out);
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
            m.on_update(&p, &a, &mut 0, &mut out);
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
        let (mut a, mut m) = subject(0x4ca001, 0.0);
        let ap = svmi().position;
        for k in 0..20 {
            let here = ap.destination(90.0, 4_000.0 - f64::from(k) * 230.0);
            fly(&mut a, f64::from(k), here.lat, here.lon, 35_000, 450.0, 270.0);
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        for now in 20..1000 {
            m.on_tick(&p, &a, false, f64::from(now), &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
        // Lost at 300 ft above the field 2 km out on final, never heard again.
        let (mut b, mut m) = subject(0x4ca002, 0.0);
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
            m.on_update(&p, &b, &mut 0, &mut out);
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
        let (mut a, mut m) = subject(0x4ca003, 0.0);
        let ap = svmi().position;
        for k in 0..10 {
            fly(&mut a, f64::from(k), ap.lat, ap.lon + 0.01, 12_000, 300.0, 270.0);
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        // Two replies saying "on the ground" at 12,000 ft over the airport.
        for k in 10..12 {
            a.on_ground = Some(true);
            carried(&mut a, f64::from(k), &[Field::OnGround]);
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        assert!(out.is_empty() && m.airborne());
        // Parked; the flag flickers to airborne at 0 kt.
        let (mut b, mut m) = subject(0x4ca004, 0.0);
        for k in 0..10 {
            taxi(&mut b, f64::from(k), ap.lat, ap.lon, 0.0, 0.0);
            m.on_update(&p, &b, &mut 0, &mut out);
        }
        for k in 10..14 {
            b.on_ground = Some(false);
            carried(&mut b, f64::from(k), &[Field::OnGround]);
            m.on_update(&p, &b, &mut 0, &mut out);
        }
        assert!(out.is_empty() && m.on_ground());
    }

    #[test]
    fn dwell_of_a_foreign_military_aircraft_raised_after_six_hours_and_each_day() {
        let p = DetectorParams::DEFAULT;
        let mut out = Vec::new();
        // A Russian address (0x150000 is in the 0x100000 block) at Caracas.
        let (mut a, mut m) = subject(0x150d8a, 0.0);
        let day0 = 17_978.0 * DAY_S;
        arrival(&mut a, &mut m, day0 + 40_000.0, &mut out);
        assert_eq!(out.len(), 1);
        let landed = out[0].onset;
        let ap = svmi().position;
        let mut now = day0 + 40_200.0;
        while now < day0 + 2.0 * DAY_S + 3_600.0 {
            taxi(&mut a, now, ap.lat, ap.lon, 0.0, 0.0);
            m.on_update(&p, &a, &mut 0, &mut out);
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
            let (mut b, mut m) = subject(addr, 0.0);
            arrival(&mut b, &mut m, 0.0, &mut out);
            for k in 0..3_000 {
                let now = 200.0 + f64::from(k) * 10.0;
                taxi(&mut b, now, ap.lat, ap.lon, 0.0, 0.0);
                m.on_update(&p, &b, &mut 0, &mut out);
                m.on_tick(&p, &b, interest, now, &mut out);
            }
            assert!(out.iter().all(|e| e.kind != EventKind::Dwell), "{addr:06x}");
        }
    }

    fn basis(e: &Event) -> MovementBasis {
        match e.detail {
            Detail::Movement { basis, .. } => basis,
            _ => panic!("not a movement: {e:?}"),
        }
    }

    fn site(e: &Event) -> Option<Site> {
        match e.detail {
            Detail::Movement { site, .. } => site,
            _ => None,
        }
    }

    /// A message with the on-ground flag set to `ground` and nothing else new.
    fn flag(a: &mut Aircraft, t: f64, ground: bool) {
        a.on_ground = Some(ground);
        carried(a, t, &[Field::OnGround]);
    }

    #[test]
    fn a_flag_that_flips_back_is_noise_and_a_stale_speed_no_take_off() {
        let p = DetectorParams::DEFAULT;
        let ap = svmi().position;
        let mut out = Vec::new();
        let mut noise = 0;
        let (mut a, mut m) = subject(0x4ca011, 0.0);
        for k in 0..20 {
            taxi(&mut a, f64::from(k), ap.lat, ap.lon, 5.0, 90.0);
            m.on_update(&p, &a, &mut noise, &mut out);
        }
        // "Airborne" for three messages at taxi speed, then on the ground again.
        for k in 20..23 {
            flag(&mut a, f64::from(k), false);
            m.on_update(&p, &a, &mut noise, &mut out);
        }
        taxi(&mut a, 23.0, ap.lat, ap.lon, 5.0, 90.0);
        m.on_update(&p, &a, &mut noise, &mut out);
        assert!(out.is_empty() && m.on_ground(), "{out:?}");
        assert_eq!(noise, 1);
        // A feed that carries 140 kt forward while the aircraft stands: after a minute the
        // speed is no evidence, and a flicker with it takes nothing off.
        for k in 24..120 {
            taxi(&mut a, f64::from(k), ap.lat, ap.lon, 140.0, 90.0);
            m.on_update(&p, &a, &mut noise, &mut out);
        }
        for k in 120..124 {
            flag(&mut a, f64::from(k), false);
            m.on_update(&p, &a, &mut noise, &mut out);
        }
        taxi(&mut a, 124.0, ap.lat, ap.lon, 140.0, 90.0);
        m.on_update(&p, &a, &mut noise, &mut out);
        assert!(out.is_empty() && m.on_ground(), "{out:?}");
        assert_eq!(noise, 2);
        // A real departure: the flag changes and the altitude climbs.
        let elev = svmi().elevation_ft.unwrap_or(0);
        for k in 0..20 {
            let here = ap.destination(90.0, 500.0 + f64::from(k) * 75.0);
            fly(
                &mut a,
                200.0 + f64::from(k),
                here.lat,
                here.lon,
                elev + 40 * k,
                140.0,
                90.0,
            );
            m.on_update(&p, &a, &mut noise, &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!((out[0].kind, out[0].onset), (EventKind::Takeoff, 200.0));
        // Confirmed by the climb of 200 ft above the field (the speed is still the stale one).
        assert_eq!(out[0].time, 205.0);
    }

    #[test]
    fn a_ground_flag_held_at_the_field_lands_when_the_speed_is_stale() {
        let p = DetectorParams::DEFAULT;
        let ap = svmi().position;
        let elev = svmi().elevation_ft.unwrap_or(0);
        let mut out = Vec::new();
        let (mut a, mut m) = subject(0x4ca012, 0.0);
        for k in 0..60 {
            let here = ap.destination(90.0, 8_000.0 - f64::from(k) * 110.0);
            fly(
                &mut a,
                f64::from(k),
                here.lat,
                here.lon,
                elev + 600 - 10 * k,
                140.0,
                270.0,
            );
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        // On the runway: the flag says ground, the speed stays at the approach's 140 kt.
        for k in 60..100 {
            let here = ap.destination(90.0, 1_400.0 - f64::from(k - 60) * 30.0);
            fly(&mut a, f64::from(k), here.lat, here.lon, elev, 140.0, 270.0);
            flag(&mut a, f64::from(k), true);
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(
            (out[0].kind, out[0].onset, out[0].time),
            (EventKind::Landing, 60.0, 75.0)
        );
        assert_eq!(out[0].airport(), Some("SVMI"));
    }

    /// A descent at 140 kt westwards over the Caribbean Sea to `low` ft, from `t0`.
    fn sea_approach(a: &mut Aircraft, m: &mut Movement, t0: f64, low: i32, out: &mut Vec<Event>) -> LatLon {
        let p = DetectorParams::DEFAULT;
        let start = LatLon::new(15.5, -66.0);
        let mut here = start;
        for k in 0..120 {
            here = start.destination(270.0, f64::from(k) * 72.0);
            let alt = (3_000 - 25 * k).max(low);
            fly(a, t0 + f64::from(k), here.lat, here.lon, alt, 140.0, 270.0);
            m.on_update(&p, a, &mut 0, out);
        }
        here
    }

    #[test]
    fn a_low_slow_pass_over_the_sea_is_a_possible_ship_landing_never_the_shore_airport() {
        let p = DetectorParams::DEFAULT;
        let mut out = Vec::new();
        // Touch-and-go: down to 60 ft (a deck), then climbing away.
        let (mut a, mut m) = subject(0xae0001, 0.0);
        let low = sea_approach(&mut a, &mut m, 0.0, 60, &mut out);
        assert!(out.is_empty());
        for k in 0..40 {
            let here = low.destination(270.0, f64::from(k) * 80.0);
            fly(
                &mut a,
                120.0 + f64::from(k),
                here.lat,
                here.lon,
                60 + 30 * k,
                150.0,
                270.0,
            );
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        let e = &out[0];
        assert_eq!(
            (e.kind, e.airport(), basis(e)),
            (EventKind::Landing, None, MovementBasis::TouchAndGo)
        );
        let s = site(e).unwrap();
        assert!(s.sea);
        // The lowest point: where the descent reached 60 ft (k = 118).
        assert!(
            s.position
                .distance_m(LatLon::new(15.5, -66.0).destination(270.0, 118.0 * 72.0))
                < 100.0
        );
        assert_eq!(e.onset, 118.0);
        // A wave-off that accelerates past 170 kt while it climbs away: still seen.
        let mut out = Vec::new();
        let (mut w, mut m) = subject(0xae0005, 0.0);
        let low = sea_approach(&mut w, &mut m, 0.0, 60, &mut out);
        for k in 0..40 {
            let here = low.destination(270.0, f64::from(k) * 120.0);
            fly(
                &mut w,
                120.0 + f64::from(k),
                here.lat,
                here.lon,
                60 + 30 * k,
                250.0,
                270.0,
            );
            m.on_update(&p, &w, &mut 0, &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(basis(&out[0]), MovementBasis::TouchAndGo);
        // Recovered: low and slow, then silent; and the same at the end of an input.
        let mut out = Vec::new();
        let (mut b, mut m) = subject(0xae0002, 0.0);
        let last = sea_approach(&mut b, &mut m, 0.0, 60, &mut out);
        for now in 120..400 {
            m.on_tick(&p, &b, false, f64::from(now), &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(
            (basis(&out[0]), out[0].onset, out[0].airport()),
            (MovementBasis::LostLow, 119.0, None)
        );
        assert!(site(&out[0]).is_some_and(|s| s.sea && s.position.distance_m(last) < 1.0));
        let mut out = Vec::new();
        let (mut c, mut m) = subject(0xae0003, 0.0);
        sea_approach(&mut c, &mut m, 0.0, 60, &mut out);
        m.on_finish(&p, &c, 125.0, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(basis(&out[0]), MovementBasis::InputEnd);
        // A patrol at 600 ft that never comes down nor climbs, then leaves coverage: no landing
        // (its pass is forgotten after three minutes at the same height).
        let mut out = Vec::new();
        let (mut d, mut m) = subject(0xae0004, 0.0);
        let start = LatLon::new(15.5, -66.0);
        for k in 0..600 {
            let here = start.destination(270.0, f64::from(k) * 80.0);
            fly(&mut d, f64::from(k), here.lat, here.lon, 600, 160.0, 270.0);
            m.on_update(&p, &d, &mut 0, &mut out);
        }
        for k in 600..700 {
            let here = start.destination(270.0, f64::from(k) * 80.0);
            fly(
                &mut d,
                f64::from(k),
                here.lat,
                here.lon,
                600 + 20 * (k - 600),
                160.0,
                270.0,
            );
            m.on_update(&p, &d, &mut 0, &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
    }

    /// After [`sea_approach`] to 500 ft, flies on west at 150 kt for `secs` seconds, the
    /// altitude drifting down a foot every two minutes (each a new lowest point, less than
    /// [`SEA_WINDOW_S`] apart). Returns the last position and time.
    fn low_patrol(a: &mut Aircraft, m: &mut Movement, secs: u32, out: &mut Vec<Event>) -> (LatLon, f64) {
        let p = DetectorParams::DEFAULT;
        let from = sea_approach(a, m, 0.0, 500, out);
        let mut here = from;
        let mut t = 119.0;
        for k in 1..=secs {
            here = from.destination(270.0, f64::from(k) * 77.0);
            t = 119.0 + f64::from(k);
            let alt = 500 - (k / 120) as i32;
            fly(a, t, here.lat, here.lon, alt, 150.0, 270.0);
            m.on_update(&p, a, &mut 0, out);
        }
        (here, t)
    }

    #[test]
    fn a_long_low_patrol_over_the_sea_lands_nowhere_unless_it_comes_down_within_a_pass() {
        let p = DetectorParams::DEFAULT;
        // 40 minutes low over the sea, then silent: the descent into the patrol was 40
        // minutes ago, so the silence is no ship landing (nor at the end of the input).
        let mut out = Vec::new();
        let (mut a, mut m) = subject(0xae0011, 0.0);
        let (_, last) = low_patrol(&mut a, &mut m, 2_400, &mut out);
        let mut finished = m.clone();
        for now in 0..400 {
            m.on_tick(&p, &a, false, last + f64::from(now), &mut out);
        }
        finished.on_finish(&p, &a, last + 1.0, &mut out);
        assert!(out.is_empty(), "{out:?}");
        // The same patrol climbing away at its end: no touch-and-go.
        let (mut b, mut m) = subject(0xae0012, 0.0);
        let (from, t0) = low_patrol(&mut b, &mut m, 2_400, &mut out);
        for k in 1..60 {
            let here = from.destination(270.0, f64::from(k) * 77.0);
            fly(
                &mut b,
                t0 + f64::from(k),
                here.lat,
                here.lon,
                480 + 20 * k,
                150.0,
                270.0,
            );
            m.on_update(&p, &b, &mut 0, &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
        // Coming down from the patrol to a deck and going silent is a landing: the evidence
        // (the descent, low and slow, the silence) is within the new pass.
        let (mut c, mut m) = subject(0xae0013, 0.0);
        let (from, t0) = low_patrol(&mut c, &mut m, 2_400, &mut out);
        let mut deck = from;
        for k in 1..40 {
            deck = from.destination(270.0, f64::from(k) * 72.0);
            fly(
                &mut c,
                t0 + f64::from(k),
                deck.lat,
                deck.lon,
                (480 - 15 * k).max(60),
                140.0,
                270.0,
            );
            m.on_update(&p, &c, &mut 0, &mut out);
        }
        let end = t0 + 39.0;
        for now in 0..400 {
            m.on_tick(&p, &c, false, end + f64::from(now), &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(
            (out[0].kind, basis(&out[0]), out[0].onset, out[0].airport()),
            (EventKind::Landing, MovementBasis::LostLow, end, None)
        );
        assert!(site(&out[0]).is_some_and(|s| s.sea && s.position.distance_m(deck) < 1.0));
    }

    #[test]
    fn a_helicopter_landing_away_from_airports_lands_at_a_place() {
        let p = DetectorParams::DEFAULT;
        // The Massif Central, more than 8 km from any airport of the table.
        let pad = LatLon::new(45.5, 2.5);
        assert!(nearest_with_distance(pad, START_MAX_DISTANCE_M).is_none());
        let mut out = Vec::new();
        let (mut a, mut m) = subject(0x3a0001, 0.0);
        for k in 0..150 {
            let gs = (90.0 - 0.6 * k as f32).max(5.0);
            let here = pad.destination(90.0, (150.0 - f64::from(k)) * 20.0);
            fly(
                &mut a,
                f64::from(k),
                here.lat,
                here.lon,
                4_000 - 10 * k.min(120),
                gs,
                270.0,
            );
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        for now in 150..300 {
            m.on_tick(&p, &a, false, f64::from(now), &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        let e = &out[0];
        assert_eq!((e.kind, e.airport(), e.onset), (EventKind::Landing, None, 149.0));
        assert!(site(e).is_some_and(|s| !s.sea && s.position.distance_m(pad) < 100.0));
        // The same helicopter lifting off there later: a take-off at the place.
        let mut out = Vec::new();
        let (mut b, mut m) = subject(0x3a0002, 1000.0);
        for k in 0..60 {
            let here = pad.destination(0.0, f64::from(k) * 15.0);
            fly(
                &mut b,
                1000.0 + f64::from(k),
                here.lat,
                here.lon,
                2_800 + 15 * k,
                30.0,
                0.0,
            );
            m.on_update(&p, &b, &mut 0, &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(
            (out[0].kind, out[0].onset, basis(&out[0])),
            (EventKind::Takeoff, 1000.0, MovementBasis::TrackStart)
        );
        assert!(site(&out[0]).is_some_and(|s| !s.sea && s.position.distance_m(pad) < 1.0));
    }

    #[test]
    fn a_track_that_begins_low_at_a_field_and_climbs_took_off_there_and_one_at_cruise_did_not() {
        let p = DetectorParams::DEFAULT;
        let ap = svmi().position;
        let elev = svmi().elevation_ft.unwrap_or(0);
        let mut out = Vec::new();
        let (mut a, mut m) = subject(0x0d8011, 0.0);
        for k in 0..60 {
            let here = ap.destination(270.0, 2_000.0 + f64::from(k) * 80.0);
            fly(
                &mut a,
                f64::from(k),
                here.lat,
                here.lon,
                elev + 300 + 35 * k,
                160.0,
                270.0,
            );
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        let e = &out[0];
        assert_eq!(
            (e.kind, e.onset, e.confidence),
            (EventKind::Takeoff, 0.0, Confidence::Low)
        );
        assert_eq!((e.airport(), basis(e)), (Some("SVMI"), MovementBasis::TrackStart));
        assert_eq!(e.evidence[0].alt_baro, Some(elev + 300));
        // First heard over the field at 10,000 ft, climbing: nothing.
        let mut out = Vec::new();
        let (mut b, mut m) = subject(0x0d8012, 0.0);
        for k in 0..60 {
            fly(
                &mut b,
                f64::from(k),
                ap.lat,
                ap.lon,
                10_000 + 35 * k,
                250.0,
                270.0,
            );
            m.on_update(&p, &b, &mut 0, &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
    }

    /// The flight of a track that begins low past the field's runway: an airborne flag and
    /// an altitude before the first position (an even CPR frame waiting for its odd one),
    /// a speed, then positions climbing away. Each message is taken `copies` times (two
    /// receivers whose copies are both taken, or a message repeated before the position).
    fn climb_out_heard(copies: usize) -> Vec<Event> {
        let p = DetectorParams::DEFAULT;
        let ap = svmi().position;
        let elev = svmi().elevation_ft.unwrap_or(0);
        let mut out = Vec::new();
        let (mut a, mut m) = subject(0x0d8031, 0.0);
        a.alt_baro = Some(elev + 250);
        a.on_ground = Some(false);
        carried(&mut a, 0.0, &[Field::AltBaro, Field::OnGround]);
        for _ in 0..copies {
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        a.gs = Some(165.0);
        carried(&mut a, 0.2, &[Field::Gs]);
        for _ in 0..copies {
            m.on_update(&p, &a, &mut 0, &mut out);
        }
        for k in 0..60 {
            let t = 0.5 + f64::from(k);
            let here = ap.destination(270.0, 2_000.0 + f64::from(k) * 85.0);
            fly(&mut a, t, here.lat, here.lon, elev + 250 + 25 * k, 165.0, 270.0);
            for _ in 0..copies {
                m.on_update(&p, &a, &mut 0, &mut out);
            }
        }
        out
    }

    #[test]
    fn a_take_off_from_the_track_start_does_not_depend_on_how_often_a_message_is_heard() {
        let once = climb_out_heard(1);
        assert_eq!(once.len(), 1, "{once:?}");
        let e = &once[0];
        assert_eq!(
            (e.kind, e.onset, e.airport(), basis(e)),
            (EventKind::Takeoff, 0.5, Some("SVMI"), MovementBasis::TrackStart)
        );
        // Twice: the airborne flag is confirmed by its copy before the first position; the
        // beginning is still a take-off seen from the air, the same one.
        let twice = climb_out_heard(2);
        assert_eq!(
            twice
                .iter()
                .map(|e| (e.kind, e.onset, e.time, e.airport().map(str::to_string)))
                .collect::<Vec<_>>(),
            once.iter()
                .map(|e| (e.kind, e.onset, e.time, e.airport().map(str::to_string)))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_end_of_the_input_lands_a_track_last_heard_low_at_the_field_and_not_one_at_cruise() {
        let p = DetectorParams::DEFAULT;
        let ap = svmi().position;
        let elev = svmi().elevation_ft.unwrap_or(0);
        let mut out = Vec::new();
        let mut a = heard(0x0d8021, 0.0);
        let mut b = heard(0x0d8022, 0.0);
        let (mut ma, mut mb) = (Movement::default(), Movement::default());
        for k in 0..30 {
            let here = ap.destination(90.0, 6_000.0 - f64::from(k) * 70.0);
            fly(
                &mut a,
                f64::from(k),
                here.lat,
                here.lon,
                elev + 700 - 15 * k,
                135.0,
                270.0,
            );
            ma.on_update(&p, &a, &mut 0, &mut out);
            fly(&mut b, f64::from(k), here.lat, here.lon, 35_000, 450.0, 270.0);
            mb.on_update(&p, &b, &mut 0, &mut out);
        }
        ma.on_finish(&p, &a, 30.0, &mut out);
        mb.on_finish(&p, &b, 30.0, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let e = &out[0];
        assert_eq!(
            (e.kind, e.subject, e.onset, e.time),
            (EventKind::Landing, a.key, 29.0, 30.0)
        );
        assert_eq!(
            (e.airport(), basis(e), e.confidence),
            (Some("SVMI"), MovementBasis::InputEnd, Confidence::Low)
        );
        assert_eq!(e.evidence[0].note, "the input ended with the aircraft here, low");
        ma.on_finish(&p, &a, 31.0, &mut out);
        assert_eq!(out.len(), 1, "concluded once");
    }
}
