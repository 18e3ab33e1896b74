//! Rules through the engine: counting windows, cooldowns, watch-listed aircraft under new
//! addresses, condition rules, reloads, and noise that must raise nothing.

#[path = "track_support/mod.rs"]
mod track_support;

use picket_engine::engine::{Engine, EngineConfig};
use picket_engine::event::{Alert, Phase};
use picket_engine::rules::{RuleErrorKind, RuleSet};
use picket_engine::track::TrackKey;
use picket_modes::adsb::EmergencyState;
use picket_modes::{Frame, Icao};
use picket_receive::{Observation, ObservationSource, What};
use picket_world::events::EventKind;
use picket_world::zones::builtin_zones;

use track_support::{
    altitude_reply, identification, identity_reply, inbound, received, status, straight_flight,
    zones_with_box, BOX_CENTRE,
};

const T0: f64 = 1_565_290_000.0;
fn engine(rules: &str) -> Engine {
    Engine::try_new(EngineConfig {
        zones: zones_with_box(),
        rules: RuleSet::load(rules, "test.toml").unwrap(),
        ..EngineConfig::default()
    })
    .unwrap()
}

/// Feeds observations in time order, ticking once per second; returns the alerts.
fn play(engine: &mut Engine, mut items: Vec<(f64, Observation)>) -> Vec<Alert> {
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut alerts = Vec::new();
    let mut next = f64::NEG_INFINITY;
    for (t, o) in items {
        if t >= next {
            engine.tick(t, &mut alerts);
            next = picket_engine::engine::next_tick_due(t);
        }
        engine.ingest(&received(t, What::Observation(Box::new(o))), &mut alerts);
    }
    alerts
}

fn frames(engine: &mut Engine, items: &[(f64, Frame)]) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for (t, f) in items {
        engine.tick(*t, &mut alerts);
        engine.ingest(&received(*t, What::ModeS(*f)), &mut alerts);
    }
    alerts
}

fn key(hex: u32) -> TrackKey {
    TrackKey::icao(Icao(hex))
}

const COUNTING: &str = r#"
[[rule]]
name = "raid"
when = "military and place == box"
events = ["zone_entry"]
count = { at_least = 3, within = "10m" }
"#;

#[test]
fn counting_rule_fires_at_the_nth_aircraft_within_the_window() {
    let mut e = engine(COUNTING);
    // Military aircraft (US military address block) enter at about +95 s, +195 s and
    // +395 s; a civil one enters at +295 s and does not count.
    let mut items = Vec::new();
    items.extend(inbound(0xae0001, "FURY11", T0, 0.0, 150));
    items.extend(inbound(0xae0002, "FURY12", T0 + 100.0, 90.0, 150));
    items.extend(inbound(0x4ca123, "RYR123", T0 + 200.0, 180.0, 150));
    items.extend(inbound(0xae0003, "FURY13", T0 + 300.0, 270.0, 150));
    let alerts = play(&mut e, items);
    let raid: Vec<&Alert> = alerts.iter().filter(|a| a.rule == "raid").collect();
    assert_eq!(raid.len(), 1, "{alerts:#?}");
    let a = raid[0];
    assert_eq!(a.event.kind, EventKind::ZoneEntry);
    assert_eq!(a.event.subject, key(0xae0003), "the third military aircraft");
    assert!(
        (a.event.onset - (T0 + 395.0)).abs() < 5.0,
        "{}",
        a.event.onset - T0
    );
    assert_eq!(
        e.rule_stats().counted,
        2,
        "the first two were counted, not alerted"
    );

    // Eleven minutes later the first three have left the window: two more entries are not
    // enough, the third is.
    let mut items = Vec::new();
    items.extend(inbound(0xae0004, "FURY14", T0 + 1_400.0, 45.0, 150));
    items.extend(inbound(0xae0005, "FURY15", T0 + 1_500.0, 135.0, 150));
    let alerts = play(&mut e, items);
    assert!(alerts.iter().all(|a| a.rule != "raid"), "{alerts:#?}");
    let alerts = play(&mut e, inbound(0xae0006, "FURY16", T0 + 1_600.0, 225.0, 150));
    let raid: Vec<&Alert> = alerts.iter().filter(|a| a.rule == "raid").collect();
    assert_eq!(raid.len(), 1);
    assert_eq!(raid[0].event.subject, key(0xae0006));
}

#[test]
fn counting_rule_counts_aircraft_not_events() {
    let mut e = engine(COUNTING);
    // One aircraft entering three times within the window is one aircraft.
    let mut items = Vec::new();
    for (i, bearing) in [0.0, 120.0, 240.0].into_iter().enumerate() {
        // Leave the box between entries: out and far away, then back in.
        items.extend(inbound(0xae0001, "FURY11", T0 + 400.0 * i as f64, bearing, 150));
    }
    let alerts = play(&mut e, items);
    assert!(alerts.iter().all(|a| a.rule != "raid"), "{alerts:#?}");
}

#[test]
fn cooldown_suppresses_repeats() {
    let rules = r#"
[[rule]]
name = "emergencies"
events = ["emergency"]
cooldown = "10m"
"#;
    let mut e = engine(rules);
    let a = Icao(0x4ca123);
    let mut items = vec![(T0, identification(a, "EIN123"))];
    // 7700 for 20 s, normal for 30 s, 7700 again: a repeat within ten minutes.
    let mut t = T0 + 1.0;
    for (state, squawk, n) in [
        (EmergencyState::General, 0o7700, 20),
        (EmergencyState::None, 0o1000, 30),
        (EmergencyState::General, 0o7700, 20),
        (EmergencyState::None, 0o1000, 700),
        (EmergencyState::General, 0o7700, 20),
    ] {
        for _ in 0..n {
            items.push((t, status(a, state, squawk)));
            t += 1.0;
        }
    }
    let alerts = frames(&mut e, &items);
    let started: Vec<f64> = alerts
        .iter()
        .filter(|x| x.event.phase == Phase::Started)
        .map(|x| x.event.onset - T0)
        .collect();
    assert_eq!(started.len(), 2, "the repeat at +51 s is suppressed: {started:?}");
    assert!(
        (started[0] - 1.0).abs() < 2.0 && (started[1] - 771.0).abs() < 2.0,
        "{started:?}"
    );
    assert_eq!(e.rule_stats().cooled_down, 1);
    // The first emergency's end is reported; the suppressed one's is not.
    let ended = alerts.iter().filter(|x| x.event.phase == Phase::Ended).count();
    assert_eq!(ended, 1, "{alerts:#?}");
}

const WATCH: &str = r#"
[[rule]]
name = "watch"
when = 'watchlist("russians")'
events = ["first_seen"]

[[watchlist]]
name = "russians"
[[watchlist.entry]]
label = "Il-62 RA-86496"
address = "1514c0"
callsign = "RFF7076"
type = "IL62"
"#;

#[test]
fn a_listed_aircraft_under_another_address_is_caught_and_reported_as_new() {
    let mut e = engine(WATCH);
    // The listed Il-62 flies as 15aaaa, with its callsign, and a source that reports its
    // type (a JSON or SBS feed with a database).
    let mut items = inbound(0x15aaaa, "RFF7076", T0, 0.0, 20);
    for (_, o) in &mut items {
        o.type_code = Some("IL62".into());
    }
    // An An-124 with a callsign of the same family: not the listed aircraft.
    let mut other = inbound(0x15bbbb, "RFF7077", T0, 90.0, 20);
    for (_, o) in &mut other {
        o.type_code = Some("A124".into());
    }
    items.extend(other);
    // The listed address itself.
    items.extend(inbound(0x1514c0, "RFF7076", T0, 180.0, 20));
    let alerts = play(&mut e, items);
    let mut seen: Vec<(TrackKey, bool)> = alerts
        .iter()
        .map(|a| (a.event.subject, a.new_address_of.is_some()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [(key(0x1514c0), false), (key(0x15aaaa), true)],
        "{alerts:#?}"
    );
    let moved = alerts.iter().find(|a| a.event.subject == key(0x15aaaa)).unwrap();
    let n = moved.new_address_of.as_ref().unwrap();
    assert_eq!(n.entry, "Il-62 RA-86496");
    assert_eq!(n.previous, [key(0x1514c0)]);
    assert_eq!(n.matched_by, ["callsign", "type"]);
    assert_eq!(moved.aircraft.type_designator.as_deref(), Some("IL62"));
    // Classified by its callsign (RFF: Russian Air Force), and the alert says so.
    assert!(moved.aircraft.military);
    assert_eq!(moved.aircraft.layer, picket_engine::enrich::Layer::Callsign);
}

#[test]
fn condition_rules_raise_and_end_their_own_events() {
    let rules = r#"
[[rule]]
name = "low in the box"
when = "inside(box) and alt_baro < 5000"
events = ["condition"]
"#;
    let mut e = engine(rules);
    // Inside the box, descending from 6,000 ft to 4,000 ft and climbing back.
    let mut items = Vec::new();
    for k in 0..60u32 {
        let alt = if (20..40).contains(&k) { 4_000 } else { 6_000 };
        let o = Observation {
            alt_baro: Some(alt),
            lat: Some(BOX_CENTRE.lat),
            lon: Some(BOX_CENTRE.lon),
            ..Observation::new(Icao(0x4ca123), ObservationSource::JsonState)
        };
        items.push((T0 + f64::from(k), o));
    }
    let alerts = play(&mut e, items);
    let phases: Vec<(Phase, f64)> = alerts
        .iter()
        .map(|a| (a.event.phase, a.event.time - T0))
        .collect();
    assert_eq!(phases.len(), 2, "{alerts:#?}");
    assert_eq!(phases[0].0, Phase::Started);
    assert_eq!(phases[1].0, Phase::Ended);
    // The tracker takes a 2,000 ft step on its second report (+21 s); the rule confirms
    // the condition on its second message (+22 s), and its end likewise (+42 s).
    assert_eq!(phases[0].1, 22.0);
    assert_eq!(phases[1].1, 42.0);
    let ev = &alerts[0].event;
    assert_eq!(ev.kind, EventKind::ZoneEntry, "the condition requires a zone");
    assert_eq!(ev.zone(), Some("box"));
    assert_eq!(ev.onset - T0, 21.0);
    assert_eq!(alerts[1].event.id, ev.id);
}

#[test]
fn a_failed_reload_keeps_the_rules() {
    let rules = "[[rule]]\nname = \"everything\"\nevents = [\"first_seen\"]\n";
    let mut e = engine(rules);
    let before = e.rules().clone();
    let bad = RuleSet::load(
        "[[rule]]\nname = \"x\"\nwhen = \"inside(atlantis)\"\n",
        "bad.toml",
    )
    .unwrap();
    let err = e.set_rules(bad).unwrap_err();
    assert_eq!(err.kind, RuleErrorKind::UnknownZone);
    assert_eq!(err.to_string().split(':').next(), Some("bad.toml"));
    assert_eq!(e.rules(), &before);
    // Rules and zones replaced together: zones that lack one the rules name fail as a whole.
    let good = RuleSet::load("[[rule]]\nname = \"y\"\nwhen = \"inside(box)\"\n", "y.toml").unwrap();
    assert!(e.reload(good, builtin_zones().to_vec()).is_err());
    assert_eq!(e.rules(), &before);
    assert_eq!(e.zones().len(), zones_with_box().len());
    // The old rules still work.
    let alerts = play(&mut e, inbound(0x4ca123, "RYR123", T0, 0.0, 5));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].rule, "everything");
    // A good reload takes effect, and keeps what the old rules had raised.
    let new = RuleSet::load(
        "[[rule]]\nname = \"everything\"\nevents = [\"first_seen\"]\n[[rule]]\nname = \"box\"\nwhen = \"inside(box)\"\n",
        "new.toml",
    )
    .unwrap();
    e.set_rules(new).unwrap();
    assert_eq!(e.rules().rules().len(), 2);
    assert_eq!(e.stats().reloads, 1);
}

#[test]
fn single_unverified_replies_raise_nothing() {
    // Every alert the engine can raise, and a condition on an absurd altitude.
    let rules = "[[rule]]\nname = \"everything\"\n[[rule]]\nname = \"high\"\nwhen = \"alt_baro > 60000\"\nevents = [\"condition\"]\n";
    let mut e = engine(rules);
    let a = Icao(0x4ca123);
    // An identity reply with 7700 from an address nobody has heard: no aircraft, nothing.
    let alerts = frames(&mut e, &[(T0, identity_reply(Icao(0x4ca999), 0o7700))]);
    assert!(alerts.is_empty());
    assert_eq!(e.snapshot().count(), 0);
    // A known aircraft: one reply that would say 7700 changes nothing.
    let mut items = vec![
        (T0 + 1.0, identification(a, "EIN123")),
        (T0 + 2.0, identification(a, "EIN123")),
    ];
    items.push((T0 + 3.0, identity_reply(a, 0o7700)));
    items.push((T0 + 4.0, identification(a, "EIN123")));
    // An altitude reply of 100,000 ft from an unknown address, then one from the aircraft
    // (its first altitude: nothing to check it against).
    items.push((T0 + 5.0, altitude_reply(Icao(0x4ca999), 100_000)));
    items.push((T0 + 6.0, altitude_reply(a, 100_000)));
    items.push((T0 + 7.0, identification(a, "EIN123")));
    let alerts = frames(&mut e, &items);
    let kinds: Vec<(&str, EventKind)> = alerts.iter().map(|x| (x.rule.as_str(), x.event.kind)).collect();
    assert_eq!(kinds, [("everything", EventKind::FirstSeen)], "only the sighting");
    // The tracker took the reply's altitude (the aircraft had none to check it against);
    // the condition rule did not fire, because no second message carried an altitude.
    assert_eq!(e.tracker().get(key(0x4ca123)).unwrap().alt_baro, Some(100_000));
}

#[test]
fn default_rules_ignore_an_airliner_and_catch_a_military_aircraft() {
    let mut e = Engine::new(EngineConfig {
        zones: zones_with_box(),
        ..EngineConfig::default()
    });
    let mut items = inbound(0x4ca123, "RYR123", T0, 0.0, 150);
    items.extend(inbound(0xae0001, "RCH471", T0, 90.0, 150));
    let last = items.iter().map(|i| i.0).fold(T0, f64::max);
    let mut alerts = play(&mut e, items);
    // The aircraft goes silent (it went dark: the story changes), and the story closes
    // half an hour after its last news.
    let quiet = picket_engine::incident::QUIET_S;
    e.tick(last + quiet + 1.0, &mut alerts);
    e.tick(last + 2.0 * quiet + 2.0, &mut alerts);
    for a in &alerts {
        assert_eq!(a.rule, "military");
        assert_eq!(a.event.subject, key(0xae0001));
        assert_eq!(a.aircraft.layer, picket_engine::enrich::Layer::AddressBlock);
    }
    // One incident: opened at the sighting, updated, closed with its whole timeline.
    let phases: Vec<(EventKind, Phase)> = alerts
        .iter()
        .map(|a| (a.event.kind, a.incident.as_ref().unwrap().phase))
        .collect();
    assert_eq!(
        phases,
        [
            (EventKind::FirstSeen, Phase::Started),
            (EventKind::WentDark, Phase::Updated),
            (EventKind::WentDark, Phase::Ended)
        ]
    );
    let closed = alerts[2].incident.as_ref().unwrap();
    let kinds: Vec<EventKind> = closed.timeline.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::FirstSeen, EventKind::ZoneEntry, EventKind::WentDark]
    );
    assert_eq!(closed.id, alerts[0].incident.as_ref().unwrap().id);
}

#[test]
fn quiet_flights_cost_no_enrichment_after_the_first() {
    let mut e = engine(WATCH);
    let mut alerts = Vec::new();
    for (t, f, _) in straight_flight(Icao(0x4ca123), T0, 60) {
        e.tick(t, &mut alerts);
        e.ingest(&received(t, What::ModeS(f)), &mut alerts);
    }
    assert_eq!(e.stats().enrichments, 1);
    assert!(e.enrichment(key(0x4ca123)).is_some());
}
