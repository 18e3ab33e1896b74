//! The ground truth as JSON lines, in the field dictionary's names and units (docs/fields.md):
//! one object per aircraft per second, and one per event.
//!
//! State: `time`, `hex`, `flight`, `registration`, `type`, `category`, `lat`, `lon`,
//! `alt_baro`, `alt_geom`, `gs`, `track`, `baro_rate`, `on_ground`, `squawk`, `emergency`
//! (readsb names), plus `transponder` (`off`, `adsb0`, `adsb1`, `adsb2`, `modes_only`,
//! `non_transponder_df18`) and `interest` (a scripted aircraft of interest).
//!
//! Event: `time` (the onset), `kind` (the shared vocabulary), `hex` (the subject), `aircraft`
//! (every address involved, subject first), `airport`, `zone`, `join`, `end`, `emergency`,
//! `observable`. Times are Unix seconds with milliseconds; absent values are omitted.

use picket_receive::fields;
use picket_receive::json::JsonObject;

use crate::scenario::{AircraftSpec, Emergency, TransponderState};
use crate::truth::TruthEvent;
use crate::world::TruthState;

fn seconds(ns: i64) -> f64 {
    ns as f64 / 1e9
}

/// readsb's name of an emergency state (`minfuel`, `nordo`, `unlawful`...).
pub fn readsb_emergency(e: Emergency) -> &'static str {
    match e {
        Emergency::General => "general",
        Emergency::Lifeguard => "lifeguard",
        Emergency::MinimumFuel => "minfuel",
        Emergency::NoCommunications => "nordo",
        Emergency::UnlawfulInterference => "unlawful",
        Emergency::Downed => "downed",
        Emergency::Reserved => "reserved",
    }
}

/// Appends one truth state as a JSON line (newline included).
pub fn write_state(out: &mut String, st: &TruthState, spec: &AircraftSpec) {
    let mut o = JsonObject::new(out);
    o.fixed(fields::TIME, seconds(st.time), 3)
        .str(fields::HEX, &format!("{:06x}", st.address))
        .opt_str(fields::FLIGHT, st.callsign.as_ref().map(|c| c.as_str()))
        .opt_str(fields::REGISTRATION, spec.registration.as_deref())
        .opt_str(fields::TYPE, spec.type_designator.as_deref())
        .str(fields::CATEGORY, &spec.category.to_string())
        .fixed(fields::LAT, st.position.lat, 6)
        .fixed(fields::LON, st.position.lon, 6)
        .num(fields::ALT_BARO, st.alt_baro_ft.round() as i32)
        .num(fields::ALT_GEOM, st.alt_geom_ft.round() as i32)
        .fixed(fields::GS, st.gs_kt, 1)
        .fixed(fields::TRACK, st.track_deg, 1)
        .num(fields::BARO_RATE, st.baro_rate_fpm.round() as i32)
        .bool(fields::ON_GROUND, st.on_ground)
        .display(fields::SQUAWK, st.squawk)
        .opt_str(fields::EMERGENCY, st.emergency.map(readsb_emergency))
        .str(
            "transponder",
            match st.transponder {
                TransponderState::Off => "off",
                TransponderState::On(t) => t.as_str(),
            },
        )
        .bool("interest", spec.interest);
    o.finish();
    out.push('\n');
}

/// Appends one truth event as a JSON line (newline included).
pub fn write_event(out: &mut String, e: &TruthEvent) {
    let mut o = JsonObject::new(out);
    o.fixed(fields::TIME, seconds(e.onset), 3)
        .str("kind", e.kind.as_str());
    if let Some(first) = e.aircraft.first() {
        o.str(fields::HEX, &format!("{first:06x}"));
    }
    {
        let mut a = o.array("aircraft");
        for x in &e.aircraft {
            a.str(&format!("{x:06x}"));
        }
        a.finish();
    }
    o.opt_str("airport", e.airport.as_deref())
        .opt_str("zone", e.zone.as_deref())
        .opt_fixed("join", e.join.map(seconds), 3)
        .opt_fixed("end", e.end.map(seconds), 3)
        .opt_str(fields::EMERGENCY, e.emergency.map(readsb_emergency))
        .bool("observable", e.observable);
    o.finish();
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::sim::{Simulation, Window};

    #[test]
    fn states_and_events_are_json_lines() {
        let s = Scenario::builtin("arctic").unwrap();
        let sim = Simulation::new(
            &s,
            s.seed,
            Window {
                from_s: 0.0,
                duration_s: Some(1.0),
            },
        );
        let mut out = String::new();
        let st = sim.truth_states().find(|st| st.address == 0x156f01).unwrap();
        write_state(&mut out, &st, &sim.aircraft()[st.aircraft]);
        assert!(
            out.starts_with(
                "{\"time\":1565287200.000,\"hex\":\"156f01\",\"registration\":\"RF-94113\",\"type\":\"T160\""
            ),
            "{out}"
        );
        assert!(
            out.contains("\"squawk\":\"1000\"") && out.contains("\"transponder\":\"modes_only\""),
            "{out}"
        );
        assert!(out.ends_with("\"interest\":true}\n"), "{out}");
        let mut e = TruthEvent {
            kind: picket_world::events::EventKind::Intercept,
            onset: 1_565_290_000_000_000_000,
            end: None,
            aircraft: vec![0xae1f01, 0x156f01],
            airport: None,
            zone: None,
            join: Some(1_565_290_600_500_000_000),
            emergency: None,
            observable: true,
        };
        let mut line = String::new();
        write_event(&mut line, &e);
        assert_eq!(
            line,
            "{\"time\":1565290000.000,\"kind\":\"intercept\",\"hex\":\"ae1f01\",\"aircraft\":[\"ae1f01\",\"156f01\"],\"join\":1565290600.500,\"observable\":true}\n"
        );
        e.emergency = Some(Emergency::NoCommunications);
        line.clear();
        write_event(&mut line, &e);
        assert!(line.contains("\"emergency\":\"nordo\""));
    }
}
