//! Scenario acceptance: for each built-in scenario of picket-sim, the engine under the default
//! rules reports every observable ground-truth event (same kind, same aircraft, same airport
//! or zone) with its onset within 5 s of the truth's and its detection no later than the
//! detector's minimum duration + 5 s of data time; it raises no alert about the background
//! airline traffic, and no alert that the truth does not have.
//!
//! Runs are shared between the tests of this file (one per scenario and traffic setting).
//! The background traffic is most of the simulation's cost, so the long `orchila` scenario
//! (three days on the ground) is run whole without it, and with it over its first 12 hours;
//! `arctic` and `caracas` end soon after their last observable event.

use std::collections::HashSet;
use std::sync::OnceLock;

use picket_engine::engine::{Engine, EngineConfig};
use picket_engine::event::{write_alert, Alert, Detail, Phase};
use picket_engine::rules::{RuleSet, DEFAULT_RULES};
use picket_engine::track::TrackKey;
use picket_modes::Icao;
use picket_sim::{Scenario, Simulation, TruthEvent, Window};
use picket_world::events::{DetectorParams, EventKind};

/// One scenario run: the truth, the alerts (the default rules with one alert per event,
/// and as they come by default: incidents), and who is scripted.
struct Run {
    name: &'static str,
    start: f64,
    truth: Vec<TruthEvent>,
    alerts: Vec<Alert>,
    incidents: Vec<Alert>,
    scripted: HashSet<u32>,
}

/// The default rules, delivering one alert per event.
fn per_event_rules() -> RuleSet {
    let text = DEFAULT_RULES.replace("deliver = \"incidents\"", "deliver = \"events\"");
    assert_ne!(text, DEFAULT_RULES, "the default rules deliver incidents");
    RuleSet::load(&text, "default.toml").unwrap()
}

fn secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

/// Plays a scenario window through an engine with the default configuration, ticking once
/// per second of data time.
fn play(name: &'static str, window: Window, background: bool) -> Run {
    let mut scenario = Scenario::builtin(name).unwrap();
    if !background {
        scenario.background = None;
    }
    let sim = Simulation::new(&scenario, scenario.seed, window);
    let config = EngineConfig {
        receivers: scenario.receivers.iter().map(|r| r.position).collect(),
        ..EngineConfig::default()
    };
    let mut by_incident = Engine::new(config.clone());
    let mut engine = Engine::new(EngineConfig {
        rules: per_event_rules(),
        ..config
    });
    let (mut alerts, mut incidents) = (Vec::new(), Vec::new());
    let mut next_tick = f64::NEG_INFINITY;
    let mut last = 0.0;
    for heard in sim.frames() {
        let t = heard.received.time_utc;
        if t >= next_tick {
            engine.tick(t, &mut alerts);
            by_incident.tick(t, &mut incidents);
            next_tick = picket_engine::engine::next_tick_due(t);
        }
        engine.ingest(&heard.received, &mut alerts);
        by_incident.ingest(&heard.received, &mut incidents);
        last = t;
    }
    // Let the silence detectors see the end of the window.
    engine.tick(last + 1.0, &mut alerts);
    by_incident.tick(last + 1.0, &mut incidents);
    Run {
        name,
        start: secs(scenario.start),
        truth: sim.truth_events(),
        alerts,
        incidents,
        scripted: scenario.aircraft.iter().map(|a| a.address).collect(),
    }
}

/// The first `s` seconds of a scenario.
fn until(s: f64) -> Window {
    Window {
        from_s: 0.0,
        duration_s: Some(s),
    }
}

fn shared(cell: &'static OnceLock<Run>, f: impl FnOnce() -> Run) -> &'static Run {
    cell.get_or_init(f)
}

fn arctic() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    // To the fighters' last zone exit (8,221 s); their landings back at Elmendorf are below
    // every receiver's horizon.
    shared(&RUN, || play("arctic", until(8_400.0), true))
}

fn caracas() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    // To the An-124's landing (6,442 s) and its roll-out.
    shared(&RUN, || play("caracas", until(6_700.0), true))
}

fn orchila_scripted() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    shared(&RUN, || play("orchila", Window::ALL, false))
}

fn orchila_first_half_day() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    shared(&RUN, || play("orchila", until(44_000.0), true))
}

fn key(a: u32) -> TrackKey {
    TrackKey::icao(Icao(a))
}

/// The latest data time at which the detector may report a truth event: its documented
/// minimum duration after the onset (the join, for what only a join confirms), plus 5 s.
fn deadline(p: &DetectorParams, e: &TruthEvent) -> f64 {
    let onset = secs(e.onset);
    let d = |x: std::time::Duration| x.as_secs_f64();
    5.0 + match e.kind {
        EventKind::ZoneEntry | EventKind::ZoneExit => onset,
        EventKind::Takeoff | EventKind::Emergency | EventKind::FirstSeen => onset,
        EventKind::Landing => onset + d(p.landing_silence),
        EventKind::Dwell => onset + d(p.dwell_min),
        EventKind::Formation => onset + d(p.formation_min_duration),
        EventKind::Intercept => e
            .join
            .map_or(onset, secs)
            .max(onset + d(p.intercept_min_closure_duration)),
        EventKind::Escort => onset + d(p.escort_min_duration),
        EventKind::Loiter => onset + d(p.loiter_min_duration),
        EventKind::WentDark => onset + d(p.went_dark_silence),
    }
}

/// The onset an alert gives for a truth event: the event's, or for a formation the onset of
/// the link between the truth's two aircraft.
fn alert_onset(a: &Alert, e: &TruthEvent) -> Option<f64> {
    if e.kind != EventKind::Formation {
        return Some(a.event.onset);
    }
    let (x, y) = (key(e.aircraft[0]), key(e.aircraft[1]));
    match &a.event.detail {
        Detail::Formation { links, .. } => links
            .iter()
            .find(|l| (l.a == x && l.b == y) || (l.a == y && l.b == x))
            .map(|l| l.onset),
        _ => None,
    }
}

/// Whether the alert is about the truth event's kind, aircraft and place.
fn same_event(a: &Alert, e: &TruthEvent) -> bool {
    let ev = &a.event;
    if ev.kind != e.kind || ev.phase == Phase::Ended {
        return false;
    }
    let involved: Vec<TrackKey> = ev.aircraft().collect();
    let aircraft_ok = match e.kind {
        // A formation is a group: the truth's pair is two of its members.
        EventKind::Formation => e.aircraft.iter().all(|x| involved.contains(&key(*x))),
        // The subject is the interceptor, the other the intercepted aircraft.
        _ => ev.subject == key(e.aircraft[0]) && e.aircraft[1..].iter().all(|x| ev.others.contains(&key(*x))),
    };
    let place_ok = match (&e.zone, &e.airport) {
        (Some(z), _) => ev.zone() == Some(z.as_str()),
        (None, Some(ap)) => ev.airport() == Some(ap.as_str()),
        (None, None) => true,
    };
    aircraft_ok && place_ok
}

/// The first alert reporting the truth event in time, or why there is none.
fn reported<'a>(run: &'a Run, e: &TruthEvent) -> Result<&'a Alert, String> {
    let p = DetectorParams::default();
    let onset = secs(e.onset);
    let candidates: Vec<&Alert> = run.alerts.iter().filter(|a| same_event(a, e)).collect();
    let close = candidates
        .iter()
        .copied()
        .filter(|a| alert_onset(a, e).is_some_and(|o| (o - onset).abs() <= 5.0))
        .min_by(|a, b| a.event.time.total_cmp(&b.event.time));
    let Some(a) = close else {
        let onsets: Vec<String> = candidates
            .iter()
            .map(|a| format!("{:?}", alert_onset(a, e).map(|o| o - run.start)))
            .collect();
        return Err(format!(
            "not reported (same kind/aircraft/place at onsets {onsets:?})"
        ));
    };
    if a.event.time > deadline(&p, e) {
        return Err(format!(
            "reported at {:.0} s, after the deadline {:.0} s",
            a.event.time - run.start,
            deadline(&p, e) - run.start
        ));
    }
    Ok(a)
}

fn describe(run: &Run, e: &TruthEvent) -> String {
    let hex: Vec<String> = e.aircraft.iter().map(|a| format!("{a:06x}")).collect();
    format!(
        "{} {:.0} s {} [{}] {}",
        run.name,
        secs(e.onset) - run.start,
        e.kind,
        hex.join(" "),
        e.zone.as_deref().or(e.airport.as_deref()).unwrap_or("")
    )
}

/// Every observable truth event is reported in time; the unobservable ones are listed.
fn check_truth(run: &Run) {
    let mut missing = Vec::new();
    for e in &run.truth {
        match (e.observable, reported(run, e)) {
            (true, Ok(_)) => {}
            (true, Err(why)) => missing.push(format!("{}: {why}", describe(run, e))),
            (false, r) => eprintln!(
                "{}: unobservable, {}",
                describe(run, e),
                if r.is_ok() {
                    "reported anyway"
                } else {
                    "not reported"
                }
            ),
        }
    }
    let observable = run.truth.iter().filter(|e| e.observable).count();
    eprintln!(
        "{}: {observable} observable truth events, {} reported in time; {} alerts",
        run.name,
        observable - missing.len(),
        run.alerts.len()
    );
    assert!(observable > 0, "{}: the truth has no observable event", run.name);
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// No alert about background traffic, and every first report matches a truth event.
fn check_no_false_alerts(run: &Run) {
    let mut wrong = Vec::new();
    for a in &run.alerts {
        let mut text = String::new();
        write_alert(&mut text, a);
        if a.event.aircraft().any(|k| !run.scripted.contains(&k.address().0)) {
            wrong.push(format!("background traffic: {text}"));
            continue;
        }
        if a.event.phase == Phase::Started
            && !run.truth.iter().any(|e| {
                same_event(a, e) && alert_onset(a, e).is_some_and(|o| (o - secs(e.onset)).abs() <= 5.0)
            })
        {
            wrong.push(format!("not in the truth: {text}"));
        }
    }
    assert!(wrong.is_empty(), "{}:\n{}", run.name, wrong.join("\n"));
}

#[test]
fn caracas_every_truth_event_and_no_false_alert() {
    let run = caracas();
    check_truth(run);
    check_no_false_alerts(run);
}

#[test]
fn orchila_every_truth_event_over_three_days() {
    let run = orchila_scripted();
    check_truth(run);
    check_no_false_alerts(run);
    // The dwell is raised, then raised again at each UTC midnight it lasts past.
    let dwells = run
        .alerts
        .iter()
        .filter(|a| a.event.kind == EventKind::Dwell && a.event.phase == Phase::Started)
        .count();
    assert_eq!(dwells, 4);
}

#[test]
fn orchila_background_raises_nothing() {
    let run = orchila_first_half_day();
    check_truth(run);
    check_no_false_alerts(run);
}

#[test]
fn arctic_every_truth_event_and_no_false_alert() {
    let run = arctic();
    check_truth(run);
    check_no_false_alerts(run);
}

#[test]
fn arctic_story() {
    let run = arctic();
    let (b1, b2, f1, f2) = (key(0x156f01), key(0x156f02), key(0xae1f01), key(0xae1f02));
    let started = |kind: EventKind, subject: TrackKey| {
        run.alerts.iter().filter(move |a| {
            a.event.kind == kind && a.event.subject == subject && a.event.phase == Phase::Started
        })
    };
    let adiz = |a: &&Alert| a.event.zone() == Some("alaska_adiz");
    // Both bombers enter the identification zone, and leave it.
    for b in [b1, b2] {
        assert!(started(EventKind::ZoneEntry, b).any(|a| adiz(&a)), "{b} entry");
        assert!(started(EventKind::ZoneExit, b).any(|a| adiz(&a)), "{b} exit");
    }
    // The two bombers fly in formation.
    assert!(
        run.alerts.iter().any(|a| a.event.kind == EventKind::Formation
            && a.event.aircraft().any(|k| k == b1)
            && a.event.aircraft().any(|k| k == b2)),
        "formation of the bombers"
    );
    // Both fighters intercept each bomber, with the join time of the truth, and escort it.
    for f in [f1, f2] {
        for b in [b1, b2] {
            let truth = run
                .truth
                .iter()
                .find(|e| e.kind == EventKind::Intercept && e.aircraft == [f.address().0, b.address().0])
                .unwrap();
            let alert = reported(run, truth).unwrap();
            let Detail::Intercept { join, .. } = alert.event.detail else {
                panic!("{:?}", alert.event.detail)
            };
            let join = join.expect("join time");
            let want = secs(truth.join.unwrap());
            assert!((join - want).abs() <= 5.0, "{f} on {b}: join {join} vs {want}");
            assert!(
                started(EventKind::Escort, f).any(|a| a.event.others.contains(&b)),
                "{f} escorts {b}"
            );
        }
    }
    // The bombers switch off inside the zone's reach.
    for b in [b1, b2] {
        assert!(started(EventKind::WentDark, b).any(|a| adiz(&a)), "{b} went dark");
    }
    // Every alert says which layer classified the aircraft.
    for a in &run.alerts {
        assert!(a.aircraft.military, "{a:?}");
    }
}

#[test]
fn same_input_same_alerts() {
    let window = Window {
        from_s: 4_600.0,
        duration_s: Some(600.0),
    };
    let text = |run: &Run| {
        let mut s = String::new();
        for a in &run.alerts {
            write_alert(&mut s, a);
            s.push('\n');
        }
        s
    };
    let a = play("arctic", window, true);
    let b = play("arctic", window, true);
    assert!(!a.alerts.is_empty());
    assert_eq!(text(&a), text(&b));
}

/// The incidents of a run: id -> its last message.
fn last_messages(run: &Run) -> Vec<&Alert> {
    let mut last: Vec<&Alert> = Vec::new();
    for a in &run.incidents {
        let inc = a.incident.as_ref().expect("the default rules deliver incidents");
        match last
            .iter_mut()
            .find(|x| x.incident.as_ref().is_some_and(|i| i.id == inc.id))
        {
            Some(x) => *x = a,
            None => last.push(a),
        }
    }
    last
}

fn print_incidents(run: &Run) {
    for a in &run.incidents {
        let i = a.incident.as_ref().unwrap();
        eprintln!(
            "{} {:.0} s {} {:016x} {} ({} participants, {} entries){}",
            run.name,
            i.time - run.start,
            i.phase.as_str(),
            i.id,
            i.headline,
            i.participants.len(),
            i.timeline.len(),
            i.merged_into
                .map_or(String::new(), |m| format!(" merged into {m:016x}"))
        );
    }
}

/// Under the default rules the arctic encounter is one story: one incident with the two
/// bombers and the two fighters, whose headline tells it, in at most 10 messages.
#[test]
fn arctic_is_one_incident_in_at_most_ten_messages() {
    let run = arctic();
    print_incidents(run);
    assert!(run.incidents.len() <= 10, "{} messages", run.incidents.len());
    let (b1, b2, f1, f2) = (key(0x156f01), key(0x156f02), key(0xae1f01), key(0xae1f02));
    let last = last_messages(run);
    let alive: Vec<&&Alert> = last
        .iter()
        .filter(|a| a.incident.as_ref().is_some_and(|i| i.merged_into.is_none()))
        .collect();
    assert_eq!(alive.len(), 1, "one incident left");
    let inc = alive[0].incident.as_ref().unwrap();
    for k in [b1, b2, f1, f2] {
        assert!(inc.participants.iter().any(|p| p.hex == k), "{k} in {inc:?}");
    }
    assert!(inc.headline.starts_with("2 Tu-160 (Russia) "), "{}", inc.headline);
    for words in [
        "entered the Alaska ADIZ",
        "intercepted and escorted by 2 F-22",
        "(United States)",
        "left after",
        "went dark",
    ] {
        assert!(inc.headline.contains(words), "{words:?} in {:?}", inc.headline);
    }
    // Its last message's timeline has every event the per-event rules raised until then.
    for a in run
        .alerts
        .iter()
        .filter(|a| a.event.phase == Phase::Started && a.event.time <= inc.time)
    {
        assert!(
            inc.timeline.iter().any(|e| e.event == a.event.id),
            "{:?} {} missing from the timeline",
            a.event.kind,
            a.event.subject
        );
    }
    // Raised once: one opening message per incident.
    let opened = run
        .incidents
        .iter()
        .filter(|a| a.incident.as_ref().is_some_and(|i| i.phase == Phase::Started))
        .count();
    assert_eq!(opened, last.len());
}

/// The two Russian Air Force transports landing at Maiquetia are one incident.
#[test]
fn caracas_arrivals_are_one_incident_with_both_aircraft() {
    let run = caracas();
    print_incidents(run);
    let last = last_messages(run);
    let alive: Vec<&&Alert> = last
        .iter()
        .filter(|a| a.incident.as_ref().is_some_and(|i| i.merged_into.is_none()))
        .collect();
    assert_eq!(alive.len(), 1, "one incident");
    let inc = alive[0].incident.as_ref().unwrap();
    for k in [key(0x1514c0), key(0x150d8a)] {
        assert!(inc.participants.iter().any(|p| p.hex == k), "{k} in {inc:?}");
    }
    assert!(inc.headline.contains("landed at"), "{}", inc.headline);
    assert!(run.incidents.len() <= 6, "{} messages", run.incidents.len());
}

/// The Il-76 at La Orchila: its landing and its stay are one incident over the three days.
#[test]
fn orchila_stay_is_one_incident() {
    let run = orchila_scripted();
    print_incidents(run);
    let last = last_messages(run);
    assert_eq!(last.len(), 1, "one incident");
    let inc = last[0].incident.as_ref().unwrap();
    assert!(inc.headline.contains("landed at"), "{}", inc.headline);
    assert!(
        inc.headline.contains("stayed on the ground at"),
        "{}",
        inc.headline
    );
    assert!(
        inc.timeline
            .iter()
            .filter(|e| e.kind == EventKind::Dwell && e.phase == Phase::Started)
            .count()
            == 4,
        "the daily dwell reports are in its timeline"
    );
}
