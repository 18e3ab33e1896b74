//! A client of an rtl_tcp server: connect, tune the dongle, read its samples; and the live
//! receiver that demodulates them on a thread of its own.
//!
//! The receiver is a plain thread, not a tokio task: the demodulator is CPU-bound (a few
//! million samples a second) and would stall the runtime's other receivers. It reads with a
//! short timeout so a stop is seen, and reconnects with the same backoff as the TCP feeds.

use anyhow::{anyhow, bail, Context, Result};
use picket_demod::rtltcp::{Client, Tuning};
use picket_demod::{DemodConfig, Demodulator, IqSpec};
use picket_receive::{Reader, ReaderConfig};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::connect::{Backoff, Feed, ReceiverSpec};
use crate::stats::ReceiverStats;

/// An rtl_tcp connection as a byte source of u8 I/Q samples (the header taken off).
#[derive(Debug)]
pub(crate) struct RtlTcpReader {
    stream: TcpStream,
    client: Client,
    buf: Vec<u8>,
}

/// Reads `rtltcp://host:port[?gain=DB&ppm=N&freq=HZ&rate=MSPS]`: the address and what to
/// ask of the dongle (`rate_hz` unless `rate=` is given; the tuner's AGC unless `gain=`).
pub(crate) fn parse_url(url: &str, rate_hz: u32) -> Result<(String, Tuning)> {
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
            "rate" => {
                tuning.rate_hz =
                    picket_demod::sample::parse_rate(v).map_err(|e| anyhow!("{url}: rate {e}"))?;
            }
            _ => bail!("{url}: unknown option {k:?} (gain, ppm, freq, rate)"),
        }
    }
    Ok((addr.to_string(), tuning))
}

/// Connects to `addr` and sends the tuning commands.
fn open(url: &str, addr: &str, tuning: &Tuning) -> Result<RtlTcpReader> {
    let mut last = None;
    let mut stream = None;
    for a in addr
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {addr}"))?
    {
        match TcpStream::connect_timeout(&a, Duration::from_secs(5)) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut stream = match (stream, last) {
        (Some(s), _) => s,
        (None, Some(e)) => return Err(e).with_context(|| format!("cannot connect to {addr}")),
        (None, None) => bail!("{addr}: no address"),
    };
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

/// Connects to `rtltcp://host:port[?gain=DB&ppm=N&freq=HZ&rate=MSPS]` and asks for
/// `rate_hz` (unless `rate=` says otherwise) at 1090 MHz.
pub(crate) fn connect(url: &str, rate_hz: u32) -> Result<RtlTcpReader> {
    let (addr, tuning) = parse_url(url, rate_hz)?;
    open(url, &addr, &tuning)
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

/// How often a blocked read looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(200);

/// Starts the live receiver of an rtl_tcp server: a thread that connects, demodulates and
/// sends one batch per read into the engine's channel, reconnecting with backoff, until the
/// run stops or the engine is gone.
pub(crate) fn spawn_receiver(
    spec: ReceiverSpec,
    id: u16,
    stats: Arc<ReceiverStats>,
    feed: Feed,
) -> Result<std::thread::JoinHandle<()>> {
    let url = spec.endpoint.to_string();
    let (addr, tuning) = parse_url(&url, picket_demod::sample::DEFAULT_RATE_HZ)?;
    std::thread::Builder::new()
        .name(format!("picket-rtltcp-{id}"))
        .spawn(move || receive(&spec, id, &url, &addr, &tuning, &stats, &feed))
        .context("cannot start the rtl_tcp receiver's thread")
}

/// The receiver's loop (see [`spawn_receiver`]).
fn receive(
    spec: &ReceiverSpec,
    id: u16,
    url: &str,
    addr: &str,
    tuning: &Tuning,
    stats: &ReceiverStats,
    feed: &Feed,
) {
    let mut backoff = Backoff::new(u64::from(id) << 32);
    let mut config = DemodConfig::new(IqSpec::u8_2400().with_rate(tuning.rate_hz));
    // Always live: the samples carry no time of their own, and the dongle does not replay.
    config.reader = ReaderConfig::live().with_clock(spec.clock).with_receiver(id);
    while !feed.stop.load(Ordering::Relaxed) {
        match open(url, addr, tuning) {
            Ok(reader) => {
                backoff.reset();
                stats.connected();
                eprintln!("picket: receiver {}: connected to {url}", spec.name);
                let end = read_samples(reader, config, stats, feed);
                stats.disconnected();
                match end {
                    Err(()) => return,
                    Ok(Some(e)) => eprintln!("picket: receiver {}: {url}: {e}; reconnecting", spec.name),
                    Ok(None) => eprintln!(
                        "picket: receiver {}: connection to {url} closed; reconnecting",
                        spec.name
                    ),
                }
            }
            Err(e) => {
                if backoff.attempts() == 0 {
                    eprintln!("picket: receiver {}: {e:#}; retrying with backoff", spec.name);
                }
            }
        }
        // Sleep the backoff in slices, so a stop is seen.
        let end = Instant::now() + backoff.next_delay();
        while Instant::now() < end && !feed.stop.load(Ordering::Relaxed) {
            std::thread::sleep(STOP_POLL.min(end.saturating_duration_since(Instant::now())));
        }
    }
}

/// Demodulates one connection until it ends (`Ok(None)`) or fails (`Ok(Some(error))`);
/// `Err` when the engine is gone or the run stops.
fn read_samples(
    mut reader: RtlTcpReader,
    config: DemodConfig,
    stats: &ReceiverStats,
    feed: &Feed,
) -> Result<Option<io::Error>, ()> {
    let _ = reader.stream.set_read_timeout(Some(STOP_POLL));
    let mut d = Demodulator::new(config);
    let mut buf = vec![0u8; 1 << 16];
    let mut scratch = Vec::new();
    let mut bad_before = 0u64;
    loop {
        if feed.stop.load(Ordering::Relaxed) {
            return Err(());
        }
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(None),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(e) => return Ok(Some(e)),
        };
        stats.bytes(n as u64);
        let now = crate::now_utc();
        d.feed_at(&buf[..n], now);
        let mut batch = feed.pool.take();
        while let Some(r) = d.next() {
            if let Ok(item) = r {
                batch.items.push(item);
            }
        }
        let bad = d.stats().error_total();
        stats.bad(bad.saturating_sub(bad_before));
        bad_before = bad;
        stats.heard(batch.items.len() as u64, now);
        if batch.items.is_empty() {
            feed.pool.give(batch);
            continue;
        }
        if let Some(options) = &feed.decode {
            batch.predecode(options);
        }
        feed.outputs.publish(&batch.items, &mut scratch, None);
        if feed.tx.blocking_send(batch).is_err() {
            return Err(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_address_and_tuning() {
        let (addr, t) = parse_url("rtltcp://127.0.0.1:1234?gain=49.6&ppm=-2&rate=2.0", 2_400_000).unwrap();
        assert_eq!(addr, "127.0.0.1:1234");
        assert_eq!(t.gain_db, Some(49.6));
        assert_eq!(t.ppm, -2);
        assert_eq!(t.rate_hz, 2_000_000);
        assert_eq!(t.frequency_hz, 1_090_000_000);
        let (_, t) = parse_url("rtltcp://host:1234/", 3_000_000).unwrap();
        assert_eq!((t.rate_hz, t.gain_db), (3_000_000, None));
        assert!(parse_url("rtltcp://host:1234?volume=11", 2_400_000).is_err());
        assert!(parse_url("rtltcp://host:1234?gain=loud", 2_400_000).is_err());
    }
}
