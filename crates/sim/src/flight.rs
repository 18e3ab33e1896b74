//! The kinematic model: one aircraft's state, the guidance of each flight phase, and the
//! integration step with the aircraft's limits (bank and roll rate, turn rate, acceleration,
//! climb and descent rates, vertical acceleration).
//!
//! The model is a point mass flying its ground track with no wind: ground speed equals true
//! airspeed, heading equals track. Guidance is a set of small controllers (track, speed,
//! altitude) whose outputs pass through the limits, so no phase can make an aircraft do what
//! the type cannot.

use picket_world::geo::{LatLon, LocalFrame};

use crate::geo::{along_track_m, cross_track_m, norm180, norm360, FT, G, KT, NM};
use crate::perf::Performance;
use crate::scenario::{AircraftSpec, Atmosphere, End, Offset, Phase, RunwayRef, Ship, TurnDirection};

/// The kinematic state of one aircraft.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kin {
    /// Position.
    pub pos: LatLon,
    /// Pressure altitude, feet.
    pub alt_ft: f64,
    /// Ground speed, knots.
    pub gs_kt: f64,
    /// Track over ground, degrees true.
    pub track: f64,
    /// Vertical rate, feet per minute.
    pub vrate_fpm: f64,
    /// Bank angle, degrees (positive right).
    pub bank_deg: f64,
    /// Turn rate of the last step, degrees per second (positive right).
    pub turn_rate: f64,
    /// On the ground.
    pub on_ground: bool,
}

/// What guidance asks of the integrator for one step.
#[derive(Debug, Clone, Copy)]
struct Cmd {
    track: f64,
    speed_kt: f64,
    vertical: Vertical,
    /// Bank limit override (a turn phase's `bank_deg`).
    bank_deg: Option<f64>,
    /// Ground acceleration or braking override, knots per second.
    ground_accel: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
enum Vertical {
    /// Stay on (or touch down on) the ground at this pressure altitude.
    Ground(f64),
    /// Fly to an altitude with rate limits and a feed-forward rate.
    Alt {
        target: f64,
        climb: f64,
        descent: f64,
        ff: f64,
    },
}

/// Ground-turn radius used to limit taxi turn rates, metres.
const GROUND_TURN_RADIUS_M: f64 = 30.0;

fn minimum_turn_radius_m(perf: &Performance, speed_kt: f64, bank: f64) -> f64 {
    let v = speed_kt.max(60.0) * KT;
    let by_bank = v * v / (G * bank.to_radians().tan());
    let by_rate = v / perf.max_turn_rate_deg_s.to_radians();
    by_bank.max(by_rate)
}

/// One integration step of `dt` seconds under a command.
fn integrate(k: &mut Kin, cmd: &Cmd, perf: &Performance, dt: f64) {
    match cmd.vertical {
        Vertical::Ground(elev) => {
            k.on_ground = true;
            k.alt_ft = elev;
            k.vrate_fpm = 0.0;
            k.bank_deg = 0.0;
            let (accel, brake) = match cmd.ground_accel {
                Some(a) => (a, a),
                None => (2.0, 3.0),
            };
            let dv = cmd.speed_kt - k.gs_kt;
            k.gs_kt += dv.clamp(-brake * dt, accel * dt);
            k.gs_kt = k.gs_kt.max(0.0);
            let max_rate = if k.gs_kt < 3.0 {
                10.0
            } else {
                (k.gs_kt * KT / GROUND_TURN_RADIUS_M).to_degrees().min(30.0)
            };
            let err = norm180(cmd.track - k.track);
            let rate = (err * 1.0).clamp(-max_rate, max_rate);
            // Taxiing at walking pace cannot swing the nose more than the error asks.
            let step = (rate * dt).clamp(-err.abs(), err.abs());
            k.turn_rate = step / dt;
            k.track = norm360(k.track + step);
        }
        Vertical::Alt {
            target,
            climb,
            descent,
            ff,
        } => {
            k.on_ground = false;
            let dv = cmd.speed_kt.min(perf.max_kt) - k.gs_kt;
            k.gs_kt += dv.clamp(-perf.decel_kt_s * dt, perf.accel_kt_s * dt);
            let v = k.gs_kt.max(60.0) * KT;
            let bank_limit = cmd.bank_deg.unwrap_or(perf.bank_deg);
            let err = norm180(cmd.track - k.track);
            let desired_rate = (err * 0.25).clamp(-perf.max_turn_rate_deg_s, perf.max_turn_rate_deg_s);
            let bank_cmd = (desired_rate.to_radians() * v / G)
                .atan()
                .to_degrees()
                .clamp(-bank_limit, bank_limit);
            let roll = perf.roll_rate_deg_s * dt;
            k.bank_deg += (bank_cmd - k.bank_deg).clamp(-roll, roll);
            let rate = (G * k.bank_deg.to_radians().tan() / v)
                .to_degrees()
                .clamp(-perf.max_turn_rate_deg_s, perf.max_turn_rate_deg_s);
            k.turn_rate = rate;
            k.track = norm360(k.track + rate * dt);
            let desired_v = (ff + (target - k.alt_ft) * 6.0).clamp(-descent, climb);
            let va = perf.vaccel_fpm_s * dt;
            k.vrate_fpm += (desired_v - k.vrate_fpm).clamp(-va, va);
            k.alt_ft += k.vrate_fpm * dt / 60.0;
        }
    }
    if k.gs_kt > 0.0 {
        k.pos = k.pos.destination(k.track, k.gs_kt * KT * dt);
    }
}

/// The within-phase state of the phase being flown.
#[derive(Debug, Clone)]
enum Active {
    Takeoff {
        stage: TakeoffStage,
        elev: f64,
    },
    Altitude {
        track: f64,
    },
    FlyTo,
    Cruise {
        heading: f64,
    },
    Turn {
        target: f64,
        dir: Option<TurnDirection>,
        remaining: f64,
    },
    Orbit(Stadium),
    Approach(Box<ApproachState>),
    Taxi {
        next: usize,
    },
    Park {
        stopped: bool,
    },
    Formation,
    Intercept {
        joined: bool,
        converting: bool,
    },
    ShipRecovery {
        stage: RecoveryStage,
        /// Pressure altitude of the deck, feet.
        deck: f64,
    },
    ShipLaunch {
        airborne: bool,
        deck: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RecoveryStage {
    /// To the start of the final approach, astern of the ship.
    Marshal,
    /// The final approach to the moving deck.
    Final,
    /// Arrested, on the deck.
    Deck,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TakeoffStage {
    LineUp,
    Roll,
    Climb,
}

#[derive(Debug, Clone)]
struct ApproachState {
    fixes: Vec<LatLon>,
    next: usize,
    stage: ApproachStage,
    level_alt: f64,
    elev: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ApproachStage {
    Enroute,
    Final,
    Rollout,
}

/// A racetrack (or a circle when the leg is zero) in a local frame centred on the turn at the
/// fix end; `u` runs along the inbound course, `w` toward the holding side.
#[derive(Debug, Clone)]
struct Stadium {
    frame: LocalFrame,
    course: f64,
    side: f64,
    radius_m: f64,
    leg_m: f64,
}

impl Stadium {
    /// The track to fly from `p` to follow the racetrack.
    fn track(&self, p: LatLon) -> f64 {
        let (x, y) = self.frame.to_xy(p);
        let (sc, cc) = (self.course.to_radians().sin(), self.course.to_radians().cos());
        let wd = (self.course + 90.0 * self.side).to_radians();
        let u = x * sc + y * cc;
        let w = x * wd.sin() + y * wd.cos();
        let r = self.radius_m;
        let around = |du: f64, dw: f64| {
            let d = du.hypot(dw);
            let phi = dw.atan2(du).to_degrees();
            phi + 90.0 + ((d - r) / r * 90.0).clamp(-60.0, 60.0)
        };
        let rel = if u >= 0.0 {
            around(u, w)
        } else if u <= -self.leg_m {
            around(u + self.leg_m, w)
        } else if w < 0.0 {
            -((w + r) / NM * 30.0).clamp(-45.0, 45.0)
        } else {
            180.0 + ((w - r) / NM * 30.0).clamp(-45.0, 45.0)
        };
        norm360(self.course + self.side * rel)
    }
}

/// One aircraft being flown through its plan.
#[derive(Debug, Clone)]
pub struct Flight {
    /// Kinematic state.
    pub kin: Kin,
    /// Index of the phase being flown (== phases.len() when the plan is done).
    pub phase: usize,
    active: Option<Active>,
    phase_start: f64,
    /// Ground elevation (pressure altitude, feet) where the aircraft stands when on the ground.
    ground_elev: f64,
    /// True once the plan is done and the aircraft should vanish.
    pub vanished: bool,
    /// Time (seconds after start) the last intercept joined its target.
    pub joined_at: Option<f64>,
    /// The integration step, seconds.
    dt: f64,
}

/// Pressure altitude of a runway or surface elevation given in feet above sea level.
fn elev_baro(atm: &Atmosphere, elevation_ft: f64) -> f64 {
    atm.baro_ft(elevation_ft)
}

impl Flight {
    /// Places an aircraft at its appearance: on its first runway or stand, or in its initial state.
    pub fn new(spec: &AircraftSpec, atm: &Atmosphere) -> Flight {
        let (kin, ground_elev) = match (spec.phases.first(), spec.initial) {
            (Some(Phase::Takeoff { runway }), _) => {
                let e = elev_baro(atm, runway.elevation_ft);
                (
                    Kin {
                        pos: runway.threshold,
                        alt_ft: e,
                        gs_kt: 0.0,
                        track: runway.heading,
                        vrate_fpm: 0.0,
                        bank_deg: 0.0,
                        turn_rate: 0.0,
                        on_ground: true,
                    },
                    e,
                )
            }
            (Some(Phase::Park { at: Some(at), .. }), _) => {
                let elev_ft = picket_world::airports::nearest(at.lat, at.lon, 10_000.0)
                    .and_then(|a| a.elevation_ft)
                    .unwrap_or(0) as f64;
                let e = elev_baro(atm, elev_ft);
                (
                    Kin {
                        pos: *at,
                        alt_ft: e,
                        gs_kt: 0.0,
                        track: spec.initial.map_or(0.0, |i| i.track),
                        vrate_fpm: 0.0,
                        bank_deg: 0.0,
                        turn_rate: 0.0,
                        on_ground: true,
                    },
                    e,
                )
            }
            (Some(Phase::ShipLaunch { ship, .. }), _) => {
                let e = elev_baro(atm, ship.deck_ft);
                (
                    Kin {
                        pos: ship.position(spec.start_s),
                        alt_ft: e,
                        gs_kt: ship.speed_kt,
                        track: ship.course,
                        vrate_fpm: 0.0,
                        bank_deg: 0.0,
                        turn_rate: 0.0,
                        on_ground: true,
                    },
                    e,
                )
            }
            (_, Some(init)) => (
                Kin {
                    pos: init.position,
                    alt_ft: init.alt_ft,
                    gs_kt: init.speed_kt,
                    track: init.track,
                    vrate_fpm: 0.0,
                    bank_deg: 0.0,
                    turn_rate: 0.0,
                    on_ground: false,
                },
                0.0,
            ),
            // The parser guarantees a placement; an aircraft with none appears at 0,0 on the
            // ground rather than panicking.
            _ => (
                Kin {
                    pos: LatLon::new(0.0, 0.0),
                    alt_ft: 0.0,
                    gs_kt: 0.0,
                    track: 0.0,
                    vrate_fpm: 0.0,
                    bank_deg: 0.0,
                    turn_rate: 0.0,
                    on_ground: true,
                },
                0.0,
            ),
        };
        Flight {
            kin,
            phase: 0,
            active: None,
            phase_start: 0.0,
            ground_elev,
            vanished: false,
            joined_at: None,
            dt: 0.25,
        }
    }

    /// Advances the flight by `dt` seconds at time `t` (seconds after the scenario start);
    /// `others` holds every aircraft's state at the start of the step (None: not flying).
    pub fn step(&mut self, spec: &AircraftSpec, atm: &Atmosphere, t: f64, dt: f64, others: &[Option<Kin>]) {
        self.dt = dt;
        // A phase may finish at once (an altitude already reached): try a few in one step.
        for _ in 0..8 {
            if self.phase >= spec.phases.len() {
                break;
            }
            if self.active.is_none() {
                self.active = Some(self.begin(spec, atm, self.phase, t));
                self.phase_start = t;
            }
            match self.guide(spec, t, others) {
                Some(cmd) => {
                    integrate(&mut self.kin, &cmd, &spec.performance, dt);
                    return;
                }
                None => {
                    self.phase += 1;
                    self.active = None;
                }
            }
        }
        // The plan is done: keep flying straight and level, or stand still on the ground.
        if spec.vanish_when_done {
            self.vanished = true;
            return;
        }
        let cmd = if self.kin.on_ground {
            Cmd {
                track: self.kin.track,
                speed_kt: 0.0,
                vertical: Vertical::Ground(self.kin.alt_ft),
                bank_deg: None,
                ground_accel: None,
            }
        } else {
            Cmd {
                track: self.kin.track,
                speed_kt: self.kin.gs_kt,
                vertical: self.alt_cmd(&spec.performance, self.kin.alt_ft, None),
                bank_deg: None,
                ground_accel: None,
            }
        };
        integrate(&mut self.kin, &cmd, &spec.performance, dt);
    }

    fn alt_cmd(&self, perf: &Performance, target: f64, rate: Option<f64>) -> Vertical {
        Vertical::Alt {
            target,
            climb: rate.unwrap_or_else(|| perf.climb_fpm_at(self.kin.alt_ft)),
            descent: rate.unwrap_or(perf.descent_fpm),
            ff: 0.0,
        }
    }

    fn begin(&mut self, spec: &AircraftSpec, atm: &Atmosphere, index: usize, _t: f64) -> Active {
        let k = self.kin;
        let perf = &spec.performance;
        match &spec.phases[index] {
            Phase::Takeoff { runway } => Active::Takeoff {
                stage: TakeoffStage::LineUp,
                elev: elev_baro(atm, runway.elevation_ft),
            },
            Phase::Altitude { .. } => Active::Altitude { track: k.track },
            Phase::FlyTo { .. } => Active::FlyTo,
            Phase::Cruise { heading, .. } => Active::Cruise {
                heading: heading.unwrap_or(k.track),
            },
            Phase::Turn {
                heading,
                by_deg,
                direction,
                ..
            } => {
                let (target, remaining) = match (heading, by_deg, direction) {
                    (Some(h), _, Some(d)) => {
                        let by = (d.sign() * (h - k.track)).rem_euclid(360.0);
                        (*h, by)
                    }
                    (Some(h), _, None) => (*h, norm180(h - k.track).abs()),
                    (None, Some(by), Some(d)) => (norm360(k.track + d.sign() * by), *by),
                    _ => (k.track, 0.0),
                };
                let dir = direction.or(Some(if norm180(target - k.track) >= 0.0 {
                    TurnDirection::Right
                } else {
                    TurnDirection::Left
                }));
                Active::Turn {
                    target,
                    dir,
                    remaining,
                }
            }
            Phase::Orbit {
                centre,
                radius_nm,
                leg_nm,
                inbound_course,
                direction,
                speed_kt,
                ..
            } => {
                let v = speed_kt.unwrap_or(k.gs_kt);
                let side = direction.sign();
                let r = (radius_nm * NM).max(minimum_turn_radius_m(perf, v, perf.bank_deg) * 1.1);
                let (c1, course) = if *leg_nm > 0.0 {
                    let fix = centre.unwrap_or(k.pos);
                    let course = inbound_course.unwrap_or_else(|| k.pos.bearing_to(fix));
                    (fix.destination(course + 90.0 * side, r), course)
                } else {
                    let c = centre.unwrap_or_else(|| k.pos.destination(k.track + 90.0 * side, r));
                    (c, 0.0)
                };
                Active::Orbit(Stadium {
                    frame: LocalFrame::new(c1),
                    course,
                    side,
                    radius_m: r,
                    leg_m: leg_nm * NM,
                })
            }
            Phase::Approach { runway } => {
                Active::Approach(Box::new(approach_plan(runway, atm, k.pos, k.alt_ft)))
            }
            Phase::Taxi { .. } => Active::Taxi { next: 0 },
            Phase::Park { .. } => Active::Park { stopped: false },
            Phase::Formation { .. } => Active::Formation,
            Phase::Intercept { .. } => Active::Intercept {
                joined: false,
                converting: false,
            },
            Phase::ShipRecovery { ship, .. } => Active::ShipRecovery {
                stage: RecoveryStage::Marshal,
                deck: elev_baro(atm, ship.deck_ft),
            },
            Phase::ShipLaunch { ship, .. } => Active::ShipLaunch {
                airborne: !k.on_ground,
                deck: elev_baro(atm, ship.deck_ft),
            },
        }
    }

    fn ended(&self, end: End, t: f64) -> bool {
        match end {
            End::Never => false,
            End::After(d) => t - self.phase_start >= d,
            End::At(at) => t >= at,
        }
    }

    /// Guidance for the active phase, or None when the phase is complete.
    fn guide(&mut self, spec: &AircraftSpec, t: f64, others: &[Option<Kin>]) -> Option<Cmd> {
        let k = self.kin;
        let perf = &spec.performance;
        let phase = &spec.phases[self.phase];
        let next_phase = spec.phases.get(self.phase + 1);
        let mut active = self.active.take()?;
        let cmd = match (&mut active, phase) {
            (Active::Takeoff { stage, elev }, Phase::Takeoff { runway }) => {
                let elev = *elev;
                self.ground_elev = elev;
                takeoff(&k, perf, runway, stage, elev)
            }
            (
                Active::Altitude { track },
                Phase::Altitude {
                    alt_ft,
                    rate_fpm,
                    speed_kt,
                },
            ) => {
                if (k.alt_ft - alt_ft).abs() < 30.0 {
                    None
                } else {
                    Some(Cmd {
                        track: *track,
                        speed_kt: speed_kt.unwrap_or_else(|| perf.schedule_kt(k.alt_ft)),
                        vertical: self.alt_cmd(perf, *alt_ft, *rate_fpm),
                        bank_deg: None,
                        ground_accel: None,
                    })
                }
            }
            (Active::FlyTo, Phase::FlyTo { to, alt_ft, speed_kt }) => {
                let dist = k.pos.distance_m(*to);
                let brg = k.pos.bearing_to(*to);
                let speed = speed_kt.unwrap_or_else(|| perf.schedule_kt(k.alt_ft));
                let r = minimum_turn_radius_m(perf, k.gs_kt, perf.bank_deg);
                let anticipation = match next_phase {
                    Some(Phase::FlyTo { to: next, .. }) => {
                        let change = norm180(to.bearing_to(*next) - brg).abs().min(150.0);
                        (r * (change.to_radians() / 2.0).tan()).min(10.0 * NM)
                    }
                    _ => 0.0,
                }
                .max(0.2 * NM);
                let passed = dist < 2.5 * r && norm180(brg - k.track).abs() > 90.0;
                if dist < anticipation || passed {
                    None
                } else {
                    Some(Cmd {
                        track: brg,
                        speed_kt: speed,
                        vertical: self.alt_cmd(perf, alt_ft.unwrap_or(k.alt_ft), None),
                        bank_deg: None,
                        ground_accel: None,
                    })
                }
            }
            (
                Active::Cruise { heading },
                Phase::Cruise {
                    alt_ft,
                    speed_kt,
                    end,
                    ..
                },
            ) => {
                if self.ended(*end, t) {
                    None
                } else {
                    Some(Cmd {
                        track: *heading,
                        speed_kt: speed_kt.unwrap_or(k.gs_kt),
                        vertical: self.alt_cmd(perf, alt_ft.unwrap_or(k.alt_ft), None),
                        bank_deg: None,
                        ground_accel: None,
                    })
                }
            }
            (
                Active::Turn {
                    target,
                    dir,
                    remaining,
                },
                Phase::Turn { bank_deg, .. },
            ) => {
                *remaining -= (k.turn_rate * self.dt).abs();
                if *remaining < 1.0 || norm180(*target - k.track).abs() < 1.0 && *remaining < 30.0 {
                    None
                } else {
                    // Far from the end of a turn the direction is forced (a 270° turn must not
                    // become a 90° turn the other way); near it, the track controller rolls out.
                    let track = if *remaining > 30.0 {
                        norm360(k.track + dir.map_or(1.0, |d| d.sign()) * 90.0)
                    } else {
                        *target
                    };
                    Some(Cmd {
                        track,
                        speed_kt: k.gs_kt,
                        vertical: self.alt_cmd(perf, k.alt_ft, None),
                        bank_deg: *bank_deg,
                        ground_accel: None,
                    })
                }
            }
            (
                Active::Orbit(stadium),
                Phase::Orbit {
                    alt_ft,
                    speed_kt,
                    end,
                    ..
                },
            ) => {
                if self.ended(*end, t) {
                    None
                } else {
                    Some(Cmd {
                        track: stadium.track(k.pos),
                        speed_kt: speed_kt.unwrap_or(k.gs_kt),
                        vertical: self.alt_cmd(perf, alt_ft.unwrap_or(k.alt_ft), None),
                        bank_deg: None,
                        ground_accel: None,
                    })
                }
            }
            (Active::Approach(state), Phase::Approach { runway }) => {
                self.ground_elev = state.elev;
                approach(&k, perf, runway, state)
            }
            (Active::Taxi { next }, Phase::Taxi { path, speed_kt }) => {
                taxi(&k, path, next, *speed_kt, self.ground_elev)
            }
            (Active::Park { stopped }, Phase::Park { at, end }) => {
                if self.ended(*end, t) {
                    None
                } else if !k.on_ground {
                    // Parking in the air means nothing: the phase is skipped.
                    None
                } else {
                    let mut dummy = 0;
                    let moving = match (at, *stopped) {
                        (Some(p), false) => taxi(
                            &k,
                            std::slice::from_ref(p),
                            &mut dummy,
                            perf.taxi_kt,
                            self.ground_elev,
                        ),
                        _ => None,
                    };
                    Some(moving.unwrap_or_else(|| {
                        *stopped = true;
                        Cmd {
                            track: k.track,
                            speed_kt: 0.0,
                            vertical: Vertical::Ground(self.ground_elev),
                            bank_deg: None,
                            ground_accel: None,
                        }
                    }))
                }
            }
            (Active::Formation, Phase::Formation { leader, offset, end }) => {
                match others.get(*leader).copied().flatten() {
                    Some(l) if !self.ended(*end, t) && !l.on_ground => Some(formation(&k, perf, &l, offset)),
                    _ => None,
                }
            }
            (
                Active::Intercept { joined, converting },
                Phase::Intercept {
                    target,
                    offset,
                    speed_kt,
                    end,
                },
            ) => {
                match others.get(*target).copied().flatten() {
                    Some(l) if !l.on_ground => {
                        if *joined {
                            if self.ended(*end, t) {
                                None
                            } else {
                                Some(formation(&k, perf, &l, offset))
                            }
                        } else {
                            let slot = slot_of(&l, offset);
                            let dist = k.pos.distance_m(slot);
                            if dist < 0.5 * NM && (k.gs_kt - l.gs_kt).abs() < 40.0 {
                                *joined = true;
                                self.joined_at = Some(t);
                                // The formation's own clock starts at the join.
                                self.phase_start = t;
                                Some(formation(&k, perf, &l, offset))
                            } else {
                                Some(pursue(&k, perf, &l, offset, *speed_kt, converting))
                            }
                        }
                    }
                    _ => None,
                }
            }
            (Active::ShipRecovery { stage, deck }, Phase::ShipRecovery { ship, end }) => {
                let deck = *deck;
                self.ground_elev = deck;
                if *stage == RecoveryStage::Deck && self.ended(*end, t) {
                    None
                } else {
                    Some(ship_recovery(&k, perf, ship, stage, deck, t))
                }
            }
            (Active::ShipLaunch { airborne, deck }, Phase::ShipLaunch { ship, end }) => {
                let deck = *deck;
                self.ground_elev = deck;
                if k.on_ground && *end != End::Never && !self.ended(*end, t) {
                    // Waiting on the deck, carried by the ship.
                    Some(Cmd {
                        track: ship.course,
                        speed_kt: ship.speed_kt,
                        vertical: Vertical::Ground(deck),
                        bank_deg: None,
                        ground_accel: Some(5.0),
                    })
                } else {
                    ship_launch(&k, perf, ship, airborne, deck)
                }
            }
            _ => None,
        };
        if cmd.is_some() {
            self.active = Some(active);
        }
        cmd
    }
}

/// Glide path to a ship's deck, degrees (carrier approaches fly 3.5).
const SHIP_GLIDE_DEG: f64 = 3.5;
/// Start of the final approach astern of the ship, nautical miles.
const SHIP_FINAL_NM: f64 = 6.0;
/// Height of the final approach's start above the deck, feet.
const SHIP_FINAL_FT: f64 = 1_200.0;
/// Approach ground speed to the deck, knots.
const SHIP_APPROACH_KT: f64 = 135.0;
/// Distance from the ship's reference point at which the hook catches, metres.
const SHIP_TRAP_M: f64 = 100.0;

fn ship_recovery(
    k: &Kin,
    perf: &Performance,
    ship: &Ship,
    stage: &mut RecoveryStage,
    deck: f64,
    t: f64,
) -> Cmd {
    let s = ship.position(t);
    if *stage == RecoveryStage::Marshal {
        let start = s.destination(ship.course + 180.0, SHIP_FINAL_NM * NM);
        if k.pos.distance_m(start) > NM {
            return Cmd {
                track: k.pos.bearing_to(start),
                speed_kt: perf.schedule_kt(k.alt_ft).min(250.0),
                vertical: Vertical::Alt {
                    target: deck + SHIP_FINAL_FT,
                    climb: perf.climb_fpm,
                    descent: perf.descent_fpm,
                    ff: 0.0,
                },
                bank_deg: None,
                ground_accel: None,
            };
        }
        *stage = RecoveryStage::Final;
    }
    if *stage == RecoveryStage::Final && k.pos.distance_m(s) <= SHIP_TRAP_M {
        *stage = RecoveryStage::Deck;
    }
    if *stage == RecoveryStage::Deck {
        // Arrested: from approach speed to the ship's in about two seconds, then carried.
        return Cmd {
            track: ship.course,
            speed_kt: ship.speed_kt,
            vertical: Vertical::Ground(deck),
            bank_deg: None,
            ground_accel: Some(60.0),
        };
    }
    let dist = k.pos.distance_m(s);
    // Lead the ship: aim where it will be on arrival.
    let closure = (k.gs_kt - ship.speed_kt).max(30.0);
    let aim = ship.position(t + dist / (closure * KT));
    let slope = SHIP_GLIDE_DEG.to_radians().tan();
    let glide = deck + dist * slope / FT;
    Cmd {
        track: k.pos.bearing_to(aim),
        speed_kt: SHIP_APPROACH_KT,
        vertical: Vertical::Alt {
            target: glide.min(deck + SHIP_FINAL_FT),
            climb: perf.climb_fpm,
            descent: 2_000.0,
            ff: -closure * KT / FT * 60.0 * slope,
        },
        bank_deg: None,
        ground_accel: None,
    }
}

fn ship_launch(k: &Kin, perf: &Performance, ship: &Ship, airborne: &mut bool, deck: f64) -> Option<Cmd> {
    if !*airborne {
        if k.gs_kt >= perf.vr_kt {
            *airborne = true;
        } else {
            // The catapult: to flying speed in about two seconds along the ship's course.
            return Some(Cmd {
                track: ship.course,
                speed_kt: perf.vr_kt + 20.0,
                vertical: Vertical::Ground(deck),
                bank_deg: None,
                ground_accel: Some(60.0),
            });
        }
    }
    if k.alt_ft >= deck + 1500.0 {
        return None;
    }
    Some(Cmd {
        track: ship.course,
        speed_kt: perf.schedule_kt(k.alt_ft).max(perf.vr_kt + 20.0),
        vertical: Vertical::Alt {
            target: deck + 1600.0,
            climb: perf.climb_fpm,
            descent: perf.descent_fpm,
            ff: perf.climb_fpm,
        },
        bank_deg: None,
        ground_accel: None,
    })
}

fn takeoff(k: &Kin, perf: &Performance, rw: &RunwayRef, stage: &mut TakeoffStage, elev: f64) -> Option<Cmd> {
    let ground = |track: f64, speed: f64, accel: Option<f64>| Cmd {
        track,
        speed_kt: speed,
        vertical: Vertical::Ground(elev),
        bank_deg: None,
        ground_accel: accel,
    };
    if *stage == TakeoffStage::LineUp {
        let d = k.pos.distance_m(rw.threshold);
        if d > 40.0 {
            let brg = k.pos.bearing_to(rw.threshold);
            let speed = if d < 150.0 { 5.0 } else { perf.taxi_kt };
            return Some(ground(brg, speed, Some(1.5)));
        }
        if norm180(rw.heading - k.track).abs() > 2.0 {
            return Some(ground(rw.heading, 3.0, Some(1.5)));
        }
        *stage = TakeoffStage::Roll;
    }
    let xt = cross_track_m(k.pos, rw.threshold, rw.heading);
    if *stage == TakeoffStage::Roll {
        if k.gs_kt >= perf.vr_kt {
            *stage = TakeoffStage::Climb;
        } else {
            let track = rw.heading - (xt * 0.2).clamp(-5.0, 5.0);
            return Some(ground(track, perf.vr_kt + 20.0, Some(perf.ground_accel_kt_s)));
        }
    }
    if k.alt_ft >= elev + 1500.0 {
        return None;
    }
    Some(Cmd {
        track: rw.heading - (xt / NM * 30.0).clamp(-20.0, 20.0),
        speed_kt: perf.schedule_kt(k.alt_ft).max(perf.vr_kt + 20.0),
        vertical: Vertical::Alt {
            target: elev + 1600.0,
            climb: perf.climb_fpm,
            descent: perf.descent_fpm,
            ff: perf.climb_fpm,
        },
        bank_deg: None,
        ground_accel: None,
    })
}

/// Glide path angle, degrees.
const GLIDE_DEG: f64 = 3.0;
/// Height of the intermediate fix above the runway, feet.
const IF_HEIGHT_FT: f64 = 3000.0;
/// Distance of the intermediate fix from the threshold, nautical miles.
const IF_DIST_NM: f64 = 10.0;

fn approach_plan(rw: &RunwayRef, atm: &Atmosphere, pos: LatLon, alt_ft: f64) -> ApproachState {
    let h = rw.heading;
    let t = rw.threshold;
    let along = along_track_m(pos, t, h) / NM;
    let xt = cross_track_m(pos, t, h) / NM;
    let side = if xt >= 0.0 { 1.0 } else { -1.0 };
    let if_fix = t.destination(h + 180.0, IF_DIST_NM * NM);
    let base = t
        .destination(h + 180.0, 15.0 * NM)
        .destination(h + 90.0 * side, 5.0 * NM);
    let downwind = t.destination(h + 90.0 * side, 6.0 * NM);
    let mut fixes = Vec::new();
    if along < -(IF_DIST_NM + 4.0) && xt.abs() < along.abs() * 35f64.to_radians().tan() {
        fixes.push(if_fix);
    } else if along < -(IF_DIST_NM + 4.0) {
        fixes.push(base);
        fixes.push(if_fix);
    } else {
        if along > -2.0 {
            fixes.push(downwind);
        }
        fixes.push(base);
        fixes.push(if_fix);
    }
    ApproachState {
        fixes,
        next: 0,
        stage: ApproachStage::Enroute,
        level_alt: alt_ft,
        elev: atm.baro_ft(rw.elevation_ft),
    }
}

fn approach(k: &Kin, perf: &Performance, rw: &RunwayRef, s: &mut ApproachState) -> Option<Cmd> {
    let h = rw.heading;
    let to_threshold_nm = -along_track_m(k.pos, rw.threshold, h) / NM;
    let elev = s.elev;
    if s.stage == ApproachStage::Enroute {
        let r = minimum_turn_radius_m(perf, k.gs_kt, perf.bank_deg);
        while s.next < s.fixes.len() {
            let fix = s.fixes[s.next];
            let dist = k.pos.distance_m(fix);
            let brg = k.pos.bearing_to(fix);
            let out = s.fixes.get(s.next + 1).map_or(h, |n| fix.bearing_to(*n));
            let change = norm180(out - brg).abs().min(150.0);
            let anticipation = (r * (change.to_radians() / 2.0).tan()).clamp(0.3 * NM, 6.0 * NM);
            let passed = dist < 2.5 * r && norm180(brg - k.track).abs() > 90.0;
            if dist < anticipation || passed {
                s.next += 1;
            } else {
                break;
            }
        }
        if s.next >= s.fixes.len() {
            s.stage = ApproachStage::Final;
        }
    }
    match s.stage {
        ApproachStage::Enroute => {
            let fix = s.fixes[s.next];
            let mut remaining = k.pos.distance_m(fix);
            for w in s.fixes[s.next..].windows(2) {
                remaining += w[0].distance_m(w[1]);
            }
            let remaining_nm = remaining / NM;
            // Descent profile: 300 ft per nm to the intermediate fix, 3 nm to spare.
            let profile = elev + IF_HEIGHT_FT + (remaining_nm - 3.0).max(0.0) * 300.0;
            let target = profile.min(s.level_alt.max(elev + IF_HEIGHT_FT));
            let ff = if target < k.alt_ft - 300.0 {
                -300.0 * k.gs_kt / 60.0
            } else {
                0.0
            };
            let total_nm = remaining_nm + IF_DIST_NM;
            let speed = approach_speed(perf, k.alt_ft, total_nm);
            Some(Cmd {
                track: k.pos.bearing_to(fix),
                speed_kt: speed,
                vertical: Vertical::Alt {
                    target,
                    climb: perf.climb_fpm_at(k.alt_ft),
                    descent: perf.descent_fpm * 1.4,
                    ff,
                },
                bank_deg: None,
                ground_accel: None,
            })
        }
        ApproachStage::Final => {
            let xt = cross_track_m(k.pos, rw.threshold, h);
            let track = h - (xt / NM * 45.0).clamp(-40.0, 40.0);
            let height = k.alt_ft - elev;
            if k.alt_ft <= elev + 0.5 && to_threshold_nm < 1.0 {
                s.stage = ApproachStage::Rollout;
            } else {
                let d_ft = to_threshold_nm.max(0.0) * NM / FT;
                let gs_alt = elev + 50.0 + d_ft * GLIDE_DEG.to_radians().tan();
                let hold = elev + IF_HEIGHT_FT;
                let vertical = if height < 40.0 && to_threshold_nm < 1.0 {
                    // Flare: arrest the descent to a firm but gentle touchdown.
                    Vertical::Alt {
                        target: elev - 30.0,
                        climb: 0.0,
                        descent: 250.0,
                        ff: 0.0,
                    }
                } else if k.alt_ft > gs_alt - 30.0 {
                    Vertical::Alt {
                        target: gs_alt,
                        climb: 500.0,
                        descent: 2000.0,
                        ff: -k.gs_kt * 101.27 * GLIDE_DEG.to_radians().tan(),
                    }
                } else {
                    Vertical::Alt {
                        target: hold.min(gs_alt),
                        climb: 1000.0,
                        descent: 1500.0,
                        ff: 0.0,
                    }
                };
                let speed = if to_threshold_nm < 6.0 {
                    perf.v_app_kt
                } else {
                    approach_speed(perf, k.alt_ft, to_threshold_nm)
                        .min(180.0)
                        .max(perf.v_app_kt)
                };
                if k.alt_ft <= elev + 0.5 {
                    s.stage = ApproachStage::Rollout;
                } else {
                    return Some(Cmd {
                        track,
                        speed_kt: speed,
                        vertical,
                        bank_deg: None,
                        ground_accel: None,
                    });
                }
            }
            rollout(k, perf, rw, elev)
        }
        ApproachStage::Rollout => rollout(k, perf, rw, elev),
    }
}

fn rollout(k: &Kin, perf: &Performance, rw: &RunwayRef, elev: f64) -> Option<Cmd> {
    if k.gs_kt <= 25.0 {
        return None;
    }
    let xt = cross_track_m(k.pos, rw.threshold, rw.heading);
    Some(Cmd {
        track: rw.heading - (xt * 0.2).clamp(-5.0, 5.0),
        speed_kt: 20.0,
        vertical: Vertical::Ground(elev),
        bank_deg: None,
        ground_accel: Some(perf.brake_kt_s),
    })
}

fn approach_speed(perf: &Performance, alt_ft: f64, to_go_nm: f64) -> f64 {
    let s = perf.schedule_kt(alt_ft);
    let s = if to_go_nm < 30.0 { s.min(210.0) } else { s };
    s.min(perf.cruise_kt)
}

fn taxi(k: &Kin, path: &[LatLon], next: &mut usize, speed_kt: f64, elev: f64) -> Option<Cmd> {
    while *next < path.len() {
        let d = k.pos.distance_m(path[*next]);
        let last = *next + 1 == path.len();
        if (last && d < 5.0) || (!last && d < 15.0) {
            *next += 1;
        } else {
            break;
        }
    }
    let target = *path.get(*next)?;
    let d = k.pos.distance_m(target);
    let last = *next + 1 == path.len();
    let speed = if last {
        speed_kt.min(d * 0.1 + 1.0)
    } else {
        speed_kt
    };
    Some(Cmd {
        track: k.pos.bearing_to(target),
        speed_kt: speed,
        vertical: Vertical::Ground(elev),
        bank_deg: None,
        ground_accel: Some(1.5),
    })
}

/// Where a follower should be: behind and beside the leader along its track.
pub(crate) fn slot_of(l: &Kin, offset: &Offset) -> LatLon {
    let mut p = l.pos;
    if offset.behind_nm != 0.0 {
        p = p.destination(l.track + 180.0, offset.behind_nm * NM);
    }
    if offset.right_nm != 0.0 {
        p = p.destination(l.track + 90.0, offset.right_nm * NM);
    }
    p
}

/// The leader's state `secs` ahead if it keeps its turn rate, speed and vertical rate.
fn predict(l: &Kin, secs: f64) -> Kin {
    let mut p = *l;
    let n = 5;
    let dt = secs / n as f64;
    for _ in 0..n {
        p.track = norm360(p.track + l.turn_rate * dt / 2.0);
        p.pos = p.pos.destination(p.track, l.gs_kt * KT * dt);
        p.track = norm360(p.track + l.turn_rate * dt / 2.0);
    }
    p.alt_ft += l.vrate_fpm * secs / 60.0;
    p
}

/// Formation keeping: fly the velocity that puts the aircraft in its slot as the slot will be
/// a few seconds from now, so a wingman follows the leader's turns instead of lagging them.
fn formation(k: &Kin, perf: &Performance, l: &Kin, offset: &Offset) -> Cmd {
    const AHEAD_S: f64 = 15.0;
    let future = slot_of(&predict(l, AHEAD_S), offset);
    let dist = k.pos.distance_m(future);
    let speed = dist / AHEAD_S / KT;
    let track = if dist > 1.0 {
        k.pos.bearing_to(future)
    } else {
        l.track
    };
    Cmd {
        track,
        speed_kt: speed.clamp(perf.v_app_kt, perf.max_kt.max(l.gs_kt + 30.0)),
        vertical: Vertical::Alt {
            target: l.alt_ft + offset.above_ft,
            climb: perf.climb_fpm,
            descent: perf.descent_fpm,
            ff: l.vrate_fpm,
        },
        bank_deg: None,
        ground_accel: None,
    }
}

/// Intercept guidance: a collision course to an entry point beside and behind the target, then
/// a stern conversion into the closing run that ends in the formation slot.
fn pursue(
    k: &Kin,
    perf: &Performance,
    l: &Kin,
    offset: &Offset,
    speed: Option<f64>,
    converting: &mut bool,
) -> Cmd {
    let slot = slot_of(l, offset);
    let fast = speed.unwrap_or(perf.max_kt * 0.9);
    let rel = norm180(slot.bearing_to(k.pos) - l.track);
    let dist = k.pos.distance_m(slot);
    if *converting || rel.abs() > 120.0 || dist < 3.0 * NM {
        *converting = true;
        return formation(k, perf, l, offset);
    }
    let r = minimum_turn_radius_m(perf, fast, perf.bank_deg);
    let side = if rel >= 0.0 { 1.0 } else { -1.0 };
    let entry = slot
        .destination(l.track + 180.0, 2.0 * NM)
        .destination(l.track + 90.0 * side, 2.0 * r);
    if k.pos.distance_m(entry) < 1.5 * NM {
        *converting = true;
        return formation(k, perf, l, offset);
    }
    // Collision course: aim where the entry point will be when we get there, solving
    // |d + v·τ| = s·τ for the time τ (d: entry point relative to us, v: its velocity, s: our speed).
    let frame = LocalFrame::new(k.pos);
    let (dx, dy) = frame.to_xy(entry);
    let v = l.gs_kt * KT;
    let (vx, vy) = (v * l.track.to_radians().sin(), v * l.track.to_radians().cos());
    let s = fast * KT;
    let a = vx * vx + vy * vy - s * s;
    let b = dx * vx + dy * vy;
    let c = dx * dx + dy * dy;
    let disc = b * b - a * c;
    let tau = if a < -1e-9 && disc >= 0.0 {
        ((-b - disc.sqrt()) / a).clamp(0.0, 7200.0)
    } else {
        0.0
    };
    let aim = entry.destination(l.track, v * tau);
    Cmd {
        track: k.pos.bearing_to(aim),
        speed_kt: fast,
        vertical: Vertical::Alt {
            target: l.alt_ft + offset.above_ft,
            climb: perf.climb_fpm,
            descent: perf.descent_fpm,
            ff: 0.0,
        },
        bank_deg: None,
        ground_accel: None,
    }
}
