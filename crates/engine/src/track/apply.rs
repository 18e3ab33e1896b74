//! Applying one decoded message or observation to an aircraft's state.

use picket_modes::adsb::{AirborneVelocity, Velocity};
use picket_modes::adsb::{
    AircraftStatus, Me, NicSupplements, OperationalStatus, TargetDataSource, TargetState, VerticalRateSource,
};
use picket_modes::adsb::{CoarseTisbPosition, HeadingReference, SelectedAltitudeSource};
use picket_modes::commb::{self, Inference, Reference, Register};
use picket_modes::message::{Df18Body, Message};
use picket_modes::{Callsign, Squawk};
use picket_receive::{Emergency, Observation};

use super::aircraft::{
    Accuracy, Aircraft, CprFormat, CprReport, Field, FieldSet, GroundVector, NavModes, PositionSource,
};
use super::position::Outcome;
use super::{TrackerConfig, TrackerStats};
use picket_modes::adsb::EmergencyState;

/// Altitude changes up to this many feet are accepted at any rate: Gillham codes step by
/// 100 ft and the reports of one moment disagree by a step or two.
const ALTITUDE_FLOOR_FT: f64 = 300.0;

/// One update of one aircraft: the state, the settings, the counters and what changed.
pub(crate) struct Apply<'a> {
    pub(crate) a: &'a mut Aircraft,
    pub(crate) cfg: &'a TrackerConfig,
    pub(crate) stats: &'a mut TrackerStats,
    pub(crate) time: f64,
    /// Fields whose value changed.
    pub(crate) changed: FieldSet,
    /// Fields whose new value was refused by a check (speed, rate, confirmation).
    pub(crate) rejected: FieldSet,
    /// The values being applied come from a Comm-B register.
    commb: bool,
}

impl<'a> Apply<'a> {
    pub(crate) fn new(
        a: &'a mut Aircraft,
        cfg: &'a TrackerConfig,
        stats: &'a mut TrackerStats,
        time: f64,
    ) -> Self {
        Apply {
            a,
            cfg,
            stats,
            time,
            changed: FieldSet::EMPTY,
            rejected: FieldSet::EMPTY,
            commb: false,
        }
    }

    /// Sets one value if the frame is not older than it (and, for Comm-B, if no better
    /// source set it recently), noting whether it changed.
    #[inline]
    fn set<T: PartialEq>(
        &mut self,
        field: Field,
        slot: impl FnOnce(&mut Aircraft) -> &mut Option<T>,
        value: T,
    ) {
        if self.a.accept(field, self.time, self.commb, self.cfg.stale_s) {
            let s = slot(self.a);
            if s.as_ref() != Some(&value) {
                *s = Some(value);
                self.changed.insert(field);
            }
        }
    }

    /// Updates the accuracy group.
    fn accuracy(&mut self, update: impl FnOnce(&mut Accuracy)) {
        if self.a.accept(Field::Accuracy, self.time, false, 0.0) {
            let before = self.a.accuracy;
            update(&mut self.a.accuracy);
            if self.a.accuracy != before {
                self.changed.insert(Field::Accuracy);
            }
        }
    }

    /// A barometric altitude, checked against the vertical rate limit: a change faster than
    /// `max_vertical_rate_fpm` is held until a second frame confirms it.
    pub(crate) fn alt_baro(&mut self, ft: i32) {
        let a = &mut *self.a;
        let Some(last_time) = a.seen(Field::AltBaro) else {
            a.alt_pending = None;
            return self.set(Field::AltBaro, |a| &mut a.alt_baro, ft);
        };
        if self.time < last_time {
            return;
        }
        let rate = self.cfg.max_vertical_rate_fpm / 60.0;
        let fits =
            |from: i32, dt: f64| f64::from((ft - from).unsigned_abs()) <= ALTITUDE_FLOOR_FT + rate * dt;
        let plausible = match a.alt_baro {
            Some(prev) => fits(prev, self.time - last_time),
            None => true,
        };
        if !plausible {
            let confirmed = a
                .alt_pending
                .is_some_and(|(p, t)| self.time - t <= self.cfg.stale_s && fits(p, self.time - t));
            if !confirmed {
                a.alt_pending = Some((ft, self.time));
                self.stats.altitude_rejected += 1;
                self.rejected.insert(Field::AltBaro);
                return;
            }
        }
        a.alt_pending = None;
        self.set(Field::AltBaro, |a| &mut a.alt_baro, ft);
    }

    /// A squawk from a CRC-verified ADS-B message: taken as it is.
    fn squawk_verified(&mut self, squawk: Squawk) {
        self.a.squawk_pending = None;
        self.set(Field::Squawk, |a| &mut a.squawk, squawk);
    }

    /// A squawk from a surveillance reply (DF5/21): its parity only says the address is a
    /// known one, so a new code is held until a second reply repeats it.
    fn squawk_reply(&mut self, squawk: Squawk) {
        let a = &mut *self.a;
        let confirmed = a.squawk == Some(squawk)
            || a.squawk_pending
                .is_some_and(|(p, t)| p == squawk && self.time - t <= self.cfg.stale_s);
        if confirmed {
            self.squawk_verified(squawk);
        } else {
            a.squawk_pending = Some((squawk, self.time));
            self.stats.squawk_unconfirmed += 1;
            self.rejected.insert(Field::Squawk);
        }
    }

    /// On-ground from a reply's VS or FS: ADS-B positions say it better, so a reply only
    /// counts while the aircraft sends none.
    fn on_ground_reply(&mut self, on_ground: Option<bool>) {
        let Some(g) = on_ground else { return };
        let adsb_fresh = self
            .a
            .position
            .is_some_and(|p| self.time - p.time <= self.cfg.stale_s);
        if !adsb_fresh {
            self.set(Field::OnGround, |a| &mut a.on_ground, g);
        }
    }

    fn cpr(&mut self, report: CprReport) {
        match self.a.update_cpr(report, self.cfg, self.stats) {
            Outcome::Accepted => self.changed.insert(Field::Position),
            Outcome::Rejected => self.rejected.insert(Field::Position),
            Outcome::NoFix | Outcome::Outranked | Outcome::OutOfOrder => {}
        }
    }

    /// Ground speed and track of a velocity report (subtypes 1-2 with both components),
    /// computed once per distinct vector.
    fn ground_vector(&mut self, v: &AirborneVelocity) -> Option<GroundVector> {
        let Velocity::Ground(g) = &v.velocity else {
            return None;
        };
        let east_north = (g.east_kt()?, g.north_kt()?);
        let memo = &mut self.a.ground_vector;
        if memo.east_north != east_north {
            *memo = GroundVector {
                east_north,
                gs: g.ground_speed_kt()? as f32,
                track: g.track_deg().map_or(f32::NAN, |t| t as f32),
            };
        }
        Some(*memo)
    }

    fn nic_version(&self) -> (u8, NicSupplements) {
        let acc = &self.a.accuracy;
        (
            self.a.version.unwrap_or(0),
            NicSupplements {
                a: acc.nic_a,
                b: false,
                c: acc.nic_c,
            },
        )
    }

    /// Applies a decoded message (the address is already verified and routed).
    pub(crate) fn message(&mut self, message: &Message, source: PositionSource) {
        match message {
            Message::ShortAirAir(m) => {
                if let Some(ft) = m.altitude.feet() {
                    self.alt_baro(ft);
                }
                self.on_ground_reply(Some(m.on_ground));
            }
            Message::LongAirAir(m) => {
                if let Some(ft) = m.altitude.feet() {
                    self.alt_baro(ft);
                }
                self.on_ground_reply(Some(m.on_ground));
            }
            Message::AltitudeReply { header, altitude } => {
                if let Some(ft) = altitude.feet() {
                    self.alt_baro(ft);
                }
                self.on_ground_reply(header.fs.on_ground());
            }
            Message::IdentityReply { header, squawk } => {
                self.squawk_reply(*squawk);
                self.on_ground_reply(header.fs.on_ground());
            }
            Message::CommBAltitude { header, altitude, mb } => {
                let ft = altitude.feet();
                if let Some(ft) = ft {
                    self.alt_baro(ft);
                }
                self.on_ground_reply(header.fs.on_ground());
                self.comm_b(*mb, ft);
            }
            Message::CommBIdentity { header, squawk, mb } => {
                self.squawk_reply(*squawk);
                self.on_ground_reply(header.fs.on_ground());
                self.comm_b(*mb, None);
            }
            Message::AllCall { .. } => {}
            Message::ExtendedSquitter { me, .. } | Message::Military { me, .. } => self.me(me, source),
            Message::NonTransponder {
                body: Df18Body::Adsb(me),
                ..
            } => self.me(me, source),
            Message::NonTransponder {
                body: Df18Body::CoarseTisb(p),
                ..
            } => self.coarse_tisb(p, source),
            Message::NonTransponder {
                body: Df18Body::Raw(_),
                ..
            } => {}
        }
    }

    fn coarse_tisb(&mut self, p: &CoarseTisbPosition, source: PositionSource) {
        if let Some(ft) = p.altitude().feet() {
            self.alt_baro(ft);
        }
        if let Some(t) = p.track_deg() {
            self.set(Field::Track, |a| &mut a.track, t as f32);
        }
        if let Some(gs) = p.ground_speed_kt() {
            self.set(Field::Gs, |a| &mut a.gs, gs as f32);
        }
        self.cpr(CprReport {
            cpr: p.cpr,
            time: self.time,
            format: CprFormat::Coarse,
            source,
            nic: None,
            rc_m: None,
        });
    }

    /// Applies an ADS-B ME field.
    fn me(&mut self, me: &Me, source: PositionSource) {
        match me {
            Me::NoPosition(p) => {
                if let Some(ft) = p.altitude().feet() {
                    self.alt_baro(ft);
                }
            }
            Me::Identification(id) => {
                // A callsign with codes outside the character set is a corrupted or odd one.
                let callsign = id.callsign();
                if id.callsign_is_valid() && callsign.0 != [b' '; 8] {
                    self.set(Field::Callsign, |a| &mut a.callsign, callsign);
                }
                if id.category.is_known() {
                    self.set(Field::Category, |a| &mut a.category, id.category);
                }
            }
            Me::SurfacePosition(p) => {
                self.set(Field::OnGround, |a| &mut a.on_ground, true);
                if let Some(gs) = p.ground_speed_kt() {
                    self.set(Field::Gs, |a| &mut a.gs, gs as f32);
                }
                if let Some(t) = p.track_deg() {
                    self.set(Field::Track, |a| &mut a.track, t as f32);
                }
                let (version, supplements) = self.nic_version();
                let integrity = p.integrity(version, supplements);
                self.cpr(CprReport {
                    cpr: p.cpr,
                    time: self.time,
                    format: CprFormat::Surface,
                    source,
                    nic: integrity.map(|i| i.nic),
                    rc_m: integrity.and_then(|i| i.rc_m).map(|r| r as f32),
                });
            }
            Me::AirbornePosition(p) => {
                self.set(Field::OnGround, |a| &mut a.on_ground, false);
                if let Some(ft) = p.baro_altitude_ft() {
                    self.alt_baro(ft);
                } else if let Some(ft) = p.gnss_height_ft() {
                    self.set(Field::AltGeom, |a| &mut a.alt_geom, ft);
                }
                // TC 0 carries no position; TC 18 and 22 (NIC 0) still carry one.
                let (version, supplements) = self.nic_version();
                let integrity = p.integrity(version, supplements);
                self.cpr(CprReport {
                    cpr: p.cpr,
                    time: self.time,
                    format: CprFormat::Airborne,
                    source,
                    nic: integrity.map(|i| i.nic),
                    rc_m: integrity.and_then(|i| i.rc_m).map(|r| r as f32),
                });
            }
            Me::AirborneVelocity(v) => {
                if let Some(g) = self.ground_vector(v) {
                    self.set(Field::Gs, |a| &mut a.gs, g.gs);
                    if !g.track.is_nan() {
                        self.set(Field::Track, |a| &mut a.track, g.track);
                    }
                }
                if let Some(h) = v.heading_deg() {
                    match self.a.heading_reference {
                        HeadingReference::Magnetic => {
                            self.set(Field::MagHeading, |a| &mut a.mag_heading, h as f32)
                        }
                        HeadingReference::True => {
                            self.set(Field::TrueHeading, |a| &mut a.true_heading, h as f32)
                        }
                    }
                }
                if let Some(ias) = v.ias_kt() {
                    self.set(
                        Field::Ias,
                        |a| &mut a.ias,
                        ias.clamp(0, i32::from(u16::MAX)) as u16,
                    );
                }
                if let Some(tas) = v.tas_kt() {
                    self.set(
                        Field::Tas,
                        |a| &mut a.tas,
                        tas.clamp(0, i32::from(u16::MAX)) as u16,
                    );
                }
                if let Some(rate) = v.vertical_rate_fpm() {
                    match v.vertical_rate_source() {
                        VerticalRateSource::Barometric => {
                            self.set(Field::BaroRate, |a| &mut a.baro_rate, rate)
                        }
                        VerticalRateSource::Gnss => self.set(Field::GeomRate, |a| &mut a.geom_rate, rate),
                    }
                }
                // GNSS height from the difference, unless a GNSS position report gives it.
                if let (Some(delta), Some(baro)) = (v.gnss_minus_baro_ft(), self.a.alt_baro) {
                    let baro_fresh = self.a.is_fresh(Field::AltBaro, self.time, self.cfg.stale_s);
                    if baro_fresh && !self.a.is_fresh(Field::AltGeom, self.time, self.cfg.stale_s / 4.0) {
                        self.set(Field::AltGeom, |a| &mut a.alt_geom, baro + delta);
                    }
                }
                let nac_v = v.nac_v;
                self.accuracy(|acc| acc.nac_v = Some(nac_v));
            }
            Me::AircraftStatus(AircraftStatus::Emergency(e)) => {
                self.set(Field::Emergency, |a| &mut a.emergency, e.emergency);
                if e.mode_a_code != 0 {
                    self.squawk_verified(e.squawk());
                }
            }
            Me::Test(t) => {
                if let Some(squawk) = t.squawk() {
                    self.squawk_verified(squawk);
                }
            }
            Me::TargetState(t) => self.target_state(t),
            Me::OperationalStatus(s) => self.operational_status(s),
            Me::AircraftStatus(AircraftStatus::AcasRa(_)) | Me::SurfaceSystemStatus(_) | Me::Reserved(_) => {}
        }
    }

    fn target_state(&mut self, t: &TargetState) {
        match t {
            TargetState::V1(v1) => {
                if let Some(ft) = v1.target_altitude_ft() {
                    match v1.vertical_source {
                        TargetDataSource::Fms => {
                            self.set(Field::NavAltitudeFms, |a| &mut a.nav.altitude_fms, ft)
                        }
                        _ => self.set(Field::NavAltitudeMcp, |a| &mut a.nav.altitude_mcp, ft),
                    }
                }
                if let Some(h) = v1.target_heading_deg() {
                    self.set(Field::NavHeading, |a| &mut a.nav.heading, f32::from(h));
                }
                self.set(Field::Emergency, |a| &mut a.emergency, v1.emergency);
            }
            TargetState::V2(v2) => {
                if let Some(ft) = v2.selected_altitude_ft() {
                    match v2.altitude_source {
                        SelectedAltitudeSource::ControlPanel => {
                            self.set(Field::NavAltitudeMcp, |a| &mut a.nav.altitude_mcp, ft)
                        }
                        SelectedAltitudeSource::Fms => {
                            self.set(Field::NavAltitudeFms, |a| &mut a.nav.altitude_fms, ft)
                        }
                    }
                }
                if let Some(q) = v2.baro_setting_hpa() {
                    self.set(Field::NavQnh, |a| &mut a.nav.qnh_hpa, q as f32);
                }
                if let Some(h) = v2.selected_heading_deg() {
                    self.set(Field::NavHeading, |a| &mut a.nav.heading, h as f32);
                }
                if v2.modes_valid {
                    let mut m = 0;
                    for (on, bit) in [
                        (v2.autopilot, NavModes::AUTOPILOT),
                        (v2.vnav, NavModes::VNAV),
                        (v2.altitude_hold, NavModes::ALTHOLD),
                        (v2.approach, NavModes::APPROACH),
                        (v2.lnav, NavModes::LNAV),
                        (v2.acas_operational, NavModes::TCAS),
                    ] {
                        if on {
                            m |= bit;
                        }
                    }
                    self.set(Field::NavModes, |a| &mut a.nav.modes, NavModes(m));
                }
            }
        }
        let (nac_p, sil, nic_baro) = (t.nac_p(), t.sil(), t.nic_baro());
        self.accuracy(|acc| {
            acc.nac_p = Some(nac_p);
            acc.sil = Some(sil);
            acc.nic_baro = Some(nic_baro);
        });
    }

    fn operational_status(&mut self, s: &OperationalStatus) {
        if s.version <= 2 {
            self.set(Field::Version, |a| &mut a.version, s.version);
        }
        if let Some(r) = s.heading_reference() {
            self.a.heading_reference = r;
        }
        let supplements = s.nic_supplements();
        let s = *s;
        self.accuracy(|acc| {
            acc.nic_a = supplements.a;
            acc.nic_c = supplements.c;
            if let Some(v) = s.nac_p() {
                acc.nac_p = Some(v);
            }
            if let Some(v) = s.sil() {
                acc.sil = Some(v);
            }
            if let Some(v) = s.sil_per_sample() {
                acc.sil_per_sample = Some(v);
            }
            if let Some(v) = s.gva() {
                acc.gva = Some(v);
            }
            if let Some(v) = s.sda() {
                acc.sda = Some(v);
            }
            if let Some(v) = s.nic_baro() {
                acc.nic_baro = Some(v);
            }
        });
    }

    /// Infers the Comm-B register against what is known of the aircraft and applies only an
    /// unambiguous answer, marked as Comm-B-sourced.
    fn comm_b(&mut self, mb: u64, reply_alt: Option<i32>) {
        let a = &*self.a;
        let (now, stale) = (self.time, self.cfg.stale_s);
        let fresh = |field: Field| a.is_fresh(field, now, stale);
        let f = |v: Option<f32>, field: Field| v.filter(|_| fresh(field)).map(f64::from);
        let reference = Reference {
            alt_ft: reply_alt.or(a.alt_baro.filter(|_| fresh(Field::AltBaro))),
            gs_kt: f(a.gs, Field::Gs),
            track_deg: f(a.track, Field::Track),
            tas_kt: a.tas.filter(|_| fresh(Field::Tas)).map(f64::from),
            ias_kt: a.ias.filter(|_| fresh(Field::Ias)).map(f64::from),
            mach: f(a.mach, Field::Mach),
            heading_deg: f(a.mag_heading, Field::MagHeading),
        };
        match commb::infer(mb, Some(&reference)) {
            Inference::One(register) => {
                self.stats.commb_applied += 1;
                self.commb = true;
                self.register(&register);
                self.commb = false;
            }
            Inference::Ambiguous(_) => self.stats.commb_ambiguous += 1,
            Inference::Unknown => self.stats.commb_unknown += 1,
        }
    }

    fn register(&mut self, register: &Register) {
        match register {
            Register::AircraftIdentification(r) => {
                if !r.callsign.as_str().is_empty() {
                    self.set(Field::Callsign, |a| &mut a.callsign, r.callsign);
                }
            }
            Register::SelectedVerticalIntention(r) => {
                if let Some(ft) = r.mcp_altitude_ft {
                    self.set(Field::NavAltitudeMcp, |a| &mut a.nav.altitude_mcp, ft as i32);
                }
                if let Some(ft) = r.fms_altitude_ft {
                    self.set(Field::NavAltitudeFms, |a| &mut a.nav.altitude_fms, ft as i32);
                }
                if let Some(q) = r.baro_setting_hpa {
                    self.set(Field::NavQnh, |a| &mut a.nav.qnh_hpa, q as f32);
                }
                if let Some(m) = r.modes {
                    let mut bits = 0;
                    if m.vnav {
                        bits |= NavModes::VNAV;
                    }
                    if m.altitude_hold {
                        bits |= NavModes::ALTHOLD;
                    }
                    if m.approach {
                        bits |= NavModes::APPROACH;
                    }
                    self.set(Field::NavModes, |a| &mut a.nav.modes, NavModes(bits));
                }
            }
            Register::TrackAndTurn(r) => {
                if let Some(v) = r.roll_deg {
                    self.set(Field::Roll, |a| &mut a.roll, v as f32);
                }
                if let Some(v) = r.track_deg {
                    self.set(Field::Track, |a| &mut a.track, v as f32);
                }
                if let Some(v) = r.groundspeed_kt {
                    self.set(Field::Gs, |a| &mut a.gs, f32::from(v));
                }
                if let Some(v) = r.track_rate_deg_s {
                    self.set(Field::TrackRate, |a| &mut a.track_rate, v as f32);
                }
                if let Some(v) = r.tas_kt {
                    self.set(Field::Tas, |a| &mut a.tas, v);
                }
            }
            Register::HeadingAndSpeed(r) => {
                if let Some(v) = r.heading_deg {
                    self.set(Field::MagHeading, |a| &mut a.mag_heading, v as f32);
                }
                if let Some(v) = r.ias_kt {
                    self.set(Field::Ias, |a| &mut a.ias, v);
                }
                if let Some(v) = r.mach {
                    self.set(Field::Mach, |a| &mut a.mach, v as f32);
                }
                if let Some(v) = r.baro_rate_fpm {
                    self.set(Field::BaroRate, |a| &mut a.baro_rate, v);
                }
                if let Some(v) = r.inertial_rate_fpm {
                    self.set(Field::GeomRate, |a| &mut a.geom_rate, v);
                }
            }
            // Capabilities, an RA (events' business) and weather are not aircraft state.
            Register::DataLinkCapability(_)
            | Register::GicbCapability(_)
            | Register::ActiveResolutionAdvisory(_)
            | Register::MeteorologicalRoutine(_) => {}
        }
    }

    /// Applies an observation's values; its position is marked with `source`.
    pub(crate) fn observation(&mut self, o: &Observation, source: PositionSource) {
        if let Some(text) = o.flight.as_deref() {
            let cs = Callsign::new(text.trim());
            if cs.is_valid() && !cs.as_str().is_empty() {
                self.set(Field::Callsign, |a| &mut a.callsign, cs);
            }
        }
        if let Some(v) = o.alt_baro {
            self.alt_baro(v);
        }
        if let Some(v) = o.alt_geom {
            self.set(Field::AltGeom, |a| &mut a.alt_geom, v);
        }
        let finite = |v: Option<f32>| v.filter(|x| x.is_finite());
        if let Some(v) = finite(o.gs) {
            self.set(Field::Gs, |a| &mut a.gs, v);
        }
        if let Some(v) = o.ias {
            self.set(Field::Ias, |a| &mut a.ias, v);
        }
        if let Some(v) = o.tas {
            self.set(Field::Tas, |a| &mut a.tas, v);
        }
        if let Some(v) = finite(o.mach) {
            self.set(Field::Mach, |a| &mut a.mach, v);
        }
        if let Some(v) = finite(o.track) {
            self.set(Field::Track, |a| &mut a.track, v);
        }
        if let Some(v) = finite(o.mag_heading) {
            self.set(Field::MagHeading, |a| &mut a.mag_heading, v);
        }
        if let Some(v) = finite(o.true_heading) {
            self.set(Field::TrueHeading, |a| &mut a.true_heading, v);
        }
        if let Some(v) = o.baro_rate {
            self.set(Field::BaroRate, |a| &mut a.baro_rate, v);
        }
        if let Some(v) = o.geom_rate {
            self.set(Field::GeomRate, |a| &mut a.geom_rate, v);
        }
        if let Some(v) = o.squawk {
            // Another tool decoded it; like a reply, a new code needs a second report.
            self.squawk_reply(Squawk(v & 0o7777));
        }
        if let Some(e) = o.emergency {
            self.set(Field::Emergency, |a| &mut a.emergency, emergency_state(e));
        }
        if let Some(g) = o.on_ground {
            self.set(Field::OnGround, |a| &mut a.on_ground, g);
        }
        if let Some(v) = o.version.filter(|&v| v <= 2) {
            self.set(Field::Version, |a| &mut a.version, v);
        }
        if o.nac_p.is_some() || o.sil.is_some() {
            let (nac_p, sil) = (o.nac_p, o.sil);
            self.accuracy(|acc| {
                acc.nac_p = nac_p.or(acc.nac_p);
                acc.sil = sil.or(acc.sil);
            });
        }
        if let (Some(lat), Some(lon)) = (o.lat, o.lon) {
            match self
                .a
                .update_observed(lat, lon, self.time, source, self.cfg, self.stats)
            {
                Outcome::Accepted => self.changed.insert(Field::Position),
                Outcome::Rejected => self.rejected.insert(Field::Position),
                Outcome::NoFix | Outcome::Outranked | Outcome::OutOfOrder => {}
            }
        }
    }
}

/// readsb's emergency names as the ADS-B emergency states.
fn emergency_state(e: Emergency) -> EmergencyState {
    match e {
        Emergency::None => EmergencyState::None,
        Emergency::General => EmergencyState::General,
        Emergency::Lifeguard => EmergencyState::Lifeguard,
        Emergency::MinFuel => EmergencyState::MinimumFuel,
        Emergency::NoRadio => EmergencyState::NoCommunications,
        Emergency::Unlawful => EmergencyState::UnlawfulInterference,
        Emergency::Downed => EmergencyState::DownedAircraft,
        Emergency::Reserved => EmergencyState::Reserved,
    }
}
