//! `picket simulate`: a scenario turned into what receivers would hear, and its ground truth.

use anyhow::{bail, Context, Result};
use clap::Args;
use picket_receive::{Format, FormatWriter};
use picket_sim::time::{format_rfc3339, parse_duration, parse_scenario_time};
use picket_sim::{IqFormat, IqOptions, IqStream, Scenario, Simulation, Window};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
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
    #[arg(long)]
    speed: Option<f64>,
    /// Serve the output over TCP on this address (e.g. 127.0.0.1:30005) instead of writing it.
    #[arg(long)]
    serve: Option<String>,
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
    Clients(Arc<Mutex<Vec<TcpStream>>>),
}

impl Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Writer(w) => w.write_all(bytes),
            Sink::Clients(clients) => {
                let mut list = clients.lock().unwrap_or_else(|p| p.into_inner());
                // A client that cannot keep up or went away is dropped; the others go on.
                list.retain_mut(|c| c.write_all(bytes).is_ok());
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Writer(w) => w.flush(),
            Sink::Clients(_) => Ok(()),
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
    eprintln!(
        "picket: scenario {} from {} for {:.0} s (seed {seed}); for Beast/AVR give --start {}",
        name,
        format_rfc3339(sim.utc(w0)),
        w1 - w0,
        format_rfc3339(sim.utc(0.0)),
    );

    if let Some(path) = &args.truth {
        write_truth(&sim, path)?;
    }

    let speed = args.speed.or(args.serve.as_ref().map(|_| 1.0));
    let mut sink = match &args.serve {
        Some(addr) => serve(addr)?,
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

/// A built-in scenario by name, or a scenario file; file errors say line and column.
pub(crate) fn load_scenario(name: &str) -> Result<Scenario> {
    if let Some(s) = Scenario::builtin(name) {
        return Ok(s);
    }
    let text = std::fs::read_to_string(name).with_context(|| {
        format!(
            "{name} is neither a built-in scenario ({}) nor a readable file",
            builtin_list()
        )
    })?;
    Scenario::from_toml(&text, name).map_err(|e| anyhow::anyhow!("{e}"))
}

fn builtin_list() -> String {
    Scenario::builtin_names().collect::<Vec<_>>().join(", ")
}

fn serve(addr: &str) -> Result<Sink> {
    let listener = TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!(
        "picket: serving on {}; waiting for the first client",
        listener.local_addr()?
    );
    let (first, _) = listener.accept().context("accept failed")?;
    let clients = Arc::new(Mutex::new(vec![first]));
    let more = Arc::clone(&clients);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            more.lock().unwrap_or_else(|p| p.into_inner()).push(stream);
        }
    });
    Ok(Sink::Clients(clients))
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
    let mut writer = FormatWriter::new(format);
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
        writer
            .write(&mut buf, &heard.received)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        count += 1;
        if speed.is_some() || buf.len() >= 1 << 16 {
            pacer.wait(heard.received.time_utc);
            sink.write(&buf)?;
            buf.clear();
            bar.show(heard.received.time_utc - t0, total, count, "frames");
        }
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
