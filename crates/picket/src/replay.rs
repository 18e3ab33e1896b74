//! `picket replay`: stored frames through the same engine as `picket run`, alerts out as
//! JSON lines (the same frames give the same alerts, byte for byte).

use anyhow::{anyhow, Context, Result};
use clap::Args;
use picket_engine::event::write_alert;
use picket_receive::time::parse_time;
use picket_store::{Driver, History};
use picket_world::geo::LatLon;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use picket_live::pipeline::{Pipeline, WorldFiles};

/// Arguments of `picket replay`.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The store directory.
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// From this time (RFC 3339 or Unix seconds; default: the first stored frame).
    #[arg(long)]
    from: Option<String>,
    /// To this time (default: the last stored frame).
    #[arg(long)]
    to: Option<String>,
    /// Play at N times real time (default: as fast as possible).
    #[arg(long, value_name = "N")]
    speed: Option<f64>,
    /// Rules file (default: the built-in rules), as for `picket run`.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Zone file (GeoJSON); repeatable.
    #[arg(long, value_name = "FILE")]
    zones: Vec<PathBuf>,
    /// Aircraft database file; repeatable.
    #[arg(long = "aircraft-db", value_name = "FILE")]
    aircraft_db: Vec<PathBuf>,
    /// A callsign table of your own (as for `picket run`); repeatable.
    #[arg(long, value_name = "FILE")]
    callsigns: Vec<PathBuf>,
    /// Receiver position (default: the receivers the run recorded in the store).
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    receiver: Option<String>,
    /// Write alerts as JSON lines to FILE (default: stdout).
    #[arg(long, value_name = "FILE")]
    jsonl: Option<PathBuf>,
    /// Print no summary.
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn stored_receivers(h: &History) -> Result<(Vec<LatLon>, Option<f64>)> {
    let e = |e: picket_store::Error| anyhow!("{e}");
    let receivers = match h.meta("receivers").map_err(e)? {
        Some(text) => {
            let v: Vec<[f64; 2]> =
                serde_json::from_str(&text).with_context(|| format!("store meta receivers {text:?}"))?;
            v.into_iter().map(|[lat, lon]| LatLon { lat, lon }).collect()
        }
        None => Vec::new(),
    };
    let range = h.meta("range_nm").map_err(e)?.and_then(|r| r.parse().ok());
    Ok((receivers, range))
}

pub(crate) fn run(args: &ReplayArgs) -> Result<ExitCode> {
    let history = History::open(&args.store).map_err(|e| anyhow!("{e}"))?;
    let (mut receivers, range_nm) = stored_receivers(&history)?;
    if let Some(r) = &args.receiver {
        receivers = vec![picket_live::config::parse_position(r).map_err(|e| anyhow!("--receiver: {e}"))?];
    }
    let files = WorldFiles {
        rules: args.rules.clone(),
        zones: args.zones.clone(),
        builtin_zones: true,
        aircraft_db: args.aircraft_db.clone(),
        callsigns: args.callsigns.clone(),
        receivers,
        range_nm,

        trail_len: 0,
    };
    let watch = files.load_watch()?;
    let (db, _) = files.load_db()?;
    let mut pipeline = Pipeline::new(&files, watch, db)?;
    let time = |name: &str, t: &Option<String>| -> Result<Option<f64>> {
        t.as_deref()
            .map(|s| parse_time(s).ok_or_else(|| anyhow!("--{name} {s:?} is not a time")))
            .transpose()
    };
    let from = time("from", &args.from)?.unwrap_or(f64::MIN);
    let to = time("to", &args.to)?.unwrap_or(f64::MAX);
    let mut out: Box<dyn Write> = match &args.jsonl {
        Some(p) if p.as_os_str() != "-" => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        _ => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let began = Instant::now();
    let mut driver = Driver::new();
    let mut alerts = Vec::new();
    let mut line = String::new();
    let mut written = 0u64;
    let mut failed: Option<std::io::Error> = None;
    let mut pace: Option<(f64, Instant)> = None;
    let mut emit = |alerts: &mut Vec<picket_engine::event::Alert>, out: &mut Box<dyn Write>| {
        for a in alerts.drain(..) {
            line.clear();
            write_alert(&mut line, &a);
            line.push('\n');
            if failed.is_none() {
                if let Err(e) = out.write_all(line.as_bytes()) {
                    failed = Some(e);
                }
            }
            written += 1;
        }
    };
    let read = history
        .for_each_item_and_fix(from, to, |r| {
            if let Some(speed) = args.speed {
                let (t0, w0) = *pace.get_or_insert((r.time_utc, Instant::now()));
                let due = w0 + Duration::from_secs_f64(((r.time_utc - t0) / speed).clamp(0.0, 1e9));
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
            }
            driver.feed(pipeline.engine_mut(), r, &mut alerts);
            emit(&mut alerts, &mut out);
        })
        .map_err(|e| anyhow!("{e}"))?;
    driver.finish(pipeline.engine_mut(), &mut alerts);
    emit(&mut alerts, &mut out);
    out.flush().context("cannot write the alerts")?;
    if let Some(e) = failed {
        return Err(anyhow!("cannot write the alerts: {e}"));
    }
    if !args.quiet {
        for (id, why) in &read.bad_blocks {
            eprintln!("picket: replay: block {id} skipped: {why}");
        }
        eprintln!(
            "replay      {} items from {} blocks, {} mlat fixes, {} alerts ({:.3} s wall)",
            read.items,
            read.blocks,
            read.fixes,
            written,
            began.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}
