//! Runs simulator windows through the tracker and the detectors and compares the events
//! with the simulator's ground truth.
#![allow(dead_code)]

use picket_engine::detect::{Detectors, Traits};
use picket_engine::enrich::{classify, AircraftFacts};
use picket_engine::event::{Detail, Event, Phase};
use picket_engine::track::{Field, Tracker, TrackerConfig};
use picket_sim::{Scenario, Simulation, TruthEvent, Window};
use picket_world::events::{DetectorParams, EventKind};
use picket_world::zones::builtin_zones;

/// What a run produced.
pub(crate) struct Run {
    pub(crate) events: Vec<Event>,
    pub(crate) truth: Vec<TruthEvent>,
    pub(crate) frames: u64,
    pub(crate) start: f64,
}

/// Runs `scenario` from `from_s` for `duration_s` seconds (of the scenario's time).
pub(crate) fn run(scenario: &str, from_s: f64, duration_s: f64) -> Run {
    let s = Scenario::builtin(scenario).expect("built-in scenario");
    let sim = Simulation::new(
        &s,
        s.seed,
        Window {
            from_s,
            duration_s: Some(duration_s),
        },
    );
    let truth = sim.truth_events();
    let mut tracker = Tracker::new(TrackerConfig::default());
    let mut det = Detectors::new(DetectorParams::DEFAULT, builtin_zones().to_vec());
    let mut events = Vec::new();
    let mut retired = Vec::new();
    let mut next_tick = f64::NEG_INFINITY;
    let mut frames = 0;
    let mut traits: std::collections::HashMap<u32, Traits> = std::collections::HashMap::new();
    for h in sim.frames() {
        let r = &h.received;
        let t = r.time_utc;
        if t >= next_tick {
            tick(&mut tracker, &mut det, t.floor(), &mut retired, &mut events);
            next_tick = picket_engine::engine::next_tick_due(t);
        }
        frames += 1;
        if let picket_engine::track::Ingested::Updated(u) = tracker.ingest(r) {
            let slot = tracker.slot(u.key).unwrap();
            let a = &tracker.aircraft()[slot];
            // Classified again when the callsign changes, as the engine does.
            let id = u.key.address().0 | (u32::from(!u.key.is_icao()) << 24);
            if u.created || u.changed.contains(Field::Callsign) {
                let mut f = AircraftFacts::address(a.address());
                let cs = a.callsign.map(|c| c.as_str().to_string());
                f.callsign = cs.as_deref();
                let of_interest = classify(&f).of_interest();
                traits.insert(id, Traits { of_interest });
            }
            let tr = traits.get(&id).copied().unwrap_or_default();
            det.on_update(slot, a, u.changed, tr, &mut events);
        }
    }
    let (_, to) = sim.window_s();
    let end = s.start as f64 / 1e9 + to;
    while next_tick <= end {
        tick(&mut tracker, &mut det, next_tick, &mut retired, &mut events);
        next_tick += 1.0;
    }
    Run {
        events,
        truth,
        frames,
        start: s.start as f64 / 1e9,
    }
}

fn tick(
    tracker: &mut Tracker,
    det: &mut Detectors,
    now: f64,
    retired: &mut Vec<picket_engine::track::Aircraft>,
    events: &mut Vec<Event>,
) {
    tracker.tick(now, retired);
    for a in retired.drain(..) {
        det.on_retired(&a, now, events);
    }
    det.on_tick(now, tracker, events);
}

fn secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

/// Longest delay from onset to detection allowed for a kind: its documented minimum
/// duration plus 5 s.
pub(crate) fn allowed_delay(kind: EventKind, p: &DetectorParams) -> f64 {
    5.0 + match kind {
        EventKind::Formation => p.formation_min_duration.as_secs_f64(),
        EventKind::Escort => p.escort_min_duration.as_secs_f64(),
        EventKind::WentDark => p.went_dark_silence.as_secs_f64(),
        EventKind::Dwell => p.dwell_min.as_secs_f64(),
        EventKind::Loiter => p.loiter_min_duration.as_secs_f64(),
        _ => 0.0,
    }
}

/// The event reports that match a truth event (same kind, aircraft, place; onset within
/// 5 s), as (onset, detection time).
pub(crate) fn matches(t: &TruthEvent, events: &[Event]) -> Vec<(f64, f64)> {
    let onset = secs(t.onset);
    let hex = |k: picket_engine::track::TrackKey| k.is_icao().then_some(k.address().0);
    let mut out = Vec::new();
    for e in events
        .iter()
        .filter(|e| e.kind == t.kind && e.phase != Phase::Ended)
    {
        if e.zone().map(str::to_string) != t.zone || e.airport().map(str::to_string) != t.airport {
            continue;
        }
        match t.kind {
            EventKind::Formation => {
                if let Detail::Formation { links, .. } = &e.detail {
                    for l in links.iter().filter(|l| l.ended.is_none()) {
                        let pair = [hex(l.a), hex(l.b)];
                        if pair.contains(&Some(t.aircraft[0]))
                            && pair.contains(&Some(t.aircraft[1]))
                            && (l.onset - onset).abs() <= 5.0
                        {
                            out.push((l.onset, e.time));
                        }
                    }
                }
            }
            _ => {
                let subject_ok = hex(e.subject) == Some(t.aircraft[0]);
                let others_ok = t.aircraft[1..]
                    .iter()
                    .all(|x| e.others.iter().any(|o| hex(*o) == Some(*x)));
                let join_ok = match (t.join, &e.detail) {
                    (Some(j), Detail::Intercept { join: Some(k), .. }) => (secs(j) - k).abs() <= 5.0,
                    (Some(_), _) => false,
                    (None, _) => true,
                };
                if subject_ok && others_ok && join_ok && (e.onset - onset).abs() <= 5.0 {
                    out.push((e.onset, e.time));
                }
            }
        }
    }
    out
}

/// A readable line for a truth event.
pub(crate) fn describe(t: &TruthEvent, start: f64) -> String {
    format!(
        "{} +{:.0}s {:06x?} {:?}{:?} join {:?} observable {}",
        t.kind,
        secs(t.onset) - start,
        t.aircraft,
        t.zone,
        t.airport,
        t.join.map(|j| secs(j) - start),
        t.observable
    )
}

/// A readable line for an event.
pub(crate) fn describe_event(e: &Event, start: f64) -> String {
    format!(
        "{} {:?} +{:.0}s det +{:.0}s {} {:?} {:?}{:?} {:?}",
        e.kind,
        e.phase,
        e.onset - start,
        e.time - start,
        e.subject,
        e.others.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        e.zone(),
        e.airport(),
        e.detail
    )
}
