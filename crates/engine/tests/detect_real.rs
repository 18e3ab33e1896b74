//! The detectors on real recordings from ../shared/testdata (skipped when absent): the
//! take-offs and landings reported are the ones the tracks show, none at cruise and none
//! where coverage simply ends.

mod shared_data;
use shared_data::{read_with, shared_file};

use picket_engine::detect::{Detectors, Traits};
use picket_engine::event::{Detail, Event, MovementBasis};
use picket_engine::track::{Aircraft, Ingested, Tracker, TrackerConfig};
use picket_receive::csv::CsvReader;
use picket_receive::jsonl::JsonlReader;
use picket_receive::{ReaderConfig, Received};
use picket_world::events::{DetectorParams, EventKind};
use picket_world::geo::LatLon;
use picket_world::zones::builtin_zones;

/// Every event of the detectors over `items`, ticking each second and after the end until
/// every aircraft is retired.
fn detect(items: &[Received], config: TrackerConfig) -> Vec<Event> {
    let mut tracker = Tracker::new(config);
    let mut det = Detectors::new(DetectorParams::DEFAULT, builtin_zones().to_vec());
    let mut events = Vec::new();
    let mut retired: Vec<Aircraft> = Vec::new();
    let mut next = f64::NEG_INFINITY;
    let mut tick = |tracker: &mut Tracker, det: &mut Detectors, now: f64, events: &mut Vec<Event>| {
        tracker.tick(now, &mut retired);
        for a in retired.drain(..) {
            det.on_retired(&a, now, events);
        }
        det.on_tick(now, tracker, events);
    };
    let mut last = 0.0;
    for r in items {
        if r.time_utc >= next {
            tick(&mut tracker, &mut det, r.time_utc.floor(), &mut events);
            next = picket_engine::engine::next_tick_due(r.time_utc);
        }
        last = r.time_utc;
        if let Ingested::Updated(u) = tracker.ingest(r) {
            let slot = tracker.slot(u.key).unwrap();
            let a = &tracker.aircraft()[slot];
            det.on_update(slot, a, u.changed, Traits { of_interest: true }, &mut events);
        }
    }
    for s in 1..=400 {
        tick(&mut tracker, &mut det, last.floor() + f64::from(s), &mut events);
    }
    assert!(tracker.is_empty());
    events
}

fn movements(events: &[Event]) -> Vec<(EventKind, String, Option<String>)> {
    events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Takeoff | EventKind::Landing))
        .map(|e| (e.kind, e.subject.to_string(), e.airport().map(str::to_string)))
        .collect()
}

#[test]
fn long_flight_has_the_movements_its_track_shows() {
    let Some(path) = shared_file("rs1090_crate/long_flight.csv") else {
        return;
    };
    let items = read_with(&path, CsvReader::new(ReaderConfig::default()));
    let events = detect(&items, TrackerConfig::default());
    // 486257 takes off from Toulouse and lands at Amsterdam (surface positions on both
    // ends); 398101 is heard on short final at Toulouse (550 ft, 101 kt) and then on the
    // runway. Nothing else lands: the track of every aircraft that leaves coverage ends high.
    assert_eq!(
        movements(&events),
        [
            (EventKind::Landing, "398101".to_string(), Some("LFBO".to_string())),
            (EventKind::Takeoff, "486257".to_string(), Some("LFBO".to_string())),
            (EventKind::Landing, "486257".to_string(), Some("EHAM".to_string())),
        ]
    );
}

#[test]
fn full_flight_short_takes_off_from_paris_cdg() {
    let Some(path) = shared_file("traffic_samples/full_flight_short.jsonl") else {
        return;
    };
    let items = read_with(&path, JsonlReader::new(ReaderConfig::default()));
    let config = TrackerConfig {
        receiver: Some(LatLon::new(49.0097, 2.5479)),
        ..TrackerConfig::default()
    };
    let events = detect(&items, config);
    // Parked at Paris CDG, departs from 26R, lands at Toulouse on 32R.
    assert_eq!(
        movements(&events),
        [
            (EventKind::Takeoff, "393322".to_string(), Some("LFPG".to_string())),
            (EventKind::Landing, "393322".to_string(), Some("LFBO".to_string())),
        ]
    );
    let takeoff = events.iter().find(|e| e.kind == EventKind::Takeoff).unwrap();
    assert_eq!(
        takeoff.detail,
        Detail::Movement {
            basis: MovementBasis::OnGround,
            runway: Some("26R"),
            site: None,
        }
    );
}

#[test]
fn sample_data_adsb_at_cruise_has_no_movement() {
    let Some(path) = shared_file("pyModeS/sample_data_adsb.csv") else {
        return;
    };
    let items = read_with(&path, CsvReader::new(ReaderConfig::default()));
    let events = detect(&items, TrackerConfig::default());
    // One aircraft at FL360: its first sighting and nothing else.
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::FirstSeen]);
}
