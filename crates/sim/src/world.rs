//! All aircraft of a simulation stepped together, and their true state each second.

use picket_modes::callsign::Callsign;
use picket_modes::identity::Squawk;
use picket_world::geo::LatLon;

use crate::flight::{Flight, Kin};
use crate::scenario::{AircraftSpec, Atmosphere, Emergency, TransponderState};
use crate::time::UnixNanos;

/// The integration step of every simulation, seconds (divides one second exactly).
pub const STEP_S: f64 = 0.25;

/// The true state of one aircraft at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruthState {
    /// UTC time, nanoseconds since the Unix epoch.
    pub time: UnixNanos,
    /// Seconds after the scenario start.
    pub t_s: f64,
    /// Index of the aircraft in the simulation's aircraft list.
    pub aircraft: usize,
    /// ICAO address.
    pub address: u32,
    /// Position.
    pub position: LatLon,
    /// Barometric (pressure) altitude, feet.
    pub alt_baro_ft: f64,
    /// Geometric altitude, feet.
    pub alt_geom_ft: f64,
    /// Ground speed, knots.
    pub gs_kt: f64,
    /// Track over ground, degrees true.
    pub track_deg: f64,
    /// Barometric vertical rate, feet per minute.
    pub baro_rate_fpm: f64,
    /// Turn rate, degrees per second (positive right).
    pub turn_rate_deg_s: f64,
    /// Bank angle, degrees (positive right).
    pub bank_deg: f64,
    /// On the ground.
    pub on_ground: bool,
    /// Squawk.
    pub squawk: Squawk,
    /// Callsign, if the aircraft sends one.
    pub callsign: Option<Callsign>,
    /// Transponder state.
    pub transponder: TransponderState,
    /// Emergency state.
    pub emergency: Option<Emergency>,
}

/// Every aircraft of a simulation, stepped together at [`STEP_S`].
#[derive(Debug, Clone)]
pub struct World {
    aircraft: Vec<AircraftSpec>,
    atmosphere: Atmosphere,
    start: UnixNanos,
    flights: Vec<Option<Flight>>,
    appeared: Vec<bool>,
    snapshot: Vec<Option<Kin>>,
    /// Step counter; time is `t0 + step * STEP_S`, exact in binary floating point.
    step: i64,
    t0: f64,
}

impl World {
    /// A world at its first moment: the earliest appearance or the scenario start, whole seconds.
    pub fn new(aircraft: Vec<AircraftSpec>, atmosphere: Atmosphere, start: UnixNanos) -> World {
        let t0 = aircraft.iter().map(|a| a.start_s).fold(0.0f64, f64::min).floor();
        let n = aircraft.len();
        let mut w = World {
            aircraft,
            atmosphere,
            start,
            flights: vec![None; n],
            appeared: vec![false; n],
            snapshot: vec![None; n],
            step: 0,
            t0,
        };
        w.appear();
        w
    }

    /// Seconds after the scenario start.
    pub fn time(&self) -> f64 {
        self.t0 + self.step as f64 * STEP_S
    }

    /// The aircraft list (scripted and background).
    pub fn aircraft(&self) -> &[AircraftSpec] {
        &self.aircraft
    }

    /// The kinematic state of aircraft `i`, if it is flying now.
    pub fn kin(&self, i: usize) -> Option<&Kin> {
        self.flights.get(i)?.as_ref().map(|f| &f.kin)
    }

    /// The flight of aircraft `i`, if it is flying now.
    pub fn flight(&self, i: usize) -> Option<&Flight> {
        self.flights.get(i)?.as_ref()
    }

    fn appear(&mut self) {
        let t = self.time();
        for (i, spec) in self.aircraft.iter().enumerate() {
            if !self.appeared[i] && spec.start_s <= t {
                self.appeared[i] = true;
                self.flights[i] = Some(Flight::new(spec, &self.atmosphere));
            }
        }
    }

    /// Advances every aircraft by one step.
    pub fn step(&mut self) {
        let t = self.time();
        for (s, f) in self.snapshot.iter_mut().zip(&self.flights) {
            *s = f.as_ref().map(|f| f.kin);
        }
        for (i, slot) in self.flights.iter_mut().enumerate() {
            if let Some(f) = slot {
                f.step(&self.aircraft[i], &self.atmosphere, t, STEP_S, &self.snapshot);
                if f.vanished {
                    *slot = None;
                }
            }
        }
        self.step += 1;
        self.appear();
    }

    /// The true state of aircraft `i` now, if it is flying.
    pub fn truth(&self, i: usize) -> Option<TruthState> {
        let k = self.kin(i)?;
        let spec = &self.aircraft[i];
        let t = self.time();
        Some(TruthState {
            time: self.start + (t * 1e9).round() as i64,
            t_s: t,
            aircraft: i,
            address: spec.address,
            position: k.pos,
            alt_baro_ft: k.alt_ft,
            alt_geom_ft: self.atmosphere.geometric_ft(k.alt_ft),
            gs_kt: k.gs_kt,
            track_deg: k.track,
            baro_rate_fpm: k.vrate_fpm,
            turn_rate_deg_s: k.turn_rate,
            bank_deg: k.bank_deg,
            on_ground: k.on_ground,
            squawk: spec.squawk_at(t),
            callsign: spec.callsign.as_deref().map(Callsign::new),
            transponder: spec.transponder_at(t),
            emergency: spec.emergency_at(t),
        })
    }
}

/// True states of every flying aircraft once a second over `[from_s, to_s)`, in time order
/// and, within a second, in aircraft order.
#[derive(Debug)]
pub struct TruthStates {
    world: World,
    to_s: f64,
    next_second: f64,
    buffer: std::vec::IntoIter<TruthState>,
}

impl TruthStates {
    /// Runs `world` forward from its current time, reporting seconds in `[from_s, to_s)`.
    pub fn new(world: World, from_s: f64, to_s: f64) -> TruthStates {
        let next_second = from_s.ceil().max(world.time().ceil());
        TruthStates {
            world,
            to_s,
            next_second,
            buffer: Vec::new().into_iter(),
        }
    }
}

impl Iterator for TruthStates {
    type Item = TruthState;

    fn next(&mut self) -> Option<TruthState> {
        loop {
            if let Some(s) = self.buffer.next() {
                return Some(s);
            }
            if self.next_second >= self.to_s {
                return None;
            }
            while self.world.time() < self.next_second {
                self.world.step();
            }
            let states: Vec<TruthState> = (0..self.world.aircraft().len())
                .filter_map(|i| self.world.truth(i))
                .collect();
            self.buffer = states.into_iter();
            self.next_second += 1.0;
        }
    }
}
