//! Counters of the live receivers and feed outputs, shared by their tasks (atomics) and read
//! as snapshots by the summary (and the coming HTTP server) without locking the pipeline.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// One receiver's counters, updated by its task.
#[derive(Debug)]
pub struct ReceiverStats {
    /// The receiver's name.
    pub name: String,
    /// Where it is (`beast://host:30005`, `listen beast 127.0.0.1:30004`).
    pub endpoint: String,
    messages: AtomicU64,
    bad: AtomicU64,
    bytes: AtomicU64,
    connections: AtomicU64,
    connected: AtomicBool,
    /// Unix seconds (as f64 bits) of the last message; 0: never.
    last_heard: AtomicU64,
}

impl ReceiverStats {
    /// Counters at zero.
    pub fn new(name: &str, endpoint: &str) -> ReceiverStats {
        ReceiverStats {
            name: name.to_string(),
            endpoint: endpoint.to_string(),
            messages: AtomicU64::new(0),
            bad: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            connected: AtomicBool::new(false),
            last_heard: AtomicU64::new(0),
        }
    }

    /// Messages (frames or observations) read, with the time of the last one.
    pub fn heard(&self, n: u64, at: f64) {
        if n > 0 {
            self.messages.fetch_add(n, Ordering::Relaxed);
            self.last_heard.store(at.to_bits(), Ordering::Relaxed);
        }
    }

    /// Bytes read.
    pub fn bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// Bad frames or lines dropped by the framer.
    pub fn bad(&self, n: u64) {
        if n > 0 {
            self.bad.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// A connection was made (or, for a poller, a poll answered after a failure).
    pub fn connected(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
        self.connected.store(true, Ordering::Relaxed);
    }

    /// The connection was lost.
    pub fn disconnected(&self) {
        self.connected.store(false, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self, elapsed_s: f64) -> ReceiverSnapshot {
        let messages = self.messages.load(Ordering::Relaxed);
        let last = f64::from_bits(self.last_heard.load(Ordering::Relaxed));
        let connections = self.connections.load(Ordering::Relaxed);
        ReceiverSnapshot {
            name: self.name.clone(),
            endpoint: self.endpoint.clone(),
            messages,
            messages_per_s: if elapsed_s > 0.0 {
                messages as f64 / elapsed_s
            } else {
                0.0
            },
            bad_frames: self.bad.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            connections,
            reconnects: connections.saturating_sub(1),
            connected: self.connected.load(Ordering::Relaxed),
            last_heard: (last > 0.0).then_some(last),
        }
    }
}

/// One receiver's counters at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiverSnapshot {
    /// Name.
    pub name: String,
    /// Where it is.
    pub endpoint: String,
    /// Messages read.
    pub messages: u64,
    /// Messages per second of wall time since the start.
    pub messages_per_s: f64,
    /// Bad frames or lines the framer dropped (garbage is resynchronised and counted).
    pub bad_frames: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Connections made (for a listener: connections accepted).
    pub connections: u64,
    /// Connections made after the first.
    pub reconnects: u64,
    /// Whether it is connected now.
    pub connected: bool,
    /// Unix seconds of the last message.
    pub last_heard: Option<f64>,
}

/// One feed output's counters.
#[derive(Debug)]
pub struct OutputStats {
    /// `beast`, `avr` or `sbs`.
    pub name: String,
    /// The address it listens on, once bound.
    pub addr: OnceLock<SocketAddr>,
    clients: AtomicU64,
    accepted: AtomicU64,
    dropped: AtomicU64,
    chunks: AtomicU64,
}

impl OutputStats {
    /// Counters at zero.
    pub fn new(name: &str) -> OutputStats {
        OutputStats {
            name: name.to_string(),
            addr: OnceLock::new(),
            clients: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            chunks: AtomicU64::new(0),
        }
    }

    pub(crate) fn accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.clients.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn gone(&self, dropped_slow: bool) {
        self.clients.fetch_sub(1, Ordering::Relaxed);
        if dropped_slow {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn chunk(&self) {
        self.chunks.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> OutputSnapshot {
        OutputSnapshot {
            name: self.name.clone(),
            addr: self.addr.get().copied(),
            clients: self.clients.load(Ordering::Relaxed),
            accepted: self.accepted.load(Ordering::Relaxed),
            dropped_slow: self.dropped.load(Ordering::Relaxed),
            chunks: self.chunks.load(Ordering::Relaxed),
        }
    }
}

/// One output's counters at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSnapshot {
    /// Kind.
    pub name: String,
    /// Where it listens (none for a push-only output).
    pub addr: Option<SocketAddr>,
    /// Clients connected now.
    pub clients: u64,
    /// Clients accepted (or connections made, for a push output) since the start.
    pub accepted: u64,
    /// Clients dropped because they did not read.
    pub dropped_slow: u64,
    /// Chunks of output published.
    pub chunks: u64,
}

/// The engine thread's counters.
#[derive(Debug, Default)]
pub struct EngineCounters {
    /// Items ingested (multilateration's fixes included).
    pub items: AtomicU64,
    /// Multilateration's fixes ingested.
    pub fixes: AtomicU64,
    /// Ticks run (data-time or, on a silent live feed, wall-clock ones).
    pub ticks: AtomicU64,
    /// Ticks run because the feeds were silent when one was due.
    pub idle_ticks: AtomicU64,
}

/// Every receiver and output of a run: cloned (an `Arc`) into whoever shows them.
#[derive(Debug, Clone)]
pub struct LiveStats {
    started: Instant,
    /// The engine thread.
    pub engine: Arc<EngineCounters>,
    /// The receivers, by receiver id.
    pub receivers: Arc<Vec<Arc<ReceiverStats>>>,
    /// The outputs.
    pub outputs: Arc<Vec<Arc<OutputStats>>>,
    /// Multilateration's counters, when it runs: set by the engine thread once per data
    /// second (and at the end).
    pub mlat: Arc<Mutex<Option<MlatSnapshot>>>,
}

/// Multilateration's counters and each of its receivers' clock status, at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct MlatSnapshot {
    /// Counters of the whole process.
    pub stats: picket_mlat::MlatStats,
    /// Each receiver (in `Received::receiver` order of the receivers that take part): its
    /// name and state (clock status, usable pairs, pair residual RMS, jumps, fixes).
    pub receivers: Vec<(String, picket_mlat::ReceiverStats)>,
}

impl LiveStats {
    /// Stats of these receivers and outputs, timed from now.
    pub fn new(receivers: Vec<Arc<ReceiverStats>>, outputs: Vec<Arc<OutputStats>>) -> LiveStats {
        LiveStats {
            started: Instant::now(),
            engine: Arc::default(),
            receivers: Arc::new(receivers),
            outputs: Arc::new(outputs),
            mlat: Arc::default(),
        }
    }

    /// Multilateration's counters, when it runs.
    pub fn mlat(&self) -> Option<MlatSnapshot> {
        self.mlat.lock().map_or(None, |m| m.clone())
    }

    /// Every receiver's counters now.
    pub fn receivers(&self) -> Vec<ReceiverSnapshot> {
        let e = self.started.elapsed().as_secs_f64();
        self.receivers.iter().map(|r| r.snapshot(e)).collect()
    }

    /// Every output's counters now.
    pub fn outputs(&self) -> Vec<OutputSnapshot> {
        self.outputs.iter().map(|o| o.snapshot()).collect()
    }
}
