//! Live receivers: clients of Beast, AVR and SBS feeds, pollers of readsb/tar1090's
//! `aircraft.json`, and listeners that accept pushed Beast/AVR input.
//!
//! Each receiver is a tokio task with its own framer and its own clock domain (its
//! receiver id, docs/time.md). It reads what arrives, frames it (garbage is
//! resynchronised and counted by the framer), and sends the items as one [`Batch`] per
//! read into the engine's bounded channel, in arrival order. A dead receiver reconnects
//! with exponential backoff and jitter; a stalled one sends nothing and holds nobody up.

use anyhow::{anyhow, bail, Result};
use picket_engine::track::{predecode, Predecoded};
use picket_modes::message::DecodeOptions;
use picket_receive::{AnyReader, ClockKind, Format, Reader, ReaderConfig, Received, TimeBase, What};
use picket_world::geo::LatLon;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::serve::FrameOutputs;
use crate::stats::ReceiverStats;

/// Items read in one go from one receiver, in arrival order.
#[derive(Debug, Default)]
pub struct Batch {
    /// The items.
    pub items: Vec<Received>,
    /// The items' Mode S frames decoded by the reader ([`Batch::predecode`]), one entry per
    /// item (`None` for an item that is no Mode S frame); empty when the reader did not
    /// decode (the engine thread decodes then).
    pub decoded: Vec<Option<Predecoded>>,
}

impl Batch {
    /// Decodes every Mode S frame of the batch on the calling thread (a reader's), so the
    /// engine thread only tracks: [`Batch::decoded`] gets one entry per item.
    pub fn predecode(&mut self, options: &DecodeOptions) {
        self.decoded.clear();
        self.decoded.resize(self.items.len(), None);
        // Decoded into its slot (a decoded frame is about 100 bytes: built once, not moved).
        for (slot, r) in self.decoded.iter_mut().zip(&self.items) {
            if let What::ModeS(frame) = r.what {
                *slot = Some(predecode(frame, options));
            }
        }
    }

    /// The decoded form of item `i`, when the reader decoded the batch: `Some(None)` for an
    /// item that is no Mode S frame; `None` when the batch was not decoded.
    #[inline]
    pub fn decoded(&self, i: usize) -> Option<Option<&Predecoded>> {
        self.decoded_all().and_then(|d| d.get(i)).map(Option::as_ref)
    }

    /// The decoded forms of every item (one entry per item, as [`Batch::decoded`] gives
    /// them), when the reader decoded the batch.
    #[inline]
    pub fn decoded_all(&self) -> Option<&[Option<Predecoded>]> {
        (self.decoded.len() == self.items.len()).then_some(self.decoded.as_slice())
    }
}

/// Batches the engine's channel holds before receivers wait (backpressure, not loss).
pub const CHANNEL_BATCHES: usize = 32;

/// Bytes read from a socket at a time.
const READ_CHUNK: usize = 64 * 1024;

/// What a live receiver speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Beast binary (port 30005).
    Beast,
    /// AVR text (port 30002).
    Avr,
    /// SBS/BaseStation text (port 30003).
    Sbs,
    /// readsb/tar1090 `aircraft.json` over HTTP, polled.
    AircraftJson,
    /// An rtl_tcp server's I/Q samples, demodulated on a thread of its own
    /// ([`crate::rtltcp`]).
    RtlTcp,
}

impl Protocol {
    /// The reader format.
    pub fn format(self) -> Format {
        match self {
            Protocol::Beast => Format::Beast,
            Protocol::Avr => Format::Avr,
            Protocol::Sbs => Format::Sbs,
            Protocol::AircraftJson => Format::Jsonl,
            // Never framed (the demodulator reads the samples); its frames are Beast's.
            Protocol::RtlTcp => Format::Beast,
        }
    }

    /// The URL scheme.
    pub fn scheme(self) -> &'static str {
        match self {
            Protocol::Beast => "beast",
            Protocol::Avr => "avr",
            Protocol::Sbs => "sbs",
            Protocol::AircraftJson => "http",
            Protocol::RtlTcp => "rtltcp",
        }
    }
}

/// Where a receiver is: `beast://host:port`, `avr://…`, `sbs://…` or an `http(s)://` URL of
/// an `aircraft.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// What it speaks.
    pub protocol: Protocol,
    /// `host:port` for TCP feeds, the whole URL for HTTP.
    pub address: String,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.protocol {
            Protocol::AircraftJson => f.write_str(&self.address),
            p => write!(f, "{}://{}", p.scheme(), self.address),
        }
    }
}

impl std::str::FromStr for Endpoint {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Endpoint> {
        let (scheme, rest) = s.split_once("://").ok_or_else(|| {
            anyhow!("{s:?} is not beast://HOST:PORT, avr://, sbs:// or http://…/aircraft.json")
        })?;
        let protocol = match scheme.to_ascii_lowercase().as_str() {
            "beast" => Protocol::Beast,
            "avr" | "raw" => Protocol::Avr,
            "sbs" | "basestation" => Protocol::Sbs,
            "rtltcp" => Protocol::RtlTcp,
            "http" | "https" => {
                return Ok(Endpoint {
                    protocol: Protocol::AircraftJson,
                    address: s.to_string(),
                })
            }
            other => bail!("{s:?}: unknown scheme {other:?} (beast, avr, sbs, rtltcp, http, https)"),
        };
        let rest = rest.trim_end_matches('/');
        // rtl_tcp takes its tuning after the address (`?gain=49.6&ppm=1`).
        let host_port = match protocol {
            Protocol::RtlTcp => rest
                .split_once('?')
                .map_or(rest, |(a, _)| a)
                .trim_end_matches('/'),
            _ => rest,
        };
        match host_port.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {}
            _ => bail!("{s:?}: give HOST:PORT after {scheme}://"),
        }
        Ok(Endpoint {
            protocol,
            address: rest.to_string(),
        })
    }
}

/// One live receiver as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiverSpec {
    /// Its name (for the summary, stats and messages).
    pub name: String,
    /// Where it is.
    pub endpoint: Endpoint,
    /// Its position, when known.
    pub position: Option<LatLon>,
    /// Its antenna's height (metres above the ellipsoid; mean sea level will do), when
    /// known: multilateration uses it.
    pub alt_m: Option<f64>,
    /// How its Beast/AVR timestamps read.
    pub clock: ClockKind,
    /// Replay: the UTC start of a recording served over TCP; its items take their times from
    /// their own clock (as from a file) instead of their arrival.
    pub start: Option<f64>,
}

impl ReceiverSpec {
    /// Parses `[NAME=]URL[@LAT,LON[,ALT]]` (the `--connect` flag; ALT in metres).
    pub fn parse_flag(text: &str, index: usize) -> Result<ReceiverSpec> {
        let (name, rest) = match text.split_once('=') {
            Some((n, r)) if !n.contains("://") && !n.is_empty() => (n.to_string(), r),
            _ => (String::new(), text),
        };
        let (url, position, alt_m) = match rest.rsplit_once('@') {
            Some((u, p)) if p.contains(',') => {
                let (p, alt) = match p.match_indices(',').nth(1) {
                    Some((i, _)) => {
                        let a = p[i + 1..].trim();
                        let alt = a
                            .parse::<f64>()
                            .ok()
                            .filter(|x| x.is_finite() && x.abs() < 100_000.0)
                            .ok_or_else(|| anyhow!("--connect {text:?}: altitude {a:?} is not metres"))?;
                        (&p[..i], Some(alt))
                    }
                    None => (p, None),
                };
                (
                    u,
                    Some(crate::config::parse_position(p).map_err(|e| anyhow!("--connect {text:?}: {e}"))?),
                    alt,
                )
            }
            _ => (rest, None, None),
        };
        let endpoint: Endpoint = url.parse()?;
        let name = if name.is_empty() {
            format!("rx{index}")
        } else {
            name
        };
        Ok(ReceiverSpec {
            name,
            endpoint,
            position,
            alt_m,
            clock: ClockKind::Ticks12Mhz,
            start: None,
        })
    }

    fn reader_config(&self, id: u16) -> ReaderConfig {
        let base = match self.start {
            Some(s) => ReaderConfig::starting(s),
            None => ReaderConfig::live(),
        };
        base.with_clock(self.clock).with_receiver(id)
    }
}

/// Emptied batches, handed back by the engine thread so readers do not allocate new
/// buffers per read.
#[derive(Debug, Clone, Default)]
pub struct Pool(Arc<std::sync::Mutex<Vec<Batch>>>);

impl Pool {
    /// Batches kept at most.
    const KEEP: usize = 32;

    /// An empty batch (a recycled one when there is one, emptied here: on the reader's
    /// thread, so that dropping the items costs the engine thread nothing).
    pub fn take(&self) -> Batch {
        let mut batch = self
            .0
            .lock()
            .map(|mut v| v.pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        batch.items.clear();
        batch.decoded.clear();
        batch
    }

    /// Gives a batch back (emptied by the next [`Pool::take`]).
    pub fn give(&self, batch: Batch) {
        if let Ok(mut v) = self.0.lock() {
            if v.len() < Self::KEEP {
                v.push(batch);
            }
        }
    }
}

/// What every receiver task shares: the engine's channel, the frame outputs, the stop flag.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The engine's channel.
    pub tx: mpsc::Sender<Batch>,
    /// Batch buffers to reuse.
    pub pool: Pool,
    /// Beast/AVR outputs of what is received.
    pub outputs: Arc<FrameOutputs>,
    /// Set when the run stops.
    pub stop: Arc<AtomicBool>,
    /// When set, readers decode the Mode S frames of their batches with these options
    /// (the engine's) before sending them ([`Batch::predecode`]).
    pub decode: Option<DecodeOptions>,
}

/// Exponential backoff with jitter: 0.5 s doubling to 30 s, each delay drawn from its
/// upper half so that receivers that failed together do not retry together.
#[derive(Debug, Clone)]
pub struct Backoff {
    attempt: u32,
    rng: u64,
}

impl Backoff {
    /// A backoff whose jitter is seeded by `seed` (and the clock).
    pub fn new(seed: u64) -> Backoff {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Backoff {
            attempt: 0,
            rng: (seed ^ t) | 1,
        }
    }

    /// Failures since the last success.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// After a success.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The delay before the next try.
    pub fn next_delay(&mut self) -> Duration {
        let cap = (0.5 * 2f64.powi(self.attempt.min(6) as i32)).min(30.0);
        self.attempt = self.attempt.saturating_add(1);
        // xorshift64
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let u = (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        Duration::from_secs_f64(cap * (0.5 + 0.5 * u))
    }
}

/// Frames what `reader` has, into a batch; counts the messages and bad frames.
fn drain(reader: &mut AnyReader, stats: &ReceiverStats, bad_before: &mut u64, at: f64, pool: &Pool) -> Batch {
    let mut batch = pool.take();
    reader.for_each_ready(|r| {
        if let Ok(item) = r {
            batch.items.push(item);
        }
    });
    let bad = reader.stats().error_total();
    stats.bad(bad - *bad_before);
    *bad_before = bad;
    stats.heard(batch.items.len() as u64, at);
    batch
}

/// Reads one connection until it ends or fails; `Err` when the engine is gone.
async fn read_stream(
    mut stream: TcpStream,
    config: ReaderConfig,
    format: Format,
    stats: &ReceiverStats,
    feed: &Feed,
) -> Result<(), ()> {
    let mut reader = AnyReader::new(format, config);
    let arrival = matches!(config.time_base, TimeBase::Arrival);
    let mut bad = 0u64;
    let mut scratch = Vec::new();
    loop {
        // Read straight into the reader's buffer (no copy of each chunk).
        let n = match stream.read(reader.spare(READ_CHUNK)).await {
            Ok(0) | Err(_) => return Ok(()),
            Ok(n) => n,
        };
        stats.bytes(n as u64);
        let now = crate::now_utc();
        reader.commit(n, arrival.then_some(now));
        let batch = drain(&mut reader, stats, &mut bad, now, &feed.pool);
        if batch.items.is_empty() {
            // A read that ended inside a frame: the buffer goes back to the pool.
            feed.pool.give(batch);
            continue;
        }
        let mut batch = batch;
        if let Some(options) = &feed.decode {
            batch.predecode(options);
        }
        feed.outputs.publish(&batch.items, &mut scratch, None);
        if feed.tx.send(batch).await.is_err() || feed.stop.load(Ordering::Relaxed) {
            return Err(());
        }
    }
}

/// A client of a TCP feed: connects, reads, reconnects with backoff, until the run stops.
pub async fn run_client(spec: ReceiverSpec, id: u16, stats: Arc<ReceiverStats>, feed: Feed) {
    let config = spec.reader_config(id);
    let format = spec.endpoint.protocol.format();
    let mut backoff = Backoff::new(u64::from(id) << 32);
    while !feed.stop.load(Ordering::Relaxed) {
        match TcpStream::connect(&spec.endpoint.address).await {
            Ok(s) => {
                backoff.reset();
                stats.connected();
                eprintln!("picket: receiver {}: connected to {}", spec.name, spec.endpoint);
                let _ = s.set_nodelay(true);
                let end = read_stream(s, config, format, &stats, &feed).await;
                stats.disconnected();
                if end.is_err() {
                    return;
                }
                if spec.start.is_some() {
                    // A recording replayed over TCP ends with its connection.
                    eprintln!(
                        "picket: receiver {}: the replay from {} ended",
                        spec.name, spec.endpoint
                    );
                    return;
                }
                eprintln!(
                    "picket: receiver {}: connection to {} closed; reconnecting",
                    spec.name, spec.endpoint
                );
            }
            Err(e) => {
                if backoff.attempts() == 0 {
                    eprintln!(
                        "picket: receiver {}: cannot connect to {}: {e}; retrying with backoff",
                        spec.name, spec.endpoint
                    );
                }
            }
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// A poller of an `aircraft.json` URL: one observation per aircraft each `interval`.
pub async fn run_poller(
    spec: ReceiverSpec,
    id: u16,
    interval: Duration,
    stats: Arc<ReceiverStats>,
    feed: Feed,
) {
    let config = spec.reader_config(id);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut backoff = Backoff::new(u64::from(id) << 32);
    let mut up = false;
    let mut scratch = Vec::new();
    while !feed.stop.load(Ordering::Relaxed) {
        let url = spec.endpoint.address.clone();
        let a = agent.clone();
        let got = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
            let mut resp = a.get(&url).call().map_err(|e| e.to_string())?;
            resp.body_mut()
                .with_config()
                .limit(64 * 1024 * 1024)
                .read_to_vec()
                .map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        match got {
            Ok(body) => {
                if !up {
                    up = true;
                    stats.connected();
                    backoff.reset();
                }
                stats.bytes(body.len() as u64);
                let now = crate::now_utc();
                let mut reader = AnyReader::new(Format::Jsonl, config);
                reader.feed_at(&body, now);
                reader.finish();
                let mut bad = 0;
                let batch = drain(&mut reader, &stats, &mut bad, now, &feed.pool);
                if batch.items.is_empty() {
                    feed.pool.give(batch);
                } else {
                    feed.outputs.publish(&batch.items, &mut scratch, None);
                    if feed.tx.send(batch).await.is_err() {
                        return;
                    }
                }
                tokio::time::sleep(interval).await;
            }
            Err(e) => {
                if up || backoff.attempts() == 0 {
                    eprintln!(
                        "picket: receiver {}: {}: {e}; retrying with backoff",
                        spec.name, spec.endpoint
                    );
                }
                if up {
                    up = false;
                    stats.disconnected();
                }
                tokio::time::sleep(backoff.next_delay().max(interval)).await;
            }
        }
    }
}

/// A listener for pushed input: every connection is read as one more feed of receiver
/// `id` (one clock domain per listener: one feeder per port is the expected use).
pub async fn run_listener(
    listener: TcpListener,
    protocol: Protocol,
    id: u16,
    stats: Arc<ReceiverStats>,
    feed: Feed,
) {
    let config = ReaderConfig::live().with_receiver(id);
    loop {
        let Ok((s, peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if feed.stop.load(Ordering::Relaxed) {
            return;
        }
        eprintln!("picket: receiver {}: {peer} connected", stats.name);
        stats.connected();
        let stats = Arc::clone(&stats);
        let feed = feed.clone();
        tokio::spawn(async move {
            let _ = read_stream(s, config, protocol.format(), &stats, &feed).await;
            stats.disconnected();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch given back comes out of the pool empty, with its buffers, and decoded.
    #[test]
    fn pooled_batches_come_back_empty_and_keep_their_buffers() {
        let pool = Pool::default();
        let mut b = pool.take();
        let frame = picket_modes::Frame::from_hex("8D406B902015A678D4D220AA4BDA").unwrap();
        let item = Received {
            time_utc: 1_457_996_400.0,
            clock: picket_receive::Clock::None,
            signal: None,
            receiver: 0,
            what: What::ModeS(frame),
        };
        b.items.extend(std::iter::repeat_n(item, 100));
        b.predecode(&DecodeOptions::default());
        assert_eq!(b.decoded.len(), 100);
        assert!(b.decoded(99).is_some_and(|d| d.is_some_and(|p| p.0.is_ok())));
        let capacity = (b.items.capacity(), b.decoded.capacity());
        pool.give(b);
        let again = pool.take();
        assert!(again.items.is_empty() && again.decoded.is_empty());
        assert_eq!((again.items.capacity(), again.decoded.capacity()), capacity);
        assert_eq!(again.decoded(0), None, "an empty batch is not decoded");
    }

    #[test]
    fn endpoints_parse_and_print() {
        let e: Endpoint = "beast://127.0.0.1:30005".parse().unwrap();
        assert_eq!(e.protocol, Protocol::Beast);
        assert_eq!(e.address, "127.0.0.1:30005");
        assert_eq!(e.to_string(), "beast://127.0.0.1:30005");
        let e: Endpoint = "http://pi/tar1090/data/aircraft.json".parse().unwrap();
        assert_eq!(e.protocol, Protocol::AircraftJson);
        assert!("beast://host".parse::<Endpoint>().is_err());
        assert!("ftp://host:1".parse::<Endpoint>().is_err());
        assert!("host:30005".parse::<Endpoint>().is_err());
    }

    #[test]
    fn connect_flag_takes_name_and_position() {
        let r = ReceiverSpec::parse_flag("north=sbs://10.0.0.2:30003@10.5,-66.9", 3).unwrap();
        assert_eq!(r.name, "north");
        assert_eq!(r.endpoint.protocol, Protocol::Sbs);
        let p = r.position.unwrap();
        assert!((p.lat - 10.5).abs() < 1e-9);
        assert!(r.alt_m.is_none());
        let r = ReceiverSpec::parse_flag("nome=beast://10.0.0.3:30005@64.5,-165.4,12.5", 0).unwrap();
        assert_eq!(r.alt_m, Some(12.5));
        assert!((r.position.unwrap().lon + 165.4).abs() < 1e-9);
        let e = ReceiverSpec::parse_flag("beast://h:1@64.5,-165.4,high", 0).unwrap_err();
        assert!(e.to_string().contains("altitude \"high\""), "{e}");
        let r = ReceiverSpec::parse_flag("avr://h:30002", 2).unwrap();
        assert_eq!(r.name, "rx2");
        assert!(r.position.is_none());
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let mut b = Backoff::new(7);
        let d: Vec<f64> = (0..12).map(|_| b.next_delay().as_secs_f64()).collect();
        assert!((0.25..=0.5).contains(&d[0]), "{d:?}");
        assert!((0.5..=1.0).contains(&d[1]), "{d:?}");
        assert!(d.iter().all(|&x| x <= 30.0), "{d:?}");
        assert!(d[11] >= 15.0, "{d:?}");
        b.reset();
        assert!(b.next_delay().as_secs_f64() <= 0.5);
    }
}
