//! `picket run`: frames from files or the simulator through the engine (tracker,
//! enrichment, detectors, rules) to alert sinks (JSON lines, webhooks, MQTT).
//!
//! The pipeline is one thread: read, ingest, tick once per second of data time, offer
//! alerts to the sinks' bounded queues. Sinks run on their own threads and never hold the
//! pipeline back (see [`sinks`]). SIGHUP reloads rules and zones (a failed reload keeps the
//! old ones); SIGINT/SIGTERM stop the input and let the sinks drain.

pub(crate) mod config;
pub(crate) mod pipeline;
pub(crate) mod sinks;
pub(crate) mod source;

use anyhow::{bail, Result};
use clap::Args;
use picket_engine::event::Alert;
use picket_engine::rules::RuleSet;
use picket_receive::{Format, What};
use picket_world::events::EventKind;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use config::{Overrides, Settings};
use pipeline::{Pipeline, WorldFiles};
use sinks::{Delivery, SinkReport, Sinks};
use source::Source;

/// Arguments of `picket run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Configuration file (TOML): receiver, input, rules, zones, aircraft databases, sinks,
    /// tokens. A flag given here replaces the file's setting.
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// Input file, any format of `picket decode` (`-` reads stdin); repeat for several
    /// receivers (merged in time order).
    #[arg(long = "input", short = 'i', value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// Input format (beast, avr, hex, csv, sbs, jsonl); detected from the first bytes if absent.
    #[arg(long)]
    format: Option<Format>,
    /// UTC start of Beast/AVR recordings whose timestamps have no date (RFC 3339 or Unix seconds).
    #[arg(long)]
    start: Option<String>,
    /// The Beast timestamps are GPS time of day (Radarcape style), not a 12 MHz counter.
    #[arg(long)]
    gps_clock: bool,
    /// Run a simulated scenario instead of files: a built-in name (caracas, orchila, arctic)
    /// or a scenario file.
    #[arg(long, conflicts_with = "inputs", value_name = "NAME")]
    scenario: Option<String>,
    /// Scenario seed (default: the scenario's own).
    #[arg(long)]
    seed: Option<u64>,
    /// Start of the scenario window (`+30m` or RFC 3339).
    #[arg(long, allow_hyphen_values = true)]
    from: Option<String>,
    /// Length of the scenario window (`2h`).
    #[arg(long)]
    duration: Option<String>,
    /// Play the input at N times real time (default: as fast as possible).
    #[arg(long, value_name = "N")]
    speed: Option<f64>,
    /// Rules file (TOML; default: the built-in rules watching military and state aircraft and
    /// emergencies).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Zone file (GeoJSON), added to the built-in zones; repeatable.
    #[arg(long, value_name = "FILE")]
    zones: Vec<PathBuf>,
    /// Aircraft database: tar1090-db CSV (optionally .gz) or plane-alert-db CSV; repeatable.
    #[arg(long = "aircraft-db", value_name = "FILE")]
    aircraft_db: Vec<PathBuf>,
    /// Receiver position, degrees.
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    receiver: Option<String>,
    /// Also write alerts as JSON lines to FILE (`-`: stdout).
    #[arg(long, value_name = "FILE")]
    jsonl: Option<PathBuf>,
    /// Time the sinks get at the end to deliver what is queued (default 10s).
    #[arg(long, value_name = "DURATION")]
    drain_timeout: Option<String>,
    /// Keep history in this store directory (frames, states, events, aircraft); on start,
    /// restore from it what the detectors need.
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Print no summary at the end.
    #[arg(long, short = 'q')]
    quiet: bool,
}

impl RunArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            inputs: self.inputs.clone(),
            format: self.format.map(|f| f.to_string()),
            start: self.start.clone(),
            gps_clock: self.gps_clock,
            scenario: self.scenario.clone(),
            seed: self.seed,
            from: self.from.clone(),
            duration: self.duration.clone(),
            speed: self.speed,
            receiver: self.receiver.clone(),
            rules: self.rules.clone(),
            zones: self.zones.clone(),
            aircraft_db: self.aircraft_db.clone(),
            jsonl: self.jsonl.clone(),
            drain_timeout: self.drain_timeout.clone(),
            store: self.store.clone(),
        }
    }
}

/// Signal flags: SIGHUP asks for a reload, SIGINT/SIGTERM for a stop (a second one ends the
/// process at once, for an input blocked on a read).
#[derive(Debug)]
struct Signals {
    reload: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Signals {
    fn install() -> Result<Signals> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        use signal_hook::flag;
        let reload = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        flag::register(SIGHUP, reload.clone())?;
        for sig in [SIGINT, SIGTERM] {
            // Order matters: the shutdown check runs before the flag is set.
            flag::register_conditional_shutdown(sig, 130, stop.clone())?;
            flag::register(sig, stop.clone())?;
        }
        Ok(Signals { reload, stop })
    }
}

/// Counts of a run, for the summary.
#[derive(Debug, Default)]
struct Counts {
    frames: u64,
    mode_ac: u64,
    observations: u64,
    alerts: BTreeMap<EventKind, u64>,
    first_time: Option<f64>,
    last_time: f64,
    reloads: u64,
    failed_reloads: u64,
}

/// Paces the input to data time at `speed` times real time.
#[derive(Debug)]
struct Pacer {
    speed: f64,
    start: Option<(f64, Instant)>,
}

impl Pacer {
    /// Sleeps until `t` is due, in short steps so a stop signal is seen.
    fn wait(&mut self, t: f64, stop: &AtomicBool) {
        let (t0, w0) = *self.start.get_or_insert((t, Instant::now()));
        let due = w0 + Duration::from_secs_f64(((t - t0) / self.speed).clamp(0.0, 1e9));
        loop {
            let now = Instant::now();
            if now >= due || stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep((due - now).min(Duration::from_millis(100)));
        }
    }
}

pub(crate) fn run(args: &RunArgs) -> Result<ExitCode> {
    let settings = Settings::resolve(args.config.as_deref(), args.overrides())?;
    let opened = Source::open(&settings)?;
    let mut source = opened.source;
    let files = WorldFiles {
        rules: settings.rules.clone(),
        zones: settings.zones.clone(),
        builtin_zones: settings.builtin_zones,
        aircraft_db: settings.aircraft_db.clone(),
        receivers: match settings.receiver {
            Some(r) => vec![r],
            None => opened.receivers,
        },
        range_nm: settings.range_nm,
    };
    let watch = files.load_watch()?;
    let (db, db_notes) = files.load_db()?;
    let mut pipeline = Pipeline::new(&files, watch, db)?;
    // History (picket-store): restores the engine from the store, then records the run.
    let mut store = crate::history::StoreHook::open(&settings, &files, pipeline.engine_mut(), args.quiet)?;
    let signals = Signals::install()?;
    let sinks = Sinks::start(&settings.sinks, &settings.tokens)?;
    check_sink_names(pipeline.rules(), &sinks)?;
    if !args.quiet {
        eprintln!(
            "picket: run: {}; rules: {}; {} zones; {} aircraft database file(s)",
            source.describe(),
            pipeline.rules_name(),
            pipeline.zones(),
            db_notes.len()
        );
        for n in &db_notes {
            eprintln!("picket: {n}");
        }
    }

    let began = Instant::now();
    let mut counts = Counts::default();
    let mut pacer = settings.speed.map(|speed| Pacer { speed, start: None });
    let mut alerts: Vec<Alert> = Vec::new();
    let mut next_tick = f64::NEG_INFINITY;
    let mut stopped = false;
    let mut n = 0u64;
    while let Some(item) = source.next() {
        n += 1;
        let t = item.time_utc;
        // Signals are looked at once per second of data time and every 4096 items.
        if t >= next_tick || n.is_multiple_of(4096) {
            if signals.stop.load(Ordering::Relaxed) {
                stopped = true;
                break;
            }
            if signals.reload.swap(false, Ordering::Relaxed) {
                reload(&files, &mut pipeline, &sinks, &mut counts, t);
            }
        }
        if let Some(p) = &mut pacer {
            p.wait(t, &signals.stop);
        }
        if counts.first_time.is_none() {
            counts.first_time = Some(t);
        }
        if t > counts.last_time {
            counts.last_time = t;
        }
        if t >= next_tick {
            pipeline.tick(t, &mut alerts);
            next_tick = t.floor() + 1.0;
        }
        match item.what {
            What::ModeS(_) => counts.frames += 1,
            What::ModeAc(_) => counts.mode_ac += 1,
            What::Observation(_) => counts.observations += 1,
        }
        pipeline.ingest(&item, &mut alerts);
        store.observe(Some(&item), &alerts, pipeline.engine());
        deliver(&mut alerts, &pipeline, &sinks, &mut counts);
    }
    if counts.first_time.is_some() {
        pipeline.tick(counts.last_time, &mut alerts);
        store.observe(None, &alerts, pipeline.engine());
        deliver(&mut alerts, &pipeline, &sinks, &mut counts);
    }
    store.finish(args.quiet);
    let elapsed = began.elapsed().as_secs_f64();
    let reports = sinks.finish(settings.drain_timeout);
    if !args.quiet {
        print_summary(&source, &pipeline, &counts, &reports, elapsed, stopped);
    }
    Ok(ExitCode::SUCCESS)
}

fn deliver(alerts: &mut Vec<Alert>, pipeline: &Pipeline, sinks: &Sinks, counts: &mut Counts) {
    for a in alerts.drain(..) {
        *counts.alerts.entry(a.event.kind).or_default() += 1;
        let to = pipeline
            .rules()
            .rule(&a.rule)
            .map(|r| r.sinks.as_slice())
            .unwrap_or(&[]);
        sinks.offer(&Arc::new(Delivery::new(a)), to);
    }
}

/// Checks that every sink the rules name is configured.
fn check_sink_names(rules: &RuleSet, sinks: &Sinks) -> Result<()> {
    let have = sinks.names();
    for rule in rules.rules() {
        for s in &rule.sinks {
            if !have.contains(&s.as_str()) {
                bail!(
                    "{}: rule {:?} sends to sink {s:?}, which is not configured (sinks: {})",
                    if rules.origin().is_empty() {
                        "rules"
                    } else {
                        rules.origin()
                    },
                    rule.name,
                    have.join(", ")
                );
            }
        }
    }
    Ok(())
}

/// Re-reads rules and zones (at data time `now`); a failure keeps the old ones.
fn reload(files: &WorldFiles, pipeline: &mut Pipeline, sinks: &Sinks, counts: &mut Counts, now: f64) {
    let loaded = files
        .load_watch()
        .and_then(|w| check_sink_names(&w.rules, sinks).map(|()| w))
        .and_then(|w| pipeline.reload(w));
    match loaded {
        Ok(()) => {
            counts.reloads += 1;
            eprintln!(
                "picket: reloaded rules ({}) and {} zones at data time {now:.3}",
                pipeline.rules_name(),
                pipeline.zones()
            );
        }
        Err(e) => {
            counts.failed_reloads += 1;
            eprintln!(
                "picket: reload failed at data time {now:.3}, keeping the rules and zones in use: {e:#}"
            );
        }
    }
}

fn print_summary(
    source: &Source,
    pipeline: &Pipeline,
    c: &Counts,
    reports: &[SinkReport],
    elapsed: f64,
    stopped: bool,
) {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "summary     {}{}",
        source.describe(),
        if stopped { " (stopped by a signal)" } else { "" }
    ));
    if let Some(first) = c.first_time {
        line(format!(
            "data time   {} .. {} ({:.1} s)",
            crate::decode::format_utc(first),
            crate::decode::format_utc(c.last_time),
            c.last_time - first
        ));
    }
    let mut input = format!(
        "frames      {} Mode S, {} Mode A/C, {} observations",
        c.frames, c.mode_ac, c.observations
    );
    if source.is_files() {
        input.push_str(&format!(
            ", {} read errors, {} bytes",
            source.read_errors(),
            source.bytes()
        ));
    }
    line(input);
    line(format!("aircraft    {}", pipeline.aircraft_seen()));
    let total: u64 = c.alerts.values().sum();
    let by_kind: Vec<String> = c.alerts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    line(if by_kind.is_empty() {
        "alerts      0".to_string()
    } else {
        format!("alerts      {total}: {}", by_kind.join(", "))
    });
    for r in reports {
        let v = r.counts;
        line(format!(
            "sink        {} ({}): {} sent, {} dropped, {} failed, {} retries{}",
            r.name,
            r.kind,
            v.sent,
            v.dropped,
            v.failed,
            v.retried,
            if r.finished {
                String::new()
            } else {
                // A request still hanging when the drain time ended: what it held and
                // what was queued behind it were not delivered.
                format!(
                    ", {} undelivered (still busy at the end)",
                    v.offered.saturating_sub(v.sent + v.failed)
                )
            }
        ));
    }
    if c.reloads + c.failed_reloads > 0 {
        line(format!(
            "reloads     {} done, {} failed",
            c.reloads, c.failed_reloads
        ));
    }
    let items = c.frames + c.mode_ac + c.observations;
    let rate = if elapsed > 0.0 {
        items as f64 / elapsed
    } else {
        0.0
    };
    line(format!("rate        {rate:.0} items/s ({elapsed:.3} s wall)"));
    eprint!("{out}");
}
