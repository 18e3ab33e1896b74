//! The history store as `picket run` uses it: the live run-time's [`RunRecorder`] seam,
//! filled by picket-store. Opened (and the engine restored from it) before any input, handed
//! every item with all the engine produced for it, closed with a summary line.

use anyhow::{anyhow, Result};
use picket_engine::engine::{Engine, Output};
use picket_engine::event::{Alert, Event};
use picket_engine::track::{TrackKey, TrailPoint};
use picket_live::config::{Settings, Source};
use picket_live::driver::RunRecorder;
use picket_live::pipeline::WorldFiles;
use picket_receive::Received;
use picket_server::{
    EventQuery, HistoryError, HistorySource, PastAircraft, QueryAnswer, QueryError, StoreQuery,
};
use picket_store::rows::alert_row;
use picket_store::{restore, Area, Filter, History, Recorder, RestoreOptions, StoreOptions};
use std::path::PathBuf;

/// The run's recorder: the store directory until the run starts, then the open store.
#[derive(Debug)]
pub(crate) struct StoreHook {
    dir: PathBuf,
    /// Live input: the store never holds the engine back (drops and counts instead).
    live: bool,
    quiet: bool,
    /// How far back the restore replays.
    restore: RestoreOptions,
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

/// The store's policy per input kind: true for live input (receivers and pushed input,
/// stdin, anything paced by `--speed`), which the store never holds back (a full queue drops
/// and counts); false for files and scenarios read as fast as possible, which wait for the
/// store instead (nothing is lost: a user importing a file keeps all of it).
pub(crate) fn live_input(source: &Source, speed: Option<f64>) -> bool {
    speed.is_some()
        || match source {
            Source::Live { .. } => true,
            Source::Files(paths) => paths.iter().any(|p| p.as_os_str() == "-"),
            Source::Scenario { .. } => false,
        }
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
    /// `restore_max`: at most this many seconds replayed by the restore (`--restore-max`).
    pub(crate) fn new(settings: &Settings, quiet: bool, restore_max: Option<f64>) -> Option<StoreHook> {
        let dir = settings.store.clone()?;
        let mut restore = RestoreOptions::default();
        if let Some(m) = restore_max {
            restore.max_s = m.max(0.0);
        }
        Some(StoreHook {
            dir,
            live: live_input(&settings.source, settings.speed),
            quiet,
            restore,
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

/// The writer's commit period: 250 ms, or `PICKET_STORE_COMMIT_MS` (docs/history.md; for
/// profiling: under callgrind a run is fifty times slower, and the 250 ms commits would make
/// many small blocks, merged again at the end, that a run at full speed never makes).
fn commit_every() -> std::time::Duration {
    std::env::var("PICKET_STORE_COMMIT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(
            StoreOptions::default().commit_every,
            std::time::Duration::from_millis,
        )
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
                commit_every: commit_every(),
                ..StoreOptions::default()
            },
        )
        .map_err(|e| anyhow!("{e}"))?;
        // The recorder's open has just run the whole-file check on this store; a second
        // one (seconds on a day's store) would find nothing new.
        let history = History::open_unchecked(dir).map_err(|e| anyhow!("{e}"))?;
        let restored = restore(&history, engine, self.restore).map_err(|e| anyhow!("{e}"))?;
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
            // The item itself comes with its batch (`record_items`): not copied here.
            Some(item) => r.observe_step(Some(item), &out.alerts, engine),
            // A tick without an item: its alerts only (the states and aircraft of the
            // whole engine are written at the end, by `finish`).
            None => r.observe_event_rows(out.alerts.iter().map(alert_row).collect()),
        }
    }

    /// The store keeps events, alerts and states (taken from the engine once a data second),
    /// not the aircraft each item changed.
    fn wants_aircraft_keys(&self) -> bool {
        false
    }

    /// The batch's received items, moved into the store's queue (a large batch as its
    /// vector, small ones copied into the pending chunk; no copy per item on the large path).
    fn record_items(&mut self, items: &mut Vec<Received>) {
        if let Some(r) = &mut self.recorder {
            r.observe_items(items);
        }
    }

    /// Writes the last states and every aircraft, waits for what is queued, and prints the
    /// store's counters.
    fn finish(&mut self, engine: &Engine, quiet: bool) {
        let Some(mut r) = self.recorder.take() else { return };
        r.observe_step(None, &[], engine);
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

/// The store as the HTTP server's history (the map's timeline, older events, trails): a
/// read connection opened at the first request (the run's recorder creates the store) and
/// kept, one request at a time.
#[derive(Debug)]
pub(crate) struct StoreHistory {
    dir: PathBuf,
    /// The run's zone files (`zone` of `/api/history/{what}`, beside the built-in zones).
    zones: Vec<PathBuf>,
    conn: std::sync::Mutex<Option<History>>,
}

impl StoreHistory {
    pub(crate) fn new(dir: PathBuf, zones: Vec<PathBuf>) -> StoreHistory {
        StoreHistory {
            dir,
            zones,
            conn: std::sync::Mutex::new(None),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&History) -> Result<T, picket_store::Error>) -> Result<T, HistoryError> {
        let mut g = self
            .conn
            .lock()
            .map_err(|_| HistoryError("history poisoned".into()))?;
        // Without the whole-file check at open (seconds on a day's store, paid by the first
        // request); a request that fails runs it to say whether the file is damaged.
        if g.is_none() {
            *g = Some(History::open_unchecked(&self.dir).map_err(|e| HistoryError(e.to_string()))?);
        }
        let h = g.as_ref().ok_or_else(|| HistoryError("no store".into()))?;
        f(h).map_err(|e| HistoryError(h.damage().unwrap_or(e).to_string()))
    }
}

impl HistorySource for StoreHistory {
    fn available(&self) -> bool {
        true
    }

    fn events(&self, q: &EventQuery) -> Result<Vec<String>, HistoryError> {
        let w = &q.who;
        let f = Filter {
            from: q.since,
            to: q.until,
            // Both given: the country in SQL's place, the box checked below.
            area: q
                .in_country
                .map(Area::Country)
                .or(q.bbox.map(|[south, west, north, east]| Area::Bbox {
                    south,
                    west,
                    north,
                    east,
                })),
            hex: q.aircraft.map(|k| vec![k.to_string()]).unwrap_or_default(),
            registration: w.registration.clone(),
            callsign: w.callsign.clone(),
            type_designator: w.type_designator.clone(),
            operator: w.operator.clone(),
            country: w.country.clone(),
            military: w.military,
            kinds: q.kinds.clone(),
            all_events: true,
            limit: q.limit,
        };
        let boxed = q
            .in_country
            .and(q.bbox)
            .map(|[south, west, north, east]| Area::Bbox {
                south,
                west,
                north,
                east,
            });
        // Newest first, the conditions the store's filter has not checked, and no more rows
        // read than the answer needs (the map's list asks for the newest 500 of a day).
        let keep = |hit: &picket_store::EventHit| {
            let e = &hit.event;
            boxed
                .as_ref()
                .is_none_or(|b| matches!((e.lat, e.lon), (Some(lat), Some(lon)) if b.contains(lat, lon)))
                && q.until.is_none_or(|u| e.t < u)
                && q.rule.as_ref().is_none_or(|r| e.rule.as_ref() == Some(r))
                && q.airport.as_ref().is_none_or(|a| e.place.as_ref() == Some(a))
                && q.zone.as_ref().is_none_or(|z| e.place.as_ref() == Some(z))
        };
        let hits = self.with(|h| h.events_where(&f, true, keep))?;
        Ok(hits.into_iter().take(q.limit).map(|h| h.event.json).collect())
    }

    fn query(&self, q: &StoreQuery) -> Result<QueryAnswer, QueryError> {
        let args = crate::query::from_http(q, self.dir.clone(), self.zones.clone())
            .map_err(|e| QueryError::Bad(e.to_string()))?;
        let mut g = self
            .conn
            .lock()
            .map_err(|_| QueryError::Failed(HistoryError("history poisoned".into())))?;
        if g.is_none() {
            *g = Some(
                History::open_unchecked(&self.dir)
                    .map_err(|e| QueryError::Failed(HistoryError(e.to_string())))?,
            );
        }
        let h = g
            .as_ref()
            .ok_or_else(|| QueryError::Failed(HistoryError("no store".into())))?;
        crate::query::answer_http(&args, h)
    }

    fn trail(&self, aircraft: TrackKey, from: f64, to: f64) -> Result<Vec<TrailPoint>, HistoryError> {
        let rows = self.with(|h| h.states_of(&aircraft.to_string(), from, to))?;
        Ok(rows
            .into_iter()
            .filter(|s| s.t < to)
            .map(|s| TrailPoint {
                time: s.t,
                lat: s.lat as f32,
                lon: s.lon as f32,
                alt_baro: s.alt_baro,
                on_ground: s.on_ground == Some(true),
            })
            .collect())
    }

    fn range(&self) -> Result<Option<(f64, f64)>, HistoryError> {
        self.with(|h| {
            let states = h.state_span()?;
            let frames = h.frame_span()?;
            Ok(match (states, frames) {
                (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
                (a, b) => a.or(b),
            })
        })
    }

    fn snapshot(&self, t: f64, window_s: f64, limit: usize) -> Result<Vec<PastAircraft>, HistoryError> {
        let rows = self.with(|h| h.sky_at(t, window_s, &Filter::default()))?;
        Ok(rows
            .into_iter()
            .take(limit)
            .map(|s| PastAircraft {
                hex: s.hex,
                t: s.t,
                lat: s.lat,
                lon: s.lon,
                alt_baro: s.alt_baro,
                gs: s.gs,
                track: s.track,
                on_ground: s.on_ground,
                flight: s.flight,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use picket_store::StateRow;
    use std::time::Duration;

    fn state(hex: &str, t: f64, lon: f64) -> StateRow {
        StateRow {
            hex: hex.into(),
            t,
            lat: 10.6,
            lon,
            alt_baro: Some(3_000),
            gs: Some(150.0),
            track: Some(90.0),
            baro_rate: None,
            on_ground: Some(false),
            flight: Some("RFF7076".into()),
            squawk: None,
        }
    }

    #[test]
    fn the_timeline_reads_the_sky_at_a_past_moment_from_the_store() {
        let dir = std::env::temp_dir().join(format!("picket-storehistory-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let history = StoreHistory::new(dir.clone(), Vec::new());
        let t0 = 1_553_350_000.0;
        let mut rec = Recorder::open(
            &dir,
            StoreOptions {
                lossless: true,
                engine_states: false,
                ..StoreOptions::default()
            },
        )
        .unwrap();
        // 1514c0 every 10 s for 2 minutes moving east; 150d8a only in the first 30 s.
        let mut rows: Vec<StateRow> = (0..12)
            .map(|i| state("1514c0", t0 + f64::from(i) * 10.0, -67.0 + f64::from(i) * 0.01))
            .collect();
        rows.extend((0..3).map(|i| state("150d8a", t0 + f64::from(i) * 10.0, -66.0)));
        rec.observe_states(rows);
        assert!(rec.flush(Duration::from_secs(60)));
        drop(rec);

        assert!(history.available());
        assert_eq!(history.range().unwrap(), Some((t0, t0 + 110.0)));
        // At +25 s both, each at its latest position before; at +95 s only 1514c0.
        let sky = history.snapshot(t0 + 25.0, 60.0, 100).unwrap();
        let got: Vec<(&str, f64)> = sky.iter().map(|a| (a.hex.as_str(), a.t)).collect();
        assert_eq!(got, [("150d8a", t0 + 20.0), ("1514c0", t0 + 20.0)]);
        assert!((sky[1].lon - (-66.98)).abs() < 1e-9);
        assert_eq!(sky[1].flight.as_deref(), Some("RFF7076"));
        let later = history.snapshot(t0 + 95.0, 60.0, 100).unwrap();
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].t, t0 + 90.0);
        assert_eq!(history.snapshot(t0 + 95.0, 60.0, 0).unwrap().len(), 0);
        let trail = history
            .trail(TrackKey::icao(picket_modes::Icao(0x1514c0)), t0, t0 + 30.0)
            .unwrap();
        assert_eq!(trail.len(), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn files_and_scenarios_wait_for_the_store_live_input_never_does() {
        let file = Source::Files(vec![PathBuf::from("/tmp/busy.beast")]);
        let scenario = Source::Scenario {
            name: "caracas".into(),
            seed: None,
            from: None,
            duration: None,
        };
        assert!(!live_input(&file, None));
        assert!(!live_input(&scenario, None));
        // Paced replays keep the pace of real time: live.
        assert!(live_input(&file, Some(1.0)));
        assert!(live_input(&scenario, Some(1000.0)));
        // Standard input, alone or among files, and receivers.
        assert!(live_input(&Source::Files(vec![PathBuf::from("-")]), None));
        assert!(live_input(
            &Source::Files(vec![PathBuf::from("/tmp/a.beast"), PathBuf::from("-")]),
            None
        ));
        assert!(live_input(
            &Source::Live {
                receivers: Vec::new()
            },
            None
        ));
    }
}
