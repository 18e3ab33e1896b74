//! Feed servers: Beast, AVR and SBS outputs of what picket receives (or simulates), one
//! module for `picket run` and `picket simulate --serve`.
//!
//! Every output is a [`Fanout`]: each client has its own bounded queue of chunks and its
//! own writer task. Publishing never blocks on a socket: a client whose queue is full does
//! not read, and is dropped with a log line (its task aborted, its socket closed), so one
//! slow client never slows the pipeline nor grows memory (at most [`CLIENT_QUEUE`] chunks
//! per client). A producer that runs "as fast as possible" (a simulation with no pace)
//! may instead wait for the clients, up to a grace period, with [`Fanout::publish_wait`].
//!
//! Binds default to loopback; a wider bind must be asked for ([`check_bind`]).

use anyhow::{anyhow, bail, Context, Result};
use picket_receive::avr::AvrStyle;
use picket_receive::{Clock, Format, FormatWriter, Received};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::task::AbortHandle;

use crate::stats::OutputStats;

/// Chunks a client may have queued before it counts as not reading.
pub const CLIENT_QUEUE: usize = 64;

/// One published chunk of output bytes, shared by every client's queue.
pub type Chunk = Arc<[u8]>;

/// A connected client: its queue and its writer task.
#[derive(Debug)]
struct Client {
    peer: String,
    tx: mpsc::Sender<Chunk>,
    task: AbortHandle,
}

/// One output: the clients of one listener (or the peers picket pushes to).
#[derive(Debug)]
pub struct Fanout {
    label: String,
    clients: Mutex<Vec<Client>>,
    count: AtomicUsize,
    stats: Arc<OutputStats>,
    queue: usize,
    /// Writer tasks still running (they end after writing what was queued).
    writers: AtomicUsize,
}

/// Counts a writer task while it lives (also when it is aborted).
struct WriterGuard(Arc<Fanout>);

impl Drop for WriterGuard {
    fn drop(&mut self) {
        self.0.writers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Fanout {
    /// An output with no clients yet.
    pub fn new(label: &str) -> Arc<Fanout> {
        Fanout::with_queue(label, CLIENT_QUEUE)
    }

    /// An output whose clients may queue `queue` chunks.
    pub fn with_queue(label: &str, queue: usize) -> Arc<Fanout> {
        Arc::new(Fanout {
            label: label.to_string(),
            clients: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
            stats: Arc::new(OutputStats::new(label)),
            queue: queue.max(1),
            writers: AtomicUsize::new(0),
        })
    }

    /// The output's counters.
    pub fn stats(&self) -> Arc<OutputStats> {
        Arc::clone(&self.stats)
    }

    /// Whether any client is connected (publishers skip encoding when none is).
    pub fn has_clients(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    /// Clients connected now.
    pub fn clients(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Client>> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a client writing to `stream`; returns when its writer task is spawned.
    pub fn add(self: &Arc<Fanout>, stream: TcpStream, peer: String) {
        let (tx, rx) = mpsc::channel::<Chunk>(self.queue);
        let me = Arc::clone(self);
        let who = peer.clone();
        self.writers.fetch_add(1, Ordering::Relaxed);
        let guard = WriterGuard(Arc::clone(self));
        let task = tokio::spawn(async move {
            let _guard = guard;
            let slow = writer(stream, rx).await;
            me.remove(&who, slow);
        });
        self.stats.accepted();
        let mut list = self.lock();
        list.push(Client {
            peer,
            tx,
            task: task.abort_handle(),
        });
        self.count.store(list.len(), Ordering::Relaxed);
    }

    /// Takes a client out of the list (its writer ended).
    fn remove(&self, peer: &str, _slow: bool) {
        let mut list = self.lock();
        if let Some(i) = list.iter().position(|c| c.peer == peer) {
            list.swap_remove(i);
            self.stats.gone(false);
        }
        self.count.store(list.len(), Ordering::Relaxed);
    }

    /// Offers a chunk to every client; a client whose queue is full is dropped.
    pub fn publish(&self, bytes: &[u8]) {
        if !self.has_clients() || bytes.is_empty() {
            return;
        }
        let chunk: Chunk = Arc::from(bytes);
        self.stats.chunk();
        let mut list = self.lock();
        list.retain(|c| match c.tx.try_send(Arc::clone(&chunk)) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                eprintln!(
                    "picket: {} output: client {} does not read ({} chunks queued); dropped",
                    self.label, c.peer, self.queue
                );
                c.task.abort();
                self.stats.gone(true);
                false
            }
            Err(TrySendError::Closed(_)) => {
                self.stats.gone(false);
                false
            }
        });
        self.count.store(list.len(), Ordering::Relaxed);
    }

    /// Offers a chunk to every client, waiting up to `grace` for a full queue to take it
    /// (from a thread outside the runtime); a client that takes nothing for that long is
    /// dropped.
    pub fn publish_wait(&self, bytes: &[u8], grace: Duration, rt: &Handle) {
        if !self.has_clients() || bytes.is_empty() {
            return;
        }
        let chunk: Chunk = Arc::from(bytes);
        self.stats.chunk();
        let senders: Vec<(String, mpsc::Sender<Chunk>)> = self
            .lock()
            .iter()
            .map(|c| (c.peer.clone(), c.tx.clone()))
            .collect();
        for (peer, tx) in senders {
            let sent = match tx.try_send(Arc::clone(&chunk)) {
                Ok(()) => true,
                Err(TrySendError::Closed(_)) => continue,
                Err(TrySendError::Full(c)) => rt.block_on(tx.send_timeout(c, grace)).is_ok(),
            };
            if !sent {
                let mut list = self.lock();
                if let Some(i) = list.iter().position(|c| c.peer == peer) {
                    eprintln!(
                        "picket: {} output: client {peer} took nothing for {:.0} s; dropped",
                        self.label,
                        grace.as_secs_f64()
                    );
                    list[i].task.abort();
                    list.swap_remove(i);
                    self.stats.gone(true);
                }
                self.count.store(list.len(), Ordering::Relaxed);
            }
        }
    }

    /// Closes every client (their queued chunks are still written).
    pub fn close(&self) {
        let mut list = self.lock();
        list.clear();
        self.count.store(0, Ordering::Relaxed);
    }

    /// Closes every client and waits (up to `timeout`) until what was queued is written.
    pub fn close_and_wait(&self, timeout: Duration) {
        self.close();
        let end = std::time::Instant::now() + timeout;
        while self.writers.load(Ordering::Relaxed) > 0 && std::time::Instant::now() < end {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Writes a client's chunks until its queue closes or the socket fails; whether it failed.
async fn writer(mut stream: TcpStream, mut rx: mpsc::Receiver<Chunk>) -> bool {
    let _ = stream.set_nodelay(true);
    while let Some(chunk) = rx.recv().await {
        if stream.write_all(&chunk).await.is_err() {
            return true;
        }
    }
    let _ = stream.shutdown().await;
    false
}

/// Resolves a bind address, refusing one that is not loopback unless `allow_remote`.
pub fn check_bind(addr: &str, allow_remote: bool) -> Result<SocketAddr> {
    let a = addr
        .to_socket_addrs()
        .with_context(|| format!("{addr} is not a HOST:PORT address"))?
        .next()
        .ok_or_else(|| anyhow!("{addr} resolves to no address"))?;
    if !a.ip().is_loopback() && !allow_remote {
        bail!("{addr} is not a loopback address: give --allow-remote (allow_remote = true in [output]) to serve other machines");
    }
    Ok(a)
}

/// Binds a listener (on the runtime) and accepts clients into `fanout` until the runtime
/// ends; returns the bound address (port 0 gives a free port).
pub fn listen(rt: &Handle, addr: SocketAddr, fanout: Arc<Fanout>) -> Result<SocketAddr> {
    let std = std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    std.set_nonblocking(true)?;
    let local = std.local_addr()?;
    let _ = fanout.stats.addr.set(local);
    let _guard = rt.enter();
    let listener = TcpListener::from_std(std)?;
    rt.spawn(async move {
        loop {
            match listener.accept().await {
                Ok((s, peer)) => {
                    eprintln!("picket: {} output: client {peer} connected", fanout.label);
                    fanout.add(s, peer.to_string());
                }
                Err(e) => {
                    eprintln!("picket: {} output: accept failed: {e}", fanout.label);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    Ok(local)
}

/// Connects out to `addr` (a peer's input port, e.g. dump1090's Beast input) and keeps it
/// a client of `fanout`, reconnecting with backoff; ends with the runtime or `stop`.
pub fn push(rt: &Handle, addr: String, fanout: Arc<Fanout>, stop: Arc<AtomicBool>) {
    rt.spawn(async move {
        let mut backoff = crate::connect::Backoff::new(addr.len() as u64);
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            match TcpStream::connect(&addr).await {
                Ok(s) => {
                    backoff.reset();
                    n += 1;
                    let peer = format!("{addr} (push #{n})");
                    fanout.add(s, peer.clone());
                    // Wait until the writer is gone before connecting again.
                    while fanout.lock().iter().any(|c| c.peer == peer) {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
                Err(e) => {
                    if backoff.attempts() == 0 {
                        eprintln!(
                            "picket: {} output: cannot connect to {addr}: {e}; retrying",
                            fanout.label
                        );
                    }
                }
            }
            tokio::time::sleep(backoff.next_delay()).await;
        }
    });
}

/// Encodes received items for the Beast and AVR outputs.
///
/// Clock domains (docs/time.md): a Beast or AVR stream carries one receiver's clock. When
/// the items come from more than one receiver, their timestamps are zeroed (Beast: 0, which
/// readers take as "no timestamp"; AVR: the plain `*...;` form), so no consumer ever sees
/// two receivers' clocks as one.
#[derive(Debug)]
pub struct FrameOutputs {
    /// Beast output.
    pub beast: Option<Arc<Fanout>>,
    /// AVR output.
    pub avr: Option<Arc<Fanout>>,
    /// Zero the receivers' timestamps (more than one receiver feeds the outputs).
    pub zero_clock: bool,
}

impl FrameOutputs {
    /// Whether there is nothing to publish to.
    pub fn idle(&self) -> bool {
        !self.beast.as_ref().is_some_and(|f| f.has_clients())
            && !self.avr.as_ref().is_some_and(|f| f.has_clients())
    }

    /// Publishes a batch of items (frames only; observations have no Beast/AVR form). With
    /// `wait` (a thread outside the runtime), full queues are waited for up to the grace
    /// period; without, a client whose queue is full is dropped.
    pub fn publish(&self, items: &[Received], scratch: &mut Vec<u8>, wait: Option<(Duration, &Handle)>) {
        if self.idle() {
            return;
        }
        for (fanout, format) in [(&self.beast, Format::Beast), (&self.avr, Format::Avr)] {
            let Some(f) = fanout else { continue };
            if !f.has_clients() {
                continue;
            }
            scratch.clear();
            encode(items, format, self.zero_clock, scratch);
            match wait {
                Some((grace, rt)) => f.publish_wait(scratch, grace, rt),
                None => f.publish(scratch),
            }
        }
    }
}

/// Appends the frames of `items` in `format` (Beast, or AVR with the 12 MHz counter when
/// the item has one).
pub fn encode(items: &[Received], format: Format, zero_clock: bool, out: &mut Vec<u8>) {
    let mut w = FormatWriter::new(format).avr_style(AvrStyle::Mlat);
    for r in items {
        if r.what.frame().is_none() && !matches!(r.what, picket_receive::What::ModeAc(_)) {
            continue;
        }
        if zero_clock && r.clock != Clock::None {
            let mut z = r.clone();
            z.clock = Clock::None;
            let _ = w.write(out, &z);
        } else {
            let _ = w.write(out, r);
        }
    }
}

/// A feed server for a synchronous producer (`picket simulate --serve`): its own small
/// runtime, one output.
#[derive(Debug)]
pub struct Server {
    fanout: Arc<Fanout>,
    rt: tokio::runtime::Runtime,
    local: SocketAddr,
}

impl Server {
    /// Binds `addr` (loopback unless `allow_remote`).
    pub fn bind(addr: &str, allow_remote: bool, label: &str) -> Result<Server> {
        let a = check_bind(addr, allow_remote)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("picket-serve")
            .enable_all()
            .build()?;
        let fanout = Fanout::new(label);
        let local = listen(rt.handle(), a, Arc::clone(&fanout))?;
        Ok(Server { fanout, rt, local })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The output (its clients and counters).
    pub fn fanout(&self) -> &Arc<Fanout> {
        &self.fanout
    }

    /// Blocks until a client is connected.
    pub fn wait_for_client(&self) {
        while self.fanout.clients() == 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Publishes a chunk: paced output drops a client whose queue is full; unpaced output
    /// waits up to `grace` for it.
    pub fn publish(&self, bytes: &[u8], paced: bool, grace: Duration) {
        if paced {
            self.fanout.publish(bytes);
        } else {
            self.fanout.publish_wait(bytes, grace, self.rt.handle());
        }
    }

    /// Closes the clients after what was queued is written (up to `timeout`).
    pub fn finish(&self, timeout: Duration) {
        self.fanout.close_and_wait(timeout);
    }
}
