//! The history store as `picket run` uses it: opened (and the engine restored from it) before
//! the run, handed every item and the alerts it caused, closed with a summary line.

use anyhow::{anyhow, Result};
use picket_engine::engine::Engine;
use picket_engine::event::Alert;
use picket_receive::Received;
use picket_store::{restore, History, Recorder, RestoreOptions, StoreOptions};

use crate::run::config::{Settings, Source};
use crate::run::pipeline::WorldFiles;

/// The run's recorder, when a store is configured.
#[derive(Debug)]
pub(crate) struct StoreHook {
    recorder: Option<Recorder>,
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

impl StoreHook {
    /// Opens the store (None: no store, every call does nothing) and restores the engine
    /// from it.
    /// With a live input (stdin, or paced by `--speed`) the store never holds the pipeline
    /// back: when the disk cannot keep up, frames and states are dropped and counted. Reading
    /// files or a scenario as fast as possible, the store sets the pace instead (nothing is
    /// lost by waiting for a file).
    pub(crate) fn open(
        settings: &Settings,
        files: &WorldFiles,
        engine: &mut Engine,
        quiet: bool,
    ) -> Result<StoreHook> {
        let Some(dir) = settings.store.as_deref() else {
            return Ok(StoreHook { recorder: None });
        };
        let live = settings.speed.is_some()
            || matches!(&settings.source, Source::Files(paths) if paths.iter().any(|p| p.as_os_str() == "-"));
        let recorder = Recorder::open(
            dir,
            StoreOptions {
                meta: run_meta(files),
                lossless: !live,
                ..StoreOptions::default()
            },
        )
        .map_err(|e| anyhow!("{e}"))?;
        let history = History::open(dir).map_err(|e| anyhow!("{e}"))?;
        let restored = restore(&history, engine, RestoreOptions::default()).map_err(|e| anyhow!("{e}"))?;
        if !quiet {
            if let Some((from, to)) = restored.span {
                eprintln!(
                    "picket: store {}: restored from {} .. {} ({} items, {} open events, {} alerts already reported)",
                    dir.display(),
                    crate::decode::format_utc(from),
                    crate::decode::format_utc(to),
                    restored.read.items,
                    restored.open_events,
                    restored.muted_alerts
                );
            }
            for (id, why) in restored.read.bad_blocks.iter().take(5) {
                eprintln!("picket: store {}: block {id} skipped: {why}", dir.display());
            }
        }
        Ok(StoreHook {
            recorder: Some(recorder),
        })
    }

    /// Hands one item (None after the final tick) and its alerts to the store's queue.
    #[inline]
    pub(crate) fn observe(&mut self, item: Option<&Received>, alerts: &[Alert], engine: &Engine) {
        if let Some(r) = &mut self.recorder {
            r.observe(item, alerts, engine);
        }
    }

    /// Writes what is queued and prints the store's counters.
    pub(crate) fn finish(self, quiet: bool) {
        if let Some(r) = self.recorder {
            let c = r.finish();
            if !quiet || c.error.is_some() {
                eprintln!(
                    "store       {} items written, {} dropped; {} states; {} events; {} commits{}",
                    c.written,
                    c.dropped,
                    c.states_written,
                    c.events_written,
                    c.commits,
                    c.error.map(|e| format!("; {e}")).unwrap_or_default()
                );
            }
        }
    }
}
