//! Reading an input (file, stdin or an rtl_tcp server) in chunks through a format reader,
//! or through the demodulator on a thread of its own for I/Q samples.

use anyhow::{anyhow, bail, Context, Result};
use picket_demod::{DemodConfig, DemodStats, Demodulator, IqSpec};
use picket_modes::DecodeOptions;
use picket_receive::{
    detect, AnyReader, Format, ReadError, Reader, ReaderConfig, ReaderStats, Received, TimeBase,
};
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::str::FromStr;
use std::sync::mpsc::{sync_channel, Receiver};

/// What an input holds: frames in a wire format, or I/Q samples for the demodulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// A frame format (beast, avr, ...).
    Frames(Format),
    /// I/Q samples of a known encoding.
    Iq(IqSpec),
    /// I/Q samples whose encoding is detected from the first bytes, at this rate.
    IqDetect(u32),
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputFormat::Frames(x) => x.fmt(f),
            InputFormat::Iq(spec) => spec.fmt(f),
            InputFormat::IqDetect(rate) => write!(f, "iq@{}", f64::from(*rate) / 1e6),
        }
    }
}

impl FromStr for InputFormat {
    type Err = String;

    /// A frame format's name, an IQ format (`iq-u8`, `iq-s16le`, `iq-s16be`, with `-qi` and
    /// `@RATE` in MS/s), or `iq[@RATE]` for IQ of a detected encoding.
    fn from_str(s: &str) -> Result<InputFormat, String> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "iq" || lower.starts_with("iq@") {
            let rate = match lower.split_once('@') {
                Some((_, r)) => picket_demod::sample::parse_rate(r).map_err(|e| e.to_string())?,
                None => picket_demod::sample::DEFAULT_RATE_HZ,
            };
            return Ok(InputFormat::IqDetect(rate));
        }
        if lower.starts_with("iq-") {
            return lower
                .parse::<IqSpec>()
                .map(InputFormat::Iq)
                .map_err(|e| e.to_string());
        }
        s.parse::<Format>()
            .map(InputFormat::Frames)
            .map_err(|e| format!("{e}, or an IQ format (iq-u8, iq-s16le, iq-s16be)"))
    }
}

impl InputFormat {
    /// The same format at another IQ rate (`--rate`, MS/s); frame formats are unchanged.
    pub fn with_rate(self, rate_hz: u32) -> InputFormat {
        match self {
            InputFormat::Iq(spec) => InputFormat::Iq(spec.with_rate(rate_hz)),
            InputFormat::IqDetect(_) => InputFormat::IqDetect(rate_hz),
            f => f,
        }
    }

    /// What each item must hold, for messages about missing fields.
    pub fn required_fields(self) -> &'static str {
        match self {
            InputFormat::Frames(f) => f.required_fields(),
            _ => "I/Q samples of the given encoding (iq-u8, iq-s16le or iq-s16be) at the given rate",
        }
    }

    /// The frame format, if this is one.
    pub fn frames(self) -> Option<Format> {
        match self {
            InputFormat::Frames(f) => Some(f),
            _ => None,
        }
    }
}

/// Folds `--rate` (MS/s) into a format: the IQ format given, or IQ of a detected encoding.
pub fn with_rate(format: Option<InputFormat>, rate: Option<&str>) -> Result<Option<InputFormat>> {
    let Some(rate) = rate else { return Ok(format) };
    let hz = picket_demod::sample::parse_rate(rate).map_err(|e| anyhow!("--rate {e}"))?;
    Ok(Some(match format {
        None => InputFormat::IqDetect(hz),
        Some(f @ InputFormat::Frames(_)) => bail!("--rate applies to IQ input, not {f}"),
        Some(f) => f.with_rate(hz),
    }))
}

/// Size of the chunks read from the input.
const CHUNK: usize = 1 << 20;

/// Bytes of the input's start that the I/Q encoding is guessed from.
const IQ_DETECT_BYTES: usize = 64 * 1024;

/// An input being read: its name for messages, the byte source and the format reader.
pub struct Input {
    pub name: String,
    pub format: InputFormat,
    source: Source,
    done: bool,
    /// Bytes read so far.
    pub bytes_read: u64,
    /// The input's size when known (a file), for progress.
    pub size: Option<u64>,
    /// Items are stamped with the wall-clock time their chunk arrived (a live feed).
    live: bool,
}

/// Where the items come from.
enum Source {
    /// A frame format read on the caller's thread.
    Frames {
        bytes: Box<dyn Read + Send>,
        reader: AnyReader,
    },
    /// I/Q samples demodulated on a thread of its own.
    Iq(IqThread),
}

/// The demodulator's thread and what it has sent so far.
struct IqThread {
    batches: Receiver<IqMsg>,
    batch: std::vec::IntoIter<Received>,
    stats: ReaderStats,
    demod: DemodStats,
}

/// What the demodulator's thread sends.
enum IqMsg {
    /// Frames, the bytes read so far and the reader's counters.
    Frames(Vec<Received>, u64, ReaderStats),
    /// The end: the final counters, and the read error that ended the input, if any.
    Done(ReaderStats, DemodStats, Option<String>),
}

/// Frames per batch sent from the demodulator's thread (fewer when the input pauses).
const BATCH: usize = 256;

/// Spawns the demodulator's thread: it reads `bytes` (`first` already read), demodulates
/// and sends batches of frames on a bounded channel.
fn spawn_demod(
    name: String,
    mut bytes: Box<dyn Read + Send>,
    first: Vec<u8>,
    config: DemodConfig,
    live: bool,
) -> Result<IqThread> {
    let (tx, rx) = sync_channel::<IqMsg>(64);
    std::thread::Builder::new()
        .name("picket-demod".into())
        .spawn(move || {
            let mut d = Demodulator::new(config);
            let mut buf = first;
            let mut total = buf.len() as u64;
            let mut batch = Vec::with_capacity(BATCH);
            let mut error = None;
            let mut n = buf.len();
            buf.resize(CHUNK, 0);
            loop {
                if n > 0 {
                    if live {
                        d.feed_at(&buf[..n], crate::now_utc());
                    } else {
                        d.feed(&buf[..n]);
                    }
                    while let Some(Ok(r)) = d.next() {
                        batch.push(r);
                    }
                    // A live feed sends what it has at once; a file fills its batches.
                    if !batch.is_empty() && (live || batch.len() >= BATCH) {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        if tx.send(IqMsg::Frames(full, total, d.stats().clone())).is_err() {
                            return;
                        }
                    }
                }
                n = match bytes.read(&mut buf) {
                    Ok(0) => break,
                    Ok(k) => {
                        total += k as u64;
                        k
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
                    Err(e) => {
                        error = Some(format!("{name}: read error after {total} bytes: {e}"));
                        break;
                    }
                };
            }
            d.finish();
            while let Some(Ok(r)) = d.next() {
                batch.push(r);
            }
            let stats = d.stats().clone();
            let _ = tx.send(IqMsg::Frames(batch, total, stats.clone()));
            let _ = tx.send(IqMsg::Done(stats, d.demod_stats().clone(), error));
        })
        .context("cannot start the demodulator's thread")?;
    Ok(IqThread {
        batches: rx,
        batch: Vec::new().into_iter(),
        stats: ReaderStats::default(),
        demod: DemodStats::default(),
    })
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Input({}, {})", self.name, self.format)
    }
}

impl Input {
    /// Opens `path` (`-` or none for stdin, `rtltcp://host:port` for an rtl_tcp server),
    /// detecting the format unless given.
    pub fn open(path: Option<&Path>, format: Option<InputFormat>, config: ReaderConfig) -> Result<Input> {
        Input::open_with(path, format, config, DecodeOptions::default())
    }

    /// [`Input::open`] with the CRC repair the demodulator applies to I/Q input.
    pub fn open_with(
        path: Option<&Path>,
        format: Option<InputFormat>,
        config: ReaderConfig,
        repair: DecodeOptions,
    ) -> Result<Input> {
        let mut format = format;
        let (name, mut source, size): (String, Box<dyn Read + Send>, Option<u64>) = match path {
            None => ("stdin".into(), Box::new(io::stdin()), None),
            Some(p) if p.as_os_str() == "-" => ("stdin".into(), Box::new(io::stdin()), None),
            Some(p) if p.to_string_lossy().starts_with("rtltcp://") => {
                let url = p.to_string_lossy().into_owned();
                let spec = match format {
                    Some(InputFormat::Iq(s)) => s,
                    Some(InputFormat::IqDetect(rate)) => IqSpec::u8_2400().with_rate(rate),
                    None => IqSpec::u8_2400(),
                    Some(f) => bail!("{url}: an rtl_tcp server sends IQ samples, not {f}"),
                };
                format = Some(InputFormat::Iq(spec));
                let stream = crate::rtltcp::connect(&url, spec.rate_hz)?;
                (url, Box::new(stream), None)
            }
            Some(p) => {
                let f = File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
                let size = f.metadata().ok().map(|m| m.len());
                (p.display().to_string(), Box::new(f), size)
            }
        };
        let mut buf = vec![0u8; CHUNK];
        let mut first = 0;
        // Read enough to detect the format (or until end of input).
        while first < 4096 {
            let n = source
                .read(&mut buf[first..])
                .with_context(|| format!("cannot read {name}"))?;
            if n == 0 {
                break;
            }
            first += n;
        }
        // The I/Q statistics need a few thousand bytes; the first read may be a whole
        // chunk (1 MiB), which would cost 100 instructions a frame of a short Beast file.
        let detect_iq = |rate: u32| {
            picket_demod::detect(&buf[..first.min(IQ_DETECT_BYTES)]).map(|sample| IqSpec {
                sample,
                order: picket_demod::IqOrder::Iq,
                rate_hz: rate,
            })
        };
        let format = match format {
            Some(InputFormat::IqDetect(rate)) => match detect_iq(rate) {
                Some(spec) => InputFormat::Iq(spec),
                None => bail!("{name}: cannot tell the IQ encoding from the first bytes; give --format iq-u8, iq-s16le or iq-s16be"),
            },
            Some(f) => f,
            // I/Q first: its statistics are unmistakable, while s16 samples can hold a
            // Beast start by chance.
            None => match (detect_iq(picket_demod::sample::DEFAULT_RATE_HZ), detect(&buf[..first])) {
                (Some(spec), _) => InputFormat::Iq(spec),
                (None, Some(f)) => InputFormat::Frames(f),
                (None, None) if first == 0 => InputFormat::Frames(Format::Hex),
                (None, None) => bail!("{name}: cannot tell the input format from its first bytes; give --format"),
            },
        };
        let live = matches!(config.time_base, TimeBase::Arrival);
        let source = match format {
            InputFormat::Frames(f) => {
                let mut reader = AnyReader::new(f, config);
                if live {
                    reader.feed_at(&buf[..first], crate::now_utc());
                } else {
                    reader.feed(&buf[..first]);
                }
                Source::Frames {
                    bytes: source,
                    reader,
                }
            }
            InputFormat::Iq(spec) => {
                let mut dc = DemodConfig::new(spec);
                dc.reader = config;
                dc.decode = repair;
                // No repair at all: no soft repair either.
                dc.soft_repair = repair.fix_one_bit;
                Source::Iq(spawn_demod(
                    name.clone(),
                    source,
                    buf[..first].to_vec(),
                    dc,
                    live,
                )?)
            }
            InputFormat::IqDetect(_) => unreachable!("resolved above"),
        };
        Ok(Input {
            name,
            format,
            source,
            done: false,
            bytes_read: first as u64,
            size,
            live,
        })
    }

    /// The reader's counters.
    pub fn stats(&self) -> &ReaderStats {
        match &self.source {
            Source::Frames { reader, .. } => reader.stats(),
            Source::Iq(t) => &t.stats,
        }
    }

    /// The demodulator's counters (IQ input, once it has ended).
    pub fn demod_stats(&self) -> Option<&DemodStats> {
        match &self.source {
            Source::Frames { .. } => None,
            Source::Iq(t) => Some(&t.demod),
        }
    }
}

impl Iterator for Input {
    type Item = Result<Received, ReadError>;

    /// The next item, reading more input as needed; `None` at the end.
    #[inline]
    fn next(&mut self) -> Option<Result<Received, ReadError>> {
        // The common case inline (for Beast, the reader's whole fast path): an item the
        // reader has already.
        if let Source::Frames { reader, .. } = &mut self.source {
            if let Some(item) = reader.next() {
                return Some(item);
            }
        }
        self.next_slow()
    }
}

impl Input {
    /// [`Input::next`] when the reader needs more input, and for I/Q input.
    #[inline(never)]
    fn next_slow(&mut self) -> Option<Result<Received, ReadError>> {
        let (bytes, reader) = match &mut self.source {
            Source::Frames { bytes, reader } => (bytes, reader),
            Source::Iq(t) => loop {
                if let Some(r) = t.batch.next() {
                    return Some(Ok(r));
                }
                match t.batches.recv() {
                    Ok(IqMsg::Frames(v, total, stats)) => {
                        t.batch = v.into_iter();
                        self.bytes_read = total;
                        t.stats = stats;
                    }
                    Ok(IqMsg::Done(stats, demod, error)) => {
                        t.stats = stats;
                        t.demod = demod;
                        if let Some(e) = error {
                            eprintln!("picket: {e}");
                        }
                    }
                    Err(_) => return None,
                }
            },
        };
        loop {
            if let Some(item) = reader.next() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            // Read straight into the reader's buffer (no copy of each chunk).
            match bytes.read(reader.spare(CHUNK)) {
                Ok(0) => {
                    self.done = true;
                    reader.finish();
                }
                Ok(n) => {
                    self.bytes_read += n as u64;
                    reader.commit(n, self.live.then(crate::now_utc));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    eprintln!(
                        "picket: {}: read error after {} bytes: {e}",
                        self.name, self.bytes_read
                    );
                    self.done = true;
                    reader.finish();
                }
            }
        }
    }
}
