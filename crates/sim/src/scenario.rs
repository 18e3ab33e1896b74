//! The scenario model: what a scenario file says, validated and resolved (airports, runways,
//! times relative to the start).

use picket_modes::identity::Squawk;
use picket_world::geo::LatLon;

use crate::perf::{Category, Performance};
use crate::time::UnixNanos;

/// A validated scenario, ready to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short name (`caracas`).
    pub name: String,
    /// One line of description.
    pub description: String,
    /// UTC start, nanoseconds since the Unix epoch.
    pub start: UnixNanos,
    /// Length in seconds.
    pub duration_s: f64,
    /// Default seed (`--seed` overrides it).
    pub seed: u64,
    /// Pressure and temperature, for barometric versus geometric altitude.
    pub atmosphere: Atmosphere,
    /// The scripted aircraft.
    pub aircraft: Vec<AircraftSpec>,
    /// The receivers that listen.
    pub receivers: Vec<ReceiverSpec>,
    /// Background airline traffic, if any.
    pub background: Option<BackgroundSpec>,
}

/// Pressure and temperature of the day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Atmosphere {
    /// Sea-level pressure, hPa.
    pub qnh_hpa: f64,
    /// Deviation from the ISA temperature, °C.
    pub isa_deviation_c: f64,
}

impl Default for Atmosphere {
    fn default() -> Self {
        Atmosphere {
            qnh_hpa: 1013.25,
            isa_deviation_c: 0.0,
        }
    }
}

impl Atmosphere {
    /// Geometric (true) altitude in feet of a pressure altitude: the QNH offset (27.3 ft/hPa near
    /// sea level) plus the temperature correction (4 % per 10 °C of ISA deviation).
    pub fn geometric_ft(&self, baro_ft: f64) -> f64 {
        let qnh = 27.3 * (self.qnh_hpa - 1013.25);
        qnh + baro_ft * (1.0 + self.isa_deviation_c / 288.15)
    }

    /// The pressure altitude in feet of a geometric altitude (inverse of [`Atmosphere::geometric_ft`]).
    pub fn baro_ft(&self, geometric_ft: f64) -> f64 {
        let qnh = 27.3 * (self.qnh_hpa - 1013.25);
        (geometric_ft - qnh) / (1.0 + self.isa_deviation_c / 288.15)
    }
}

/// What a transponder broadcasts when it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transponder {
    /// ADS-B version 0 (DO-260) on DF17.
    Adsb0,
    /// ADS-B version 1 (DO-260A) on DF17.
    Adsb1,
    /// ADS-B version 2 (DO-260B) on DF17.
    Adsb2,
    /// Mode S replies and acquisition squitters only (DF4/5/11/20/21), no position broadcast.
    ModeSOnly,
    /// A non-transponder device broadcasting ADS-B on DF18 (version 2 layout).
    NonTransponderDf18,
}

impl Transponder {
    /// The name used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Transponder::Adsb0 => "adsb0",
            Transponder::Adsb1 => "adsb1",
            Transponder::Adsb2 => "adsb2",
            Transponder::ModeSOnly => "modes_only",
            Transponder::NonTransponderDf18 => "non_transponder_df18",
        }
    }

    /// Parses a scenario file name.
    pub fn parse(text: &str) -> Option<Transponder> {
        Some(match text {
            "adsb0" => Transponder::Adsb0,
            "adsb1" => Transponder::Adsb1,
            "adsb2" => Transponder::Adsb2,
            "modes_only" => Transponder::ModeSOnly,
            "non_transponder_df18" => Transponder::NonTransponderDf18,
            _ => return None,
        })
    }

    /// The ADS-B version broadcast, None for Mode S only.
    pub fn adsb_version(self) -> Option<u8> {
        match self {
            Transponder::Adsb0 => Some(0),
            Transponder::Adsb1 => Some(1),
            Transponder::Adsb2 | Transponder::NonTransponderDf18 => Some(2),
            Transponder::ModeSOnly => None,
        }
    }

    /// True when the device answers interrogations (DF4/5/11/20/21); a DF18 device does not.
    pub fn replies(self) -> bool {
        self != Transponder::NonTransponderDf18
    }
}

/// Whether the transponder is on at a moment, and in which mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransponderState {
    /// Switched off: nothing is transmitted.
    Off,
    /// On, transmitting as the given capability.
    On(Transponder),
}

/// The emergency and priority states, from the shared event vocabulary.
pub use picket_world::events::EmergencyKind as Emergency;

/// Parses an emergency name as scenario files and events write it (`general`, `minimum_fuel`...).
pub fn emergency_from_name(text: &str) -> Option<Emergency> {
    (1..=7)
        .filter_map(Emergency::from_adsb_status)
        .find(|e| e.as_str() == text)
}

/// The 3-bit emergency state code of ADS-B TC28 subtype 1 (DO-260B 2.2.3.2.7.8.1.1).
pub fn emergency_code(e: Emergency) -> u8 {
    (1..=7)
        .find(|&c| Emergency::from_adsb_status(c) == Some(e))
        .unwrap_or(1)
}

/// The emergency a squawk announces (7500, 7600, 7700).
pub fn emergency_of_squawk(squawk: Squawk) -> Option<Emergency> {
    // The shared vocabulary reads the four octal digits as a decimal number.
    let v = squawk.0;
    let decimal = ((v >> 9) & 7) * 1000 + ((v >> 6) & 7) * 100 + ((v >> 3) & 7) * 10 + (v & 7);
    Emergency::from_squawk(decimal)
}

/// A scripted change over a time window `[from_s, to_s)` (seconds after the start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Start, seconds after the scenario start.
    pub from_s: f64,
    /// End (exclusive), seconds after the scenario start.
    pub to_s: f64,
    /// Transponder state during the window, if it changes.
    pub transponder: Option<TransponderState>,
    /// Squawk during the window, if it changes.
    pub squawk: Option<Squawk>,
    /// Emergency state during the window, if any.
    pub emergency: Option<Emergency>,
}

/// A turn direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnDirection {
    /// Clockwise seen from above.
    Right,
    /// Anticlockwise seen from above.
    Left,
}

impl TurnDirection {
    /// +1 for right, -1 for left.
    pub fn sign(self) -> f64 {
        match self {
            TurnDirection::Right => 1.0,
            TurnDirection::Left => -1.0,
        }
    }
}

/// When a phase ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum End {
    /// Never: the phase lasts until the scenario ends.
    Never,
    /// After this many seconds in the phase.
    After(f64),
    /// At this time (seconds after the scenario start).
    At(f64),
}

/// A runway end resolved from the airport table.
#[derive(Debug, Clone, PartialEq)]
pub struct RunwayRef {
    /// Airport ident (ICAO code).
    pub airport: String,
    /// Runway end designator (`10`, `24`).
    pub designator: String,
    /// Threshold of this end.
    pub threshold: LatLon,
    /// Threshold of the opposite end.
    pub far_threshold: LatLon,
    /// True heading of the runway from this end, degrees.
    pub heading: f64,
    /// Threshold elevation, feet above mean sea level.
    pub elevation_ft: f64,
    /// Length, metres.
    pub length_m: f64,
}

/// Where a follower flies relative to its leader.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Offset {
    /// Distance behind the leader along its track, nautical miles.
    pub behind_nm: f64,
    /// Distance to the right of the leader's track, nautical miles (negative: left).
    pub right_nm: f64,
    /// Height above the leader, feet (negative: below).
    pub above_ft: f64,
}

/// One phase of a flight plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Line up on a runway, take-off roll, rotate and climb to 1,500 ft above the runway.
    Takeoff {
        /// The runway end to depart from.
        runway: RunwayRef,
    },
    /// Climb or descend to an altitude on the present track.
    Altitude {
        /// Target altitude, feet (pressure altitude).
        alt_ft: f64,
        /// Vertical rate, feet per minute (default: the performance's climb or descent rate).
        rate_fpm: Option<f64>,
        /// Speed, knots (default: the speed schedule).
        speed_kt: Option<f64>,
    },
    /// Fly direct to a point, changing altitude and speed on the way.
    FlyTo {
        /// The point.
        to: LatLon,
        /// Altitude to reach, feet (default: keep).
        alt_ft: Option<f64>,
        /// Speed, knots (default: keep the schedule).
        speed_kt: Option<f64>,
    },
    /// Hold a heading (default: the present track) until the phase ends.
    Cruise {
        /// True heading to fly, degrees.
        heading: Option<f64>,
        /// Altitude, feet (default: keep).
        alt_ft: Option<f64>,
        /// Speed, knots (default: keep).
        speed_kt: Option<f64>,
        /// When the phase ends.
        end: End,
    },
    /// Turn to a heading or by an angle, with a bank limit.
    Turn {
        /// Heading to turn to (true, degrees), or None with `by_deg`.
        heading: Option<f64>,
        /// Angle to turn by (degrees, positive), with `direction`.
        by_deg: Option<f64>,
        /// Direction of the turn (default: the shorter way).
        direction: Option<TurnDirection>,
        /// Bank angle limit for this turn, degrees.
        bank_deg: Option<f64>,
    },
    /// Circle a point (orbit) or fly a racetrack hold, until the phase ends.
    Orbit {
        /// Centre of the circle, or the holding fix (default: beside the present position).
        centre: Option<LatLon>,
        /// Radius, nautical miles (0: the tightest turn the bank limit allows).
        radius_nm: f64,
        /// Straight leg length for a racetrack, nautical miles (0: a circle).
        leg_nm: f64,
        /// Inbound course of a racetrack, degrees true (default: the course to the fix).
        inbound_course: Option<f64>,
        /// Direction of the turns.
        direction: TurnDirection,
        /// Altitude, feet (default: keep).
        alt_ft: Option<f64>,
        /// Speed, knots (default: keep).
        speed_kt: Option<f64>,
        /// When the phase ends.
        end: End,
    },
    /// Approach, land on a runway and roll out to taxi speed.
    Approach {
        /// The runway end to land on.
        runway: RunwayRef,
    },
    /// Taxi along surface points.
    Taxi {
        /// The points to follow.
        path: Vec<LatLon>,
        /// Taxi speed, knots.
        speed_kt: f64,
    },
    /// Taxi to a stand (if given) and stay there, engines off or not, until the phase ends.
    Park {
        /// The stand, or None to stop where the aircraft is.
        at: Option<LatLon>,
        /// When the phase ends.
        end: End,
    },
    /// Fly in formation with another aircraft.
    Formation {
        /// Index of the leader in the scenario's aircraft list.
        leader: usize,
        /// Position relative to the leader.
        offset: Offset,
        /// When the phase ends.
        end: End,
    },
    /// Approach a ship from astern, touch down on its deck and be arrested (a carrier
    /// recovery), then stay on the deck, moving with the ship, until the phase ends.
    ShipRecovery {
        /// The ship.
        ship: Ship,
        /// When the stay on deck ends.
        end: End,
    },
    /// Wait on a ship's deck (moving with it) until the phase's end, if it has one, then a
    /// catapult launch and a climb away to 1,500 ft above the sea.
    ShipLaunch {
        /// The ship.
        ship: Ship,
        /// When the catapult fires (`End::Never`: at once).
        end: End,
    },
    /// Steer to join another aircraft at an offset, then fly in formation with it.
    Intercept {
        /// Index of the target in the scenario's aircraft list.
        target: usize,
        /// Joining position relative to the target.
        offset: Offset,
        /// Speed while closing, knots (default: 90 % of the maximum).
        speed_kt: Option<f64>,
        /// When the formation after the join ends.
        end: End,
    },
}

impl Phase {
    /// The name used in scenario files.
    pub fn kind(&self) -> &'static str {
        match self {
            Phase::Takeoff { .. } => "takeoff",
            Phase::Altitude { .. } => "altitude",
            Phase::FlyTo { .. } => "fly_to",
            Phase::Cruise { .. } => "cruise",
            Phase::Turn { .. } => "turn",
            Phase::Orbit { .. } => "orbit",
            Phase::Approach { .. } => "approach",
            Phase::Taxi { .. } => "taxi",
            Phase::Park { .. } => "park",
            Phase::Formation { .. } => "formation",
            Phase::Intercept { .. } => "intercept",
            Phase::ShipRecovery { .. } => "ship_recovery",
            Phase::ShipLaunch { .. } => "ship_launch",
        }
    }
}

/// A ship steaming on a constant course and speed: an aircraft carrier's moving runway.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ship {
    /// Position at the scenario's start.
    pub at_start: LatLon,
    /// Course over ground, degrees true.
    pub course: f64,
    /// Speed over ground, knots.
    pub speed_kt: f64,
    /// Height of the deck above the sea, feet.
    pub deck_ft: f64,
}

impl Ship {
    /// Position `t_s` seconds after the scenario's start (a great circle at constant speed).
    pub fn position(&self, t_s: f64) -> LatLon {
        self.at_start
            .destination(self.course, self.speed_kt * crate::geo::KT * t_s)
    }
}

/// The state an aircraft appears in when its first phase does not place it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InitialState {
    /// Position.
    pub position: LatLon,
    /// Pressure altitude, feet.
    pub alt_ft: f64,
    /// Ground speed, knots.
    pub speed_kt: f64,
    /// Track, degrees true.
    pub track: f64,
}

/// One aircraft of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct AircraftSpec {
    /// ICAO 24-bit address.
    pub address: u32,
    /// Callsign (flight identification), if it sends one.
    pub callsign: Option<String>,
    /// Registration, for the truth and the aircraft database.
    pub registration: Option<String>,
    /// ICAO type designator.
    pub type_designator: Option<String>,
    /// Free text description of the type and operator.
    pub description: Option<String>,
    /// Emitter category.
    pub category: Category,
    /// Transponder capability when on.
    pub transponder: Transponder,
    /// Squawk outside windows.
    pub squawk: Squawk,
    /// When the aircraft appears, seconds after the start (may be negative: already flying).
    pub start_s: f64,
    /// State at appearance, when the first phase does not set it.
    pub initial: Option<InitialState>,
    /// The flight plan.
    pub phases: Vec<Phase>,
    /// Scripted transponder, squawk and emergency changes.
    pub windows: Vec<Window>,
    /// Kinematic limits.
    pub performance: Performance,
    /// True for the scripted aircraft whose events the ground truth reports.
    pub interest: bool,
    /// Remove the aircraft when its plan is done (background flights after parking).
    pub vanish_when_done: bool,
}

impl AircraftSpec {
    /// Transponder state at `t` seconds after the start (the last window that covers it wins).
    pub fn transponder_at(&self, t: f64) -> TransponderState {
        let mut state = TransponderState::On(self.transponder);
        for w in &self.windows {
            if let Some(s) = w.transponder {
                if t >= w.from_s && t < w.to_s {
                    state = s;
                }
            }
        }
        state
    }

    /// Squawk at `t`.
    pub fn squawk_at(&self, t: f64) -> Squawk {
        let mut sq = self.squawk;
        for w in &self.windows {
            if let Some(s) = w.squawk {
                if t >= w.from_s && t < w.to_s {
                    sq = s;
                }
            }
        }
        sq
    }

    /// Emergency state at `t`: a scripted one, or the one the squawk implies.
    pub fn emergency_at(&self, t: f64) -> Option<Emergency> {
        let mut em = None;
        for w in &self.windows {
            if let Some(e) = w.emergency {
                if t >= w.from_s && t < w.to_s {
                    em = Some(e);
                }
            }
        }
        em.or_else(|| emergency_of_squawk(self.squawk_at(t)))
    }
}

/// A receiver's clock: a 12 MHz counter with an offset, a drift and a jitter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockSpec {
    /// What the counter reads at the scenario start, in seconds (× 12e6 ticks).
    pub offset_s: f64,
    /// Frequency error, parts per million.
    pub drift_ppm: f64,
    /// Timestamp jitter (standard deviation), nanoseconds.
    pub jitter_ns: f64,
}

/// A receiver that listens to the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiverSpec {
    /// Name.
    pub name: String,
    /// Antenna position.
    pub position: LatLon,
    /// Antenna altitude, feet above mean sea level.
    pub alt_ft: f64,
    /// Range beyond which nothing is heard, nautical miles (line of sight also applies).
    pub range_nm: f64,
    /// Probability of losing a message close to the receiver.
    pub loss_near: f64,
    /// Probability of losing a message at the edge of the range (grows with distance squared).
    pub loss_at_range: f64,
    /// Bit-error rate applied to heard messages.
    pub bit_error_rate: f64,
    /// Signal level of a message from 1 nm away, dBFS (falls 20 dB per decade of distance).
    pub signal_at_1nm_dbfs: f64,
    /// The receiver's clock.
    pub clock: ClockSpec,
}

/// Background airline traffic: ordinary flights in the same airspace and hours.
#[derive(Debug, Clone, PartialEq)]
pub struct BackgroundSpec {
    /// Number of flights.
    pub flights: u32,
    /// Centre of the traffic area.
    pub centre: LatLon,
    /// Radius of the traffic area, nautical miles.
    pub radius_nm: f64,
    /// Airports flights use (default: the large and medium airports in the area).
    pub airports: Vec<String>,
    /// Share of flights that only cross the area (0-1).
    pub overflight_share: f64,
}
