//! Tests over the built-in scenarios and the background traffic.

use picket_world::events::EventKind;

use crate::scenario::Scenario;
use crate::sim::{list, Simulation, Window};
use crate::time::format_rfc3339;
use crate::truth::TruthEvent;

fn show(events: &[TruthEvent]) -> String {
    events
        .iter()
        .map(|e| {
            format!(
                "{} {:<10} {:06x?} ap={:?} zone={:?} join={:?} end={:?} obs={}\n",
                format_rfc3339(e.onset),
                e.kind.as_str(),
                e.aircraft,
                e.airport,
                e.zone,
                e.join.map(format_rfc3339),
                e.end.map(format_rfc3339),
                e.observable
            )
        })
        .collect()
}

#[test]
fn builtins_parse_and_list() {
    let l = list();
    let names: Vec<&str> = l.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["caracas", "orchila", "arctic", "arctic_mlat", "carrier"]);
    for info in &l {
        assert!(info.aircraft >= 1 && !info.description.is_empty());
        assert!(!info.to_string().is_empty());
    }
    for name in Scenario::builtin_names() {
        let text = Scenario::builtin_text(name).unwrap();
        Scenario::from_toml(text, name).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            text.contains("ILLUSTRATIVE"),
            "{name} must say its addresses are illustrative"
        );
    }
}

#[test]
fn arctic_truth_has_the_story() {
    let s = Scenario::builtin("arctic").unwrap();
    let sim = Simulation::new(&s, s.seed, Window::ALL);
    let ev = sim.truth_events();
    let has = |kind: EventKind, who: &[u32]| {
        ev.iter()
            .any(|e| e.kind == kind && e.observable && who.iter().all(|a| e.aircraft.contains(a)))
    };
    let (b1, b2, f1, f2) = (0x156f01, 0x156f02, 0xae1f01, 0xae1f02);
    for b in [b1, b2] {
        assert!(has(EventKind::ZoneEntry, &[b]), "{}", show(&ev));
        assert!(has(EventKind::ZoneExit, &[b]), "{}", show(&ev));
        assert!(has(EventKind::WentDark, &[b]), "{}", show(&ev));
    }
    assert!(has(EventKind::Formation, &[b1, b2]), "{}", show(&ev));
    for (f, b) in [(f1, b1), (f2, b2)] {
        let i = ev
            .iter()
            .find(|e| e.kind == EventKind::Intercept && e.aircraft == [f, b])
            .unwrap_or_else(|| panic!("no intercept of {b:06x} by {f:06x}\n{}", show(&ev)));
        assert!(i.observable && i.join.is_some_and(|j| j > i.onset));
        assert!(has(EventKind::Escort, &[f, b]), "{}", show(&ev));
    }
    // The two fighters (FURY11 and FURY12, one air force) joining up are wingmen: a
    // formation, never an intercept or escort of one by the other; likewise the bombers.
    assert!(has(EventKind::Formation, &[f1, f2]), "{}", show(&ev));
    for pair in [[f1, f2], [b1, b2]] {
        for kind in [EventKind::Intercept, EventKind::Escort] {
            assert!(
                !ev.iter()
                    .any(|e| e.kind == kind && pair.iter().all(|a| e.aircraft.contains(a))),
                "{kind} within one side\n{}",
                show(&ev)
            );
        }
    }
    // The bombers are heard before they broadcast positions: first seen while Mode S only.
    let first = ev
        .iter()
        .find(|e| e.kind == EventKind::FirstSeen && e.aircraft == [b1])
        .unwrap();
    let entry = ev
        .iter()
        .find(|e| e.kind == EventKind::ZoneEntry && e.aircraft == [b1])
        .unwrap();
    assert!(first.onset < entry.onset);
    let st = sim
        .truth_states()
        .find(|st| st.address == b1 && st.time == first.onset)
        .unwrap();
    assert_eq!(
        st.transponder,
        crate::scenario::TransponderState::On(crate::scenario::Transponder::ModeSOnly)
    );
    // Take-off and landing at Elmendorf are out of every receiver's coverage.
    assert!(ev
        .iter()
        .any(|e| e.kind == EventKind::Takeoff && e.airport.as_deref() == Some("PAED") && !e.observable));
}

#[test]
fn caracas_truth_lands_both_at_svmi() {
    let s = Scenario::builtin("caracas").unwrap();
    let ev = Simulation::new(&s, s.seed, Window::ALL).truth_events();
    for a in [0x1514c0, 0x150d8a] {
        assert!(
            ev.iter().any(|e| e.kind == EventKind::Landing
                && e.aircraft == [a]
                && e.airport.as_deref() == Some("SVMI")
                && e.observable),
            "{}",
            show(&ev)
        );
    }
}

#[test]
fn orchila_dwells_three_days_and_leaves() {
    let s = Scenario::builtin("orchila").unwrap();
    let ev = Simulation::new(&s, s.seed, Window::ALL).truth_events();
    let dwell: Vec<&TruthEvent> = ev.iter().filter(|e| e.kind == EventKind::Dwell).collect();
    assert_eq!(dwell.len(), 4, "{}", show(&ev));
    assert!(dwell
        .iter()
        .all(|e| e.airport.as_deref() == Some("SVLO") && e.observable));
    let landing = ev.iter().find(|e| e.kind == EventKind::Landing).unwrap();
    let takeoff = ev.iter().find(|e| e.kind == EventKind::Takeoff).unwrap();
    assert_eq!(dwell[0].onset, landing.onset);
    assert_eq!(dwell[0].end, Some(takeoff.onset));
    assert!(takeoff.onset - landing.onset > 3 * 86_400 * 1_000_000_000);
}

#[test]
fn background_traffic_flies_like_traffic() {
    // Bounds every generated state must respect: what airliners do.
    const MAX_GS_KT: f64 = 600.0;
    const MAX_VRATE_FPM: f64 = 6000.0;
    const MAX_TURN_DEG_S: f64 = 3.5;
    const MAX_ACCEL_KT_S: f64 = 6.0;
    for name in ["caracas", "arctic"] {
        let s = Scenario::builtin(name).unwrap();
        let sim = Simulation::new(&s, 7, Window::ALL);
        let first_bg = s.aircraft.len();
        let n_bg = sim.aircraft().len() - first_bg;
        assert_eq!(n_bg as u32, s.background.as_ref().unwrap().flights);
        let mut prev: Vec<Option<crate::world::TruthState>> = vec![None; sim.aircraft().len()];
        let (mut states, mut airborne, mut landed, mut took_off) = (0, 0, 0, 0);
        let mut seen = vec![false; sim.aircraft().len()];
        for st in sim.truth_states().filter(|st| st.aircraft >= first_bg) {
            states += 1;
            seen[st.aircraft] = true;
            assert!(st.gs_kt <= MAX_GS_KT, "{name}: {st:?}");
            assert!(st.baro_rate_fpm.abs() <= MAX_VRATE_FPM, "{name}: {st:?}");
            assert!(
                st.alt_baro_ft >= -1000.0 && st.alt_baro_ft <= 43_000.0,
                "{name}: {st:?}"
            );
            if !st.on_ground {
                airborne += 1;
                assert!(st.turn_rate_deg_s.abs() <= MAX_TURN_DEG_S, "{name}: {st:?}");
                assert!(st.bank_deg.abs() <= 30.0, "{name}: {st:?}");
            } else {
                assert!(st.gs_kt <= 200.0);
            }
            if let Some(p) = prev[st.aircraft] {
                assert!(
                    (st.gs_kt - p.gs_kt).abs() <= MAX_ACCEL_KT_S,
                    "{name}: {p:?} -> {st:?}"
                );
                if p.on_ground && !st.on_ground {
                    took_off += 1;
                }
                if !p.on_ground && st.on_ground {
                    landed += 1;
                }
                // Positions move as the speed says (no jumps).
                let moved_nm = p.position.distance_nm(st.position);
                assert!(
                    moved_nm <= (p.gs_kt.max(st.gs_kt) + 1.0) / 3600.0 * 1.01,
                    "{name}: jump {moved_nm}"
                );
            }
            prev[st.aircraft] = Some(st);
        }
        assert!(airborne > states / 2, "{name}: {airborne} of {states}");
        assert!(
            landed >= 3 && took_off >= 3,
            "{name}: {landed} landings, {took_off} take-offs"
        );
        let flying = seen.iter().filter(|&&x| x).count();
        assert!(
            flying >= n_bg * 3 / 4,
            "{name}: only {flying} of {n_bg} flights appeared"
        );
    }
}

#[test]
fn same_seed_same_traffic_other_seed_other_traffic() {
    let s = Scenario::builtin("caracas").unwrap();
    let w = Window {
        from_s: 600.0,
        duration_s: Some(20.0),
    };
    let a: Vec<_> = Simulation::new(&s, 1, w).truth_states().collect();
    let b: Vec<_> = Simulation::new(&s, 1, w).truth_states().collect();
    let c: Vec<_> = Simulation::new(&s, 2, w).truth_states().collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.iter().all(|st| st.t_s >= 600.0 && st.t_s < 620.0));
    // A window is the same as the matching slice of a longer run.
    let longer: Vec<_> = Simulation::new(
        &s,
        1,
        Window {
            from_s: 590.0,
            duration_s: Some(40.0),
        },
    )
    .truth_states()
    .filter(|st| st.t_s >= 600.0 && st.t_s < 620.0)
    .collect();
    assert_eq!(a, longer);
}

#[test]
fn an_orbit_is_a_loiter_and_a_transit_is_not() {
    let text = r#"
start = "2019-03-23T14:00:00Z"
duration = "2h"
[[receiver]]
name = "rx"
lat = 11.0
lon = -66.0
[[aircraft]]
hex = "1514c0"
type = "IL76"
lat = 11.5
lon = -66.5
alt_ft = 25000
speed_kt = 300
track = 90
[[aircraft.phase]]
kind = "cruise"
duration = "10m"
[[aircraft.phase]]
kind = "orbit"
radius_nm = 5
direction = "right"
duration = "40m"
[[aircraft.phase]]
kind = "cruise"
"#;
    let s = Scenario::from_toml(text, "t").unwrap();
    let ev = Simulation::new(&s, 1, Window::ALL).truth_events();
    let loiters: Vec<&TruthEvent> = ev.iter().filter(|e| e.kind == EventKind::Loiter).collect();
    assert_eq!(loiters.len(), 1, "{}", show(&ev));
    let l = loiters[0];
    let orbit_start = s.start + 600 * 1_000_000_000;
    // The pattern begins with the orbit (or the last stretch of the inbound leg that fits in
    // the box) and ends soon after the aircraft leaves it.
    assert!(l.onset >= orbit_start - 150 * 1_000_000_000 && l.onset <= orbit_start + 60 * 1_000_000_000);
    let end = l.end.expect("the loiter ends");
    assert!(
        end > orbit_start + 2400 * 1_000_000_000 && end < orbit_start + 2700 * 1_000_000_000,
        "{}",
        show(&ev)
    );
    // The arctic bombers never loiter.
    let arctic = Scenario::builtin("arctic").unwrap();
    let ev = Simulation::new(&arctic, 1, Window::ALL).truth_events();
    assert!(!ev.iter().any(|e| e.kind == EventKind::Loiter), "{}", show(&ev));
}
