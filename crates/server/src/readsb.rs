//! `/data/aircraft.json` and `/data/receiver.json` in readsb's layout (its README-json.md),
//! so that tools reading readsb, tar1090's page among them, read picket.
//!
//! Units are readsb's: feet, knots, degrees, feet per minute, dBFS; `now`, `seen` and
//! `seen_pos` in seconds. `hex` has a `~` before a non-ICAO address. Database fields come
//! from picket's enrichment: `r` registration, `t` type designator, `desc` description,
//! `ownOp` operator, `dbFlags` bit 0 (value 1) military or state, bit 1 (value 2) on a
//! watch list ("interesting"). picket's own additions are prefixed `picket_`.

use picket_engine::event::class_name;
use picket_engine::track::PositionSource;
use picket_modes::adsb::EmergencyState;
use picket_receive::json::{JsonArray, JsonObject};

use crate::hub::{AircraftEntry, ReceiverInfo, Snapshot};

/// readsb's `dbFlags` bit for military aircraft.
pub const DB_FLAG_MILITARY: u32 = 1;
/// readsb's `dbFlags` bit for "interesting" aircraft (picket: on a watch list).
pub const DB_FLAG_INTERESTING: u32 = 2;

/// Writes one aircraft of a snapshot at data time `now`.
pub fn write_aircraft(arr: &mut JsonArray<'_>, e: &AircraftEntry, now: f64) {
    let a = &e.state;
    let mut o = arr.object();
    o.display("hex", a.key).str("type", a.kind.name());
    if let Some(cs) = a.callsign.filter(|c| !c.as_str().is_empty()) {
        // readsb pads the callsign to its 8 characters.
        o.str("flight", &format!("{:<8}", cs.as_str()));
    }
    if let Some(en) = &e.enrichment {
        o.opt_str("r", en.registration.as_deref());
        o.opt_str("t", en.type_designator.as_deref());
        o.opt_str("desc", en.description.as_deref());
        o.opt_str("ownOp", en.operator.as_deref());
        let mut flags = 0;
        if e.military() {
            flags |= DB_FLAG_MILITARY;
        }
        if e.watched() {
            flags |= DB_FLAG_INTERESTING;
        }
        o.num("dbFlags", flags);
    }
    if a.on_ground == Some(true) {
        o.str("alt_baro", "ground");
    } else {
        o.opt_num("alt_baro", a.alt_baro);
    }
    o.opt_num("alt_geom", a.alt_geom);
    o.opt_fixed("gs", a.gs.map(f64::from), 1);
    o.opt_num("ias", a.ias).opt_num("tas", a.tas);
    o.opt_fixed("mach", a.mach.map(f64::from), 3);
    o.opt_fixed("track", a.track.map(f64::from), 2);
    o.opt_fixed("track_rate", a.track_rate.map(f64::from), 2);
    o.opt_fixed("roll", a.roll.map(f64::from), 2);
    o.opt_fixed("mag_heading", a.mag_heading.map(f64::from), 2);
    o.opt_fixed("true_heading", a.true_heading.map(f64::from), 2);
    o.opt_num("baro_rate", a.baro_rate)
        .opt_num("geom_rate", a.geom_rate);
    o.opt_display("squawk", a.squawk);
    o.opt_str("emergency", a.emergency.map(EmergencyState::name));
    if let Some(c) = a.category {
        o.display("category", c);
    }
    o.opt_fixed("nav_qnh", a.nav.qnh_hpa.map(f64::from), 1);
    o.opt_num("nav_altitude_mcp", a.nav.altitude_mcp)
        .opt_num("nav_altitude_fms", a.nav.altitude_fms);
    o.opt_fixed("nav_heading", a.nav.heading.map(f64::from), 2);
    if let Some(modes) = a.nav.modes {
        let mut m = o.array("nav_modes");
        for name in modes.names() {
            m.str(name);
        }
    }
    let mut mlat = false;
    let mut tisb = false;
    if let Some(p) = &a.position {
        o.fixed("lat", p.lat, 6).fixed("lon", p.lon, 6);
        o.opt_num("nic", p.nic);
        o.opt_num("rc", p.rc_m.map(|r| r.round() as u32));
        o.fixed("seen_pos", (now - p.time).max(0.0), 1);
        mlat = p.source == PositionSource::Mlat;
        tisb = p.source == PositionSource::Tisb;
    }
    o.opt_num("version", a.version);
    o.opt_num("nic_baro", a.accuracy.nic_baro.map(u8::from));
    o.opt_num("nac_p", a.accuracy.nac_p)
        .opt_num("nac_v", a.accuracy.nac_v);
    o.opt_num("sil", a.accuracy.sil);
    if a.accuracy.sil.is_some() {
        o.str(
            "sil_type",
            match a.accuracy.sil_per_sample {
                Some(true) => "persample",
                Some(false) => "perhour",
                None => "unknown",
            },
        );
    }
    o.opt_num("gva", a.accuracy.gva).opt_num("sda", a.accuracy.sda);
    {
        let mut m = o.array("mlat");
        if mlat {
            m.str("lat").str("lon");
        }
    }
    {
        let mut t = o.array("tisb");
        if tisb {
            t.str("lat").str("lon");
        }
    }
    o.num("messages", a.counts.total);
    o.fixed("seen", (now - a.last_seen).max(0.0), 1);
    o.opt_fixed("rssi", a.rssi.map(f64::from), 1);
    if let Some(en) = &e.enrichment {
        o.opt_str("picket_country", en.country.map(|c| c.iso2));
        o.str("picket_class", class_name(en.classification.class));
    }
}

/// The whole `aircraft.json` of a snapshot.
pub fn aircraft_json(s: &Snapshot) -> String {
    let mut out = String::with_capacity(64 + s.aircraft.len() * 420);
    let mut o = JsonObject::new(&mut out);
    o.fixed("now", s.now, 1).num("messages", s.messages);
    let mut arr = o.array("aircraft");
    for a in &s.aircraft {
        write_aircraft(&mut arr, a, s.now);
    }
    drop(arr);
    o.finish();
    out
}

/// `receiver.json`: version, refresh (ms), history (how many `history_N.json` files there
/// are) and, only when `publish_position`, the first receiver's position.
pub fn receiver_json(receivers: &[ReceiverInfo], history: usize, publish_position: bool) -> String {
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    o.str("version", concat!("picket ", env!("CARGO_PKG_VERSION")));
    o.num("refresh", 1000).num("history", history);
    if publish_position {
        if let Some(p) = receivers.iter().find_map(|r| r.position) {
            o.fixed("lat", p.lat, 4).fixed("lon", p.lon, 4);
        }
    }
    o.finish();
    out
}
