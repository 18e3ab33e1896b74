//! `picket simulate`: a scenario turned into what receivers would hear, and its ground truth.

use anyhow::{bail, Context, Result};
use clap::Args;
use picket_live::serve::Server;
use picket_receive::avr::AvrStyle;
use picket_receive::time::{format_rfc3339, parse_duration};
use picket_receive::{Format, FormatWriter};
use picket_sim::time::parse_scenario_time;
use picket_sim::{IqFormat, IqOptions, IqStream, Scenario, Simulation, Window};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Arguments of `picket simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// A built-in scenario name (see --list) or a scenario file (TOML).
    scenario: Option<String>,
    /// List the built-in scenarios and exit.
    #[arg(long)]
    list: bool,
    /// Output file; stdout when absent.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Output format: beast, avr, jsonl, iq-u8 or iq-s16.
    #[arg(long, default_value = "beast")]
    format: String,
    /// IQ sample rate in MS/s: 2.0 or 2.4.
    #[arg(long, default_value_t = 2.4)]
    rate: f64,
    /// IQ signal-to-noise ratio in dB.
    #[arg(long, default_value_t = 25.0)]
    snr: f64,
    /// IQ: each frame's level follows its simulated signal level (near aircraft louder, so
    /// overlapping replies differ in strength); --snr is then the SNR of a -20 dBFS frame.
    #[arg(long)]
    iq_levels: bool,
    /// Write the ground truth (states each second, then events) as JSON lines to this file.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Start of the window: seconds after the scenario start, a duration (`2h`), or a UTC time.
    #[arg(long)]
    from: Option<String>,
    /// Length of the window (`90s`, `10m`, `2h`).
    #[arg(long)]
    duration: Option<String>,
    /// Play at N times real time (default: as fast as possible; 1 with --serve).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_speed)]
    speed: Option<f64>,
    /// Serve the output over TCP on this address (e.g. 127.0.0.1:30005) instead of writing it.
    #[arg(long)]
    serve: Option<String>,
    /// With --serve: as fast as the clients read (a client that takes nothing for 10 s is
    /// dropped) instead of real time.
    #[arg(long, conflicts_with = "speed")]
    no_pace: bool,
    /// Allow --serve on an address other than loopback.
    #[arg(long)]
    allow_remote: bool,
    /// Random seed (default: the scenario's own).
    #[arg(long)]
    seed: Option<u64>,
    /// Receiver whose frames are written for beast, avr and IQ output (each receiver has its
    /// own clock, so one stream carries one receiver); jsonl carries every receiver.
    #[arg(long, default_value_t = 0)]
    receiver: u16,
}

/// Where the output bytes go.
enum Sink {
    Writer(Box<dyn Write>),
    /// Served to TCP clients, each on its own bounded queue: paced output drops a client
    /// that does not read; unpaced output ("as fast as possible") waits for the clients up
    /// to [`SERVE_GRACE`], then drops the one that took nothing.
    Serve {
        server: Server,
        paced: bool,
    },
}

/// How long unpaced served output waits for a client that takes nothing.
const SERVE_GRACE: Duration = Duration::from_secs(10);

impl Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Writer(w) => w.write_all(bytes),
            Sink::Serve { server, paced } => {
                server.publish(bytes, *paced, SERVE_GRACE);
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Writer(w) => w.flush(),
            Sink::Serve { server, .. } => {
                server.finish(SERVE_GRACE);
                Ok(())
            }
        }
    }
}

pub(crate) fn run(args: &SimulateArgs) -> Result<ExitCode> {
    if args.list {
        for info in picket_sim::list() {
            println!("{info}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = &args.scenario else {
        bail!("give a scenario name or file (picket simulate --list shows the built-in ones)");
    };
    let scenario = load_scenario(name)?;
    let from_s = match &args.from {
        Some(t) => {
            parse_scenario_time(t, scenario.start).map_err(|e| anyhow::anyhow!("--from {t:?}: {e}"))?
        }
        None => 0.0,
    };
    let duration_s = match &args.duration {
        Some(d) => Some(parse_duration(d).map_err(|e| anyhow::anyhow!("--duration {d:?}: {e}"))?),
        None => None,
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    let sim = Simulation::new(&scenario, seed, Window { from_s, duration_s });
    let (w0, w1) = sim.window_s();
    if let Some(w) = window_warning(&scenario, from_s, duration_s) {
        eprintln!("picket: warning: {w}");
    }
    // Beast and AVR carry the receiver's 12 MHz counter, not dates: a reader counts from
    // the --start it is given, which must be the time of the first frame written.
    let first = sim
        .frames()
        .find(|h| h.received.receiver == args.receiver)
        .map_or(sim.utc(w0), |h| (h.received.time_utc * 1e9).round() as i64);
    eprintln!(
        "picket: scenario {} from {} for {:.0} s (seed {seed}); for Beast/AVR give --start {}",
        name,
        format_rfc3339(sim.utc(w0)),
        w1 - w0,
        format_rfc3339(first),
    );

    if let Some(path) = &args.truth {
        write_truth(&sim, path)?;
    }

    let speed = if args.no_pace {
        None
    } else {
        args.speed.or(args.serve.as_ref().map(|_| 1.0))
    };
    let mut sink = match &args.serve {
        Some(addr) => serve(addr, args.allow_remote, speed.is_some())?,
        None => match &args.out {
            Some(p) => Sink::Writer(Box::new(BufWriter::new(
                File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
            ))),
            None => Sink::Writer(Box::new(BufWriter::new(io::stdout().lock()))),
        },
    };
    let progress = args.out.is_some() && io::stderr().is_terminal();
    let result = match args.format.as_str() {
        "iq-u8" | "iq-s16" => write_iq(&sim, args, &mut sink, progress),
        other => {
            let format: Format = other.parse().map_err(|e| anyhow::anyhow!("--format: {e}"))?;
            if !matches!(
                format,
                Format::Beast | Format::Avr | Format::Jsonl | Format::Hex | Format::Csv
            ) {
                bail!("--format {other}: simulate writes beast, avr, jsonl, hex, csv, iq-u8 or iq-s16");
            }
            let only = matches!(format, Format::Beast | Format::Avr).then_some(args.receiver);
            write_frames(&sim, format, only, speed, &mut sink, progress)
        }
    };
    match result {
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e),
        Ok(()) => {
            sink.flush().context("cannot write the output")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) use picket_live::source::load_scenario;

/// `--speed`: a positive, finite number of times real time.
pub(crate) fn parse_speed(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "{text:?} is not a speed: give how many times real time to play, a number above 0 (1 real time, 60 a minute a second, 0.5 half speed); leave --speed out to go as fast as possible"
        )),
    }
}

/// What to say when the window asked for reaches past the scenario's end (it is cut there).
pub(crate) fn window_warning(scenario: &Scenario, from_s: f64, duration_s: Option<f64>) -> Option<String> {
    let end = scenario.duration_s;
    let length = picket_receive::time::format_duration(end);
    if from_s >= end {
        return Some(format!(
            "the window starts at or past the scenario's end ({length} after its start): nothing to play"
        ));
    }
    let d = duration_s?;
    (from_s + d > end + 1e-9).then(|| {
        format!(
            "the window runs past the scenario's end ({length} after its start): it is cut to {}",
            picket_receive::time::format_duration(end - from_s)
        )
    })
}

/// Binds the feed server (one module with `picket run`'s outputs) and waits for the first
/// client, so a client started next sees the simulation from its start.
fn serve(addr: &str, allow_remote: bool, paced: bool) -> Result<Sink> {
    let server = Server::bind(addr, allow_remote, "simulate")?;
    eprintln!(
        "picket: serving on {}; waiting for the first client",
        server.local_addr()
    );
    server.wait_for_client();
    Ok(Sink::Serve { server, paced })
}

fn write_truth(sim: &Simulation, path: &PathBuf) -> Result<()> {
    let mut out =
        BufWriter::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?);
    let mut line = String::new();
    for st in sim.truth_states() {
        line.clear();
        picket_sim::truth_json::write_state(&mut line, &st, &sim.aircraft()[st.aircraft]);
        out.write_all(line.as_bytes())?;
    }
    for e in sim.truth_events() {
        line.clear();
        picket_sim::truth_json::write_event(&mut line, &e);
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

/// Paces output to data time: at `speed` times real time, or as fast as possible.
struct Pacer {
    speed: Option<f64>,
    wall0: Instant,
    data0: Option<f64>,
}

impl Pacer {
    /// Whether the item at `data_time` is due later than now.
    fn must_wait(&mut self, data_time: f64) -> bool {
        let Some(speed) = self.speed else { return false };
        let data0 = *self.data0.get_or_insert(data_time);
        Duration::from_secs_f64(((data_time - data0) / speed).max(0.0)) > self.wall0.elapsed()
    }

    fn wait(&mut self, data_time: f64) {
        let Some(speed) = self.speed else { return };
        let data0 = *self.data0.get_or_insert(data_time);
        let due = Duration::from_secs_f64(((data_time - data0) / speed).max(0.0));
        let elapsed = self.wall0.elapsed();
        if due > elapsed {
            std::thread::sleep(due - elapsed);
        }
    }
}

/// A one-line progress display on stderr, redrawn at most ten times a second.
struct Progress {
    enabled: bool,
    last: Instant,
}

impl Progress {
    fn show(&mut self, done: f64, total: f64, count: u64, unit: &str) {
        if !self.enabled || self.last.elapsed() < Duration::from_millis(100) {
            return;
        }
        self.last = Instant::now();
        let frac = if total > 0.0 {
            (done / total).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let width = 30;
        let filled = (frac * width as f64) as usize;
        eprint!(
            "\r[{}{}] {:3.0}% {count} {unit}",
            "=".repeat(filled),
            " ".repeat(width - filled),
            frac * 100.0
        );
    }

    fn done(&self) {
        if self.enabled {
            eprintln!();
        }
    }
}

fn write_frames(
    sim: &Simulation,
    format: Format,
    receiver: Option<u16>,
    speed: Option<f64>,
    sink: &mut Sink,
    progress: bool,
) -> Result<()> {
    // AVR with the receiver's 12 MHz counter (`@`), so a replay keeps the frames' times.
    let mut writer = FormatWriter::new(format).avr_style(AvrStyle::Mlat);
    let mut buf = Vec::with_capacity(1 << 16);
    buf.extend_from_slice(writer.header().as_bytes());
    let (w0, w1) = sim.window_s();
    let (t0, total) = (sim.utc(w0) as f64 * 1e-9, w1 - w0);
    let mut pacer = Pacer {
        speed,
        wall0: Instant::now(),
        data0: None,
    };
    let mut bar = Progress {
        enabled: progress,
        last: Instant::now(),
    };
    let mut count = 0u64;
    for heard in sim.frames() {
        if receiver.is_some_and(|r| r != heard.received.receiver) {
            continue;
        }
        // Paced output is written when the next frame is due later (one chunk per wait,
        // not per frame); unpaced output in 64 KiB chunks.
        if buf.len() >= 1 << 16 || pacer.must_wait(heard.received.time_utc) {
            sink.write(&buf)?;
            buf.clear();
            pacer.wait(heard.received.time_utc);
            bar.show(heard.received.time_utc - t0, total, count, "frames");
        }
        writer
            .write(&mut buf, &heard.received)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        count += 1;
    }
    sink.write(&buf)?;
    bar.done();
    eprintln!("picket: {count} frames written");
    Ok(())
}

fn write_iq(sim: &Simulation, args: &SimulateArgs, sink: &mut Sink, progress: bool) -> Result<()> {
    let rate = match args.rate {
        r if (r - 2.0).abs() < 1e-9 => 2.0e6,
        r if (r - 2.4).abs() < 1e-9 => 2.4e6,
        r => bail!("--rate {r}: IQ is written at 2.0 or 2.4 MS/s"),
    };
    let format = if args.format == "iq-u8" {
        IqFormat::U8
    } else {
        IqFormat::S16
    };
    let options = IqOptions {
        rate,
        format,
        snr_db: args.snr,
        level_from_signal: args.iq_levels,
        receiver: args.receiver,
        ..IqOptions::default()
    };
    let mut stream = IqStream::new(sim, options);
    let total = stream.total_samples();
    let mut bar = Progress {
        enabled: progress,
        last: Instant::now(),
    };
    let mut buf = Vec::with_capacity(1 << 20);
    let mut done = 0u64;
    loop {
        buf.clear();
        let n = stream.fill(&mut buf, 1 << 18);
        if n == 0 {
            break;
        }
        done += n as u64;
        sink.write(&buf)?;
        bar.show(done as f64, total as f64, done, "samples");
    }
    bar.done();
    eprintln!(
        "picket: {done} IQ samples written ({} frames placed)",
        stream.placed().len()
    );
    Ok(())
}
