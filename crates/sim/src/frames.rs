//! Frames: what each transponder transmits, second by second, and what each receiver hears.
//!
//! Transmissions follow DO-260B's nominal rates: airborne position and velocity twice a
//! second each (position parity alternating even/odd), identification every 5 s, operational
//! status about every 2.5 s and target state about every 1.25 s for versions 1 and 2, the
//! emergency/priority status every second during an emergency, surface positions twice a second
//! when moving and every 5 s when stopped; Mode S transponders add one DF11 acquisition squitter
//! a second and answer interrogations (DF4/5/20/21) at a random rate per aircraft, with the
//! Comm-B registers 2,0, 4,0, 5,0 and 6,0 filled from the true state.
//!
//! Everything random in second `s` of aircraft `a` is drawn from a generator keyed by
//! (seed, address, s), so a window of a scenario gives exactly the frames the whole run gives
//! for those seconds, and the same seed gives byte-identical output.
//!
//! Each receiver hears a transmission when it is within its range and radio line of sight,
//! loses it with a probability growing with the square of the distance, flips bits at its
//! bit-error rate, and stamps it with the time of arrival (propagation included) on its own
//! 12 MHz clock (offset, drift, jitter) and a signal level falling 20 dB per decade of range.

use picket_modes::adsb::{
    AirbornePosition, AirborneVelocity, AircraftStatus, Category as AdsbCategory, CategorySet,
    EmergencyState, EmergencyStatus, GroundVelocity, HeightDifference, Identification, Me, Movement,
    OperationalStatus, OperationalStatusKind, SelectedAltitudeSource, SurfacePosition, SurveillanceStatus,
    TargetDataSource, TargetMode, TargetState, TargetStateV1, TargetStateV2, Velocity, VerticalRate,
    VerticalRateSource,
};
use picket_modes::commb::{
    AircraftIdentification, HeadingAndSpeed, McpModes, SelectedVerticalIntention, TargetAltitudeSource,
    TrackAndTurn,
};
use picket_modes::cpr::{encode_airborne, encode_surface, CprParity, LatLon as CprLatLon};
use picket_modes::message::{ControlField, Df18Body, FlightStatus, ReplyHeader};
use picket_modes::{Altitude, Callsign, Frame, Icao, Message};
use picket_receive::{Clock, Received, What};
use picket_world::geo::LatLon;

use crate::geo::{ellipsoid_slant_m, slant_m, C, FT, KT, NM};
use crate::rng::Rng;
use crate::scenario::{emergency_code, AircraftSpec, ReceiverSpec, Transponder, TransponderState};
use crate::sim::Simulation;
use crate::truth::hears;
use crate::world::{TruthState, World};

/// One frame as one receiver heard it.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    /// What the receiver outputs: UTC time of arrival, its clock, signal level, receiver index
    /// and the frame (bit errors included).
    pub received: Received,
    /// Index of the transmitting aircraft in the simulation's aircraft list.
    pub aircraft: usize,
    /// ICAO address of the transmitting aircraft.
    pub address: u32,
    /// Transmission time, seconds after the scenario start.
    pub sent_s: f64,
    /// Bits flipped by the receiver's bit errors.
    pub bit_errors: u32,
}

/// Per-aircraft constants of the transmission schedule, drawn once from the seed.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    position_phase: f64,
    velocity_phase: f64,
    df11_phase: f64,
    /// Offset (0-4) of the 5-second cycles (identification, status, target state).
    cycle: i64,
    /// Interrogation replies per second.
    reply_rate: f64,
}

impl Schedule {
    fn new(seed: u64, address: u32) -> Schedule {
        let mut r = Rng::keyed(&[seed, u64::from(address), 0x5C4E_D01E]);
        Schedule {
            position_phase: r.range(0.05, 0.45),
            velocity_phase: r.range(0.05, 0.45),
            df11_phase: r.range(0.15, 0.85),
            cycle: r.below(5) as i64,
            reply_rate: r.range(0.2, 1.5),
        }
    }
}

/// The frames every receiver hears over a simulation's window, in time-of-arrival order.
#[derive(Debug)]
pub struct Frames {
    world: World,
    aircraft: Vec<AircraftSpec>,
    receivers: Vec<ReceiverSpec>,
    schedules: Vec<Schedule>,
    seed: u64,
    start_s: f64,
    qnh_hpa: f64,
    next_second: i64,
    end_second: i64,
    from_s: f64,
    to_s: f64,
    pending: Vec<Heard>,
    ready: std::collections::VecDeque<Heard>,
}

impl Frames {
    /// The frames of a simulation's window.
    pub fn new(sim: &Simulation) -> Frames {
        let (from_s, to_s) = sim.window_s();
        let aircraft = sim.aircraft().to_vec();
        let schedules = aircraft
            .iter()
            .map(|a| Schedule::new(sim.seed(), a.address))
            .collect();
        Frames {
            world: sim.world(),
            aircraft,
            receivers: sim.scenario().receivers.clone(),
            schedules,
            seed: sim.seed(),
            start_s: sim.scenario().start as f64 / 1e9,
            qnh_hpa: sim.scenario().atmosphere.qnh_hpa,
            next_second: from_s.floor() as i64,
            end_second: to_s.ceil() as i64,
            from_s,
            to_s,
            pending: Vec::new(),
            ready: std::collections::VecDeque::new(),
        }
    }

    fn generate_second(&mut self, s: i64) {
        while self.world.time() < s as f64 {
            self.world.step();
        }
        let mut tx: Vec<Transmission> = Vec::new();
        for i in 0..self.aircraft.len() {
            let Some(st) = self.world.truth(i) else { continue };
            tx.clear();
            transmissions(
                &self.aircraft[i],
                &st,
                &self.schedules[i],
                self.seed,
                s,
                self.qnh_hpa,
                &mut tx,
            );
            serialise(&mut tx);
            let mut rng = Rng::keyed(&[self.seed, u64::from(st.address), s as u64, 0x4EC3_17E5]);
            for t in &tx {
                let sent_s = s as f64 + t.offset;
                if sent_s < self.from_s || sent_s >= self.to_s {
                    continue;
                }
                for (ri, r) in self.receivers.iter().enumerate() {
                    if let Some(h) = receive(r, ri, t, i, st.address, sent_s, self.start_s, &mut rng) {
                        self.pending.push(h);
                    }
                }
            }
        }
        // Everything that arrives before this second's first transmission can no longer be
        // preceded by a later one: release it in arrival order.
        let horizon = self.start_s + s as f64;
        self.pending.sort_by(|a, b| {
            a.received
                .time_utc
                .total_cmp(&b.received.time_utc)
                .then(a.received.receiver.cmp(&b.received.receiver))
                .then(a.address.cmp(&b.address))
        });
        let split = self.pending.partition_point(|h| h.received.time_utc < horizon);
        self.ready.extend(self.pending.drain(..split));
    }
}

impl Iterator for Frames {
    type Item = Heard;

    fn next(&mut self) -> Option<Heard> {
        loop {
            if let Some(h) = self.ready.pop_front() {
                return Some(h);
            }
            if self.next_second > self.end_second {
                return None;
            }
            if self.next_second == self.end_second {
                // The last second has been generated: release the tail.
                self.ready.extend(self.pending.drain(..));
                self.next_second += 1;
                continue;
            }
            let s = self.next_second;
            self.generate_second(s);
            self.next_second += 1;
        }
    }
}

/// One transmission: when (seconds into the second), what, and from where.
#[derive(Debug, Clone, Copy)]
struct Transmission {
    offset: f64,
    frame: Frame,
    position: LatLon,
    alt_geom_ft: f64,
}

/// A transponder sends one thing at a time: transmissions that would overlap are delayed until
/// the previous one is over (plus a short guard), as a busy transponder defers its squitters.
fn serialise(tx: &mut [Transmission]) {
    const GUARD_S: f64 = 20e-6;
    tx.sort_by(|a, b| a.offset.total_cmp(&b.offset));
    let mut free_at = f64::NEG_INFINITY;
    for t in tx.iter_mut() {
        if t.offset < free_at {
            t.offset = free_at;
        }
        free_at = t.offset + (8 + t.frame.len_bits()) as f64 * 1e-6 + GUARD_S;
    }
}

/// Position and altitudes `dt` seconds after a true state, following its track and turn.
fn extrapolate(st: &TruthState, dt: f64) -> (LatLon, f64, f64) {
    let track = st.track_deg + st.turn_rate_deg_s * dt / 2.0;
    let p = if st.gs_kt > 0.0 {
        st.position.destination(track, st.gs_kt * KT * dt)
    } else {
        st.position
    };
    let dv = if st.on_ground {
        0.0
    } else {
        st.baro_rate_fpm * dt / 60.0
    };
    (p, st.alt_baro_ft + dv, st.alt_geom_ft + dv)
}

/// [`extrapolate`] for the tests.
#[cfg(test)]
pub(crate) fn tests_extrapolate(st: &TruthState, dt: f64) -> (LatLon, f64, f64) {
    extrapolate(st, dt)
}

/// Altitude as the transponder reports it: 25 ft steps up to 50,175 ft, 100 ft (Gillham) above.
fn coded_altitude(ft: f64) -> Altitude {
    let ft = ft.clamp(-1000.0, 126_700.0);
    if ft < 50_175.0 {
        Altitude::Feet25((ft / 25.0).round() as i32 * 25)
    } else {
        Altitude::Feet100((ft / 100.0).round() as i32 * 100)
    }
}

/// Indicated airspeed (kt) and Mach number of a true airspeed at a pressure altitude (ISA).
pub fn airspeeds(tas_kt: f64, alt_ft: f64) -> (f64, f64) {
    const A0_KT: f64 = 661.4786;
    let t = (288.15 - 0.001_981_2 * alt_ft).max(216.65);
    let mach = tas_kt / (A0_KT * (t / 288.15).sqrt());
    let delta = if alt_ft <= 36_089.0 {
        (t / 288.15).powf(5.255_88)
    } else {
        0.223_361 * (-(alt_ft - 36_089.0) / 20_806.0).exp()
    };
    let qc = delta * ((1.0 + 0.2 * mach * mach).powf(3.5) - 1.0);
    let cas = A0_KT * (5.0 * ((qc + 1.0).powf(2.0 / 7.0) - 1.0)).sqrt();
    (cas, mach)
}

/// The altitude the crew has selected, as far as the truth tells: the level being held, or
/// the next thousand feet in the direction of the climb or descent two minutes ahead.
fn selected_altitude_ft(st: &TruthState) -> f64 {
    if st.baro_rate_fpm.abs() < 300.0 {
        (st.alt_baro_ft / 100.0).round() * 100.0
    } else {
        ((st.alt_baro_ft + st.baro_rate_fpm * 2.0) / 1000.0)
            .round()
            .max(0.0)
            * 1000.0
    }
}

fn adsb_category(spec: &AircraftSpec) -> AdsbCategory {
    let set = match spec.category.set {
        b'A' => CategorySet::A,
        b'B' => CategorySet::B,
        b'C' => CategorySet::C,
        _ => CategorySet::D,
    };
    AdsbCategory {
        set,
        code: spec.category.code,
    }
}

fn emergency_state(st: &TruthState) -> EmergencyState {
    st.emergency.map_or(EmergencyState::None, |e| {
        EmergencyState::from_bits(emergency_code(e))
    })
}

/// Everything aircraft `spec` transmits during second `s` (seconds after the start).
fn transmissions(
    spec: &AircraftSpec,
    st: &TruthState,
    sch: &Schedule,
    seed: u64,
    s: i64,
    qnh_hpa: f64,
    out: &mut Vec<Transmission>,
) {
    let TransponderState::On(mode) = st.transponder else {
        return;
    };
    let mut rng = Rng::keyed(&[seed, u64::from(st.address), s as u64, 0x7A45_3155]);
    let addr = Icao(st.address);
    let ca = if st.on_ground { 4 } else { 5 };
    let cycle = (s + sch.cycle).rem_euclid(10);
    let alert = st.squawk.is_emergency();
    let push = |offset: f64, message: Message, out: &mut Vec<Transmission>| {
        let offset = offset.clamp(0.0, 0.999_999);
        let (position, _, alt_geom_ft) = extrapolate(st, offset);
        out.push(Transmission {
            offset,
            frame: message.encode(addr),
            position,
            alt_geom_ft,
        });
    };
    let squitter = |me: Me| match mode {
        Transponder::NonTransponderDf18 => Message::NonTransponder {
            cf: ControlField::AdsbIcao,
            address: addr,
            body: Df18Body::Adsb(me),
        },
        _ => Message::ExtendedSquitter {
            capability: ca,
            address: addr,
            me,
        },
    };
    if let Some(version) = mode.adsb_version() {
        let nac_p = if version == 0 { 0 } else { 9 };
        let jitter = |r: &mut Rng| r.range(-0.05, 0.05);
        if !st.on_ground {
            for k in 0..2 {
                let off = sch.position_phase + 0.5 * k as f64 + jitter(&mut rng);
                let (p, alt_baro, _) = extrapolate(st, off);
                let me = Me::AirbornePosition(AirbornePosition {
                    type_code: 11,
                    surveillance_status: if alert {
                        SurveillanceStatus::PermanentAlert
                    } else {
                        SurveillanceStatus::NoCondition
                    },
                    nic_b: false,
                    altitude_code: AirbornePosition::altitude_code_for(coded_altitude(alt_baro)),
                    utc_sync: false,
                    cpr: encode_airborne(
                        CprLatLon {
                            lat: p.lat,
                            lon: p.lon,
                        },
                        CprParity::from_bit(k == 1),
                    ),
                });
                push(off, squitter(me), out);
            }
            for k in 0..2 {
                let off = sch.velocity_phase + 0.5 * k as f64 + jitter(&mut rng);
                let trk = (st.track_deg + st.turn_rate_deg_s * off).to_radians();
                let me = Me::AirborneVelocity(AirborneVelocity {
                    intent_change: false,
                    ifr_capability: version == 1,
                    nac_v: 1,
                    velocity: Velocity::Ground(GroundVelocity::from_components_kt(
                        st.gs_kt * trk.sin(),
                        st.gs_kt * trk.cos(),
                    )),
                    vertical_rate: VerticalRate::from_fpm(
                        VerticalRateSource::Barometric,
                        Some(st.baro_rate_fpm),
                    ),
                    reserved: 0,
                    height_difference: HeightDifference::from_ft(Some(st.alt_geom_ft - st.alt_baro_ft)),
                });
                push(off, squitter(me), out);
            }
            if version >= 1 && (cycle == 1 || cycle == 3 || cycle == 6 || cycle == 8) {
                let off = rng.range(0.0, 1.0);
                push(
                    off,
                    squitter(Me::OperationalStatus(operational_status(version, nac_p, false))),
                    out,
                );
            }
            if version >= 1 && cycle % 5 != 4 {
                let off = rng.range(0.0, 1.0);
                push(
                    off,
                    squitter(Me::TargetState(target_state(version, st, nac_p, qnh_hpa))),
                    out,
                );
            }
        } else {
            let moving = st.gs_kt >= 1.0;
            let positions = if moving { 2 } else { usize::from(cycle % 5 == 0) };
            for k in 0..positions {
                let off = sch.position_phase + 0.5 * k as f64 + jitter(&mut rng);
                let (p, _, _) = extrapolate(st, off);
                // The parity alternates from one report to the next, also at the low rate.
                let odd = if moving { k == 1 } else { cycle == 5 };
                let me = Me::SurfacePosition(SurfacePosition {
                    type_code: 7,
                    movement: Movement::from_kt(st.gs_kt),
                    track_valid: moving,
                    track_code: if moving {
                        SurfacePosition::track_code_for(st.track_deg)
                    } else {
                        0
                    },
                    utc_sync: false,
                    cpr: encode_surface(
                        CprLatLon {
                            lat: p.lat,
                            lon: p.lon,
                        },
                        CprParity::from_bit(odd),
                    ),
                });
                push(off, squitter(me), out);
            }
            if version >= 1 && (if moving { cycle % 5 == 2 } else { cycle == 7 }) {
                let off = rng.range(0.0, 1.0);
                push(
                    off,
                    squitter(Me::OperationalStatus(operational_status(version, nac_p, true))),
                    out,
                );
            }
        }
        let ident_due = if st.on_ground && st.gs_kt < 1.0 {
            cycle == 0
        } else {
            cycle % 5 == 0
        };
        if let (true, Some(cs)) = (ident_due, &st.callsign) {
            let off = rng.range(0.0, 1.0);
            push(
                off,
                squitter(Me::Identification(Identification::new(adsb_category(spec), cs))),
                out,
            );
        }
        if st.emergency.is_some() {
            let off = rng.range(0.0, 1.0);
            let status = AircraftStatus::Emergency(EmergencyStatus::new(emergency_state(st), st.squawk));
            push(off, squitter(Me::AircraftStatus(status)), out);
        }
    }
    if mode.replies() {
        let off = sch.df11_phase + rng.range(-0.15, 0.15);
        push(
            off,
            Message::AllCall {
                capability: ca,
                address: addr,
            },
            out,
        );
        // Replies to ground radars and ACAS: a Poisson process at the aircraft's rate.
        let mut t = rng.exponential(1.0 / sch.reply_rate);
        while t < 1.0 {
            let header = ReplyHeader {
                fs: FlightStatus(match (st.on_ground, alert) {
                    (false, false) => 0,
                    (true, false) => 1,
                    (false, true) => 2,
                    (true, true) => 3,
                }),
                dr: 0,
                um: 0,
            };
            let (_, alt_baro, _) = extrapolate(st, t);
            let altitude = coded_altitude(alt_baro);
            let kind = rng.below(100);
            let message = if kind < 35 {
                Message::AltitudeReply { header, altitude }
            } else if kind < 55 {
                Message::IdentityReply {
                    header,
                    squawk: st.squawk,
                }
            } else {
                let mb = comm_b(st, spec, qnh_hpa, &mut rng);
                if kind < 80 {
                    Message::CommBAltitude { header, altitude, mb }
                } else {
                    Message::CommBIdentity {
                        header,
                        squawk: st.squawk,
                        mb,
                    }
                }
            };
            push(t, message, out);
            t += rng.exponential(1.0 / sch.reply_rate);
        }
    }
}

fn operational_status(version: u8, nac_p: u8, surface: bool) -> OperationalStatus {
    OperationalStatus {
        kind: if surface {
            OperationalStatusKind::Surface
        } else {
            OperationalStatusKind::Airborne
        },
        // Airborne: ACAS operational (ME bit 11) and target state reports (ME bit 16).
        capability_class: if surface { 0 } else { (1 << 13) | (1 << 8) },
        operational_mode: 0,
        version,
        nic_supplement_a: false,
        nac_p,
        gva: if version >= 2 { 2 } else { 0 },
        sil: 3,
        nic_baro_or_track_heading: !surface,
        hrd: false,
        sil_supplement: false,
        reserved: false,
    }
}

fn target_state(version: u8, st: &TruthState, nac_p: u8, qnh_hpa: f64) -> TargetState {
    let selected = selected_altitude_ft(st);
    let level = st.baro_rate_fpm.abs() < 300.0;
    if version >= 2 {
        let baro = if st.alt_baro_ft > 18_000.0 {
            1013.25
        } else {
            qnh_hpa
        };
        TargetState::V2(TargetStateV2 {
            sil_supplement: false,
            altitude_source: SelectedAltitudeSource::ControlPanel,
            selected_altitude_code: TargetStateV2::selected_altitude_code_for(selected),
            baro_setting_code: TargetStateV2::baro_setting_code_for(baro),
            heading_available: true,
            heading_code: TargetStateV2::heading_code_for(st.track_deg),
            nac_p,
            nic_baro: true,
            sil: 3,
            modes_valid: true,
            autopilot: true,
            vnav: false,
            altitude_hold: level,
            adsr_flag: false,
            approach: false,
            acas_operational: true,
            lnav: true,
            reserved: 0,
        })
    } else {
        TargetState::V1(TargetStateV1 {
            vertical_source: TargetDataSource::ControlPanel,
            altitude_msl: false,
            backward_compatibility: false,
            altitude_capability: 1,
            vertical_mode: if level {
                TargetMode::CapturingOrMaintaining
            } else {
                TargetMode::Acquiring
            },
            altitude_code: ((selected + 1000.0) / 100.0).round().clamp(0.0, 1010.0) as u16,
            horizontal_source: TargetDataSource::ControlPanel,
            heading_deg: (st.track_deg.round() as u16) % 360,
            is_track: true,
            horizontal_mode: TargetMode::CapturingOrMaintaining,
            nac_p,
            nic_baro: true,
            sil: 3,
            reserved: 0,
            capability_modes: 0,
            emergency: emergency_state(st),
        })
    }
}

/// A Comm-B MB field holding one of the registers 2,0, 4,0, 5,0 or 6,0 for the true state.
fn comm_b(st: &TruthState, spec: &AircraftSpec, qnh_hpa: f64, rng: &mut Rng) -> u64 {
    let (ias, mach) = airspeeds(st.gs_kt, st.alt_baro_ft);
    match rng.below(4) {
        0 if spec.callsign.is_some() => AircraftIdentification {
            callsign: st.callsign.unwrap_or_else(|| Callsign::new("")),
        }
        .emit(),
        0 | 1 => {
            let selected = selected_altitude_ft(st).max(0.0) as u32;
            SelectedVerticalIntention {
                mcp_altitude_ft: Some(selected),
                fms_altitude_ft: Some(selected),
                baro_setting_hpa: Some(if st.alt_baro_ft > 18_000.0 {
                    1013.2
                } else {
                    qnh_hpa
                }),
                modes: Some(McpModes {
                    vnav: false,
                    altitude_hold: st.baro_rate_fpm.abs() < 300.0,
                    approach: false,
                }),
                target_source: Some(TargetAltitudeSource::McpFcu),
            }
            .emit()
        }
        2 => TrackAndTurn {
            roll_deg: Some(st.bank_deg),
            track_deg: Some(st.track_deg),
            groundspeed_kt: Some(st.gs_kt.round() as u16),
            track_rate_deg_s: Some(st.turn_rate_deg_s),
            tas_kt: Some(st.gs_kt.round() as u16),
        }
        .emit(),
        _ => HeadingAndSpeed {
            heading_deg: Some(st.track_deg),
            ias_kt: Some(ias.round() as u16),
            mach: Some(mach),
            baro_rate_fpm: Some(st.baro_rate_fpm.round() as i32),
            inertial_rate_fpm: Some(st.baro_rate_fpm.round() as i32),
        }
        .emit(),
    }
}

/// 12 MHz counter ticks per second.
const TICKS_PER_S: f64 = 12e6;

/// One receiver's reception of one transmission, or None when it does not hear it.
#[allow(clippy::too_many_arguments)]
fn receive(
    r: &ReceiverSpec,
    ri: usize,
    t: &Transmission,
    aircraft: usize,
    address: u32,
    sent_s: f64,
    start_unix_s: f64,
    rng: &mut Rng,
) -> Option<Heard> {
    // Draw every random number whether or not the frame is heard, so that one receiver's
    // outcome never shifts another's draws.
    let (u_loss, u_jitter, u_signal) = (rng.f64(), rng.normal(), rng.normal());
    let ber_seed = rng.next_u64();
    if !hears(r, t.position, t.alt_geom_ft) {
        return None;
    }
    let d_m = slant_m(r.position, r.alt_ft * FT, t.position, t.alt_geom_ft.max(0.0) * FT);
    let frac = (d_m / NM / r.range_nm).min(1.0);
    let p_loss = r.loss_near + (r.loss_at_range - r.loss_near) * frac * frac;
    if u_loss < p_loss {
        return None;
    }
    let mut frame = t.frame;
    let mut bit_errors = 0;
    if r.bit_error_rate > 0.0 {
        let mut brng = Rng::new(ber_seed);
        let mut bytes = [0u8; 14];
        let n = frame.len();
        bytes[..n].copy_from_slice(frame.as_bytes());
        // Skip from one error to the next with geometric gaps instead of a draw per bit.
        let ln_keep = (1.0 - r.bit_error_rate).ln();
        let mut bit = (brng.f64().max(1e-300).ln() / ln_keep).floor();
        while bit < (n * 8) as f64 {
            let b = bit as usize;
            bytes[b / 8] ^= 0x80 >> (b % 8);
            bit_errors += 1;
            bit += 1.0 + (brng.f64().max(1e-300).ln() / ln_keep).floor();
        }
        // A flipped format bit can change the length the receiver expects: that frame is lost.
        frame = Frame::new(&bytes[..n]).ok()?;
    }
    // The delay over the real (ellipsoidal) Earth, so that a multilaterating receiver network
    // solving on WGS-84 finds the true position.
    let path_m = ellipsoid_slant_m(r.position, r.alt_ft * FT, t.position, t.alt_geom_ft.max(0.0) * FT);
    let arrival_s = sent_s + path_m / C;
    let counter_s =
        r.clock.offset_s + arrival_s * (1.0 + r.clock.drift_ppm * 1e-6) + u_jitter * r.clock.jitter_ns * 1e-9;
    let ticks = (counter_s * TICKS_PER_S).round().max(0.0) as u64;
    let d_nm = (d_m / NM).max(0.05);
    let signal = (r.signal_at_1nm_dbfs - 20.0 * d_nm.log10() + 1.5 * u_signal).min(-0.5);
    Some(Heard {
        received: Received {
            time_utc: start_unix_s + arrival_s,
            clock: Clock::Ticks12Mhz(ticks & ((1 << 48) - 1)),
            // As a receiver reports it: one Beast signal byte (readsb and dump1090 give no
            // finer level), so a scenario run and its Beast file carry the same levels.
            signal: picket_receive::beast::rssi_of_signal_byte(picket_receive::beast::signal_byte(Some(
                signal as f32,
            ))),
            receiver: ri as u16,
            what: What::ModeS(frame),
        },
        aircraft,
        address,
        sent_s,
        bit_errors,
    })
}
