//! The history store as `picket run` uses it: the live run-time's [`RunRecorder`] seam,
//! filled by picket-store. Opened (and the engine restored from it) before any input, handed
//! every item with all the engine produced for it, closed with a summary line.

use anyhow::{anyhow, Result};
use picket_engine::engine::{Engine, Output};
use picket_engine::event::{Alert, Event};
use picket_live::config::{Settings, Source};
use picket_live::driver::RunRecorder;
use picket_live::pipeline::WorldFiles;
use picket_receive::Received;
use picket_store::rows::alert_row;
use picket_store::{restore, History, Recorder, RestoreOptions, StoreOptions};
use std::path::PathBuf;

/// The run's recorder: the store directory until the run starts, then the open store.
#[derive(Debug)]
pub(crate) struct StoreHook {
    dir: PathBuf,
    /// Live input: the store never holds the engine back (drops and counts instead).
    live: bool,
    quiet: bool,
    recorder: Option<Recorder>,
    /// Events of a step that raised no alert (the alerts are stored as alerts).
    scratch: Vec<Event>,
}

/// The `meta` entries a replay needs to build the same engine: the receivers and range.
pub(crate) fn run_meta(files: &WorldFiles) -> Vec<(String, String)> {
    let receivers: Vec<String> = files
        .receivers
        .iter()
        .map(|p| format!("[{},{}]", p.lat, p.lon))
        .collect();
    let mut meta = vec![("receivers".to_string(), format!("[{}]", receivers.join(",")))];
    if let Some(r) = files.range_nm {
        meta.push(("range_nm".into(), r.to_string()));
    }
    meta
}

/// Whether an event raised one of the alerts of the same step.
fn raised(e: &Event, alerts: &[Alert]) -> bool {
    alerts
        .iter()
        .any(|a| a.event.id == e.id && a.event.phase == e.phase)
}

impl StoreHook {
    /// The hook for the settings' store (None: no store configured).
    ///
    /// With a live input (receivers, stdin, or paced by `--speed`) the store never holds
    /// the engine back: when the disk cannot keep up, frames and states are dropped and
    /// counted. Reading files or a scenario as fast as possible, the store sets the pace
    /// instead (nothing is lost by waiting for a file).
    pub(crate) fn new(settings: &Settings, quiet: bool) -> Option<StoreHook> {
        let dir = settings.store.clone()?;
        let live = settings.speed.is_some()
            || match &settings.source {
                Source::Live { .. } => true,
                Source::Files(paths) => paths.iter().any(|p| p.as_os_str() == "-"),
                Source::Scenario { .. } => false,
            };
        Some(StoreHook {
            dir,
            live,
            quiet,
            recorder: None,
            scratch: Vec::new(),
        })
    }

    /// Keeps the events of `out` that raised no alert in `scratch`.
    fn unraised(&mut self, out: &Output) {
        self.scratch.clear();
        self.scratch
            .extend(out.events.iter().filter(|e| !raised(e, &out.alerts)).cloned());
    }
}

impl RunRecorder for StoreHook {
    /// Opens the store and restores the engine from it (a muted replay).
    fn start(&mut self, files: &WorldFiles, engine: &mut Engine) -> Result<()> {
        let dir = self.dir.as_path();
        let recorder = Recorder::open(
            dir,
            StoreOptions {
                meta: run_meta(files),
                lossless: !self.live,
                ..StoreOptions::default()
            },
        )
        .map_err(|e| anyhow!("{e}"))?;
        let history = History::open(dir).map_err(|e| anyhow!("{e}"))?;
        let restored = restore(&history, engine, RestoreOptions::default()).map_err(|e| anyhow!("{e}"))?;
        if !self.quiet {
            if let Some((from, to)) = restored.span {
                eprintln!(
                    "picket: store {}: restored from {} .. {} ({} items, {} open events, {} alerts already reported)",
                    dir.display(),
                    picket_live::format_utc(from),
                    picket_live::format_utc(to),
                    restored.read.items,
                    restored.open_events,
                    restored.muted_alerts
                );
            }
            for (id, why) in restored.read.bad_blocks.iter().take(5) {
                eprintln!("picket: store {}: block {id} skipped: {why}", dir.display());
            }
        }
        self.recorder = Some(recorder);
        Ok(())
    }

    /// Hands the item, its alerts and the events no rule raised to the store's queue.
    #[inline]
    fn record(&mut self, item: Option<&Received>, out: &Output, engine: &Engine) {
        if self.recorder.is_none() {
            return;
        }
        if !out.events.is_empty() {
            self.unraised(out);
        }
        let Some(r) = &mut self.recorder else { return };
        if !out.events.is_empty() {
            r.observe_events(&self.scratch);
        }
        match item {
            Some(item) => r.observe(Some(item), &out.alerts, engine),
            // A tick without an item: its alerts only (the states and aircraft of the
            // whole engine are written at the end, by `finish`).
            None => r.observe_event_rows(out.alerts.iter().map(alert_row).collect()),
        }
    }

    /// Writes the last states and every aircraft, waits for what is queued, and prints the
    /// store's counters.
    fn finish(&mut self, engine: &Engine, quiet: bool) {
        let Some(mut r) = self.recorder.take() else { return };
        r.observe(None, &[], engine);
        let c = r.finish();
        if !quiet || c.error.is_some() {
            eprintln!(
                "store       {} items written, {} mlat fixes, {} dropped; {} states; {} events; {} commits{}",
                c.written,
                c.fixes_written,
                c.dropped,
                c.states_written,
                c.events_written,
                c.commits,
                c.error.map(|e| format!("; {e}")).unwrap_or_default()
            );
        }
    }
}
