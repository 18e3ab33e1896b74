//! The `jsonl` sink: one alert per line (docs/events.md) on stdout or appended to a file.

use anyhow::{Context, Result};
use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use super::{Control, Delivery, Runtime};
use crate::config::SinkTable;

/// Settings of a `jsonl` sink.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonlConfig {
    /// The file; `-` is stdout.
    pub(crate) path: PathBuf,
    /// Append to an existing file (true) or replace it.
    pub(crate) append: bool,
}

impl JsonlConfig {
    /// Reads the settings from a `[[sink]]` table.
    pub(crate) fn from_table(t: &SinkTable) -> Result<JsonlConfig> {
        Ok(JsonlConfig {
            path: PathBuf::from(t.path.as_deref().unwrap_or("-")),
            append: t.append.unwrap_or(true),
        })
    }

    /// Opens the output.
    pub(crate) fn build(&self) -> Result<Jsonl> {
        let out: Box<dyn Write + Send> = if self.path.as_os_str() == "-" {
            Box::new(io::stdout())
        } else {
            let f = OpenOptions::new()
                .create(true)
                .write(true)
                .append(self.append)
                .truncate(!self.append)
                .open(&self.path)
                .with_context(|| format!("cannot open {}", self.path.display()))?;
            Box::new(f)
        };
        Ok(Jsonl {
            out: BufWriter::with_capacity(1 << 16, out),
            path: self.path.display().to_string(),
        })
    }
}

/// A running `jsonl` sink.
pub(crate) struct Jsonl {
    out: BufWriter<Box<dyn Write + Send>>,
    path: String,
}

impl std::fmt::Debug for Jsonl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jsonl")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Jsonl {
    fn write(&mut self, d: &Delivery) -> io::Result<()> {
        self.out.write_all(d.json.as_bytes())?;
        self.out.write_all(b"\n")
    }
}

impl Runtime for Jsonl {
    fn run(mut self: Box<Self>, rx: Receiver<Arc<Delivery>>, ctl: Control) {
        let mut broken = false;
        let mut batch = Vec::with_capacity(256);
        while let Ok(first) = rx.recv() {
            batch.clear();
            batch.push(first);
            // Write a burst, then flush once, so a reader sees each alert at once without
            // a system call per line.
            batch.extend(rx.try_iter().take(255));
            if broken {
                batch.iter().for_each(|_| ctl.failed());
                continue;
            }
            let mut result = Ok(());
            for d in &batch {
                result = self.write(d);
                if result.is_err() {
                    break;
                }
            }
            match result.and_then(|()| self.out.flush()) {
                Ok(()) => batch.iter().for_each(|_| ctl.sent()),
                Err(e) => {
                    // A closed pipe or a full disk: say so once, count the rest as failed.
                    if e.kind() != io::ErrorKind::BrokenPipe {
                        eprintln!("picket: sink {}: cannot write to {}: {e}", ctl.name, self.path);
                    }
                    broken = true;
                    batch.iter().for_each(|_| ctl.failed());
                }
            }
        }
        let _ = self.out.flush();
    }
}
