//! Reading an input (file or stdin) in chunks through a format reader.

use anyhow::{bail, Context, Result};
use picket_receive::{detect, AnyReader, Format, ReadError, Reader, ReaderConfig, Received, TimeBase};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Size of the chunks read from the input.
const CHUNK: usize = 1 << 20;

/// An input being read: its name for messages, the byte source and the format reader.
pub struct Input {
    pub name: String,
    pub format: Format,
    source: Box<dyn Read + Send>,
    reader: AnyReader,
    buf: Vec<u8>,
    done: bool,
    /// Bytes read so far.
    pub bytes_read: u64,
    /// The input's size when known (a file), for progress.
    pub size: Option<u64>,
    /// Items are stamped with the wall-clock time their chunk arrived (a live feed).
    live: bool,
}

/// The wall clock as Unix seconds: the arrival time of a live chunk (docs/time.md).
fn now_utc() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Input({}, {})", self.name, self.format)
    }
}

impl Input {
    /// Opens `path` (`-` or none for stdin), detecting the format unless given.
    pub fn open(path: Option<&Path>, format: Option<Format>, config: ReaderConfig) -> Result<Input> {
        let (name, mut source, size): (String, Box<dyn Read + Send>, Option<u64>) = match path {
            None => ("stdin".into(), Box::new(io::stdin()), None),
            Some(p) if p.as_os_str() == "-" => ("stdin".into(), Box::new(io::stdin()), None),
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
        let format = match format {
            Some(f) => f,
            None => match detect(&buf[..first]) {
                Some(f) => f,
                None if first == 0 => Format::Hex,
                None => bail!("{name}: cannot tell the input format from its first bytes; give --format"),
            },
        };
        let live = matches!(config.time_base, TimeBase::Arrival);
        let mut reader = AnyReader::new(format, config);
        if live {
            reader.feed_at(&buf[..first], now_utc());
        } else {
            reader.feed(&buf[..first]);
        }
        Ok(Input {
            name,
            format,
            source,
            reader,
            buf,
            done: false,
            bytes_read: first as u64,
            size,
            live,
        })
    }

    /// The reader's counters.
    pub fn stats(&self) -> &picket_receive::ReaderStats {
        self.reader.stats()
    }
}

impl Iterator for Input {
    type Item = Result<Received, ReadError>;

    /// The next item, reading more input as needed; `None` at the end.
    fn next(&mut self) -> Option<Result<Received, ReadError>> {
        loop {
            if let Some(item) = self.reader.next() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            match self.source.read(&mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    self.reader.finish();
                }
                Ok(n) => {
                    self.bytes_read += n as u64;
                    if self.live {
                        self.reader.feed_at(&self.buf[..n], now_utc());
                    } else {
                        self.reader.feed(&self.buf[..n]);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    eprintln!(
                        "picket: {}: read error after {} bytes: {e}",
                        self.name, self.bytes_read
                    );
                    self.done = true;
                    self.reader.finish();
                }
            }
        }
    }
}
