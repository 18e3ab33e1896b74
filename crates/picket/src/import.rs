//! `picket import`: public history (readsb traces, traffic/OpenSky trajectories and state
//! vectors) into a store as observations, through the engine (events, aircraft seen), with
//! the file's positions kept as they are.

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use picket_engine::track::TrackKey;
use picket_store::import::{detect, gunzip_if, read, state_of, ImportFormat};
use picket_store::rows::aircraft_row;
use picket_store::{AircraftRow, Driver, Recorder, StoreOptions};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use picket_live::pipeline::{Pipeline, WorldFiles};

/// Arguments of `picket import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// Files: readsb/tar1090 traces (trace_full_*.json), traffic JSON (.json or .json.gz),
    /// OpenSky state-vector CSV (optionally gzipped).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The store directory.
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// The files' format (trace, traffic, opensky); detected from the first bytes if absent.
    #[arg(long)]
    format: Option<String>,
    /// Rules file for the events (default: the built-in rules).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Aircraft database file; repeatable.
    #[arg(long = "aircraft-db", value_name = "FILE")]
    aircraft_db: Vec<PathBuf>,
    /// A callsign table of your own (as for `picket run`); repeatable.
    #[arg(long, value_name = "FILE")]
    callsigns: Vec<PathBuf>,
    /// No progress and no summary.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// A progress line on stderr, redrawn at most 5 times a second, only on a terminal.
struct Progress {
    on: bool,
    last: Instant,
}

impl Progress {
    fn show(&mut self, name: &str, done: usize, total: usize) {
        if !self.on || self.last.elapsed() < Duration::from_millis(200) {
            return;
        }
        self.last = Instant::now();
        let pct = done * 100 / total.max(1);
        let bar = "#".repeat(pct / 4) + &" ".repeat(25 - pct / 4);
        eprint!("\r{name} [{bar}] {pct:3}% {done}/{total}");
    }

    fn end(&mut self) {
        if self.on {
            eprint!("\r\x1b[K");
        }
    }
}

pub(crate) fn run(args: &ImportArgs) -> Result<ExitCode> {
    let forced = match args.format.as_deref() {
        None => None,
        Some("trace") => Some(ImportFormat::Trace),
        Some("traffic") => Some(ImportFormat::Traffic),
        Some("opensky") => Some(ImportFormat::OpenSkyCsv),
        Some(f) => bail!("--format {f:?}: trace, traffic or opensky"),
    };
    let files = WorldFiles {
        rules: args.rules.clone(),
        zones: Vec::new(),
        builtin_zones: true,
        aircraft_db: args.aircraft_db.clone(),
        callsigns: args.callsigns.clone(),
        receivers: Vec::new(),
        range_nm: None,

        trail_len: 0,
    };
    let watch = files.load_watch()?;
    let (db, _) = files.load_db()?;
    let mut pipeline = Pipeline::new(&files, watch, db)?;
    let mut recorder = Recorder::open(
        &args.store,
        StoreOptions {
            lossless: true,
            engine_states: false,
            // Imported history is old by nature: age limits would delete it at once.
            retention: picket_store::Retention::KEEP_ALL,
            ..StoreOptions::default()
        },
    )
    .map_err(|e| anyhow!("{e}"))?;
    let mut progress = Progress {
        on: !args.quiet && std::io::stderr().is_terminal(),
        last: Instant::now() - Duration::from_secs(1),
    };
    let began = Instant::now();
    let mut total = 0usize;
    for path in &args.files {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
        let bytes = gunzip_if(bytes).map_err(|e| anyhow!("{name}: {e}"))?;
        let format = forced.or_else(|| detect(&bytes)).ok_or_else(|| {
            anyhow!("{name}: not a trace, traffic JSON or OpenSky CSV file (give --format)")
        })?;
        let imported = read(&bytes, format).map_err(|e| anyhow!("{name}: {e}"))?;
        if !args.quiet {
            for s in imported.skipped.iter().take(5) {
                eprintln!("picket: {name}: {}: {}; skipped", s.at, s.why);
            }
        }
        // Each file is a history of its own: its own pass through the engine.
        let mut driver = Driver::new();
        let mut alerts = Vec::new();
        let n = imported.items.len();
        // Aircraft seen: the file's addresses with the engine's enrichment of them.
        let mut seen: HashMap<(u32, bool), AircraftRow> = HashMap::new();
        for (i, r) in imported.items.iter().enumerate() {
            driver.feed(pipeline.engine_mut(), r, &mut alerts);
            if let Some(o) = r.what.observation() {
                let engine = pipeline.engine();
                let key = if o.non_icao {
                    TrackKey::non_icao(o.hex)
                } else {
                    TrackKey::icao(o.hex)
                };
                let row = seen.entry((o.hex.0, o.non_icao)).or_insert_with(|| AircraftRow {
                    hex: key.to_string(),
                    first_seen: r.time_utc,
                    last_seen: r.time_utc,
                    class: "unknown".into(),
                    class_layer: "fallback".into(),
                    ..AircraftRow::default()
                });
                if let (Some(a), Some(e)) = (engine.tracker().get(key), engine.enrichment(key)) {
                    let mut fresh = aircraft_row(a, e);
                    fresh.first_seen = row.first_seen.min(r.time_utc);
                    fresh.flight = fresh.flight.or(o.flight.clone()).or(row.flight.take());
                    *row = fresh;
                }
                row.first_seen = row.first_seen.min(r.time_utc);
                row.last_seen = row.last_seen.max(r.time_utc);
                if let Some(f) = &o.flight {
                    row.flight = Some(f.clone());
                }
                if row.registration.is_none() {
                    row.registration = o.registration.clone();
                }
                if row.type_designator.is_none() {
                    row.type_designator = o.type_code.clone();
                }
            }
            if let Some(s) = state_of(r) {
                recorder.observe_states(vec![s]);
            }
            recorder.observe(Some(r), &alerts, pipeline.engine());
            alerts.clear();
            progress.show(&name, i + 1, n);
        }
        driver.finish(pipeline.engine_mut(), &mut alerts);
        recorder.observe_aircraft(seen.into_values().collect());
        recorder.observe(None, &alerts, pipeline.engine());
        progress.end();
        if !args.quiet {
            eprintln!(
                "picket: {name}: {n} observations ({}), {} rows skipped",
                match format {
                    ImportFormat::Trace => "readsb trace",
                    ImportFormat::Traffic => "traffic JSON",
                    ImportFormat::OpenSkyCsv => "OpenSky CSV",
                },
                imported.skipped.len()
            );
        }
        total += n;
    }
    let report = recorder.finish();
    if let Some(e) = &report.error {
        bail!("{e}");
    }
    if !args.quiet {
        eprintln!(
            "import      {total} observations, {} states, {} events written ({:.2} s)",
            report.states_written,
            report.events_written,
            began.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}
