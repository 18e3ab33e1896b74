//! A client of an rtl_tcp server: connect, tune the dongle, read its samples.

use anyhow::{anyhow, bail, Context, Result};
use picket_demod::rtltcp::{Client, Tuning};
use std::io::{self, Read, Write};
use std::net::TcpStream;

/// An rtl_tcp connection as a byte source of u8 I/Q samples (the header taken off).
#[derive(Debug)]
pub(crate) struct RtlTcpReader {
    stream: TcpStream,
    client: Client,
    buf: Vec<u8>,
}

/// Connects to `rtltcp://host:port[?gain=DB&ppm=N&freq=HZ]` and asks for `rate_hz` at
/// 1090 MHz (gain: the tuner's AGC unless given).
pub(crate) fn connect(url: &str, rate_hz: u32) -> Result<RtlTcpReader> {
    let rest = url
        .strip_prefix("rtltcp://")
        .ok_or_else(|| anyhow!("{url}: expected rtltcp://host:port"))?;
    let (addr, query) = rest.split_once('?').unwrap_or((rest, ""));
    let addr = addr.trim_end_matches('/');
    let mut tuning = Tuning {
        rate_hz,
        ..Tuning::default()
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = || anyhow!("{url}: {k}={v:?} is not a number");
        match k {
            "gain" => tuning.gain_db = Some(v.parse().map_err(|_| bad())?),
            "ppm" => tuning.ppm = v.parse().map_err(|_| bad())?,
            "freq" => tuning.frequency_hz = v.parse().map_err(|_| bad())?,
            _ => bail!("{url}: unknown option {k:?} (gain, ppm, freq)"),
        }
    }
    let mut stream = TcpStream::connect(addr).with_context(|| format!("cannot connect to {addr}"))?;
    let _ = stream.set_nodelay(true);
    for c in tuning.commands() {
        stream
            .write_all(&c.emit())
            .with_context(|| format!("{url}: cannot send a command"))?;
    }
    Ok(RtlTcpReader {
        stream,
        client: Client::new(),
        buf: vec![0; 1 << 16],
    })
}

impl Read for RtlTcpReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let want = out.len().min(self.buf.len());
            let n = self.stream.read(&mut self.buf[..want])?;
            if n == 0 {
                return Ok(0);
            }
            let samples = self
                .client
                .feed(&self.buf[..n])
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if !samples.is_empty() {
                let k = samples.len();
                out[..k].copy_from_slice(samples);
                return Ok(k);
            }
        }
    }
}
