//! `picket mlat`: multilateration from several receivers' recordings, or a scenario's.
//!
//! Each `--input` is one receiver: its name, position and recording, read with its own
//! reader so that its clock stays its own. The recordings are merged by time (less the skew
//! multilateration learns between them), the fixes are written as JSON lines and, with
//! `--states`, given with the frames to the tracker, whose states then say
//! `"position_source":"mlat"`.

use anyhow::{bail, Context, Result};
use clap::Args;
use picket_engine::engine::{Engine, EngineConfig};
use picket_live::input::Input;
use picket_mlat::geo::Geodetic;
use picket_mlat::{Fix, Mlat, MlatConfig, ReceiverConfig};
use picket_receive::json::JsonObject;
use picket_receive::time::{parse_time, DEFAULT_START};
use picket_receive::{ReaderConfig, Received};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `picket mlat`.
#[derive(Debug, Args)]
pub(crate) struct MlatArgs {
    /// One receiver and its recording:
    /// `name=NAME,lat=DEG,lon=DEG,alt=METRES,path=FILE[,format=beast][,clock=12mhz|gps]`
    /// (alt: antenna height, default 0). Give one per receiver.
    #[arg(long = "input", value_name = "RECEIVER")]
    inputs: Vec<String>,
    /// Multilaterate a built-in scenario (or scenario file): every receiver of it, each with
    /// its own clock.
    #[arg(long, conflicts_with = "inputs")]
    scenario: Option<String>,
    /// With --scenario: start of the window (seconds, a duration such as `57m`).
    #[arg(long)]
    from: Option<String>,
    /// With --scenario: length of the window.
    #[arg(long)]
    duration: Option<String>,
    /// UTC start of Beast/AVR recordings whose timestamps have no date.
    #[arg(long)]
    start: Option<String>,
    /// Write the fixes (JSON lines) to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also track the frames and the fixes, and write every aircraft's JSON state at the end
    /// to this file.
    #[arg(long)]
    states: Option<PathBuf>,
}

/// One `--input`: a recording and its receiver (shared with `picket run`).
type InputSpec = picket_live::mlat::FileReceiver;

fn parse_input(text: &str) -> Result<InputSpec> {
    InputSpec::parse(text)
}

pub(crate) fn run(args: &MlatArgs) -> Result<ExitCode> {
    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut engine = args.states.as_ref().map(|_| Engine::new(EngineConfig::default()));
    let mut run = Run {
        fixes: Vec::new(),
        line: String::new(),
        alerts: Vec::new(),
        last_second: f64::NEG_INFINITY,
        count: 0,
        written: 0,
    };
    let mlat = if let Some(name) = &args.scenario {
        let scenario = crate::simulate::load_scenario(name)?;
        let parse = |d: &Option<String>, what: &str| -> Result<Option<f64>> {
            d.as_deref()
                .map(|d| picket_sim::time::parse_duration(d).map_err(|e| anyhow::anyhow!("--{what}: {e}")))
                .transpose()
        };
        let window = picket_sim::Window {
            from_s: parse(&args.from, "from")?.unwrap_or(0.0),
            duration_s: parse(&args.duration, "duration")?,
        };
        let receivers = scenario
            .receivers
            .iter()
            .map(|r| ReceiverConfig {
                name: r.name.clone(),
                position: Geodetic::new(r.position.lat, r.position.lon, r.alt_ft * 0.3048),
            })
            .collect();
        let mut mlat = Mlat::new(receivers, MlatConfig::default());
        let sim = picket_sim::Simulation::new(&scenario, scenario.seed, window);
        for heard in sim.frames() {
            run.step(&mut mlat, engine.as_mut(), &heard.received, &mut out)?;
        }
        mlat
    } else {
        if args.inputs.len() < 3 {
            bail!("give at least three --input receivers (four for replies without altitude)");
        }
        let specs = args
            .inputs
            .iter()
            .map(|t| parse_input(t))
            .collect::<Result<Vec<_>>>()?;
        let start = match &args.start {
            Some(s) => parse_time(s).with_context(|| format!("--start {s:?} is not a time"))?,
            None => DEFAULT_START,
        };
        let mut inputs = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let config = ReaderConfig::starting(start)
                .with_receiver(i as u16)
                .with_clock(s.clock);
            inputs.push(Input::open(
                Some(&s.path),
                s.format.map(picket_live::input::InputFormat::Frames),
                config,
            )?);
        }
        let mut mlat = Mlat::new(
            specs.iter().map(|s| s.receiver.clone()).collect(),
            MlatConfig::default(),
        );
        // The next item of each input, merged by time less the learnt skew.
        let mut heads: Vec<Option<Received>> = inputs.iter_mut().map(next_item).collect();
        loop {
            let next = heads
                .iter()
                .enumerate()
                .filter_map(|(k, h)| h.as_ref().map(|r| (k, r.time_utc - mlat.skew_s(k))))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let Some((k, _)) = next else { break };
            let item = heads[k].take().expect("present");
            run.step(&mut mlat, engine.as_mut(), &item, &mut out)?;
            heads[k] = next_item(&mut inputs[k]);
        }
        mlat
    };
    let mut mlat = mlat;
    mlat.finish(&mut run.fixes);
    let fixes = std::mem::take(&mut run.fixes);
    run.emit(&fixes, engine.as_mut(), &mut out)?;
    out.flush()?;
    if let (Some(engine), Some(path)) = (engine.as_mut(), &args.states) {
        let mut f =
            BufWriter::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?);
        engine.tick(run.last_second, &mut run.alerts);
        for (a, e) in engine.enriched() {
            let mut line = String::new();
            let mut obj = JsonObject::new(&mut line);
            obj.num("time", run.last_second);
            picket_engine::state_json::write_aircraft(&mut obj, a, run.last_second, Some(e));
            obj.finish();
            line.push('\n');
            f.write_all(line.as_bytes())?;
        }
        f.flush()?;
    }
    let st = mlat.stats();
    eprintln!(
        "picket: {} fixes from {} candidate replies ({} unsynchronised, no fix: {} geometry, {} ambiguous, \
         {} inconsistent, {} diverged); {} beacon transmissions",
        st.fixes,
        st.candidates,
        st.unsynchronised,
        st.no_fix_geometry,
        st.no_fix_ambiguous,
        st.no_fix_inconsistent,
        st.no_fix_diverged,
        st.beacons
    );
    for (name, r) in mlat.receivers() {
        eprintln!(
            "picket: receiver {name}: {}, {} frames, {} usable pairs, pair RMS {:.0} ns, {} clock jumps, {} fixes",
            r.status.as_str(),
            r.frames,
            r.usable_pairs,
            r.pair_rms_ns,
            r.clock_jumps,
            r.fixes
        );
    }
    if run.count == 0 {
        bail!("no input items");
    }
    Ok(ExitCode::SUCCESS)
}

fn next_item(input: &mut Input) -> Option<Received> {
    loop {
        match input.next()? {
            Ok(r) => return Some(r),
            Err(e) => eprintln!("picket: {}: {e}", input.name),
        }
    }
}

struct Run {
    fixes: Vec<Fix>,
    line: String,
    alerts: Vec<picket_engine::event::Alert>,
    last_second: f64,
    count: u64,
    written: u64,
}

impl Run {
    fn step(
        &mut self,
        mlat: &mut Mlat,
        mut engine: Option<&mut Engine>,
        item: &Received,
        out: &mut impl Write,
    ) -> Result<()> {
        self.count += 1;
        mlat.ingest(item, &mut self.fixes);
        let fixes = std::mem::take(&mut self.fixes);
        self.emit(&fixes, engine.as_deref_mut(), out)?;
        self.fixes = fixes;
        self.fixes.clear();
        if let Some(engine) = engine {
            engine.ingest(item, &mut self.alerts);
            let t = item.time_utc;
            if t >= picket_engine::engine::next_tick_due(self.last_second) {
                self.last_second = t.floor();
                engine.tick(t, &mut self.alerts);
            }
            self.alerts.clear();
        }
        Ok(())
    }

    fn emit(&mut self, fixes: &[Fix], mut engine: Option<&mut Engine>, out: &mut impl Write) -> Result<()> {
        for f in fixes {
            self.line.clear();
            let mut obj = JsonObject::new(&mut self.line);
            obj.fixed("time", f.time_utc, 3)
                .display("hex", f.address)
                .fixed("lat", f.lat, 6)
                .fixed("lon", f.lon, 6)
                .str("position_source", "mlat")
                .fixed("error_m", f.error_m, 0)
                .num("receivers", f.receivers)
                .opt_num("alt_baro", f.alt_baro_ft)
                .fixed("raw_lat", f.raw_lat, 6)
                .fixed("raw_lon", f.raw_lon, 6)
                .fixed("raw_error_m", f.raw_error_m, 0);
            obj.finish();
            self.line.push('\n');
            out.write_all(self.line.as_bytes())?;
            self.written += 1;
            if let Some(engine) = engine.as_deref_mut() {
                engine.ingest(&f.to_received(), &mut self.alerts);
                self.alerts.clear();
            }
        }
        Ok(())
    }
}
