//! Rules on real recordings from ../shared/testdata (skipped when absent): the default rules
//! raise nothing on ordinary airline flights, and with a rule that watches every aircraft the
//! take-offs and landings reported are exactly those the tracks show: none at cruise, none
//! where coverage simply ends.
//!
//! What "the track shows" is worked out here independently of the detectors, from the
//! tracker's state alone: an aircraft is on the ground after two consecutive surface
//! positions or messages with the on-ground flag, and in the air after two consecutive
//! airborne positions; a change between the two is a
//! take-off or landing at the airport within 5 km of the positions around the change.
//! Aircraft heard without positions (Mode S replies only) show no airport, so no take-off
//! or landing can be attributed to them.

mod shared_data;
use shared_data::shared_file;

use std::collections::BTreeMap;

use picket_engine::engine::{Engine, EngineConfig};
use picket_engine::event::{write_alert, Alert};
use picket_engine::rules::RuleSet;
use picket_engine::track::{Field, Ingested, TrackKey, Tracker, TrackerConfig};
use picket_receive::csv::CsvReader;
use picket_receive::jsonl::JsonlReader;
use picket_receive::{ReaderConfig, Received};
use picket_world::airports::nearest_with_distance;
use picket_world::events::{DetectorParams, EventKind};
use picket_world::geo::LatLon;

/// A recording and the tracker settings it needs.
struct Recording {
    name: &'static str,
    items: Vec<Received>,
    tracker: TrackerConfig,
}

fn recording(rel: &'static str, receiver: Option<LatLon>) -> Option<Recording> {
    let path = shared_file(rel)?;
    let items = if rel.ends_with(".jsonl") {
        shared_data::read_with(&path, JsonlReader::new(ReaderConfig::default()))
    } else {
        shared_data::read_with(&path, CsvReader::new(ReaderConfig::default()))
    };
    assert!(!items.is_empty(), "{rel}");
    Some(Recording {
        name: rel,
        items,
        tracker: TrackerConfig {
            receiver,
            ..TrackerConfig::default()
        },
    })
}

fn recordings() -> Vec<Recording> {
    [
        // pyModeS: 2,000 frames of EZY85MH at FL360.
        recording("pyModeS/sample_data_adsb.csv", None),
        // rs1090: KLM 486257 Toulouse to Amsterdam, and 22 other aircraft.
        recording("rs1090_crate/long_flight.csv", None),
        // traffic: 393322 from Paris CDG to Toulouse; its first surface reports are decoded
        // against a reference at CDG, as the recording's own decoder did.
        recording(
            "traffic_samples/full_flight_short.jsonl",
            Some(LatLon::new(49.0097, 2.5479)),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Plays a recording through an engine; ticks once per second of data time, and once more
/// long after the end so that silences are judged.
fn alerts(rec: &Recording, rules: RuleSet) -> Vec<Alert> {
    let mut engine = Engine::try_new(EngineConfig {
        tracker: rec.tracker,
        rules,
        ..EngineConfig::default()
    })
    .unwrap();
    let mut out = Vec::new();
    let mut next = f64::NEG_INFINITY;
    let mut last = 0.0;
    for r in &rec.items {
        if r.time_utc >= next {
            engine.tick(r.time_utc, &mut out);
            next = picket_engine::engine::next_tick_due(r.time_utc);
        }
        engine.ingest(r, &mut out);
        last = r.time_utc;
    }
    engine.tick(last + 3_600.0, &mut out);
    out
}

/// A take-off or landing the track shows: kind, aircraft, airport, and the interval the
/// change happened in (last message of the old phase, first of the new).
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    kind: EventKind,
    key: TrackKey,
    airport: &'static str,
    from: f64,
    to: f64,
}

fn shown(rec: &Recording) -> Vec<Shown> {
    let p = DetectorParams::default();
    let mut tracker = Tracker::new(rec.tracker);
    let mut samples: BTreeMap<TrackKey, Vec<Sample>> = BTreeMap::new();
    for r in &rec.items {
        let Ingested::Updated(u) = tracker.ingest(r) else {
            continue;
        };
        let a = tracker.get(u.key).unwrap();
        let t = a.last_seen;
        let ground = (a.seen(Field::OnGround) == Some(t))
            .then_some(a.on_ground)
            .flatten();
        let fix = u
            .changed
            .contains(Field::Position)
            .then(|| a.position.unwrap())
            .map(|p| (p.latlon(), p.surface));
        if ground.is_some() || fix.is_some() {
            samples.entry(u.key).or_default().push(Sample { t, ground, fix });
        }
    }
    let mut out = Vec::new();
    for (key, samples) in samples {
        // Phases, each taken after two consecutive messages say so: on the ground (surface
        // positions or the on-ground flag) and in the air (airborne positions, which an
        // aircraft sends only when it says it is airborne).
        let mut phase: Option<bool> = None;
        let mut phase_end = f64::NEG_INFINITY;
        let (mut ground_run, mut air_run) = (0, 0);
        for (i, s) in samples.iter().enumerate() {
            let says = match (s.fix, s.ground) {
                (Some((_, surface)), _) => Some(surface),
                (None, g) => g,
            };
            match says {
                Some(true) => (ground_run, air_run) = (ground_run + 1, 0),
                Some(false) if matches!(s.fix, Some((_, false))) => (ground_run, air_run) = (0, air_run + 1),
                // An airborne flag without a position: not counted either way.
                _ => {}
            }
            let now = if ground_run >= 2 {
                Some(true)
            } else if air_run >= 2 {
                Some(false)
            } else {
                None
            };
            let Some(now) = now else { continue };
            if phase.is_some_and(|was| was != now) {
                // Where: the low positions near an airport between the two phases.
                let (from, to) = (phase_end, s.t);
                let near = samples[..=i]
                    .iter()
                    .filter(|x| x.t >= from - 60.0 && x.t <= to + 60.0)
                    .filter_map(|x| x.fix)
                    .find_map(|(pos, _)| nearest_with_distance(pos, p.airport_max_distance_m));
                if let Some((airport, _)) = near {
                    out.push(Shown {
                        kind: if now {
                            EventKind::Landing
                        } else {
                            EventKind::Takeoff
                        },
                        key,
                        airport: airport.ident,
                        from,
                        to,
                    });
                }
            }
            phase = Some(now);
            phase_end = s.t;
        }
    }
    out
}

/// One message of an aircraft that said something about where it is.
#[derive(Debug, Clone, Copy)]
struct Sample {
    t: f64,
    /// The on-ground flag, when the message carried it.
    ground: Option<bool>,
    /// A new position, and whether it came from a surface report.
    fix: Option<(LatLon, bool)>,
}

#[test]
fn default_rules_raise_nothing_on_airline_flights() {
    for rec in recordings() {
        let a = alerts(&rec, RuleSet::default_rules());
        let text: Vec<String> = a
            .iter()
            .map(|x| {
                let mut s = String::new();
                write_alert(&mut s, x);
                s
            })
            .collect();
        eprintln!("{}: {} items, {} alerts", rec.name, rec.items.len(), a.len());
        assert!(a.is_empty(), "{}:\n{}", rec.name, text.join("\n"));
    }
}

#[test]
fn takeoffs_and_landings_are_those_the_tracks_show() {
    let everything = || RuleSet::load("[[rule]]\nname = \"everything\"\n", "all.toml").unwrap();
    let mut total = 0;
    for rec in recordings() {
        let want = shown(&rec);
        let all = alerts(&rec, everything());
        let got: Vec<&Alert> = all
            .iter()
            .filter(|a| matches!(a.event.kind, EventKind::Takeoff | EventKind::Landing))
            .collect();
        let describe = |kind: EventKind, key: TrackKey, airport: Option<&str>, t: f64| {
            format!("{kind} {key} at {} ({t:.0})", airport.unwrap_or("?"))
        };
        eprintln!("{}: the tracks show {want:?}", rec.name);
        for a in &got {
            eprintln!(
                "  reported {} ({:?}, {})",
                describe(a.event.kind, a.event.subject, a.event.airport(), a.event.onset),
                a.event.detail,
                a.event.confidence.as_str()
            );
        }
        // Everything shown is reported, with its onset between the fixes around the change.
        for s in &want {
            let found = got.iter().any(|a| {
                a.event.kind == s.kind
                    && a.event.subject == s.key
                    && a.event.airport() == Some(s.airport)
                    && a.event.onset >= s.from - 5.0
                    && a.event.onset <= s.to + 5.0
            });
            assert!(found, "{}: not reported: {s:?}", rec.name);
        }
        // Nothing else is.
        for a in &got {
            let expected = want.iter().any(|s| {
                a.event.kind == s.kind && a.event.subject == s.key && a.event.airport() == Some(s.airport)
            });
            assert!(
                expected,
                "{}: reported but not in the track: {}",
                rec.name,
                describe(a.event.kind, a.event.subject, a.event.airport(), a.event.onset)
            );
        }
        assert_eq!(got.len(), want.len(), "{}", rec.name);
        total += want.len();
        if rec.name.contains("sample_data_adsb") {
            assert!(want.is_empty(), "a flight at FL360 throughout");
        }
    }
    eprintln!("{total} take-offs and landings shown and reported");
}
