//! Aircraft states as JSON objects in the field dictionary (docs/fields.md): the one place
//! where state JSON is written, for `picket track --json` and, later, the API.

use crate::event::{class_name, layer_name};
use crate::rules::Enrichment;
use crate::track::Aircraft;
use picket_modes::adsb::EmergencyState;
use picket_receive::json::JsonObject;

/// Writes one aircraft state at data time `now` (ages are relative to it), with its
/// enrichment when known.
pub fn write_aircraft(obj: &mut JsonObject<'_>, a: &Aircraft, now: f64, enrichment: Option<&Enrichment>) {
    obj.display("hex", a.key).str("addr_type", a.kind.name());
    if let Some(cs) = a.callsign.filter(|c| !c.as_str().is_empty()) {
        obj.str("flight", cs.as_str());
    }
    obj.opt_display("squawk", a.squawk);
    if let Some(c) = a.category {
        obj.display("category", c);
    }
    obj.opt_num("alt_baro", a.alt_baro)
        .opt_num("alt_geom", a.alt_geom);
    obj.opt_fixed("gs", a.gs.map(f64::from), 1);
    obj.opt_num("ias", a.ias).opt_num("tas", a.tas);
    obj.opt_fixed("mach", a.mach.map(f64::from), 3);
    obj.opt_fixed("track", a.track.map(f64::from), 1);
    obj.opt_fixed("track_rate", a.track_rate.map(f64::from), 2);
    obj.opt_fixed("roll", a.roll.map(f64::from), 1);
    obj.opt_fixed("mag_heading", a.mag_heading.map(f64::from), 1);
    obj.opt_fixed("true_heading", a.true_heading.map(f64::from), 1);
    obj.opt_num("baro_rate", a.baro_rate)
        .opt_num("geom_rate", a.geom_rate);
    obj.opt_bool("on_ground", a.on_ground);
    obj.opt_str("emergency", a.emergency.map(EmergencyState::name));
    obj.opt_num("nav_altitude_mcp", a.nav.altitude_mcp)
        .opt_num("nav_altitude_fms", a.nav.altitude_fms);
    obj.opt_fixed("nav_qnh", a.nav.qnh_hpa.map(f64::from), 1);
    obj.opt_fixed("nav_heading", a.nav.heading.map(f64::from), 1);
    if let Some(modes) = a.nav.modes {
        let mut arr = obj.array("nav_modes");
        for m in modes.names() {
            arr.str(m);
        }
    }
    if let Some(p) = &a.position {
        obj.fixed("lat", p.lat, 6).fixed("lon", p.lon, 6);
        obj.str("position_source", p.source.name());
        obj.opt_num("nic", p.nic);
        obj.opt_fixed("rc", p.rc_m.map(f64::from), 1);
        obj.fixed("seen_pos", (now - p.time).max(0.0), 1);
    }
    obj.opt_num("version", a.version);
    obj.opt_num("nac_p", a.accuracy.nac_p)
        .opt_num("nac_v", a.accuracy.nac_v);
    obj.opt_num("sil", a.accuracy.sil)
        .opt_num("gva", a.accuracy.gva)
        .opt_num("sda", a.accuracy.sda);
    obj.opt_num("nic_baro", a.accuracy.nic_baro.map(u8::from));
    obj.opt_fixed("rssi", a.rssi.map(f64::from), 1);
    obj.num("messages", a.counts.total);
    obj.fixed("first_seen", a.first_seen, 3)
        .fixed("last_seen", a.last_seen, 3);
    obj.fixed("seen", (now - a.last_seen).max(0.0), 1);
    if let Some(e) = enrichment {
        obj.opt_str("registration", e.registration.as_deref());
        obj.opt_str("type", e.type_designator.as_deref());
        obj.opt_str("description", e.description.as_deref());
        obj.opt_str("operator", e.operator.as_deref());
        obj.opt_str("country", e.country.map(|c| c.iso2));
        let class = e.classification.class;
        obj.bool(
            "military",
            matches!(
                class,
                crate::enrich::Class::Military | crate::enrich::Class::State
            ),
        );
        let mut c = obj.object("classification");
        c.str("class", class_name(class))
            .str("layer", layer_name(e.classification.layer))
            .str("detail", &e.classification.detail);
    }
}
