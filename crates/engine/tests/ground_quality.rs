//! Take-offs and landings on real recorded trajectories (OpenSky data from the `traffic`
//! library, ../shared/testdata/traffic_samples; skipped when absent unless
//! PICKET_REQUIRE_TESTDATA=1), measured against a truth established by hand, and the
//! quality report of docs/detectors.md. Print the report with
//!
//! ```text
//! cargo test -p picket-engine --test ground_quality -- --nocapture
//! ```
//!
//! The truth ([`TRUTH`]) was read off each track (every change of its on-ground flag, its
//! altitude, speed and distance to the nearest airport, printed and read by eye):
//! - zurich_airport: 10 aircraft at Zurich (LSZH, 1,417 ft) with OpenSky's on-ground flag.
//!   A take-off is the last flag change to airborne before the aircraft climbs away (speed
//!   above 140 kt and altitude rising past 2,000 ft within a minute); a landing the first
//!   ground flag after which the flag stays on the ground. Two aircraft (4b17e5 "SWISS",
//!   4b17fd SWR75C) stay on the ground throughout: no movement, although the first carries
//!   a stale 468 kt speed and both flicker. Flags that flip for seconds while altitude
//!   jumps to 20,000-38,000 ft (values merged from another source) are noise.
//! - noisy_ground, noisy_takeoff: one departure each from LSZH with the same flag noise.
//! - noisy_landing: DLH4TR on final to LSZH; the recording ends 3.4 km out at 258 ft above
//!   the field, 139 kt: a landing concluded at the end of the input.
//! - noisy_time_issue: departs Porto (LPPR, first point 122 ft above the field, 147 kt,
//!   climbing) and ends 900 m from LSZH's reference point at field level, 102 kt.
//! - noisy_spoofing: begins 13 km from Istanbul at 4,175 ft and ends at FL380: nothing.
//! - switzerland: 842 aircraft, 17 h, no on-ground flag. Its lowest altitude is 30,225 ft:
//!   every track begins and ends in cruise where coverage does, so the truth is empty (the
//!   derivation rule, "first or last point within 8 km of an airport below 1,000 ft above
//!   it", selects no track), and every take-off or landing reported is false.
//! - rega_zh: the rescue helicopter REGA1 lifts off at the Triemli hospital in Zurich
//!   (first point 47.3665 N 8.5007 E, 51 kt, climbing; 10 km from any airport in the table)
//!   and descends to a hover at field elevation 800 m from Dübendorf's (LSMD) reference
//!   point, 450 m south of its runway, where the recording ends: a take-off at a place and
//!   a landing at LSMD.

mod shared_data;

use picket_engine::detect::{DetectorStats, Detectors, Traits};
use picket_engine::engine::{Engine, EngineConfig};
use picket_engine::event::{Detail, Event, Phase};
use picket_engine::track::{Aircraft, Ingested, Tracker, TrackerConfig};
use picket_receive::Received;
use picket_world::events::{DetectorParams, EventKind};
use picket_world::geo::LatLon;
use picket_world::zones::builtin_zones;

/// Where a movement of the truth happened.
#[derive(Debug, Clone, Copy)]
enum At {
    Airport(&'static str),
    /// A site away from airports (latitude, longitude).
    Site(f64, f64),
}

/// (file, kind, aircraft, place, time): see the module documentation for how each was read.
const TRUTH: &[(&str, EventKind, &str, At, f64)] = &[
    (
        "zurich_airport",
        EventKind::Landing,
        "4b18b8",
        At::Airport("LSZH"),
        1_571_948_504.0,
    ),
    (
        "zurich_airport",
        EventKind::Landing,
        "0083c3",
        At::Airport("LSZH"),
        1_570_260_849.0,
    ),
    (
        "zurich_airport",
        EventKind::Landing,
        "4d20cd",
        At::Airport("LSZH"),
        1_570_302_559.0,
    ),
    (
        "zurich_airport",
        EventKind::Landing,
        "4b160e",
        At::Airport("LSZH"),
        1_572_971_812.0,
    ),
    (
        "zurich_airport",
        EventKind::Takeoff,
        "4891b6",
        At::Airport("LSZH"),
        1_575_023_143.0,
    ),
    (
        "zurich_airport",
        EventKind::Takeoff,
        "4690e2",
        At::Airport("LSZH"),
        1_574_590_052.0,
    ),
    (
        "zurich_airport",
        EventKind::Takeoff,
        "4b1614",
        At::Airport("LSZH"),
        1_572_953_639.0,
    ),
    (
        "zurich_airport",
        EventKind::Takeoff,
        "c01074",
        At::Airport("LSZH"),
        1_572_943_240.0,
    ),
    (
        "zurich_airport",
        EventKind::Takeoff,
        "4b160e",
        At::Airport("LSZH"),
        1_572_959_120.0,
    ),
    (
        "noisy_ground",
        EventKind::Takeoff,
        "440549",
        At::Airport("LSZH"),
        1_573_482_026.0,
    ),
    (
        "noisy_takeoff",
        EventKind::Takeoff,
        "3946e4",
        At::Airport("LSZH"),
        1_573_493_987.0,
    ),
    (
        "noisy_landing",
        EventKind::Landing,
        "3c664e",
        At::Airport("LSZH"),
        1_573_495_799.0,
    ),
    (
        "noisy_time_issue",
        EventKind::Takeoff,
        "4b1815",
        At::Airport("LPPR"),
        1_657_712_422.0,
    ),
    (
        "noisy_time_issue",
        EventKind::Landing,
        "4b1815",
        At::Airport("LSZH"),
        1_657_720_872.0,
    ),
    (
        "rega_zh",
        EventKind::Takeoff,
        "4b43ac",
        At::Site(47.3665, 8.5007),
        1_558_732_719.0,
    ),
    (
        "rega_zh",
        EventKind::Landing,
        "4b43ac",
        At::Airport("LSMD"),
        1_558_733_057.0,
    ),
];

/// The files measured, in the report's order.
const FILES: [&str; 8] = [
    "zurich_airport",
    "noisy_ground",
    "noisy_takeoff",
    "noisy_landing",
    "noisy_time_issue",
    "noisy_spoofing",
    "rega_zh",
    "switzerland",
];

/// Largest time between a truth movement and the reported onset.
const MATCH_S: f64 = 180.0;

/// Largest distance between a truth site and a reported one, metres.
const SITE_M: f64 = 2_000.0;

/// The items of a trajectory file of `traffic_samples`, in time order (the shared reader).
fn items(name: &str) -> Option<Vec<Received>> {
    shared_data::traffic_sample(name)
}

/// Every event of the detectors over `items`, ticking each data second, then the end of
/// the input.
fn detect(items: &[Received]) -> (Vec<Event>, DetectorStats) {
    let mut tracker = Tracker::new(TrackerConfig::default());
    let mut det = Detectors::new(DetectorParams::DEFAULT, builtin_zones().to_vec());
    let mut events = Vec::new();
    let mut retired: Vec<Aircraft> = Vec::new();
    let mut next = f64::NEG_INFINITY;
    let mut last = 0.0;
    for r in items {
        if r.time_utc >= next {
            let now = r.time_utc.floor();
            tracker.tick(now, &mut retired);
            for a in retired.drain(..) {
                det.on_retired(&a, now, &mut events);
            }
            det.on_tick(now, &tracker, &mut events);
            next = now + 1.0;
        }
        last = r.time_utc;
        if let Ingested::Updated(u) = tracker.ingest(r) {
            let slot = tracker.slot(u.key).unwrap();
            let a = &tracker.aircraft()[slot];
            det.on_update(slot, a, u.changed, Traits::default(), &mut events);
        }
    }
    det.finish(last, &tracker, &mut events);
    (events, det.stats())
}

fn movements(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Takeoff | EventKind::Landing) && e.phase == Phase::Started)
        .collect()
}

fn site(e: &Event) -> Option<LatLon> {
    match &e.detail {
        Detail::Movement { site: Some(s), .. } => Some(s.position),
        _ => None,
    }
}

fn matches(truth: &(&str, EventKind, &str, At, f64), e: &Event) -> bool {
    let (_, kind, hex, at, time) = *truth;
    let place = match at {
        At::Airport(ident) => e.airport() == Some(ident),
        At::Site(lat, lon) => site(e).is_some_and(|p| p.distance_m(LatLon::new(lat, lon)) <= SITE_M),
    };
    e.kind == kind && e.subject.to_string() == hex && place && (e.onset - time).abs() <= MATCH_S
}

/// Aircraft-hours of `items`: per aircraft, the time between consecutive items summed,
/// gaps over 10 minutes left out.
fn aircraft_hours(items: &[Received]) -> f64 {
    let mut last: std::collections::HashMap<String, f64> = std::collections::HashMap::new();
    let mut total = 0.0;
    for r in items {
        let Some(o) = r.what.observation() else { continue };
        let key = o.hex.to_string();
        if let Some(prev) = last.insert(key, r.time_utc) {
            let dt = r.time_utc - prev;
            if dt > 0.0 && dt <= 600.0 {
                total += dt;
            }
        }
    }
    total / 3600.0
}

/// Alerts of the whole engine under the default rules, and those about aircraft it
/// classified civil.
fn alerts(items: &[Received]) -> (usize, usize) {
    let mut engine = Engine::new(EngineConfig::default());
    let mut alerts = Vec::new();
    let mut next = f64::NEG_INFINITY;
    let mut last = 0.0;
    for r in items {
        if r.time_utc >= next {
            engine.tick(r.time_utc.floor(), &mut alerts);
            next = picket_engine::engine::next_tick_due(r.time_utc);
        }
        engine.ingest(r, &mut alerts);
        last = r.time_utc;
    }
    engine.tick(last, &mut alerts);
    engine.finish(last, &mut alerts);
    let civil = alerts
        .iter()
        .filter(|a| a.aircraft.class == picket_engine::enrich::Class::Civil)
        .count();
    (alerts.len(), civil)
}

/// One file's figures.
#[derive(Debug, Default, Clone, Copy)]
struct Score {
    truth: usize,
    found: usize,
    reported: usize,
    correct: usize,
    noise: u64,
}

#[test]
fn ground_events_on_real_trajectories_match_the_truth() {
    let mut total = Score::default();
    let mut rows = Vec::new();
    for file in FILES {
        let Some(items) = items(file) else { return };
        let (events, stats) = detect(&items);
        let moves = movements(&events);
        let truth: Vec<_> = TRUTH.iter().filter(|t| t.0 == file).collect();
        let found = truth
            .iter()
            .filter(|t| moves.iter().any(|e| matches(t, e)))
            .count();
        let correct = moves
            .iter()
            .filter(|e| truth.iter().any(|t| matches(t, e)))
            .count();
        for e in &moves {
            if !truth.iter().any(|t| matches(t, e)) {
                eprintln!(
                    "{file}: not in the truth: {} {} at {:?} {:?} onset {:.0} detail {:?}",
                    e.kind,
                    e.subject,
                    e.airport(),
                    site(e),
                    e.onset,
                    e.detail
                );
            }
        }
        for t in &truth {
            if !moves.iter().any(|e| matches(t, e)) {
                eprintln!("{file}: missed: {t:?}");
            }
        }
        let s = Score {
            truth: truth.len(),
            found,
            reported: moves.len(),
            correct,
            noise: stats.ground_flag_noise,
        };
        total.truth += s.truth;
        total.found += s.found;
        total.reported += s.reported;
        total.correct += s.correct;
        total.noise += s.noise;
        rows.push((file, s, aircraft_hours(&items)));
    }
    println!("| sample | aircraft-hours | truth | found | reported | correct | flag noise ignored |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (file, s, hours) in &rows {
        println!(
            "| {file} | {hours:.1} | {} | {} | {} | {} | {} |",
            s.truth, s.found, s.reported, s.correct, s.noise
        );
    }
    let precision = total.correct as f64 / total.reported.max(1) as f64;
    let recall = total.found as f64 / total.truth.max(1) as f64;
    println!(
        "| all | | {} | {} | {} | {} | {} |",
        total.truth, total.found, total.reported, total.correct, total.noise
    );
    println!(
        "precision {:.1} %, recall {:.1} %",
        100.0 * precision,
        100.0 * recall
    );
    // Every movement of the truth is found at the right place within 3 minutes, and
    // nothing else is reported (no pair from flag flicker, no landing where coverage ends).
    assert_eq!(total.found, total.truth, "recall");
    assert_eq!(total.correct, total.reported, "precision");
    assert!(
        total.noise > 0,
        "the flag noise of zurich_airport is seen and counted"
    );
}

#[test]
fn no_alert_on_a_day_of_ordinary_traffic_under_the_default_rules() {
    let Some(items) = items("switzerland") else { return };
    let hours = aircraft_hours(&items);
    let (all, civil) = alerts(&items);
    println!(
        "switzerland: {hours:.0} aircraft-hours, {all} alerts under the default rules, {civil} about civil aircraft: {:.2} per 1,000 aircraft-hours",
        civil as f64 * 1000.0 / hours
    );
    assert_eq!(civil, 0);
}
