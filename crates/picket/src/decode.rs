//! `picket decode`: frames in, one JSON object per frame (or a summary) out.

use anyhow::{Context, Result};
use clap::Args;
use picket_live::input::{with_rate, Input, InputFormat};
use picket_modes::message::{DecodeError, Integrity};
use picket_modes::{DecodeOptions, Decoder};
use picket_receive::decoded::{write_decoded, write_reception};
use picket_receive::json::JsonObject;
use picket_receive::time::{parse_time, DEFAULT_START};
use picket_receive::{ClockKind, Format, ReadErrorKind, ReaderConfig, What};
use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `picket decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// Input file; `-` or nothing reads stdin; `rtltcp://host:port` reads an rtl_tcp server.
    file: Option<PathBuf>,
    /// Input format (beast, avr, hex, csv, sbs, jsonl, or IQ samples: iq-u8, iq-s16le,
    /// iq-s16be); detected from the first bytes if absent.
    #[arg(long)]
    format: Option<InputFormat>,
    /// IQ sample rate in MS/s (2.0 to 4.0; default 2.4).
    #[arg(long, value_name = "MSPS")]
    rate: Option<String>,
    /// Print only a summary: counts by downlink format and type code, CRC repairs, errors, rate.
    #[arg(long)]
    stats: bool,
    /// UTC start of a Beast/AVR recording whose timestamps have no date (RFC 3339 or Unix seconds).
    #[arg(long)]
    start: Option<String>,
    /// The Beast timestamps are GPS time of day (Radarcape style), not a 12 MHz counter.
    #[arg(long)]
    gps_clock: bool,
    /// Also repair two-bit errors in DF17/18 (more repairs, more false ones).
    #[arg(long)]
    fix_two_bits: bool,
    /// Repair no bit errors at all.
    #[arg(long, conflicts_with = "fix_two_bits")]
    no_fix: bool,
    /// Also print frames that gave no message, with the reason, as JSON objects.
    #[arg(long)]
    errors: bool,
}

/// Counters of a decode run.
#[derive(Debug, Default)]
struct Stats {
    frames: u64,
    decoded: u64,
    mode_ac: u64,
    observations: u64,
    by_df: BTreeMap<u8, u64>,
    by_tc: BTreeMap<u8, u64>,
    clean: u64,
    fixed_one: u64,
    fixed_two: u64,
    iid: u64,
    recovered_known: u64,
    recovered_unknown: u64,
    errors: BTreeMap<String, u64>,
    /// Earliest and latest data time (items need not come in time order: the span is
    /// never negative).
    first_time: Option<f64>,
    last_time: f64,
}

/// How many read errors are printed one by one before only counting them.
const PRINTED_ERRORS: u64 = 10;

pub(crate) fn run(args: &DecodeArgs) -> Result<ExitCode> {
    let start = match &args.start {
        Some(s) => {
            parse_time(s).with_context(|| format!("--start {s:?} is not an RFC 3339 time or Unix seconds"))?
        }
        None => DEFAULT_START,
    };
    let clock = if args.gps_clock {
        ClockKind::GpsTimeOfDay
    } else {
        ClockKind::Ticks12Mhz
    };
    let config = ReaderConfig::starting(start).with_clock(clock);
    let format = with_rate(args.format, args.rate.as_deref())?;
    let options = DecodeOptions {
        fix_one_bit: !args.no_fix,
        fix_two_bits: args.fix_two_bits,
        adsb_version: None,
    };
    let mut input = Input::open_with(args.file.as_deref(), format, config, options)?;
    let mut decoder = Decoder::new(options);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = String::with_capacity(512);
    let mut stats = Stats::default();
    let mut read_errors = 0u64;
    let began = Instant::now();

    while let Some(item) = input.next() {
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                read_errors += 1;
                if read_errors <= PRINTED_ERRORS {
                    if e.kind == ReadErrorKind::MissingField {
                        // Name what is missing.
                        eprintln!("picket: {}: {e}: {}", input.name, input.format.required_fields());
                    } else {
                        eprintln!("picket: {}: {e}", input.name);
                    }
                }
                continue;
            }
        };
        stats.time(item.time_utc);
        line.clear();
        match &item.what {
            What::ModeS(frame) => {
                stats.frames += 1;
                match decoder.decode(*frame) {
                    Ok(d) => {
                        stats.count(&d);
                        if !args.stats {
                            let mut obj = JsonObject::new(&mut line);
                            write_reception(&mut obj, &item);
                            write_decoded(&mut obj, &d);
                            obj.finish();
                        }
                    }
                    Err(e) => {
                        *stats.errors.entry(error_name(e)).or_default() += 1;
                        if args.errors && !args.stats {
                            let mut obj = JsonObject::new(&mut line);
                            write_reception(&mut obj, &item);
                            obj.display("frame", frame)
                                .num("df", frame.df())
                                .display("error", e);
                            obj.finish();
                        }
                    }
                }
            }
            What::ModeAc(code) => {
                stats.mode_ac += 1;
                if !args.stats {
                    let mut obj = JsonObject::new(&mut line);
                    write_reception(&mut obj, &item);
                    obj.hex("mode_ac", code);
                    obj.finish();
                }
            }
            What::Observation(o) => {
                stats.observations += 1;
                if !args.stats {
                    let mut obj = JsonObject::new(&mut line);
                    write_reception(&mut obj, &item);
                    picket_receive::jsonl::write_observation_fields(&mut obj, o);
                    obj.finish();
                }
            }
        }
        if !line.is_empty() {
            line.push('\n');
            if let Err(e) = out.write_all(line.as_bytes()) {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    return Ok(ExitCode::SUCCESS);
                }
                return Err(e).context("cannot write to stdout");
            }
        }
    }
    let elapsed = began.elapsed().as_secs_f64();
    if args.stats {
        print_stats(&mut out, &input, &stats, start, args.start.is_some(), elapsed)?;
    }
    out.flush().ok();
    if read_errors > PRINTED_ERRORS {
        eprintln!(
            "picket: {}: {} more read errors not shown",
            input.name,
            read_errors - PRINTED_ERRORS
        );
    }
    // A whole input that gave nothing is a mistake (wrong format, wrong file): say so and
    // fail, so that a script notices.
    let bytes = input.stats().bytes;
    if bytes > 0 && stats.decoded + stats.mode_ac + stats.observations == 0 {
        let mut why = Vec::new();
        if read_errors > 0 {
            why.push(format!("{read_errors} read errors"));
        }
        if stats.frames > 0 {
            why.push(format!("{} frames that do not decode", stats.frames));
        }
        if why.is_empty() {
            why.push("no item".into());
        }
        eprintln!(
            "picket: {}: nothing in its {bytes} bytes decodes as {} ({}); {}",
            input.name,
            input.format,
            why.join(", "),
            input.format.required_fields()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

impl Stats {
    fn time(&mut self, t: f64) {
        match self.first_time {
            None => {
                self.first_time = Some(t);
                self.last_time = t;
            }
            Some(first) => {
                self.first_time = Some(first.min(t));
                self.last_time = self.last_time.max(t);
            }
        }
    }

    fn count(&mut self, d: &picket_modes::Decoded) {
        self.decoded += 1;
        *self.by_df.entry(d.message.df()).or_default() += 1;
        if let Some(me) = d.message.adsb() {
            *self.by_tc.entry(me.type_code()).or_default() += 1;
        }
        match d.integrity {
            Integrity::Clean => self.clean += 1,
            Integrity::Corrected(bits) if bits.count() == 2 => self.fixed_two += 1,
            Integrity::Corrected(_) => self.fixed_one += 1,
            Integrity::InterrogatorCode { .. } => self.iid += 1,
            Integrity::Recovered { known: true } => self.recovered_known += 1,
            Integrity::Recovered { known: false } => self.recovered_unknown += 1,
        }
    }
}

fn error_name(e: DecodeError) -> String {
    match e {
        DecodeError::BadCrc => "bad CRC (not repairable)".into(),
        DecodeError::UnsupportedFormat(df) => format!("DF{df} not decoded"),
        DecodeError::CommD => "DF24 Comm-D skipped".into(),
        DecodeError::BadMe(e) => format!("invalid ADS-B content: {e}"),
    }
}

fn print_stats(
    out: &mut impl Write,
    input: &Input,
    s: &Stats,
    start: f64,
    start_given: bool,
    elapsed: f64,
) -> Result<()> {
    let rs = input.stats();
    writeln!(
        out,
        "input       {} ({}, {} bytes)",
        input.name, input.format, rs.bytes
    )?;
    if let Some(d) = input.demod_stats() {
        writeln!(
            out,
            "demod       {} samples, noise {:.1} dBFS, {} preambles, {} frames ({} clean, {} repaired, {} soft-repaired, {} with a known address), mean signal {:.1} dBFS",
            d.samples, d.noise_dbfs, d.preambles, d.frames, d.clean, d.repaired, d.soft_repaired, d.recovered, d.mean_signal_dbfs
        )?;
    }
    if matches!(
        input.format.frames(),
        Some(Format::Beast | Format::Avr | Format::Hex)
    ) {
        let note = if start_given {
            "given with --start"
        } else {
            "assumed; give --start for real dates"
        };
        writeln!(out, "start       {} ({note})", format_utc(start))?;
    }
    if let Some(first) = s.first_time {
        writeln!(
            out,
            "data time   {} .. {} ({:.1} s)",
            format_utc(first),
            format_utc(s.last_time),
            s.last_time - first
        )?;
    }
    writeln!(
        out,
        "frames      {} Mode S, {} decoded, {} Mode A/C, {} observations",
        s.frames, s.decoded, s.mode_ac, s.observations
    )?;
    let dfs: Vec<String> = s.by_df.iter().map(|(df, n)| format!("DF{df} {n}")).collect();
    writeln!(out, "by DF       {}", dfs.join(", "))?;
    if !s.by_tc.is_empty() {
        let tcs: Vec<String> = s.by_tc.iter().map(|(tc, n)| format!("TC{tc} {n}")).collect();
        writeln!(out, "by TC       {}", tcs.join(", "))?;
    }
    writeln!(
        out,
        "CRC         {} clean, {} fixed 1 bit, {} fixed 2 bits, {} DF11 with interrogator code, {} address/parity ({} known address, {} unverified)",
        s.clean,
        s.fixed_one,
        s.fixed_two,
        s.iid,
        s.recovered_known + s.recovered_unknown,
        s.recovered_known,
        s.recovered_unknown
    )?;
    let mut errors: Vec<String> = s.errors.iter().map(|(k, n)| format!("{n} {k}")).collect();
    for (kind, n) in rs.errors_by_kind() {
        errors.push(format!("{n} {kind} (input)"));
    }
    if rs.other > 0 {
        errors.push(format!("{} non-frame messages skipped (input)", rs.other));
    }
    writeln!(
        out,
        "errors      {}",
        if errors.is_empty() {
            "none".to_string()
        } else {
            errors.join(", ")
        }
    )?;
    let rate = if elapsed > 0.0 {
        s.frames as f64 / elapsed
    } else {
        0.0
    };
    writeln!(out, "rate        {:.0} frames/s ({:.3} s wall)", rate, elapsed)?;
    Ok(())
}

pub(crate) use picket_live::format_utc;
