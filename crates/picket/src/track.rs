//! `picket track`: every aircraft's state, from a file, stdin or a scenario.

use crate::decode::format_utc;
use anyhow::{bail, Context, Result};
use clap::Args;
use picket_engine::engine::EngineConfig;
use picket_engine::enrich::AircraftDb;
use picket_engine::rules::{Enrichment, Reported, RuleSet};
use picket_engine::track::{Aircraft, Tracker};
use picket_live::input::Input;
use picket_receive::json::JsonObject;
use picket_receive::time::{parse_time, DEFAULT_START};
use picket_receive::{Format, ReaderConfig, Received, What};
use picket_world::geo::LatLon;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `picket track`.
#[derive(Debug, Args)]
pub(crate) struct TrackArgs {
    /// Input file; `-` or nothing reads stdin.
    file: Option<PathBuf>,
    /// Input format; detected from the first bytes if absent.
    #[arg(long)]
    format: Option<Format>,
    /// Track a built-in scenario (or scenario file) of the simulator instead of an input.
    #[arg(long, conflicts_with = "file")]
    scenario: Option<String>,
    /// With --scenario: seconds of the scenario to play (default: all of it).
    #[arg(long)]
    duration: Option<String>,
    /// UTC start of a Beast/AVR recording whose timestamps have no date.
    #[arg(long)]
    start: Option<String>,
    /// Print the table every N seconds of data time, not only at the end.
    #[arg(long)]
    every: Option<f64>,
    /// Write one JSON state object per aircraft (with its enrichment) instead of a table.
    #[arg(long)]
    json: bool,
    /// An aircraft database: tar1090-db CSV (`aircraft.csv`, `.gz` accepted) or plane-alert-db CSV.
    #[arg(long)]
    aircraft_db: Option<PathBuf>,
    /// A callsign table of your own (as for `picket run`); repeatable.
    #[arg(long, value_name = "FILE")]
    callsigns: Vec<PathBuf>,
    /// Receiver position LAT,LON for local CPR decoding.
    #[arg(long)]
    receiver: Option<String>,
}

pub(crate) fn run(args: &TrackArgs) -> Result<ExitCode> {
    let mut config = EngineConfig::default();
    let scenario = args
        .scenario
        .as_deref()
        .map(crate::simulate::load_scenario)
        .transpose()?;
    if let Some(s) = &scenario {
        // The scenario's receivers: the first is the reference for surface positions.
        config.receivers = s.receivers.iter().map(|r| r.position).collect();
        config.tracker.receiver = config.receivers.first().copied();
    }
    if let Some(r) = &args.receiver {
        let p = parse_latlon(r)?;
        config.tracker.receiver = Some(p);
        config.receivers.insert(0, p);
    }
    let mut db = AircraftDb::with_builtin();
    if let Some(path) = &args.aircraft_db {
        eprintln!("picket: {}", picket_live::pipeline::load_db_file(&mut db, path)?);
    }
    for path in &args.callsigns {
        eprintln!(
            "picket: {}",
            picket_live::pipeline::load_callsign_file(&mut db, path)?
        );
    }
    // Tracking needs no detectors nor rules: the tracker alone, and enrichment computed
    // only for the aircraft a table prints.
    let view = View {
        db,
        rules: RuleSet::default_rules(),
    };
    let mut engine = Tracker::new(config.tracker);
    let mut retired = Vec::new();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut next_print = None::<f64>;
    let mut last_time = 0.0;
    // Data time drives retirement, once per data second at most: the engine's tick rule.
    let mut next_tick = picket_engine::engine::next_tick_due(last_time);
    let mut count = 0u64;

    let mut step =
        |engine: &mut Tracker, item: &Received, out: &mut BufWriter<io::StdoutLock<'_>>| -> Result<()> {
            engine.ingest(item);
            count += 1;
            let t = item.time_utc;
            if t > last_time {
                // A new data second (`floor(t) > floor(last_time)`), without a floor per
                // frame (a library call on this target: 50 instructions a frame).
                if t >= next_tick {
                    engine.tick(t, &mut retired);
                    retired.clear();
                    next_tick = picket_engine::engine::next_tick_due(t);
                }
                last_time = t;
            }
            if let Some(every) = args.every {
                let due = *next_print.get_or_insert(t + every);
                if t >= due {
                    print(engine, &view, t, args.json, out)?;
                    next_print = Some(due + every);
                }
            }
            Ok(())
        };

    if let Some(scenario) = scenario {
        let duration_s = match &args.duration {
            Some(d) => Some(
                picket_receive::time::parse_duration(d).map_err(|e| anyhow::anyhow!("--duration: {e}"))?,
            ),
            None => None,
        };
        if let Some(w) = crate::simulate::window_warning(&scenario, 0.0, duration_s) {
            eprintln!("picket: warning: {w}");
        }
        let sim = picket_sim::Simulation::new(
            &scenario,
            scenario.seed,
            picket_sim::Window {
                from_s: 0.0,
                duration_s,
            },
        );
        for heard in sim.frames() {
            step(&mut engine, &heard.received, &mut out)?;
        }
    } else {
        let start = match &args.start {
            Some(s) => parse_time(s).with_context(|| format!("--start {s:?} is not a time"))?,
            None => DEFAULT_START,
        };
        let mut input = Input::open(
            args.file.as_deref(),
            args.format.map(picket_live::input::InputFormat::Frames),
            ReaderConfig::starting(start),
        )?;
        let progress = io::stderr().is_terminal() && input.size.is_some();
        let mut shown = 0u64;
        while let Some(item) = input.next() {
            match item {
                Ok(item) => {
                    step(&mut engine, &item, &mut out)?;
                    // A frame item owns no heap memory: forgetting it skips the out-of-line
                    // drop (9 instructions a frame); observations are dropped as usual.
                    if matches!(item.what, What::ModeS(_) | What::ModeAc(_)) {
                        std::mem::forget(item);
                    }
                }
                Err(e) => eprintln!("picket: {}: {e}", input.name),
            }
            if progress && input.bytes_read >= shown + (1 << 22) {
                shown = input.bytes_read;
                let size = input.size.unwrap_or(1).max(1);
                eprint!("\r{:3.0}% read", 100.0 * shown as f64 / size as f64);
            }
        }
        if progress {
            eprintln!("\r100% read");
        }
    }
    engine.tick(last_time, &mut retired);
    print(&engine, &view, last_time, args.json, &mut out)?;
    out.flush()?;
    if count == 0 {
        bail!("no input items");
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_latlon(text: &str) -> Result<LatLon> {
    let (a, b) = text.split_once(',').context("--receiver takes LAT,LON")?;
    let lat: f64 = a.trim().parse().context("--receiver latitude")?;
    let lon: f64 = b.trim().parse().context("--receiver longitude")?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        bail!("--receiver {text}: out of range");
    }
    Ok(LatLon::new(lat, lon))
}

/// What enrichment is computed from when a table is printed.
struct View {
    db: AircraftDb,
    rules: RuleSet,
}

fn print(engine: &Tracker, view: &View, now: f64, json: bool, out: &mut impl Write) -> Result<()> {
    let mut rows: Vec<(&Aircraft, Enrichment)> = engine
        .aircraft()
        .iter()
        .map(|a| {
            let none = Reported {
                registration: None,
                type_designator: None,
            };
            (
                a,
                Enrichment::compute(a.key, a.callsign, none, &view.db, &view.rules),
            )
        })
        .collect();
    rows.sort_by_key(|(a, _)| a.key);
    if json {
        let mut line = String::new();
        for (a, e) in rows {
            line.clear();
            let mut obj = JsonObject::new(&mut line);
            obj.num("time", now);
            picket_engine::state_json::write_aircraft(&mut obj, a, now, Some(&e));
            obj.finish();
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
        return Ok(());
    }
    writeln!(out, "{} aircraft at {}", rows.len(), format_utc(now))?;
    writeln!(
        out,
        "{:<7} {:<8} {:<9} {:<4} {:<3} {:<8} {:>6} {:>5} {:>4} {:>9} {:>10} {:>6} {:>5}  class",
        "hex", "flight", "reg", "type", "cty", "squawk", "alt", "gs", "trk", "lat", "lon", "msgs", "seen"
    )?;
    for (a, e) in rows {
        let (lat, lon) = a.position.map_or((String::new(), String::new()), |p| {
            (format!("{:.4}", p.lat), format!("{:.4}", p.lon))
        });
        let alt = match (a.on_ground, a.alt_baro) {
            (Some(true), _) => "ground".to_string(),
            (_, Some(ft)) => ft.to_string(),
            _ => String::new(),
        };
        writeln!(
            out,
            "{:<7} {:<8} {:<9} {:<4} {:<3} {:<8} {:>6} {:>5} {:>4} {:>9} {:>10} {:>6} {:>5.0}  {} ({})",
            a.key.to_string(),
            a.callsign.map(|c| c.as_str().to_string()).unwrap_or_default(),
            e.registration.as_deref().unwrap_or(""),
            e.type_designator.as_deref().unwrap_or(""),
            e.country.map_or("", |c| c.iso2),
            a.squawk.map(|s| s.to_string()).unwrap_or_default(),
            alt,
            a.gs.map(|v| format!("{v:.0}")).unwrap_or_default(),
            a.track.map(|v| format!("{v:.0}")).unwrap_or_default(),
            lat,
            lon,
            a.counts.total,
            (now - a.last_seen).max(0.0),
            picket_engine::event::class_name(e.classification.class),
            picket_engine::event::layer_name(e.classification.layer),
        )?;
    }
    Ok(())
}
