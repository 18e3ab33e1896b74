//! Where `picket run` gets its frames: files (merged in time order, one receiver id each)
//! or the simulator.

use anyhow::{anyhow, Context, Result};
use picket_receive::time::{parse_time, DEFAULT_START};
use picket_receive::{ClockKind, ReadError, ReaderConfig, Received};
use picket_sim::time::{format_rfc3339, parse_duration, parse_scenario_time};
use picket_sim::{Frames, Scenario, Simulation, Window};
use picket_world::geo::LatLon;

use crate::config::Settings;
use crate::input::Input;

/// How many read errors of one input are printed before only counting them.
const PRINTED_ERRORS: u64 = 10;

/// One file input with the item read ahead (for the time-ordered merge).
#[derive(Debug)]
pub struct FileInput {
    input: Input,
    next: Option<Received>,
    read_errors: u64,
}

impl FileInput {
    /// Reads ahead to the next good item, counting (and printing the first) read errors.
    fn advance(&mut self) {
        self.next = None;
        while let Some(item) = self.input.next() {
            match item {
                Ok(r) => {
                    self.next = Some(r);
                    return;
                }
                Err(e) => self.error(e),
            }
        }
    }

    fn error(&mut self, e: ReadError) {
        self.read_errors += 1;
        if self.read_errors <= PRINTED_ERRORS {
            eprintln!("picket: {}: {e}", self.input.name);
        } else if self.read_errors == PRINTED_ERRORS + 1 {
            eprintln!("picket: {}: more read errors are only counted", self.input.name);
        }
    }
}

/// The frames of a run.
pub enum Source {
    /// Files, merged by time.
    Files(Vec<FileInput>),
    /// The simulator's frames.
    Scenario {
        /// The frames.
        frames: Box<Frames>,
        /// Name, for the summary.
        name: String,
    },
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// An opened source and, for a scenario, its receivers' positions.
#[derive(Debug)]
pub struct Opened {
    /// The source.
    pub source: Source,
    /// The scenario's receivers, when the source is a scenario.
    pub receivers: Vec<LatLon>,
    /// The receivers with names, positions and antenna heights (multilateration): a
    /// scenario's, or the files' given with `--input name=..,lat=..,lon=..,path=..`.
    pub stations: Vec<crate::mlat::Station>,
}

impl Source {
    /// Opens the files or prepares the simulation.
    pub fn open(s: &Settings) -> Result<Opened> {
        match &s.source {
            crate::config::Source::Files(paths) => {
                let start = match &s.start {
                    Some(t) => Some(
                        parse_time(t)
                            .ok_or_else(|| anyhow!("start {t:?} is not an RFC 3339 time or Unix seconds"))?,
                    ),
                    None => None,
                };
                let format = s
                    .format
                    .as_deref()
                    .map(|f| {
                        f.parse::<crate::input::InputFormat>()
                            .map_err(|e| anyhow!("format {f:?}: {e}"))
                    })
                    .transpose()?;
                let clock = if s.gps_clock {
                    ClockKind::GpsTimeOfDay
                } else {
                    ClockKind::Ticks12Mhz
                };
                let mut inputs = Vec::new();
                let mut stations = Vec::new();
                for (i, p) in paths.iter().enumerate() {
                    let spec = s.file_receivers.get(i).and_then(Option::as_ref);
                    let clock = spec.map_or(clock, |r| r.clock);
                    let format = spec
                        .and_then(|r| r.format)
                        .map(crate::input::InputFormat::Frames)
                        .or(format);
                    if let Some(r) = spec {
                        stations.push(crate::mlat::Station {
                            id: u16::try_from(i).context("too many inputs")?,
                            config: r.receiver.clone(),
                        });
                    }
                    // stdin and rtl_tcp are live feeds unless a start is given (docs/time.md): frames
                    // without their own date take the time they arrived.
                    let mut config = match start {
                        None if p.as_os_str() == "-" || p.to_string_lossy().starts_with("rtltcp://") => {
                            ReaderConfig::live()
                        }
                        _ => ReaderConfig::starting(start.unwrap_or(DEFAULT_START)),
                    }
                    .with_clock(clock);
                    config.receiver = u16::try_from(i).context("too many inputs")?;
                    let path: Option<&std::path::Path> = Some(p.as_path());
                    let input = Input::open(path, format, config)?;
                    let mut f = FileInput {
                        input,
                        next: None,
                        read_errors: 0,
                    };
                    f.advance();
                    inputs.push(f);
                }
                Ok(Opened {
                    source: Source::Files(inputs),
                    receivers: Vec::new(),
                    stations,
                })
            }
            crate::config::Source::Live { .. } => Err(anyhow!(
                "live receivers are read by the driver's tasks, not as a replay"
            )),
            crate::config::Source::Scenario {
                name,
                seed,
                from,
                duration,
            } => {
                let scenario = load_scenario(name)?;
                let from_s = match from {
                    Some(t) => {
                        parse_scenario_time(t, scenario.start).map_err(|e| anyhow!("from {t:?}: {e}"))?
                    }
                    None => 0.0,
                };
                let duration_s = match duration {
                    Some(d) => Some(parse_duration(d).map_err(|e| anyhow!("duration {d:?}: {e}"))?),
                    None => None,
                };
                let seed = seed.unwrap_or(scenario.seed);
                let sim = Simulation::new(&scenario, seed, Window { from_s, duration_s });
                let (w0, w1) = sim.window_s();
                let receivers = scenario.receivers.iter().map(|r| r.position).collect();
                let stations = scenario
                    .receivers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| {
                        Some(crate::mlat::Station {
                            id: u16::try_from(i).ok()?,
                            config: picket_mlat::ReceiverConfig {
                                name: r.name.clone(),
                                position: picket_mlat::geo::Geodetic::new(
                                    r.position.lat,
                                    r.position.lon,
                                    r.alt_ft * 0.3048,
                                ),
                            },
                        })
                    })
                    .collect();
                let desc = format!(
                    "scenario {} from {} for {:.0} s (seed {seed})",
                    scenario.name,
                    format_rfc3339(sim.utc(w0)),
                    w1 - w0
                );
                Ok(Opened {
                    source: Source::Scenario {
                        frames: Box::new(sim.frames()),
                        name: desc,
                    },
                    receivers,
                    stations,
                })
            }
        }
    }

    /// Appends up to `max` items in time order to `out`; returns how many (0 at the end).
    ///
    /// The reader thread's path: a single file or a scenario is read straight into the
    /// batch, without the merge's read-ahead (which only several files need).
    pub fn fill(&mut self, out: &mut Vec<Received>, max: usize) -> usize {
        let before = out.len();
        match self {
            Source::Files(inputs) if inputs.len() == 1 => {
                let f = &mut inputs[0];
                if let Some(r) = f.next.take() {
                    out.push(r);
                }
                while out.len() - before < max {
                    match f.input.next() {
                        Some(Ok(r)) => out.push(r),
                        Some(Err(e)) => f.error(e),
                        None => break,
                    }
                }
            }
            Source::Scenario { frames, .. } => {
                out.extend(frames.by_ref().take(max).map(|h| h.received));
            }
            _ => {
                while out.len() - before < max {
                    match self.next() {
                        Some(r) => out.push(r),
                        None => break,
                    }
                }
            }
        }
        out.len() - before
    }

    /// One line saying what the source is.
    pub fn describe(&self) -> String {
        match self {
            Source::Scenario { name, .. } => name.clone(),
            Source::Files(inputs) => inputs
                .iter()
                .map(|f| format!("{} ({})", f.input.name, f.input.format))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Read errors over every input.
    pub fn read_errors(&self) -> u64 {
        match self {
            Source::Scenario { .. } => 0,
            Source::Files(inputs) => inputs.iter().map(|f| f.read_errors).sum(),
        }
    }

    /// Bytes read over every input.
    pub fn bytes(&self) -> u64 {
        match self {
            Source::Scenario { .. } => 0,
            Source::Files(inputs) => inputs.iter().map(|f| f.input.bytes_read).sum(),
        }
    }

    /// Whether the source is a file input.
    pub fn is_files(&self) -> bool {
        matches!(self, Source::Files(_))
    }
}

/// A built-in scenario by name, or a scenario file; file errors say line and column.
pub fn load_scenario(name: &str) -> Result<Scenario> {
    if let Some(s) = Scenario::builtin(name) {
        return Ok(s);
    }
    let text = std::fs::read_to_string(name).with_context(|| {
        format!(
            "{name} is neither a built-in scenario ({}) nor a readable file",
            Scenario::builtin_names().collect::<Vec<_>>().join(", ")
        )
    })?;
    Scenario::from_toml(&text, name).map_err(|e| anyhow!("{e}"))
}

impl Iterator for Source {
    type Item = Received;

    /// The next item in time order; `None` at the end.
    fn next(&mut self) -> Option<Received> {
        match self {
            Source::Scenario { frames, .. } => frames.next().map(|h| h.received),
            Source::Files(inputs) => {
                // The input whose next item is earliest (the first on ties, so one input
                // keeps its own order).
                let mut best: Option<usize> = None;
                for (i, f) in inputs.iter().enumerate() {
                    if let Some(r) = &f.next {
                        if best.is_none_or(|b| {
                            r.time_utc < inputs[b].next.as_ref().map_or(f64::MAX, |x| x.time_utc)
                        }) {
                            best = Some(i);
                        }
                    }
                }
                let f = &mut inputs[best?];
                let item = f.next.take();
                f.advance();
                item
            }
        }
    }
}
