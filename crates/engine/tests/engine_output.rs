//! The engine's one output (`ingest_into`/`tick_into`): every event, the alerts (the same as
//! the plain `ingest`/`tick` give, in the same order), the aircraft changed and retired; and
//! `next_tick_due`, which must make the silence detectors run on time.

mod track_support;

use picket_engine::engine::{Engine, EngineConfig, Output};
use picket_engine::event::{write_alert, write_event, Alert, Event, Phase};
use picket_engine::rules::RuleSet;
use picket_engine::track::{PositionSource, TrackKey};
use picket_modes::Icao;
use picket_receive::{Clock, Observation, ObservationSource, Received, What};
use picket_world::events::{DetectorParams, EventKind};
use track_support::{inbound, zones_with_box};

const T0: f64 = 1_565_290_000.0;

fn engine() -> Engine {
    let zones = zones_with_box();
    // Every event of every kind becomes an alert, so the alerts are many and varied.
    let rules = RuleSet::load("[[rule]]\nname = \"all\"\nwhen = \"true\"\n", "all.toml").unwrap();
    Engine::try_new(EngineConfig {
        zones,
        rules,
        ..EngineConfig::default()
    })
    .unwrap()
}

/// An observation as an item.
fn received(time: f64, o: Observation) -> Received {
    track_support::received(time, What::Observation(Box::new(o)))
}

fn traffic() -> Vec<(f64, Observation)> {
    let mut items = inbound(0xae0001, "RCH471", T0, 90.0, 150);
    items.extend(inbound(0x4ca123, "RYR123", T0 + 0.5, 0.0, 150));
    // A second military aircraft alongside the first: a formation.
    items.extend(inbound(0xae0002, "RCH472", T0 + 0.25, 90.2, 150));
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    items
}

#[test]
fn output_alerts_are_the_plain_alerts_and_events_are_all_of_them() {
    let mut plain = engine();
    let mut full = engine();
    let mut alerts: Vec<Alert> = Vec::new();
    let mut out = Output::new();
    let mut all_events = Vec::new();
    let mut all_alerts = Vec::new();
    let mut changed_total = 0;
    let mut removed = Vec::new();
    let mut next = f64::NEG_INFINITY;
    let items = traffic();
    let last = items.last().unwrap().0;
    // Then 10 minutes of silence: went dark, retirement, ended events.
    let ticks = (0..600).map(|k| last + 1.0 + f64::from(k));
    let mut steps: Vec<(f64, Option<Observation>)> = items.into_iter().map(|(t, o)| (t, Some(o))).collect();
    steps.extend(ticks.map(|t| (t, None)));
    for (t, o) in steps {
        if t >= next {
            plain.tick(t, &mut alerts);
            full.tick_into(t, &mut out);
            next = picket_engine::engine::next_tick_due(t);
        }
        if let Some(o) = o {
            let key = TrackKey::icao(o.hex);
            let r = received(t, o);
            plain.ingest(&r, &mut alerts);
            full.ingest_into(&r, &mut out);
            assert_eq!(out.changed, [key], "one message changes its aircraft, once");
            let (a, enrichment) = full.get(key).expect("a changed aircraft can be looked up");
            assert_eq!(a.key, key);
            if key.address().0 >> 16 == 0xae {
                // The classification and its layer come with the state.
                assert_eq!(
                    enrichment.classification.layer,
                    picket_engine::enrich::Layer::AddressBlock
                );
            }
            changed_total += 1;
        }
        all_events.append(&mut out.events);
        all_alerts.append(&mut out.alerts);
        removed.append(&mut out.removed);
        out.clear();
    }
    assert_eq!(all_alerts, alerts, "the same alerts in the same order");
    // What the detectors really emit reads back from its JSON to the same bytes.
    for e in &all_events {
        let mut first = String::new();
        write_event(&mut first, e);
        let mut second = String::new();
        write_event(&mut second, &Event::from_json(&first).unwrap());
        assert_eq!(second, first);
    }
    for a in &alerts {
        let mut first = String::new();
        write_alert(&mut first, a);
        let mut second = String::new();
        write_alert(&mut second, &Alert::from_json(&first).unwrap());
        assert_eq!(second, first);
    }
    assert!(
        alerts.len() >= 5,
        "the test must produce alerts: {}",
        alerts.len()
    );
    assert_eq!(all_events.len() as u64, full.stats().events);
    assert_eq!(plain.stats().events, full.stats().events);
    let kinds: Vec<EventKind> = all_events.iter().map(|e| e.kind).collect();
    for k in [
        EventKind::FirstSeen,
        EventKind::ZoneEntry,
        EventKind::WentDark,
        EventKind::Formation,
    ] {
        assert!(kinds.contains(&k), "{k:?} in {kinds:?}");
    }
    for p in [Phase::Started, Phase::Ended] {
        assert!(all_events.iter().any(|e| e.phase == p), "{p:?}");
    }
    assert_eq!(changed_total, 450);
    removed.sort_by_key(|k| k.address().0);
    let mut want = vec![
        TrackKey::icao(Icao(0x4ca123)),
        TrackKey::icao(Icao(0xae0001)),
        TrackKey::icao(Icao(0xae0002)),
    ];
    want.sort_by_key(|k| k.address().0);
    assert_eq!(removed, want, "each aircraft retired once");
    assert!(full.get(want[0]).is_none());
    assert_eq!(full.snapshot().count(), 0);
}

#[test]
fn changed_keys_are_appended_across_calls() {
    let mut e = engine();
    let mut out = Output::new();
    let items = inbound(0xae0001, "RCH471", T0, 90.0, 3);
    for (t, o) in items {
        e.ingest_into(&received(t, o), &mut out);
    }
    // Appended across calls (the caller clears): one key per call.
    assert_eq!(out.changed.len(), 3);
    out.clear();
    assert!(out.is_empty());
}

#[test]
fn next_tick_due_makes_went_dark_come_on_time() {
    let mut e = engine();
    assert_eq!(e.next_tick_due(), None, "no aircraft: no tick needed");
    let mut out = Output::new();
    let items = inbound(0xae0001, "RCH471", T0, 90.0, 150);
    let last_heard = items.last().unwrap().0;
    for (t, o) in items {
        // Tick when due, as a live driver would.
        while let Some(due) = e.next_tick_due() {
            if due > t {
                break;
            }
            e.tick_into(due.max(e.tracker().now()), &mut out);
        }
        e.ingest_into(&received(t, o), &mut out);
    }
    let silence = DetectorParams::default().went_dark_silence.as_secs_f64();
    // From now on nothing arrives: tick only when the engine says so.
    let mut dark = None;
    let mut ticks = 0;
    let mut prev = f64::NEG_INFINITY;
    while let Some(due) = e.next_tick_due() {
        assert!(due > prev, "the due time advances: {due} after {prev}");
        prev = due;
        out.clear();
        e.tick_into(due, &mut out);
        ticks += 1;
        if let Some(ev) = out.events.iter().find(|ev| ev.kind == EventKind::WentDark) {
            dark = Some(ev.time);
        }
        assert!(
            ticks < 10_000,
            "next_tick_due must end once the aircraft is retired"
        );
    }
    let dark = dark.expect("went dark was reported");
    assert!(dark >= last_heard + silence, "{dark} vs {last_heard}");
    // The detector's rule: silent for `went_dark_silence`; the tick granularity is 1 s.
    assert!(
        dark <= last_heard + silence + 1.0,
        "went dark at {dark}, last heard {last_heard}"
    );
    assert_eq!(e.snapshot().count(), 0, "None only once nothing is tracked");
}

#[test]
fn next_tick_due_is_at_once_before_the_first_tick_and_then_each_second() {
    let mut e = engine();
    let mut out = Output::new();
    let (t, o) = inbound(0xae0001, "RCH471", T0 + 0.4, 90.0, 1).remove(0);
    e.ingest_into(&received(t, o), &mut out);
    assert_eq!(
        e.next_tick_due(),
        Some(T0 + 0.4),
        "never ticked: due at the data time reached"
    );
    e.tick_into(T0 + 0.7, &mut out);
    assert_eq!(e.next_tick_due(), Some(T0 + 1.0));
    // A tick back in time changes nothing.
    e.tick_into(T0 - 5.0, &mut out);
    assert_eq!(e.next_tick_due(), Some(T0 + 1.0));
    e.tick_into(f64::NAN, &mut out);
    assert_eq!(e.next_tick_due(), Some(T0 + 1.0));
}

/// Positions from multilateration are labelled `mlat` wherever they show: in the evidence of
/// every detector (the formation's is a snapshot moved on by the aircraft's velocity, never
/// the tracker's position itself) and in the alert's aircraft.
#[test]
fn mlat_positions_are_labelled_in_evidence_and_in_the_alerts_aircraft() {
    let mut engine = engine();
    let mut out = Output::new();
    let mut events = Vec::new();
    let mut alerts = Vec::new();
    let mut next = f64::NEG_INFINITY;
    for (t, mut o) in traffic() {
        if o.hex.0 >> 16 == 0xae {
            o.source = ObservationSource::Mlat;
        }
        if t >= next {
            engine.tick_into(t, &mut out);
            next = t.floor() + 1.0;
        }
        engine.ingest_into(&received(t, o), &mut out);
        events.append(&mut out.events);
        alerts.append(&mut out.alerts);
        out.clear();
    }
    let mlat = |k: TrackKey| k.address().0 >> 16 == 0xae;
    let formation: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind == EventKind::Formation && e.phase == Phase::Started)
        .collect();
    assert!(!formation.is_empty(), "a formation of the two mlat aircraft");
    let mut checked = 0;
    for e in events.iter().filter(|e| !e.evidence.is_empty()) {
        for ev in e.evidence.iter().filter(|ev| ev.lat.is_some()) {
            // The airliner's positions come from a JSON state: another tool's, `other`.
            let want = Some(if mlat(ev.hex) {
                PositionSource::Mlat
            } else {
                PositionSource::Other
            });
            assert_eq!(ev.position_source, want, "{:?} evidence {ev:?}", e.kind);
            checked += 1;
        }
    }
    assert!(checked >= 6, "{checked}");
    let mut line = String::new();
    write_event(&mut line, formation[0]);
    assert_eq!(line.matches("\"position_source\":\"mlat\"").count(), 2, "{line}");
    for a in &alerts {
        let Some(source) = a.aircraft.position_source else {
            continue;
        };
        assert_eq!(source == PositionSource::Mlat, mlat(a.aircraft.hex), "{a:?}");
        line.clear();
        write_alert(&mut line, a);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["aircraft"]["position_source"], source.name(), "{line}");
    }
    assert!(
        alerts
            .iter()
            .any(|a| a.aircraft.position_source == Some(PositionSource::Mlat)),
        "alerts of the mlat aircraft"
    );
}

/// The engine keeps its per-aircraft state beside the tracker's slab: after a retirement
/// moves the last aircraft into the freed slot, and after the retired one comes back, each
/// aircraft still has its own enrichment (its reported registration and type).
#[test]
fn each_aircraft_keeps_its_enrichment_across_retirements() {
    let mut engine = Engine::new(EngineConfig::default());
    let mut alerts = Vec::new();
    let obs = |hex: u32, t: f64| {
        let mut o = Observation::new(Icao(hex), ObservationSource::Other);
        o.registration = Some(format!("REG{hex:06X}"));
        o.type_code = Some(format!("T{}", hex % 1000));
        Received {
            time_utc: t,
            clock: Clock::None,
            signal: None,
            receiver: 0,
            what: What::Observation(Box::new(o)),
        }
    };
    let (a, b, c, d) = (0x3c0001, 0x3c0002, 0x3c0003, 0x3c0004);
    for hex in [a, b, c, d] {
        engine.ingest(&obs(hex, T0), &mut alerts);
    }
    let check = |engine: &Engine, present: &[u32]| {
        let keys: Vec<TrackKey> = engine.snapshot().map(|x| x.key).collect();
        assert_eq!(keys.len(), present.len());
        for &hex in present {
            let key = TrackKey::icao(Icao(hex));
            let (aircraft, e) = engine.get(key).expect("tracked");
            assert_eq!(aircraft.key, key);
            assert_eq!(e.registration.as_deref(), Some(format!("REG{hex:06X}").as_str()));
            assert_eq!(
                e.type_designator.as_deref(),
                Some(format!("T{}", hex % 1000).as_str())
            );
            assert_eq!(engine.enrichment(key), Some(e));
        }
        for (aircraft, e) in engine.enriched() {
            let hex = aircraft.key.address().0;
            assert_eq!(e.registration.as_deref(), Some(format!("REG{hex:06X}").as_str()));
        }
        assert_eq!(engine.enriched().count(), present.len());
    };
    check(&engine, &[a, b, c, d]);
    // a and c heard again; b and d retire: d moves into b's slot and is removed there,
    // then c moves into it (the slab [a, b, c, d] becomes [a, c]).
    engine.ingest(&obs(a, T0 + 200.0), &mut alerts);
    engine.ingest(&obs(c, T0 + 200.0), &mut alerts);
    engine.tick(T0 + 301.0, &mut alerts);
    check(&engine, &[a, c]);
    assert!(engine.get(TrackKey::icao(Icao(b))).is_none());
    // b comes back at the slab's end ([a, c, b]); then a retires and b moves into its
    // slot ([b, c]).
    engine.ingest(&obs(b, T0 + 302.0), &mut alerts);
    engine.ingest(&obs(c, T0 + 450.0), &mut alerts);
    check(&engine, &[a, c, b]);
    engine.tick(T0 + 501.0, &mut alerts);
    check(&engine, &[c, b]);
}
