//! The detectors keep their per-aircraft state parallel to the tracker's slab, found by
//! [`Tracker::slot`]: a retirement moves the last aircraft into the freed slot, and the
//! detectors must make the same move, or an aircraft's half-confirmed state (an emergency
//! heard once) would be lost or given to another aircraft.

use picket_engine::detect::{Detectors, Traits};
use picket_engine::event::{Detail, Event, Phase};
use picket_engine::track::{TrackKey, Tracker, TrackerConfig};
use picket_modes::Icao;
use picket_receive::{Clock, Observation, ObservationSource, Received, What};
use picket_world::events::{DetectorParams, EventKind};
use picket_world::zones::builtin_zones;

const T0: f64 = 1_565_290_000.0;

struct Run {
    tracker: Tracker,
    det: Detectors,
    events: Vec<Event>,
}

impl Run {
    fn new() -> Run {
        Run {
            tracker: Tracker::new(TrackerConfig::default()),
            det: Detectors::new(DetectorParams::DEFAULT, builtin_zones().to_vec()),
            events: Vec::new(),
        }
    }

    fn heard(&mut self, hex: u32, t: f64, squawk: u16) {
        let mut o = Observation::new(Icao(hex), ObservationSource::Other);
        o.squawk = Some(squawk);
        let r = Received {
            time_utc: t,
            clock: Clock::None,
            signal: None,
            receiver: 0,
            what: What::Observation(Box::new(o)),
        };
        if let picket_engine::track::Ingested::Updated(u) = self.tracker.ingest(&r) {
            let slot = self.tracker.slot(u.key).expect("tracked");
            let a = &self.tracker.aircraft()[slot];
            self.det
                .on_update(slot, a, u.changed, Traits::default(), &mut self.events);
        }
    }

    fn tick(&mut self, now: f64) {
        let mut retired = Vec::new();
        self.tracker.tick(now, &mut retired);
        for a in &retired {
            self.det.on_retired(a, now, &mut self.events);
        }
        self.det.on_tick(now, &self.tracker, &mut self.events);
    }

    fn keys(&self) -> Vec<u32> {
        self.tracker
            .aircraft()
            .iter()
            .map(|a| a.key.address().0)
            .collect()
    }

    /// The emergencies started, as (aircraft, squawk, onset, messages).
    fn emergencies(&self) -> Vec<(u32, Option<u16>, f64, u32)> {
        self.events
            .iter()
            .filter(|e| e.kind == EventKind::Emergency && e.phase == Phase::Started)
            .map(|e| match e.detail {
                Detail::Emergency { squawk, messages, .. } => {
                    (e.subject.address().0, squawk, e.onset, messages)
                }
                _ => unreachable!("an emergency's detail"),
            })
            .collect()
    }
}

#[test]
fn half_confirmed_state_follows_each_aircraft_across_retirements() {
    let (a, b, c, d) = (0x3c0001, 0x3c0002, 0x3c0003, 0x3c0004);
    let mut run = Run::new();
    for hex in [a, b, c, d] {
        run.heard(hex, T0, 0o1200);
    }
    // c and d each report a different emergency squawk (the tracker takes a new code at its
    // second report): the detector has one message of each, not yet confirmed.
    run.heard(a, T0 + 200.0, 0o1200);
    for t in [T0 + 200.0, T0 + 201.0] {
        run.heard(c, t, 0o7700);
        run.heard(d, t, 0o7600);
    }
    assert!(run.emergencies().is_empty(), "one message confirms nothing");
    // Only b retires: d moves into b's slot ([a, d, c]), which a plain removal would not do.
    run.tick(T0 + 301.0);
    assert_eq!(run.keys(), [a, d, c]);
    assert_eq!(run.det.stats().aircraft, 3);
    // The second reports confirm each aircraft's own emergency, onset at its first report.
    run.heard(c, T0 + 302.0, 0o7700);
    run.heard(d, T0 + 302.0, 0o7600);
    assert_eq!(
        run.emergencies(),
        [(c, Some(0o7700), T0 + 201.0, 2), (d, Some(0o7600), T0 + 201.0, 2)]
    );
    // b comes back at the slab's end with a fresh state; a retires and b moves into its
    // slot ([b, d, c]); b's emergency then needs two reports of its own.
    run.heard(b, T0 + 303.0, 0o7500);
    run.heard(b, T0 + 304.0, 0o7500);
    run.heard(c, T0 + 450.0, 0o7700);
    run.heard(d, T0 + 450.0, 0o7600);
    run.tick(T0 + 501.0);
    assert_eq!(run.keys(), [b, d, c]);
    assert_eq!(run.det.stats().aircraft, 3);
    assert_eq!(run.emergencies().len(), 2);
    run.heard(b, T0 + 502.0, 0o7500);
    assert_eq!(run.emergencies()[2], (b, Some(0o7500), T0 + 304.0, 2));
    // Every aircraft kept its own state: nothing ended or restarted for c and d.
    let ended = run
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Emergency && e.phase == Phase::Ended)
        .count();
    assert_eq!(ended, 0);
    assert!(run
        .tracker
        .aircraft()
        .iter()
        .all(|x| x.key != TrackKey::icao(Icao(a))));
}
