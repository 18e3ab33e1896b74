//! The event vocabulary shared by the simulator's ground truth and the engine's detectors:
//! the event kinds ([`EventKind`]), the emergency states ([`EmergencyKind`]) and the one
//! set of detector parameters ([`DetectorParams`]) both sides use, so that "the truth says
//! a formation began at t" and "the detector saw a formation begin at t" mean the same.
//!
//! ```
//! use picket_world::events::{DetectorParams, EventKind};
//! assert_eq!(EventKind::ZoneEntry.as_str(), "zone_entry");
//! assert_eq!("went_dark".parse::<EventKind>(), Ok(EventKind::WentDark));
//! let p = DetectorParams::default();
//! // 500 m inside the boundary is not yet an entry (the margin is 1 NM).
//! assert!(!p.zone_inside_next(false, -500.0));
//! assert!(p.zone_inside_next(false, -2_000.0));
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::geo::METRES_PER_NM;

/// What happened. The JSON name of each kind is [`EventKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// An aircraft entered a zone (past the entry margin, see [`DetectorParams`]).
    ZoneEntry,
    /// An aircraft left a zone (past the exit margin).
    ZoneExit,
    /// An aircraft left the ground at an airport.
    Takeoff,
    /// An aircraft landed at an airport (with a stated confidence).
    Landing,
    /// A (foreign military) aircraft stayed on the ground at an airport for a long time.
    Dwell,
    /// Two or more aircraft flew together.
    Formation,
    /// An aircraft closed fast on another and then joined it.
    Intercept,
    /// An interceptor stayed with the aircraft it joined.
    Escort,
    /// An aircraft circled or flew a racetrack inside a small area.
    Loiter,
    /// Emergency squawk or ADS-B emergency/priority state.
    Emergency,
    /// An aircraft of interest stopped transmitting inside or near a zone.
    WentDark,
    /// A watch-listed aircraft was heard for the first time this UTC day.
    FirstSeen,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 12] = [
        EventKind::ZoneEntry,
        EventKind::ZoneExit,
        EventKind::Takeoff,
        EventKind::Landing,
        EventKind::Dwell,
        EventKind::Formation,
        EventKind::Intercept,
        EventKind::Escort,
        EventKind::Loiter,
        EventKind::Emergency,
        EventKind::WentDark,
        EventKind::FirstSeen,
    ];

    /// The snake_case name used in JSON events, rules and the ground truth.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ZoneEntry => "zone_entry",
            EventKind::ZoneExit => "zone_exit",
            EventKind::Takeoff => "takeoff",
            EventKind::Landing => "landing",
            EventKind::Dwell => "dwell",
            EventKind::Formation => "formation",
            EventKind::Intercept => "intercept",
            EventKind::Escort => "escort",
            EventKind::Loiter => "loiter",
            EventKind::Emergency => "emergency",
            EventKind::WentDark => "went_dark",
            EventKind::FirstSeen => "first_seen",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no event kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownEventKind;

impl fmt::Display for UnknownEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown event kind")
    }
}

impl std::error::Error for UnknownEventKind {}

impl FromStr for EventKind {
    type Err = UnknownEventKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(UnknownEventKind)
    }
}

/// Emergency and priority states: the three emergency squawks and the ADS-B
/// emergency/priority status of DO-260B 2.2.3.2.7.8.1.1 (aircraft status, subtype 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmergencyKind {
    /// General emergency (squawk 7700, ADS-B status 1).
    General,
    /// Lifeguard / medical (ADS-B status 2).
    Lifeguard,
    /// Minimum fuel (ADS-B status 3).
    MinimumFuel,
    /// No communications (squawk 7600, ADS-B status 4).
    NoCommunications,
    /// Unlawful interference (squawk 7500, ADS-B status 5).
    UnlawfulInterference,
    /// Downed aircraft (ADS-B status 6).
    Downed,
    /// Reserved value 7 of the ADS-B status.
    Reserved,
}

impl EmergencyKind {
    /// Every kind, in declaration order.
    pub const ALL: [EmergencyKind; 7] = [
        EmergencyKind::General,
        EmergencyKind::Lifeguard,
        EmergencyKind::MinimumFuel,
        EmergencyKind::NoCommunications,
        EmergencyKind::UnlawfulInterference,
        EmergencyKind::Downed,
        EmergencyKind::Reserved,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EmergencyKind::General => "general",
            EmergencyKind::Lifeguard => "lifeguard",
            EmergencyKind::MinimumFuel => "minimum_fuel",
            EmergencyKind::NoCommunications => "no_communications",
            EmergencyKind::UnlawfulInterference => "unlawful_interference",
            EmergencyKind::Downed => "downed",
            EmergencyKind::Reserved => "reserved",
        }
    }

    /// The emergency a squawk announces. `squawk` is the four octal digits read as a
    /// decimal number (`7700` for "7700"), the way readsb's JSON prints it.
    pub fn from_squawk(squawk: u16) -> Option<EmergencyKind> {
        match squawk {
            7500 => Some(EmergencyKind::UnlawfulInterference),
            7600 => Some(EmergencyKind::NoCommunications),
            7700 => Some(EmergencyKind::General),
            _ => None,
        }
    }

    /// The emergency/priority state of the 3-bit ADS-B field; `None` for 0 (no
    /// emergency) and for values that do not fit in 3 bits.
    pub fn from_adsb_status(status: u8) -> Option<EmergencyKind> {
        match status {
            1 => Some(EmergencyKind::General),
            2 => Some(EmergencyKind::Lifeguard),
            3 => Some(EmergencyKind::MinimumFuel),
            4 => Some(EmergencyKind::NoCommunications),
            5 => Some(EmergencyKind::UnlawfulInterference),
            6 => Some(EmergencyKind::Downed),
            7 => Some(EmergencyKind::Reserved),
            _ => None,
        }
    }
}

impl fmt::Display for EmergencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every threshold of every detector, in one place, used as is by the simulator's ground
/// truth and by the engine. Distances in metres, heights in feet, speeds in knots,
/// angles in degrees, durations as [`Duration`] of data time.
///
/// The defaults are chosen for military movements seen by a 1090 MHz receiver: large
/// enough margins that position noise (NACp 8 is about 90 m; MLAT and CPR-local errors are
/// a few hundred metres) never flips a state, and minimum durations that are a few
/// reporting periods of an aircraft at the edge of coverage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorParams {
    // --- zone entry and exit -------------------------------------------------------
    /// How far inside the boundary an aircraft outside must be to count as entered:
    /// 1 NM. A track running along the border then never flaps in and out.
    pub zone_enter_margin_m: f64,
    /// How far outside the boundary an aircraft inside must be to count as exited: 1 NM.
    pub zone_exit_margin_m: f64,
    /// Consecutive positions past the margin needed to change state: 2, so one bad
    /// position (a CPR decoding error that slipped through) cannot raise an entry.
    pub zone_confirm_positions: u32,

    // --- take-off and landing --------------------------------------------------------
    /// Farthest distance from an airport's reference point for a take-off or landing to
    /// be attributed to it: 5 km, enough for the far end of a 4 km runway.
    pub airport_max_distance_m: f64,
    /// Highest height above field elevation still counted as "at the field": 500 ft, a
    /// point of a final approach about 1.5 NM from the threshold on a 3 degree glide.
    pub airport_max_height_ft: i32,
    /// Ground speed below which an aircraft near the field with no airborne evidence is
    /// rolling, taxiing or parked: 80 kt (below any jet's approach speed).
    pub ground_max_speed_kt: f64,
    /// Ground speed above which an aircraft is certainly airborne: 100 kt. Between the
    /// two thresholds the previous state holds (hysteresis).
    pub airborne_min_speed_kt: f64,
    /// A track last seen within `airport_max_distance_m` of an airport and below
    /// `airport_max_height_ft` above its elevation, then silent for this long, is reported
    /// landed with low confidence (many receivers lose aircraft below 500 ft): 120 s. A
    /// track last seen above the height limit, or far from any airport, is never landed;
    /// a landing with surface positions or the on-ground flag has high confidence.
    pub landing_silence: Duration,

    // --- dwell ------------------------------------------------------------------------
    /// Time on the ground at one airport before a dwell is raised: 6 h. Shorter stops
    /// are refuelling or crew rest; six hours is the low end of a deployment.
    pub dwell_min: Duration,
    /// When true (default), a dwell still in progress is raised again once per UTC day.
    pub dwell_reraise_daily: bool,

    // --- formation ----------------------------------------------------------------------
    /// Largest horizontal separation of aircraft in formation: 3 NM. Military formations
    /// fly from wingtip distance to about 2 NM (trail/"loose" formation); airliners on
    /// parallel airways are at least 5 NM apart under radar separation rules.
    pub formation_max_distance_m: f64,
    /// Largest vertical separation in formation: 1000 ft, inclusive. Airliners at
    /// adjacent flight levels (1000 ft apart under RVSM) can meet it, which is why the
    /// distance, track and duration conditions must hold as well.
    pub formation_max_vertical_ft: i32,
    /// Largest difference between the aircraft's tracks: 20 degrees.
    pub formation_max_track_diff_deg: f64,
    /// Lowest ground speed of each aircraft: 100 kt, so aircraft parked or taxiing together
    /// are never a formation.
    pub formation_min_speed_kt: f64,
    /// How long the conditions must hold before a formation is raised: 120 s. Two
    /// airliners passing on the same airway meet them for well under a minute.
    pub formation_min_duration: Duration,
    /// Separation beyond which a formation is broken: 5 NM (hysteresis above the 3 NM join
    /// distance).
    pub formation_break_distance_m: f64,
    /// Vertical separation beyond which a formation is broken: 2000 ft.
    pub formation_break_vertical_ft: i32,
    /// How long the break condition must hold before the separation is reported: 60 s.
    pub formation_break_duration: Duration,
    /// Largest age difference of two positions that are compared: 10 s (about 2.5 km at
    /// 500 kt; older positions are extrapolated or not compared).
    pub pair_max_time_skew: Duration,

    // --- intercept and escort ----------------------------------------------------------------
    /// Closure rate above which one aircraft is running at another: 150 kt. Aircraft in
    /// the same airflow close at a few tens of knots; an interceptor at military power
    /// closes at several hundred.
    pub intercept_min_closure_kt: f64,
    /// How long the high closure must be sustained: 30 s, to ignore geometry noise.
    pub intercept_min_closure_duration: Duration,
    /// Largest separation at which closure is tracked: 100 NM.
    pub intercept_max_range_m: f64,
    /// Longest time from the end of the high-closure run to the join (formation
    /// conditions met): 15 min. The intercept's onset is the start of the closure, its
    /// join time when the formation conditions are first met.
    pub intercept_join_window: Duration,
    /// How long an interceptor must stay in formation after the join to be escorting:
    /// 300 s. The escort ends with the formation's separation.
    pub escort_min_duration: Duration,

    // --- loiter / orbit -----------------------------------------------------------------
    /// Accumulated turn (absolute sum of track changes) needed: 720 degrees, two full
    /// orbits or one racetrack lap and a half.
    pub loiter_min_turn_deg: f64,
    /// Side of the box (metres) the whole pattern must fit in: 30 km, covering tanker
    /// racetracks (legs of 15-20 km) and surveillance orbits.
    pub loiter_max_extent_m: f64,
    /// Minimum duration of the pattern: 20 min. Holding patterns at airports last 4 min a
    /// lap and usually less than two laps.
    pub loiter_min_duration: Duration,
    /// Lowest ground speed: 60 kt, so circling helicopters qualify and ground traffic
    /// on a taxiway loop does not.
    pub loiter_min_speed_kt: f64,

    // --- went dark --------------------------------------------------------------------------
    /// Silence that counts as going dark: 120 s (an aircraft in coverage is heard every
    /// second; 2 minutes is beyond any normal fade).
    pub went_dark_silence: Duration,
    /// Largest distance outside a zone at which going dark is still reported: 50 NM.
    pub went_dark_zone_distance_m: f64,

    // --- emergency --------------------------------------------------------------------------
    /// Messages carrying the same emergency needed before it is raised: 2, never on one
    /// unverified reply.
    pub emergency_min_messages: u32,
}

impl DetectorParams {
    /// The documented defaults.
    pub const DEFAULT: DetectorParams = DetectorParams {
        zone_enter_margin_m: METRES_PER_NM,
        zone_exit_margin_m: METRES_PER_NM,
        zone_confirm_positions: 2,
        airport_max_distance_m: 5_000.0,
        airport_max_height_ft: 500,
        ground_max_speed_kt: 80.0,
        airborne_min_speed_kt: 100.0,
        landing_silence: Duration::from_secs(120),
        dwell_min: Duration::from_secs(6 * 3600),
        dwell_reraise_daily: true,
        formation_max_distance_m: 3.0 * METRES_PER_NM,
        formation_max_vertical_ft: 1_000,
        formation_max_track_diff_deg: 20.0,
        formation_min_speed_kt: 100.0,
        formation_min_duration: Duration::from_secs(120),
        formation_break_distance_m: 5.0 * METRES_PER_NM,
        formation_break_vertical_ft: 2_000,
        formation_break_duration: Duration::from_secs(60),
        pair_max_time_skew: Duration::from_secs(10),
        intercept_min_closure_kt: 150.0,
        intercept_min_closure_duration: Duration::from_secs(30),
        intercept_max_range_m: 100.0 * METRES_PER_NM,
        intercept_join_window: Duration::from_secs(15 * 60),
        escort_min_duration: Duration::from_secs(300),
        loiter_min_turn_deg: 720.0,
        loiter_max_extent_m: 30_000.0,
        loiter_min_duration: Duration::from_secs(20 * 60),
        loiter_min_speed_kt: 60.0,
        went_dark_silence: Duration::from_secs(120),
        went_dark_zone_distance_m: 50.0 * METRES_PER_NM,
        emergency_min_messages: 2,
    };

    /// Zone hysteresis: whether an aircraft is inside after a position whose signed
    /// distance to the boundary (negative inside, see `Shape::signed_distance_m`) is
    /// `signed_distance_m`, given whether it was inside before. Between the margins the
    /// previous state holds. (`zone_confirm_positions` is applied by the caller.)
    pub fn zone_inside_next(&self, was_inside: bool, signed_distance_m: f64) -> bool {
        if was_inside {
            signed_distance_m < self.zone_exit_margin_m
        } else {
            signed_distance_m <= -self.zone_enter_margin_m
        }
    }

    /// Whether two aircraft at this instant meet the formation join conditions.
    pub fn in_formation(
        &self,
        distance_m: f64,
        vertical_ft: i32,
        track_diff_deg: f64,
        min_speed_kt: f64,
    ) -> bool {
        distance_m <= self.formation_max_distance_m
            && vertical_ft.unsigned_abs() <= self.formation_max_vertical_ft.unsigned_abs()
            && track_diff_deg.abs() <= self.formation_max_track_diff_deg
            && min_speed_kt >= self.formation_min_speed_kt
    }

    /// Whether two aircraft in formation have moved far enough apart to count towards a
    /// separation (which is reported after `formation_break_duration`).
    pub fn formation_broken(&self, distance_m: f64, vertical_ft: i32) -> bool {
        distance_m > self.formation_break_distance_m
            || vertical_ft.unsigned_abs() > self.formation_break_vertical_ft.unsigned_abs()
    }

    /// Whether an aircraft at this height above the field and ground speed, `distance_m`
    /// from the airport, is "at the field" (candidate for on-ground).
    pub fn at_field(&self, distance_m: f64, height_above_field_ft: i32, ground_speed_kt: f64) -> bool {
        distance_m <= self.airport_max_distance_m
            && height_above_field_ft <= self.airport_max_height_ft
            && ground_speed_kt < self.ground_max_speed_kt
    }

    /// True for the emergency squawks 7500, 7600 and 7700 (digits read as decimal).
    pub fn is_emergency_squawk(&self, squawk: u16) -> bool {
        EmergencyKind::from_squawk(squawk).is_some()
    }
}

impl Default for DetectorParams {
    fn default() -> Self {
        DetectorParams::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_are_snake_case() {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "zone_entry",
                "zone_exit",
                "takeoff",
                "landing",
                "dwell",
                "formation",
                "intercept",
                "escort",
                "loiter",
                "emergency",
                "went_dark",
                "first_seen"
            ]
        );
        for k in EventKind::ALL {
            assert_eq!(k.as_str().parse::<EventKind>(), Ok(k));
            assert_eq!(k.to_string(), k.as_str());
        }
        assert_eq!("ZoneEntry".parse::<EventKind>(), Err(UnknownEventKind));
        assert_eq!("".parse::<EventKind>(), Err(UnknownEventKind));
    }

    #[test]
    fn emergencies() {
        assert_eq!(
            EmergencyKind::from_squawk(7500),
            Some(EmergencyKind::UnlawfulInterference)
        );
        assert_eq!(
            EmergencyKind::from_squawk(7600),
            Some(EmergencyKind::NoCommunications)
        );
        assert_eq!(EmergencyKind::from_squawk(7700), Some(EmergencyKind::General));
        assert_eq!(EmergencyKind::from_squawk(7000), None);
        assert_eq!(
            EmergencyKind::from_squawk(0o7700),
            None,
            "octal value is not the convention"
        );
        assert_eq!(EmergencyKind::from_adsb_status(0), None);
        assert_eq!(
            EmergencyKind::from_adsb_status(3),
            Some(EmergencyKind::MinimumFuel)
        );
        assert_eq!(
            EmergencyKind::from_adsb_status(6).map(EmergencyKind::as_str),
            Some("downed")
        );
        assert_eq!(EmergencyKind::from_adsb_status(8), None);
        let p = DetectorParams::default();
        assert!(p.is_emergency_squawk(7700) && !p.is_emergency_squawk(1200));
    }

    #[test]
    fn zone_hysteresis_does_not_flap_on_the_border() {
        let p = DetectorParams::DEFAULT;
        // A track wandering +-1 km around the boundary never changes state.
        let mut inside = false;
        for k in 0..100 {
            let d = if k % 2 == 0 { 1_000.0 } else { -1_000.0 };
            inside = p.zone_inside_next(inside, d);
            assert!(!inside);
        }
        inside = p.zone_inside_next(inside, -1_900.0);
        assert!(inside);
        for d in [-100.0, 0.0, 1_000.0, 1_851.0] {
            inside = p.zone_inside_next(inside, d);
            assert!(inside, "{d}");
        }
        assert!(!p.zone_inside_next(true, 1_852.0));
    }

    #[test]
    fn formation_predicates() {
        let p = DetectorParams::DEFAULT;
        assert!(p.in_formation(1_000.0, 500, 5.0, 450.0));
        assert!(p.in_formation(3.0 * METRES_PER_NM, -1_000, -20.0, 100.0));
        assert!(!p.in_formation(3.1 * METRES_PER_NM, 0, 0.0, 450.0));
        assert!(!p.in_formation(1_000.0, 1_100, 0.0, 450.0));
        assert!(!p.in_formation(1_000.0, 0, 25.0, 450.0));
        assert!(
            !p.in_formation(50.0, 0, 0.0, 10.0),
            "parked together is not a formation"
        );
        // Between join and break distances the formation holds.
        assert!(!p.formation_broken(4.0 * METRES_PER_NM, 1_500));
        assert!(p.formation_broken(5.5 * METRES_PER_NM, 0));
        assert!(p.formation_broken(0.0, -2_500));
    }

    #[test]
    fn at_field() {
        let p = DetectorParams::DEFAULT;
        assert!(p.at_field(1_000.0, 0, 15.0));
        assert!(
            !p.at_field(1_000.0, 0, 140.0),
            "rolling fast is take-off or landing roll"
        );
        assert!(!p.at_field(1_000.0, 35_000, 0.0), "overflight at cruise");
        assert!(!p.at_field(9_000.0, 0, 10.0), "not this airport");
    }

    #[test]
    fn defaults_are_consistent() {
        let p = DetectorParams::default();
        assert!(p.formation_break_distance_m > p.formation_max_distance_m);
        assert!(p.formation_break_vertical_ft > p.formation_max_vertical_ft);
        assert!(p.airborne_min_speed_kt > p.ground_max_speed_kt);
        assert!(p.intercept_max_range_m > p.formation_break_distance_m);
        assert!(p.escort_min_duration > p.formation_min_duration);
        assert_eq!(p.dwell_min, Duration::from_secs(21_600));
    }
}
