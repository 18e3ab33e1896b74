//! Restart without amnesia: a picket stopped in the middle of the orchila deployment and
//! started again on its store reports the same events as one uninterrupted run: the
//! deployment is neither lost nor raised again as new.

mod common;
use common::temp_dir;

use picket_engine::engine::{Engine, EngineConfig};
use picket_engine::event::{write_alert, Alert};
use picket_engine::track::TrackerConfig;
use picket_receive::Received;
use picket_sim::{Scenario, Simulation, Window};
use picket_store::{restore, Driver, History, Recorder, RestoreOptions, StoreOptions};

fn engine(scenario: &Scenario) -> Engine {
    let receivers: Vec<_> = scenario.receivers.iter().map(|r| r.position).collect();
    Engine::new(EngineConfig {
        tracker: TrackerConfig {
            receiver: receivers.first().copied(),
            ..TrackerConfig::default()
        },
        receivers,
        ..EngineConfig::default()
    })
}

fn lines(alerts: &mut Vec<Alert>, out: &mut Vec<String>) {
    for a in alerts.drain(..) {
        let mut s = String::new();
        write_alert(&mut s, &a);
        out.push(s);
    }
}

#[test]
fn restart_in_the_middle_of_orchila_gives_the_events_of_one_run() {
    let mut scenario = Scenario::builtin("orchila").unwrap();
    // The deployment's aircraft only: the airline traffic adds frames, not memory to restore.
    scenario.background = None;
    let sim = Simulation::new(
        &scenario,
        scenario.seed,
        Window {
            from_s: 0.0,
            duration_s: None,
        },
    );
    let items: Vec<Received> = sim.frames().map(|h| h.received).collect();
    assert!(items.len() > 10_000, "{} items", items.len());

    // One uninterrupted run.
    let mut whole = Vec::new();
    {
        let mut e = engine(&scenario);
        let mut d = Driver::new();
        let mut alerts = Vec::new();
        for r in &items {
            d.feed(&mut e, r, &mut alerts);
            lines(&mut alerts, &mut whole);
        }
        d.finish(&mut e, &mut alerts);
        lines(&mut alerts, &mut whole);
    }
    assert!(
        whole.iter().any(|l| l.contains("\"kind\":\"dwell\"")),
        "{whole:#?}"
    );

    // Stopped on the second day of the stay on the ground, at the start of a data second.
    let t0 = items[0].time_utc;
    let mut k = items
        .iter()
        .position(|r| r.time_utc >= t0 + 1.6 * 86_400.0)
        .unwrap();
    while items[k].time_utc.floor() == items[k - 1].time_utc.floor() {
        k += 1;
    }
    let dir = temp_dir("restart");
    let mut got = Vec::new();
    {
        let mut e = engine(&scenario);
        let mut rec = Recorder::open(&dir, StoreOptions::default()).unwrap();
        let mut d = Driver::new();
        let mut alerts = Vec::new();
        for r in &items[..k] {
            d.feed(&mut e, r, &mut alerts);
            rec.observe(Some(r), &alerts, &e);
            lines(&mut alerts, &mut got);
        }
        d.finish(&mut e, &mut alerts);
        rec.observe(None, &alerts, &e);
        lines(&mut alerts, &mut got);
        let report = rec.finish();
        assert_eq!(report.written, k as u64, "{report:?}");
        assert_eq!(report.dropped, 0);
    }
    let before_restart = got.len();
    // Started again on the store.
    {
        let mut e = engine(&scenario);
        let mut rec = Recorder::open(&dir, StoreOptions::default()).unwrap();
        let history = History::open(&dir).unwrap();
        let restored = restore(&history, &mut e, RestoreOptions::default()).unwrap();
        assert!(restored.open_events >= 1, "{restored:?}");
        assert!(restored.muted_alerts >= 1, "{restored:?}");
        let mut d = Driver::new();
        let mut alerts = Vec::new();
        for r in &items[k..] {
            d.feed(&mut e, r, &mut alerts);
            rec.observe(Some(r), &alerts, &e);
            lines(&mut alerts, &mut got);
        }
        d.finish(&mut e, &mut alerts);
        rec.observe(None, &alerts, &e);
        lines(&mut alerts, &mut got);
        rec.finish();
    }
    assert!(before_restart > 0 && got.len() > before_restart);
    assert_eq!(got, whole);
    let _ = std::fs::remove_dir_all(&dir);
}
