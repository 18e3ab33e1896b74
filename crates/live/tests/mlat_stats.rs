//! Multilateration's counters in the live stats snapshot (what the HTTP server shows): each
//! receiver's clock status and synchronised pairs, and the fixes, after a run of the
//! `arctic_mlat` scenario; none when multilateration is off.

use picket_live::config::{Overrides, Settings};
use picket_live::driver::{self, Control, RunOptions};
use picket_mlat::ReceiverStatus;

fn run(mlat: Option<bool>) -> Control {
    let settings = Settings::resolve(
        None,
        Overrides {
            scenario: Some("arctic_mlat".into()),
            from: Some("3540".into()),
            duration: Some("20s".into()),
            text: true,
            mlat,
            ..Overrides::default()
        },
    )
    .unwrap();
    let control = Control::default();
    driver::run(
        &settings,
        &RunOptions {
            quiet: true,
            text: false,
            ..RunOptions::default()
        },
        &control,
    )
    .unwrap();
    control
}

#[test]
fn the_stats_snapshot_shows_each_receivers_clock_status() {
    let control = run(None);
    let m = control.stats.get().unwrap().mlat().expect("mlat ran");
    assert_eq!(m.receivers.len(), 7);
    for (name, r) in &m.receivers {
        assert_eq!(r.status, ReceiverStatus::Ok, "{name}: {r:?}");
        assert!(r.usable_pairs >= 3, "{name}: {r:?}");
        assert!(r.frames > 0, "{name}");
    }
    assert!(m.stats.fixes > 20, "{:?}", m.stats);
    assert_eq!(m.receivers[0].0, "utqiagvik");

    let control = run(Some(false));
    assert!(control.stats.get().unwrap().mlat().is_none());
}

/// A fix is one more item of the run: the observer (the HTTP server's publisher) and the
/// recorder (the history store) see every fix, from no receiver, and the engine's counters
/// count them.
#[test]
fn fixes_go_to_the_observer_and_the_recorder_and_are_counted() {
    use anyhow::Result;
    use picket_engine::engine::{Engine, Output};
    use picket_engine::event::Alert;
    use picket_engine::track::Ingested;
    use picket_live::driver::{EngineObserver, RunRecorder};
    use picket_live::pipeline::WorldFiles;
    use picket_receive::{ObservationSource, Received, What};
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, Mutex};

    fn is_fix(r: &Received) -> bool {
        matches!(&r.what, What::Observation(o) if o.source == ObservationSource::Mlat)
    }
    #[derive(Debug, Default)]
    struct Seen {
        observed: u64,
        observed_updates: u64,
        /// Fixes that came as a receiver's (the publisher would credit that receiver).
        from_a_receiver: u64,
        recorded: u64,
    }
    #[derive(Debug)]
    struct Watch(Arc<Mutex<Seen>>);
    impl EngineObserver for Watch {
        fn on_item(&mut self, item: &Received, ingested: &Ingested) {
            if is_fix(item) {
                let mut s = self.0.lock().unwrap();
                s.observed += 1;
                s.observed_updates += u64::from(matches!(ingested, Ingested::Updated(_)));
                s.from_a_receiver += u64::from(item.receiver != Received::NO_RECEIVER);
            }
        }
        fn on_alerts(&mut self, _alerts: &[Alert]) {}
        fn on_engine(&mut self, _engine: &Engine, _now: f64) {}
        fn on_reload(&mut self, _engine: &Engine) {}
    }
    impl RunRecorder for Watch {
        fn start(&mut self, _files: &WorldFiles, _engine: &mut Engine) -> Result<()> {
            Ok(())
        }
        fn record(&mut self, item: Option<&Received>, _out: &Output, _engine: &Engine) {
            if item.is_some_and(is_fix) {
                self.0.lock().unwrap().recorded += 1;
            }
        }
        fn finish(&mut self, _engine: &Engine, _quiet: bool) {}
    }

    let settings = Settings::resolve(
        None,
        Overrides {
            scenario: Some("arctic_mlat".into()),
            from: Some("3540".into()),
            duration: Some("15s".into()),
            text: true,
            ..Overrides::default()
        },
    )
    .unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let control = Control::default();
    driver::run(
        &settings,
        &RunOptions {
            quiet: true,
            text: false,
            observer: Some(Arc::new(Mutex::new(Watch(seen.clone())))),
            recorder: Some(Arc::new(Mutex::new(Watch(seen.clone())))),
        },
        &control,
    )
    .unwrap();
    let stats = control.stats.get().unwrap();
    let fixes = stats.mlat().unwrap().stats.fixes;
    let s = seen.lock().unwrap();
    assert!(fixes > 10, "{fixes}");
    assert_eq!(s.observed, fixes, "{s:?}");
    assert_eq!(s.observed_updates, fixes, "{s:?}");
    assert_eq!(s.from_a_receiver, 0, "{s:?}");
    assert_eq!(s.recorded, fixes, "{s:?}");
    assert_eq!(stats.engine.fixes.load(Ordering::Relaxed), fixes);
}
