//! The recorder seam (`driver::RunRecorder`, the history store's way in): started with the
//! engine before any item, handed every item with the engine's whole output (events of every
//! phase, not only those that raised alerts), finished after the final tick; the same items
//! tick the engine at the times `next_tick_due` says.

use anyhow::Result;
use picket_engine::engine::{Engine, Output};
use picket_live::config::{Overrides, Settings};
use picket_live::driver::{self, Control, RunOptions, RunRecorder};
use picket_live::pipeline::WorldFiles;
use picket_receive::Received;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
struct Seen {
    started_before_items: bool,
    items: u64,
    ticks_without_item: u64,
    events: u64,
    alerts: u64,
    /// Alerts whose event was among the events handed beside them.
    alerts_with_event: u64,
    finished: u64,
    last_time: f64,
    /// The items `record` was given, then those `record_items` moved out, in order.
    stepped: Vec<Received>,
    batched: Vec<Received>,
    /// `record_items` calls whose items had not all been through `record` first.
    early_batches: u64,
}

#[derive(Debug, Default)]
struct Counting(Arc<Mutex<Seen>>);

impl RunRecorder for Counting {
    fn start(&mut self, _files: &WorldFiles, engine: &mut Engine) -> Result<()> {
        let mut s = self.0.lock().unwrap();
        s.started_before_items = s.items == 0 && engine.tracker().aircraft().is_empty();
        Ok(())
    }

    fn record(&mut self, item: Option<&Received>, out: &Output, _engine: &Engine) {
        let mut s = self.0.lock().unwrap();
        match item {
            Some(r) => {
                s.items += 1;
                s.last_time = r.time_utc;
                s.stepped.push(r.clone());
            }
            None => s.ticks_without_item += 1,
        }
        s.events += out.events.len() as u64;
        s.alerts += out.alerts.len() as u64;
        s.alerts_with_event += out
            .alerts
            .iter()
            .filter(|a| {
                out.events
                    .iter()
                    .any(|e| e.id == a.event.id && e.phase == a.event.phase)
            })
            .count() as u64;
    }

    fn record_items(&mut self, items: &mut Vec<Received>) {
        let mut s = self.0.lock().unwrap();
        if s.batched.len() + items.len() > s.stepped.len() {
            s.early_batches += 1;
        }
        // Moved out, as the store does.
        s.batched.append(items);
    }

    fn finish(&mut self, _engine: &Engine, _quiet: bool) {
        self.0.lock().unwrap().finished += 1;
    }
}

#[test]
fn a_recorder_sees_every_item_and_every_event_and_is_finished_once() {
    let settings = Settings::resolve(
        None,
        Overrides {
            scenario: Some("caracas".into()),
            from: Some("+4640s".into()),
            duration: Some("900s".into()),
            ..Overrides::default()
        },
    )
    .unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let recorder: Arc<Mutex<dyn RunRecorder>> = Arc::new(Mutex::new(Counting(seen.clone())));
    driver::run(
        &settings,
        &RunOptions {
            quiet: true,
            recorder: Some(recorder),
            ..RunOptions::default()
        },
        &Control::default(),
    )
    .unwrap();
    let s = seen.lock().unwrap();
    assert!(s.started_before_items, "{s:?}");
    assert!(s.items > 10_000, "{s:?}");
    // A replay ticks on data time only: the one itemless call is the final tick.
    assert_eq!(s.ticks_without_item, 1, "{s:?}");
    assert_eq!(s.finished, 1, "{s:?}");
    // The A124's first sighting raises an alert; the IL62's landing is an event of its own.
    assert!(s.alerts > 0, "{s:?}");
    assert_eq!(s.alerts_with_event, s.alerts, "{s:?}");
    assert!(s.events > s.alerts, "{s:?}");
    // Every batch's items come whole after the engine took them (each through `record`
    // first), and together they are the items `record` saw, in the same order.
    assert_eq!(s.early_batches, 0);
    assert_eq!(s.batched.len(), s.stepped.len());
    assert!(
        s.batched == s.stepped,
        "the batches' items differ from the items recorded"
    );
}
