//! Decoded messages as JSON objects in the field dictionary (docs/fields.md).
//!
//! This is the one place where the JSON names of message-level fields are written; the
//! binary, the sinks and the server all call it.

use crate::json::JsonObject;
use crate::received::{Clock, Received};
use picket_modes::adsb::{
    AircraftStatus, Me, OperationalStatusKind, TargetState, Velocity, VerticalRateSource,
};
use picket_modes::commb::{self, Inference, Register};
use picket_modes::cpr::CprParity;
use picket_modes::message::{Decoded, Df18Body, Integrity, Message};
use picket_modes::Altitude;

/// Writes the time, receiver and clock fields of a received item.
pub fn write_reception(obj: &mut JsonObject<'_>, item: &Received) {
    obj.num("time", item.time_utc);
    if item.receiver != 0 {
        obj.num("receiver", item.receiver);
    }
    match item.clock {
        Clock::Ticks12Mhz(t) => {
            obj.num("clock", t);
        }
        Clock::GpsTimeOfDay { seconds, nanos } => {
            obj.num("gps_tod", f64::from(seconds) + f64::from(nanos) * 1e-9);
        }
        Clock::None => {}
    }
    obj.opt_fixed("rssi", item.signal.map(f64::from), 1);
}

fn write_altitude(obj: &mut JsonObject<'_>, key: &str, alt: Altitude) {
    if let Some(ft) = alt.feet() {
        obj.num(key, ft);
    }
}

/// Writes every field of a decoded frame (without the reception fields).
pub fn write_decoded(obj: &mut JsonObject<'_>, d: &Decoded) {
    obj.display("frame", d.frame);
    obj.num("df", d.message.df());
    obj.display("hex", d.address);
    match d.integrity {
        Integrity::Clean => {
            obj.str("crc", "clean");
        }
        Integrity::Corrected(bits) => {
            obj.str("crc", "fixed");
            let mut arr = obj.array("fixed_bits");
            for b in [bits.first, bits.second].into_iter().flatten() {
                arr.num(b);
            }
        }
        Integrity::InterrogatorCode { code, .. } => {
            obj.str("crc", "iid");
            obj.num("iid", code);
        }
        Integrity::Recovered { .. } => {
            obj.str("crc", "ap");
        }
    }
    obj.bool("verified", d.integrity.verified());
    write_message(obj, &d.message);
}

/// Writes the fields of a message.
pub fn write_message(obj: &mut JsonObject<'_>, m: &Message) {
    match m {
        Message::ShortAirAir(a) => {
            obj.num("vs", u8::from(a.on_ground));
            obj.bool("on_ground", a.on_ground);
            obj.num("sl", a.sl);
            obj.num("ri", a.ri);
            write_altitude(obj, "alt_baro", a.altitude);
        }
        Message::LongAirAir(a) => {
            obj.num("vs", u8::from(a.on_ground));
            obj.bool("on_ground", a.on_ground);
            obj.num("sl", a.sl);
            obj.num("ri", a.ri);
            write_altitude(obj, "alt_baro", a.altitude);
            if let picket_modes::acas::Mv::Coordination(ra) = a.mv {
                write_ra(obj, &ra);
            }
        }
        Message::AltitudeReply { header, altitude } | Message::CommBAltitude { header, altitude, .. } => {
            write_header(obj, header);
            write_altitude(obj, "alt_baro", *altitude);
        }
        Message::IdentityReply { header, squawk } | Message::CommBIdentity { header, squawk, .. } => {
            write_header(obj, header);
            obj.display("squawk", squawk);
        }
        Message::AllCall { capability, .. } => {
            obj.num("ca", *capability);
            write_capability_ground(obj, *capability);
        }
        Message::ExtendedSquitter { capability, me, .. } => {
            obj.num("ca", *capability);
            // Surface messages say "on the ground" themselves; CA says it for the rest.
            let surface = matches!(me, Me::SurfacePosition(_))
                || matches!(me, Me::OperationalStatus(s) if s.kind == OperationalStatusKind::Surface);
            if !surface {
                write_capability_ground(obj, *capability);
            }
            write_me(obj, me, false);
        }
        Message::NonTransponder { cf, body, .. } => {
            obj.num("cf", cf.bits());
            match body {
                Df18Body::Adsb(me) => {
                    let tisb = matches!(
                        cf,
                        picket_modes::message::ControlField::TisbFine
                            | picket_modes::message::ControlField::TisbFineOther
                            | picket_modes::message::ControlField::AdsR
                    );
                    if tisb {
                        obj.opt_bool("imf", me.imf());
                    }
                    write_me(obj, me, tisb);
                }
                Df18Body::CoarseTisb(p) => {
                    obj.bool("imf", p.imf);
                    write_altitude(obj, "alt_baro", p.altitude());
                    obj.opt_fixed("gs", p.ground_speed_kt(), 1);
                    obj.opt_fixed("track", p.track_deg(), 2);
                    obj.num("ss", p.surveillance_status as u8);
                    write_cpr(obj, p.cpr.parity, p.cpr.lat_cpr, p.cpr.lon_cpr);
                }
                Df18Body::Raw(raw) => {
                    obj.str("me", &format!("{raw:014x}"));
                }
            }
        }
        Message::Military { me, .. } => {
            obj.num("af", 0u8);
            write_me(obj, me, false);
        }
    }
    if let Some(mb) = m.mb() {
        let reference = commb::Reference {
            alt_ft: m.altitude_code().and_then(Altitude::feet),
            ..Default::default()
        };
        write_comm_b(obj, mb, Some(&reference));
    }
}

fn write_capability_ground(obj: &mut JsonObject<'_>, ca: u8) {
    match ca {
        4 => {
            obj.bool("on_ground", true);
        }
        5 => {
            obj.bool("on_ground", false);
        }
        _ => {}
    }
}

fn write_header(obj: &mut JsonObject<'_>, h: &picket_modes::message::ReplyHeader) {
    obj.num("fs", h.fs.0);
    obj.num("dr", h.dr);
    obj.num("um", h.um);
    obj.opt_bool("on_ground", h.fs.on_ground());
    if h.fs.alert() {
        obj.bool("alert", true);
    }
    if h.fs.spi() {
        obj.bool("spi", true);
    }
}

fn write_ra(obj: &mut JsonObject<'_>, ra: &picket_modes::acas::ResolutionAdvisory) {
    let mut o = obj.object("acas_ra");
    o.num("ara", ra.ara)
        .num("rac", ra.rac)
        .bool("rat", ra.rat)
        .bool("mte", ra.mte)
        .num("tti", ra.tti);
    match ra.threat() {
        picket_modes::acas::ThreatIdentity::Address(a) => {
            o.display("threat", a);
        }
        picket_modes::acas::ThreatIdentity::Position { .. } => {
            let t = ra.threat();
            if let picket_modes::acas::ThreatIdentity::Position { altitude_code, .. } = t {
                o.opt_num(
                    "threat_alt",
                    picket_modes::altitude::decode_ac13(altitude_code).feet(),
                );
            }
        }
        _ => {}
    }
}

/// Writes an ADS-B ME field; `tisb` when the message is TIS-B/ADS-R (bits read differently).
pub fn write_me(obj: &mut JsonObject<'_>, me: &Me, tisb: bool) {
    obj.num("tc", me.type_code());
    match me {
        Me::NoPosition(p) => {
            write_altitude(obj, "alt_baro", p.altitude());
        }
        Me::Identification(id) => {
            let c = id.category;
            obj.str("category", &format!("{}{}", c.set.letter(), c.code));
            let callsign = id.callsign();
            if callsign.is_valid() {
                obj.str("flight", callsign.as_str());
            }
        }
        Me::SurfacePosition(p) => {
            obj.bool("on_ground", true);
            obj.opt_fixed("gs", p.ground_speed_kt(), 3);
            obj.opt_fixed("track", p.track_deg(), 2);
            write_cpr(obj, p.cpr.parity, p.cpr.lat_cpr, p.cpr.lon_cpr);
        }
        Me::AirbornePosition(p) => {
            obj.opt_num("alt_baro", p.baro_altitude_ft());
            obj.opt_num("alt_geom", p.gnss_height_ft());
            obj.num("ss", p.surveillance_status as u8);
            if !tisb {
                obj.num("nic_b", u8::from(p.nic_b));
            }
            write_cpr(obj, p.cpr.parity, p.cpr.lat_cpr, p.cpr.lon_cpr);
        }
        Me::AirborneVelocity(v) => {
            obj.num("st", v.subtype());
            match v.velocity {
                Velocity::Ground(_) => {
                    obj.opt_fixed("gs", v.ground_speed_kt(), 3);
                    obj.opt_fixed("track", v.track_deg(), 3);
                }
                Velocity::Air(_) => {
                    obj.opt_fixed("mag_heading", v.heading_deg(), 3);
                    obj.opt_num("ias", v.ias_kt());
                    obj.opt_num("tas", v.tas_kt());
                }
            }
            match v.vertical_rate_source() {
                VerticalRateSource::Barometric => {
                    obj.opt_num("baro_rate", v.vertical_rate_fpm());
                    obj.str("vr_source", "baro");
                }
                VerticalRateSource::Gnss => {
                    obj.opt_num("geom_rate", v.vertical_rate_fpm());
                    obj.str("vr_source", "gnss");
                }
            }
            obj.opt_num("geom_delta", v.gnss_minus_baro_ft());
            obj.num("nac_v", v.nac_v);
        }
        Me::Test(_) | Me::SurfaceSystemStatus(_) | Me::Reserved(_) => {
            obj.str("me", &format!("{:014x}", me.emit()));
        }
        Me::AircraftStatus(s) => {
            obj.num("st", s.subtype());
            match s {
                AircraftStatus::Emergency(e) => {
                    obj.str("emergency", e.emergency.name());
                    obj.display("squawk", e.squawk());
                }
                AircraftStatus::AcasRa(r) => write_ra(obj, &r.ra),
            }
        }
        Me::TargetState(t) => write_target_state(obj, t),
        Me::OperationalStatus(s) => {
            obj.num("st", s.kind as u8);
            if s.kind == OperationalStatusKind::Surface {
                obj.bool("on_ground", true);
            }
            obj.num("version", s.version);
            if s.version > 0 {
                obj.opt_num("nac_p", s.nac_p());
                obj.opt_num("sil", s.sil());
                obj.opt_num("gva", s.gva());
                obj.opt_num("sda", s.sda());
                obj.num("nic_a", u8::from(s.nic_supplement_a));
                if let Some(ps) = s.sil_per_sample() {
                    obj.str("sil_type", if ps { "persample" } else { "perhour" });
                }
                if let Some(nb) = s.nic_baro() {
                    obj.num("nic_baro", u8::from(nb));
                }
            }
        }
    }
}

fn write_cpr(obj: &mut JsonObject<'_>, parity: CprParity, lat: u32, lon: u32) {
    obj.str("cpr", if parity == CprParity::Odd { "odd" } else { "even" });
    obj.num("cpr_lat", lat);
    obj.num("cpr_lon", lon);
}

fn write_target_state(obj: &mut JsonObject<'_>, t: &TargetState) {
    match t {
        TargetState::V1(v) => {
            obj.num("st", 0u8);
            obj.opt_num("nav_altitude_mcp", v.target_altitude_ft());
            obj.opt_num("nav_heading", v.target_heading_deg());
            obj.num("nac_p", v.nac_p)
                .num("sil", v.sil)
                .num("nic_baro", u8::from(v.nic_baro));
        }
        TargetState::V2(v) => {
            obj.num("st", 1u8);
            let key = match v.altitude_source {
                picket_modes::adsb::SelectedAltitudeSource::Fms => "nav_altitude_fms",
                picket_modes::adsb::SelectedAltitudeSource::ControlPanel => "nav_altitude_mcp",
            };
            obj.opt_num(key, v.selected_altitude_ft());
            obj.opt_fixed("nav_qnh", v.baro_setting_hpa(), 1);
            obj.opt_fixed("nav_heading", v.selected_heading_deg(), 2);
            obj.num("nac_p", v.nac_p)
                .num("sil", v.sil)
                .num("nic_baro", u8::from(v.nic_baro));
            if v.modes_valid {
                let mut arr = obj.array("nav_modes");
                for (on, name) in [
                    (v.autopilot, "autopilot"),
                    (v.vnav, "vnav"),
                    (v.altitude_hold, "althold"),
                    (v.approach, "approach"),
                    (v.lnav, "lnav"),
                    (v.acas_operational, "tcas"),
                ] {
                    if on {
                        arr.str(name);
                    }
                }
            }
        }
    }
}

/// Writes a Comm-B MB field: `bds` and the register's values when the register is certain,
/// `bds_candidates` when several fit, and always the raw `mb`.
pub fn write_comm_b(obj: &mut JsonObject<'_>, mb: u64, reference: Option<&commb::Reference>) {
    obj.str("mb", &format!("{mb:014x}"));
    match commb::infer(mb, reference) {
        Inference::Unknown => {}
        Inference::One(reg) => {
            let (a, b) = reg.bds();
            obj.str("bds", &format!("{a},{b}"));
            write_register(obj, &reg);
        }
        Inference::Ambiguous(c) => {
            let mut arr = obj.array("bds_candidates");
            for reg in c.iter() {
                let (a, b) = reg.bds();
                arr.str(&format!("{a},{b}"));
            }
        }
    }
}

/// Writes the values of one Comm-B register.
pub fn write_register(obj: &mut JsonObject<'_>, reg: &Register) {
    match reg {
        Register::DataLinkCapability(_) | Register::GicbCapability(_) => {}
        Register::AircraftIdentification(r) => {
            obj.str("flight", r.callsign.as_str());
        }
        Register::ActiveResolutionAdvisory(r) => write_ra(obj, &r.ra),
        Register::SelectedVerticalIntention(r) => {
            obj.opt_num("nav_altitude_mcp", r.mcp_altitude_ft);
            obj.opt_num("nav_altitude_fms", r.fms_altitude_ft);
            obj.opt_fixed("nav_qnh", r.baro_setting_hpa, 1);
            if let Some(m) = r.modes {
                let mut arr = obj.array("nav_modes");
                for (on, name) in [
                    (m.vnav, "vnav"),
                    (m.altitude_hold, "althold"),
                    (m.approach, "approach"),
                ] {
                    if on {
                        arr.str(name);
                    }
                }
            }
        }
        Register::MeteorologicalRoutine(r) => {
            obj.num("ws", r.wind.speed_kt);
            obj.fixed("wd", r.wind.direction_deg, 1);
            obj.fixed("oat", r.temperature_c, 2);
            obj.opt_num("static_pressure", r.pressure_hpa);
            obj.opt_fixed("humidity", r.humidity_pct, 1);
        }
        Register::TrackAndTurn(r) => {
            obj.opt_fixed("roll", r.roll_deg, 2);
            obj.opt_fixed("track", r.track_deg, 3);
            obj.opt_fixed("track_rate", r.track_rate_deg_s, 3);
            obj.opt_num("gs", r.groundspeed_kt);
            obj.opt_num("tas", r.tas_kt);
        }
        Register::HeadingAndSpeed(r) => {
            obj.opt_fixed("mag_heading", r.heading_deg, 3);
            obj.opt_num("ias", r.ias_kt);
            obj.opt_fixed("mach", r.mach, 3);
            obj.opt_num("baro_rate", r.baro_rate_fpm);
            obj.opt_num("geom_rate", r.inertial_rate_fpm);
        }
    }
}
