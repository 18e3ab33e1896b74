//! Writing: the [`Recorder`] on the pipeline's side, a writer thread behind a bounded queue.
//!
//! The pipeline never waits for the disk. [`Recorder::observe`] gathers items, states and
//! event rows into a batch and offers it to the queue with `try_send`:
//! - when the queue is full (the disk cannot keep up), the batch's **raw items and states
//!   are dropped and counted** (`dropped`, `states_dropped`); its event and aircraft rows
//!   stay with the recorder and ride on the next batch (up to [`MAX_HELD_ROWS`], beyond
//!   which they are dropped and counted too): events are rare and worth more than frames;
//! - when writing fails (disk full, I/O error), the writer rolls the open transaction back,
//!   records the error (`failed`, [`Counters::error`]) and stops writing: every later batch
//!   is counted as dropped. The pipeline goes on.
//!
//! The writer commits at least every `commit_every` (250 ms by default), so a crash (even
//! kill -9) loses at most that plus what was queued. Raw items go into blocks that never
//! span a UTC hour; when an hour is over its small blocks are merged, consecutive ones into
//! blocks of up to `merge_items` items (one block for a quiet hour), and retention runs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use picket_engine::engine::{next_tick_due, Engine};
use picket_engine::event::{Alert, Event};
use picket_receive::Received;
use rusqlite::{params, Connection};

use crate::codec::{decode_block_into, BlockEncoder};
use crate::db::{lock, open_write, StorePaths, WriterLock};
use crate::error::{Error, ErrorKind};
use crate::fixes::{is_fix, Anchors, FixRow};
use crate::rows::{
    alert_row, cell, event_only_row, AircraftRow, EventRow, StateRow, StateTaken, Thinner, Thinning,
};

/// Event and aircraft rows the recorder holds back while the queue is full, at most.
pub const MAX_HELD_ROWS: usize = 100_000;

/// How long each kind of record is kept, and how much of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retention {
    /// Raw items older than this (seconds of data time before the newest) are deleted.
    pub frames_max_age_s: Option<f64>,
    /// Oldest raw blocks are deleted while the raw items take more than this many bytes.
    pub frames_max_bytes: Option<u64>,
    /// States older than this are deleted.
    pub states_max_age_s: Option<f64>,
    /// Event reports older than this are deleted.
    pub events_max_age_s: Option<f64>,
    /// Aircraft not seen for this long are deleted.
    pub aircraft_max_age_s: Option<f64>,
}

impl Retention {
    /// Keep everything.
    pub const KEEP_ALL: Retention = Retention {
        frames_max_age_s: None,
        frames_max_bytes: None,
        states_max_age_s: None,
        events_max_age_s: None,
        aircraft_max_age_s: None,
    };
}

impl Default for Retention {
    /// Raw frames 30 days or 20 GB, states 180 days, events and aircraft for ever.
    fn default() -> Retention {
        Retention {
            frames_max_age_s: Some(30.0 * 86_400.0),
            frames_max_bytes: Some(20_000_000_000),
            states_max_age_s: Some(180.0 * 86_400.0),
            events_max_age_s: None,
            aircraft_max_age_s: None,
        }
    }
}

/// How the store writes.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Retention per kind of record.
    pub retention: Retention,
    /// Batches the queue holds (a batch is up to [`BATCH_ITEMS`] items).
    pub queue_batches: usize,
    /// The writer commits at least this often.
    pub commit_every: Duration,
    /// Compression of the blocks written at each commit: [`crate::codec::HUFFMAN`] (0,
    /// the default: Huffman codes per column, no matches) or a deflate level (1-9).
    pub level: u32,
    /// The same for the merged blocks of a finished hour (deflate levels above 1 cost 6 to
    /// 15 times the CPU of level 1 for 7 % fewer bytes on busy traffic: docs/BENCHMARKS.md).
    pub sealed_level: u32,
    /// Most items in one merged block: a finished hour with more is merged into several
    /// blocks of about this many, so merging never holds more than that in memory.
    pub merge_items: usize,
    /// When states are kept.
    pub thinning: Thinning,
    /// Largest database size in pages of 4 KiB (SQLite `max_page_count`); reaching it is
    /// a full disk. None: no limit but the disk's.
    pub max_pages: Option<u64>,
    /// Wait for the writer instead of dropping when the queue is full: for imports and
    /// tests, never for a live pipeline.
    pub lossless: bool,
    /// States come from the engine's aircraft (thinned); false: only what
    /// [`Recorder::observe_states`] is given (imports keep the file's positions).
    pub engine_states: bool,
    /// Facts about the run written to the store's `meta` table at open (key, value), e.g.
    /// the receivers' positions a replay needs to build the same engine.
    pub meta: Vec<(String, String)>,
    /// A gate the writer waits at before each batch while it is closed: a disk that stalls,
    /// for tests of the queue's policies (None: no gate).
    pub gate: Option<Arc<Gate>>,
}

/// A gate the writer thread waits at before taking each batch while it is closed (tests:
/// a stalled disk, made on purpose instead of hoped for).
#[derive(Debug, Default)]
pub struct Gate {
    closed: Mutex<bool>,
    changed: Condvar,
}

impl Gate {
    /// A closed gate.
    pub fn closed() -> Arc<Gate> {
        Arc::new(Gate {
            closed: Mutex::new(true),
            changed: Condvar::new(),
        })
    }

    /// Opens the gate: the writer goes on.
    pub fn open(&self) {
        if let Ok(mut c) = self.closed.lock() {
            *c = false;
        }
        self.changed.notify_all();
    }

    fn wait(&self) {
        let Ok(mut c) = self.closed.lock() else { return };
        while *c {
            match self.changed.wait(c) {
                Ok(g) => c = g,
                Err(_) => return,
            }
        }
    }
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            retention: Retention::default(),
            queue_batches: 64,
            commit_every: Duration::from_millis(250),
            level: crate::codec::HUFFMAN,
            sealed_level: crate::codec::HUFFMAN,
            merge_items: 1 << 18,
            thinning: Thinning::default(),
            max_pages: None,
            lossless: false,
            engine_states: true,
            meta: Vec::new(),
            gate: None,
        }
    }
}

/// Items in one batch, at most.
pub const BATCH_ITEMS: usize = 8192;

/// Emptied item vectors the writer hands back, at most (the rest are freed).
const SPARE_VECS: usize = 256;

/// A batch of the run-time's items is moved whole into the pending batch only when it holds
/// at least this many items and a quarter of its capacity; smaller ones are copied, so
/// that what the queue holds stays within a few times the items' own size.
const MOVE_MIN_ITEMS: usize = 256;

/// The capacity of a chunk that small batches are copied into.
const COPY_CHUNK_ITEMS: usize = 1024;

/// What the store counted (shared between the recorder and the writer).
#[derive(Debug, Default)]
pub struct Counters {
    /// Raw items handed to the recorder.
    pub accepted: AtomicU64,
    /// Raw items committed.
    pub written: AtomicU64,
    /// Raw items dropped (queue full, or writing stopped).
    pub dropped: AtomicU64,
    /// Multilateration's fixes committed (raw items too: counted in `accepted` and
    /// `dropped`, not in `written`).
    pub fixes_written: AtomicU64,
    /// States committed.
    pub states_written: AtomicU64,
    /// States dropped.
    pub states_dropped: AtomicU64,
    /// Event rows committed.
    pub events_written: AtomicU64,
    /// Event and aircraft rows dropped.
    pub events_dropped: AtomicU64,
    /// Commits.
    pub commits: AtomicU64,
    /// Failed writes (the first one stops writing).
    pub failed: AtomicU64,
    /// Compressed bytes of raw blocks written (before merging).
    pub block_bytes: AtomicU64,
    /// Hours merged.
    pub hours_sealed: AtomicU64,
    /// Writing has stopped after an error.
    pub stopped: AtomicBool,
    /// The error that stopped writing.
    pub error: Mutex<Option<String>>,
}

/// A copy of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Raw items handed to the recorder.
    pub accepted: u64,
    /// Raw items committed.
    pub written: u64,
    /// Raw items dropped.
    pub dropped: u64,
    /// Multilateration's fixes committed.
    pub fixes_written: u64,
    /// States committed.
    pub states_written: u64,
    /// States dropped.
    pub states_dropped: u64,
    /// Event rows committed.
    pub events_written: u64,
    /// Event and aircraft rows dropped.
    pub events_dropped: u64,
    /// Commits.
    pub commits: u64,
    /// Failed writes.
    pub failed: u64,
    /// Compressed raw bytes written.
    pub block_bytes: u64,
    /// Hours merged.
    pub hours_sealed: u64,
    /// The error that stopped writing.
    pub error: Option<String>,
}

impl Counters {
    /// The counters now.
    pub fn report(&self) -> Report {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Report {
            accepted: g(&self.accepted),
            written: g(&self.written),
            dropped: g(&self.dropped),
            fixes_written: g(&self.fixes_written),
            states_written: g(&self.states_written),
            states_dropped: g(&self.states_dropped),
            events_written: g(&self.events_written),
            events_dropped: g(&self.events_dropped),
            commits: g(&self.commits),
            failed: g(&self.failed),
            block_bytes: g(&self.block_bytes),
            hours_sealed: g(&self.hours_sealed),
            error: self.error.lock().map(|e| e.clone()).unwrap_or(None),
        }
    }
}

/// What goes through the queue.
#[derive(Debug, Default)]
struct Batch {
    /// The raw items, in order: the vectors the run handed over whole
    /// ([`Recorder::observe_items`]: moved, not copied) and those [`Recorder::observe`]
    /// filled.
    chunks: Vec<Vec<Received>>,
    /// Items in `chunks`.
    items: usize,
    fixes: Vec<FixRow>,
    states: Vec<StateRow>,
    /// The engine's thinned states, made rows on the writer thread.
    taken: Vec<StateTaken>,
    events: Vec<EventRow>,
    aircraft: Vec<AircraftRow>,
    /// Answer when everything before is committed.
    flush: Option<mpsc::SyncSender<()>>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.items == 0
            && self.fixes.is_empty()
            && self.states.is_empty()
            && self.taken.is_empty()
            && self.events.is_empty()
            && self.aircraft.is_empty()
    }
}

/// The pipeline's side of the store: cheap to call for every item, never blocks.
#[derive(Debug)]
pub struct Recorder {
    tx: Option<SyncSender<Batch>>,
    /// Item vectors the writer has emptied, back for the next batches (no allocation and
    /// no fresh pages per batch on the pipeline's thread).
    spare: mpsc::Receiver<Vec<Received>>,
    /// Item vectors of batches the queue refused, for reuse.
    recycled: Vec<Vec<Received>>,
    counters: Arc<Counters>,
    writer: Option<JoinHandle<()>>,
    pending: Batch,
    /// Where the items stand, for the fixes' anchors.
    anchors: Anchors,
    batch_time: f64,
    thinner: Thinner,
    /// When the next states are due: the engine's tick rule (the first item of each data
    /// second), so the states are taken in the seconds the engine ticks.
    next_states: f64,
    next_prune: f64,
    last_offer: Instant,
    /// The data time before which the wall clock is not read again for an early offer.
    next_clock_check: f64,
    lossless: bool,
    engine_states: bool,
    _lock: WriterLock,
}

/// Data seconds a batch gathers before it may be offered to the queue.
const BATCH_SPAN_S: f64 = 0.25;
/// Data seconds between two readings of the wall clock for an early offer.
const CLOCK_CHECK_S: f64 = 0.01;
/// Wall time between two offers of batches that are not full.
const OFFER_EVERY: Duration = Duration::from_millis(50);

impl Recorder {
    /// Opens (or creates) the store in `dir` for writing and starts the writer thread. A
    /// second writer of the same store is refused ([`ErrorKind::Locked`]).
    pub fn open(dir: &std::path::Path, options: StoreOptions) -> Result<Recorder, Error> {
        let paths = StorePaths::of(dir);
        let lock = lock(&paths)?;
        let conn = open_write(&paths)?;
        if let Some(p) = options.max_pages {
            conn.pragma_update(None, "max_page_count", p)
                .map_err(|e| Error::sql(ErrorKind::Open, "max_page_count".into(), e))?;
        }
        // A page cache of 32 MiB for the writer (SQLite's default is 2 MiB): the states'
        // B-trees (clustered by aircraft, and two indexes) take inserts all over them, and
        // with the default cache each batch read its pages back from the file.
        conn.pragma_update(None, "cache_size", -32_768)
            .map_err(|e| Error::sql(ErrorKind::Open, "cache_size".into(), e))?;
        for (k, v) in &options.meta {
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![k, v],
            )
            .map_err(|e| Error::sql(ErrorKind::Write, "cannot write meta".into(), e))?;
        }
        let counters = Arc::new(Counters::default());
        let (tx, rx) = mpsc::sync_channel::<Batch>(options.queue_batches.max(1));
        let (spare_tx, spare) = mpsc::sync_channel::<Vec<Received>>(SPARE_VECS);
        let c = counters.clone();
        let thinning = options.thinning;
        let lossless = options.lossless;
        let engine_states = options.engine_states;
        let blocks = BlockThread::start(options.level, spare_tx.clone())?;
        let writer = std::thread::Builder::new()
            .name("picket-store".into())
            .spawn(move || Writer::new(conn, c, options, spare_tx, blocks).run(rx))
            .map_err(|e| Error::io(ErrorKind::Open, "cannot start the store's writer".into(), e))?;
        Ok(Recorder {
            tx: Some(tx),
            spare,
            recycled: Vec::new(),
            counters,
            writer: Some(writer),
            pending: Batch::default(),
            anchors: Anchors::default(),
            batch_time: f64::NAN,
            thinner: Thinner::new(thinning),
            next_states: f64::NEG_INFINITY,
            next_prune: f64::NEG_INFINITY,
            last_offer: Instant::now(),
            next_clock_check: f64::NEG_INFINITY,
            lossless,
            engine_states,
            _lock: lock,
        })
    }

    /// The counters.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// Takes one item the engine has just ingested (None after the final tick) and the
    /// alerts it caused; once per data second, the states worth keeping.
    pub fn observe(&mut self, item: Option<&Received>, alerts: &[Alert], engine: &Engine) {
        self.observe_alerts(alerts);
        let mut due = !alerts.is_empty() || item.is_none();
        if let Some(r) = item {
            // Counted into `accepted` when the batch is offered (no atomic per item).
            let t = r.time_utc;
            if self.pending.items == 0 && self.pending.fixes.is_empty() {
                self.batch_time = t;
            }
            if is_fix(r) {
                self.pending.fixes.push(FixRow {
                    after: self.anchors.current(),
                    item: r.clone(),
                });
            } else {
                self.anchors.item(t);
                if self.pending.chunks.is_empty() {
                    let v = self.fresh_vec(BATCH_ITEMS);
                    self.pending.chunks.push(v);
                }
                if let Some(last) = self.pending.chunks.last_mut() {
                    last.push(r.clone());
                }
                self.pending.items += 1;
            }
            if t >= self.next_states {
                self.collect_states(t, engine);
            }
            // A batch is offered when full, or when it spans a quarter of a data second and
            // the last offer is 50 ms of wall time old. The clock is read only then, and
            // after a reading that was too early not again before 10 more data ms (a file
            // read at full speed would otherwise read it for nearly every item).
            due |= self.pending.items >= BATCH_ITEMS;
            if !due && ((t - self.batch_time >= BATCH_SPAN_S && t >= self.next_clock_check) || t.is_nan()) {
                due = self.last_offer.elapsed() >= OFFER_EVERY;
                if !due {
                    self.next_clock_check = t + CLOCK_CHECK_S;
                }
            }
        } else {
            let states = self.engine_states.then_some(&mut self.pending.taken);
            self.thinner.finish(engine, states, &mut self.pending.aircraft);
        }
        if due {
            self.offer();
        }
    }

    /// The engine thread's per-item call when the received items come in whole batches
    /// afterwards ([`Recorder::observe_items`]): takes the step's alerts and, once per data
    /// second, the states, and keeps the item's place for the fixes; copies only a fix (an
    /// item of multilateration, which no batch holds), never a received item. `None`: after
    /// the final tick (the last states and every aircraft).
    ///
    /// Together with `observe_items` it records what [`Recorder::observe`] does, without
    /// copying each item on the caller's thread.
    #[inline]
    pub fn observe_step(&mut self, item: Option<&Received>, alerts: &[Alert], engine: &Engine) {
        let Some(r) = item else {
            self.observe_alerts(alerts);
            let states = self.engine_states.then_some(&mut self.pending.taken);
            self.thinner.finish(engine, states, &mut self.pending.aircraft);
            self.offer();
            return;
        };
        let t = r.time_utc;
        if is_fix(r) {
            if self.pending.items == 0 && self.pending.fixes.is_empty() {
                self.batch_time = t;
            }
            self.pending.fixes.push(FixRow {
                after: self.anchors.current(),
                item: r.clone(),
            });
        } else {
            self.anchors.item(t);
        }
        if t >= self.next_states {
            self.collect_states(t, engine);
        }
        if !alerts.is_empty() {
            self.observe_alerts(alerts);
            self.offer();
        }
    }

    /// The received items of a batch the engine has just taken (each after its
    /// [`Recorder::observe_step`]), moved out of `items`: the vector itself goes to the
    /// pending batch and `items` gets an empty one of the writer's (no copy per item, not
    /// even a move of the bytes). Fixes among them were kept by `observe_step` already and
    /// are left out here. Offers the pending batch when it is full, or spans a quarter of a
    /// data second and the last offer is 50 ms old (the clock is read once per call).
    pub fn observe_items(&mut self, items: &mut Vec<Received>) {
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return;
        };
        let last_t = last.time_utc;
        if self.pending.items == 0 && self.pending.fixes.is_empty() {
            self.batch_time = first.time_utc;
        }
        if items.len() < MOVE_MIN_ITEMS || items.len() * 4 < items.capacity() {
            // A small read (a live feed's few items at a time): copied into the last chunk
            // while it has room. Moved whole, each would hold its vector's whole capacity
            // in the queue, and a stalled disk would hold thousands of them.
            let n = items.iter().filter(|r| !is_fix(r)).count();
            let room = self
                .pending
                .chunks
                .last()
                .is_some_and(|c| c.capacity() - c.len() >= n);
            if !room {
                let v = self.fresh_vec(n.max(COPY_CHUNK_ITEMS));
                self.pending.chunks.push(v);
            }
            if let Some(last) = self.pending.chunks.last_mut() {
                last.extend(items.drain(..).filter(|r| !is_fix(r)));
            }
            self.pending.items += n;
        } else {
            let empty = self.fresh_vec(items.capacity());
            let mut chunk = std::mem::replace(items, empty);
            if chunk.iter().any(is_fix) {
                chunk.retain(|r| !is_fix(r));
            }
            self.pending.items += chunk.len();
            self.pending.chunks.push(chunk);
        }
        let due = self.pending.items >= BATCH_ITEMS
            || ((last_t - self.batch_time >= BATCH_SPAN_S || last_t.is_nan())
                && self.last_offer.elapsed() >= OFFER_EVERY);
        if due {
            self.offer();
        }
    }

    /// An empty item vector of at least `capacity`: one given back by the writer (or the
    /// queue), else a new one.
    fn fresh_vec(&mut self, capacity: usize) -> Vec<Received> {
        let mut v = match self.recycled.pop() {
            Some(v) => v,
            None => self.spare.try_recv().unwrap_or_default(),
        };
        v.reserve(capacity);
        v
    }

    fn observe_alerts(&mut self, alerts: &[Alert]) {
        for a in alerts {
            self.pending.events.push(alert_row(a));
        }
    }

    /// The states and aircraft rows due at data time `t` (the first item of a data second).
    fn collect_states(&mut self, t: f64, engine: &Engine) {
        let states = self.engine_states.then_some(&mut self.pending.taken);
        self.thinner
            .collect(engine, states, Some(&mut self.pending.aircraft));
        self.next_states = next_tick_due(t);
        if t >= self.next_prune {
            self.thinner.prune(t - 3600.0);
            self.next_prune = t + 600.0;
        }
    }

    /// Takes detector events that no rule raised (for an engine API that gives them).
    pub fn observe_events(&mut self, events: &[Event]) {
        for e in events {
            self.pending.events.push(event_only_row(e));
        }
    }

    /// Takes event rows made elsewhere (imports, incidents, benchmarks).
    pub fn observe_event_rows(&mut self, rows: Vec<EventRow>) {
        self.pending.events.extend(rows);
    }

    /// Takes aircraft rows (imports).
    pub fn observe_aircraft(&mut self, rows: Vec<AircraftRow>) {
        self.pending.aircraft.extend(rows);
    }

    /// Takes states directly (imports: the positions of the file, not the tracker's).
    pub fn observe_states(&mut self, rows: Vec<StateRow>) {
        self.pending.states.extend(rows);
    }

    fn offer(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        self.counters
            .accepted
            .fetch_add(self.pending.items as u64, Ordering::Relaxed);
        let Some(tx) = &self.tx else {
            self.counters
                .dropped
                .fetch_add(self.pending.items as u64, Ordering::Relaxed);
            self.pending.chunks.clear();
            self.pending.items = 0;
            return;
        };
        self.last_offer = Instant::now();
        let batch = std::mem::take(&mut self.pending);
        if self.lossless {
            if let Err(mpsc::SendError(b)) = tx.send(batch) {
                self.counters
                    .dropped
                    .fetch_add((b.items + b.fixes.len()) as u64, Ordering::Relaxed);
            }
            return;
        }
        match tx.try_send(batch) {
            Ok(()) => {}
            Err(TrySendError::Full(mut b)) | Err(TrySendError::Disconnected(mut b)) => {
                self.counters
                    .dropped
                    .fetch_add((b.items + b.fixes.len()) as u64, Ordering::Relaxed);
                self.counters
                    .states_dropped
                    .fetch_add((b.states.len() + b.taken.len()) as u64, Ordering::Relaxed);
                // Events and aircraft wait for the next batch.
                let held = b.events.len() + b.aircraft.len();
                if held > MAX_HELD_ROWS {
                    self.counters
                        .events_dropped
                        .fetch_add(held as u64, Ordering::Relaxed);
                } else {
                    self.pending.events = std::mem::take(&mut b.events);
                    self.pending.aircraft = std::mem::take(&mut b.aircraft);
                    for mut v in b.chunks.drain(..) {
                        if self.recycled.len() < SPARE_VECS {
                            v.clear();
                            self.recycled.push(v);
                        }
                    }
                    b.fixes.clear();
                    self.pending.fixes = std::mem::take(&mut b.fixes);
                }
            }
        }
    }

    /// Waits (up to `timeout`) until everything offered so far is committed; false if the
    /// time ran out or writing has stopped.
    pub fn flush(&mut self, timeout: Duration) -> bool {
        self.offer();
        let Some(tx) = &self.tx else { return false };
        let (ack, done) = mpsc::sync_channel(1);
        let deadline = Instant::now() + timeout;
        let mut b = Batch {
            flush: Some(ack),
            ..Batch::default()
        };
        loop {
            match tx.try_send(b) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => {
                    if Instant::now() >= deadline {
                        return false;
                    }
                    b = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(TrySendError::Disconnected(_)) => return false,
            }
        }
        done.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
            && !self.counters.stopped.load(Ordering::Relaxed)
    }

    /// Offers what is pending, stops the writer after it has written everything queued, and
    /// gives the counters.
    pub fn finish(mut self) -> Report {
        self.close();
        self.counters.report()
    }

    fn close(&mut self) {
        self.offer();
        self.tx = None;
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.close();
    }
}

/// The writer thread's state.
struct Writer {
    conn: Connection,
    /// Emptied item vectors, back to the recorder.
    spare: SyncSender<Vec<Received>>,
    counters: Arc<Counters>,
    options: StoreOptions,
    /// The block encoder's thread: items go there, finished blocks come back at commits.
    blocks: Option<BlockThread>,
    /// Items of blocks received from the encoder and not yet inserted.
    cut_items: u64,
    in_tx: bool,
    tx_items: u64,
    tx_fixes: u64,
    tx_states: u64,
    tx_events: u64,
    last_commit: Instant,
    /// Hours whose blocks are to be merged.
    sealed: Vec<i64>,
    newest: f64,
    /// The states' insertion counter (their key's last part: two states of one aircraft may
    /// share a time).
    seq: i64,
}

/// Blocks of an hour are merged when they hold fewer items than this on average.
const MERGE_BELOW_ITEMS: i64 = 50_000;

fn hour_of(t: f64) -> i64 {
    (t / 3600.0).floor() as i64
}

impl Writer {
    fn new(
        conn: Connection,
        counters: Arc<Counters>,
        options: StoreOptions,
        spare: SyncSender<Vec<Received>>,
        blocks: BlockThread,
    ) -> Writer {
        let newest = conn
            .query_row("SELECT MAX(t_last) FROM frame_blocks", [], |r| {
                r.get::<_, Option<f64>>(0)
            })
            .ok()
            .flatten()
            .unwrap_or(f64::NEG_INFINITY);
        let seq = conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM states", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_or(0);
        Writer {
            seq,
            conn,
            spare,
            counters,
            options,
            blocks: Some(blocks),
            cut_items: 0,
            in_tx: false,
            tx_items: 0,
            tx_fixes: 0,
            tx_states: 0,
            tx_events: 0,
            last_commit: Instant::now(),
            sealed: Vec::new(),
            newest,
        }
    }

    fn run(mut self, rx: mpsc::Receiver<Batch>) {
        // Hours left unmerged by an earlier run (it crashed or stopped mid-hour) are merged
        // when they are over.
        let unsealed: Vec<i64> = self
            .conn
            .prepare("SELECT hour FROM frame_blocks GROUP BY hour HAVING COUNT(*) > 1")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .unwrap_or_default();
        self.sealed = unsealed;
        loop {
            let got = rx.recv_timeout(self.options.commit_every);
            if let Some(g) = &self.options.gate {
                g.wait();
            }
            let stopped = self.counters.stopped.load(Ordering::Relaxed);
            match got {
                Ok(mut batch) => {
                    let flush = batch.flush.take();
                    if stopped {
                        self.count_dropped(&batch);
                    } else if let Err(e) = self.apply(&mut batch) {
                        self.fail(e, &batch);
                    }
                    for mut v in batch.chunks.drain(..) {
                        v.clear();
                        let _ = self.spare.try_send(v);
                    }
                    if let Some(ack) = flush {
                        if !self.counters.stopped.load(Ordering::Relaxed) {
                            if let Err(e) = self.commit() {
                                self.fail(e, &Batch::default());
                            }
                        }
                        let _ = ack.try_send(());
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    if !self.counters.stopped.load(Ordering::Relaxed) {
                        if let Err(e) = self.commit().and_then(|()| self.seal_due(true)) {
                            self.fail(e, &Batch::default());
                        }
                    }
                    if let Some(b) = self.blocks.take() {
                        b.close();
                    }
                    return;
                }
            }
            if !self.counters.stopped.load(Ordering::Relaxed)
                && self.last_commit.elapsed() >= self.options.commit_every
            {
                if let Err(e) = self.commit().and_then(|()| self.seal_due(false)) {
                    self.fail(e, &Batch::default());
                }
            }
        }
    }

    fn count_dropped(&self, b: &Batch) {
        let c = &self.counters;
        c.dropped
            .fetch_add((b.items + b.fixes.len()) as u64, Ordering::Relaxed);
        c.states_dropped
            .fetch_add((b.states.len() + b.taken.len()) as u64, Ordering::Relaxed);
        c.events_dropped
            .fetch_add((b.events.len() + b.aircraft.len()) as u64, Ordering::Relaxed);
    }

    /// Stops writing after an error: what the open transaction held is lost and counted.
    fn fail(&mut self, e: rusqlite::Error, b: &Batch) {
        let c = &self.counters;
        c.failed.fetch_add(1, Ordering::Relaxed);
        c.stopped.store(true, Ordering::Relaxed);
        if let Ok(mut slot) = c.error.lock() {
            slot.get_or_insert_with(|| format!("the store stopped writing: {e}"));
        }
        self.count_dropped(b);
        let held = self.blocks.as_ref().map_or(0, BlockThread::reset);
        c.dropped.fetch_add(
            self.tx_items + self.tx_fixes + self.cut_items + held,
            Ordering::Relaxed,
        );
        self.cut_items = 0;
        c.states_dropped.fetch_add(self.tx_states, Ordering::Relaxed);
        c.events_dropped.fetch_add(self.tx_events, Ordering::Relaxed);
        if self.in_tx {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        self.in_tx = false;
        (self.tx_items, self.tx_fixes, self.tx_states, self.tx_events) = (0, 0, 0, 0);
    }

    fn begin(&mut self) -> rusqlite::Result<()> {
        if !self.in_tx {
            self.conn.execute_batch("BEGIN")?;
            self.in_tx = true;
        }
        Ok(())
    }

    fn apply(&mut self, b: &mut Batch) -> rusqlite::Result<()> {
        if b.is_empty() {
            return Ok(());
        }
        self.begin()?;
        // The items go to the encoder's thread (the vectors themselves: no copy); their
        // blocks come back at the next commit.
        if let Some(t) = &self.blocks {
            for chunk in b.chunks.drain(..) {
                let n = chunk.len() as u64;
                if !t.items(chunk) {
                    // The encoder's thread is gone (it panicked): counted, never lost unseen.
                    self.counters.dropped.fetch_add(n, Ordering::Relaxed);
                }
            }
            // Theirs from now on: counted by the encoder if the transaction fails.
            b.items = 0;
        }
        crate::fixes::insert(&self.conn, &b.fixes)?;
        self.tx_fixes += b.fixes.len() as u64;
        {
            let mut s = self.conn.prepare_cached(
                "INSERT INTO states (hex, t, seq, lat, lon, cell, alt_baro, gs, track, baro_rate, on_ground, flight, squawk)
                 VALUES (?1, ?2, ?13, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            let taken: Vec<StateRow> = b.taken.iter().map(StateTaken::row).collect();
            for r in b.states.iter().chain(&taken) {
                self.seq += 1;
                s.execute(params![
                    r.hex,
                    r.t,
                    r.lat,
                    r.lon,
                    cell(r.lat, r.lon),
                    r.alt_baro,
                    r.gs.map(f64::from),
                    r.track.map(f64::from),
                    r.baro_rate,
                    r.on_ground,
                    r.flight,
                    r.squawk,
                    self.seq
                ])?;
            }
        }
        self.tx_states += (b.states.len() + b.taken.len()) as u64;
        {
            let mut s = self.conn.prepare_cached(
                "INSERT INTO events (record, event_id, kind, phase, hex, onset, t, ended, since, place, place_name,
                   place_country, lat, lon, rule, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?;
            for e in &b.events {
                s.execute(params![
                    e.record,
                    e.event_id,
                    e.kind,
                    e.phase,
                    e.hex,
                    e.onset,
                    e.t,
                    e.ended,
                    e.since,
                    e.place,
                    e.place_name,
                    e.place_country,
                    e.lat,
                    e.lon,
                    e.rule,
                    e.json
                ])?;
            }
        }
        self.tx_events += b.events.len() as u64;
        {
            let mut s = self.conn.prepare_cached(
                "INSERT INTO aircraft (hex, first_seen, last_seen, flight, registration, type, operator, country,
                   country_code, class, class_layer, class_detail, military)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (hex) DO UPDATE SET
                   first_seen = MIN(first_seen, excluded.first_seen),
                   last_seen = MAX(last_seen, excluded.last_seen),
                   flight = COALESCE(excluded.flight, flight),
                   registration = COALESCE(excluded.registration, registration),
                   type = COALESCE(excluded.type, type),
                   operator = COALESCE(excluded.operator, operator),
                   country = COALESCE(excluded.country, country),
                   country_code = COALESCE(excluded.country_code, country_code),
                   class = excluded.class, class_layer = excluded.class_layer,
                   class_detail = excluded.class_detail, military = excluded.military",
            )?;
            for a in &b.aircraft {
                s.execute(params![
                    a.hex,
                    a.first_seen,
                    a.last_seen,
                    a.flight,
                    a.registration,
                    a.type_designator,
                    a.operator,
                    a.country,
                    a.country_code,
                    a.class,
                    a.class_layer,
                    a.class_detail,
                    a.military
                ])?;
            }
        }
        Ok(())
    }

    fn insert_block(&mut self, b: DoneBlock) -> rusqlite::Result<()> {
        self.conn.prepare_cached(
            "INSERT INTO frame_blocks (hour, t_first, t_last, items, raw_bytes, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![hour_of(b.t0), b.t0, b.t1, b.items, b.raw as i64, b.data])?;
        self.counters
            .block_bytes
            .fetch_add(b.data.len() as u64, Ordering::Relaxed);
        self.cut_items -= u64::from(b.items);
        self.tx_items += u64::from(b.items);
        Ok(())
    }

    fn commit(&mut self) -> rusqlite::Result<()> {
        // Every block of the items sent so far (the open one finished).
        let cut = self.blocks.as_ref().map(BlockThread::cut).unwrap_or_default();
        self.sealed.extend(cut.sealed);
        if cut.newest > self.newest {
            self.newest = cut.newest;
        }
        self.cut_items += cut.blocks.iter().map(|b| u64::from(b.items)).sum::<u64>();
        if !cut.blocks.is_empty() {
            self.begin()?;
            for b in cut.blocks {
                self.insert_block(b)?;
            }
        }
        if self.in_tx {
            self.conn.execute_batch("COMMIT")?;
            self.in_tx = false;
            let c = &self.counters;
            c.written.fetch_add(self.tx_items, Ordering::Relaxed);
            c.fixes_written.fetch_add(self.tx_fixes, Ordering::Relaxed);
            c.states_written.fetch_add(self.tx_states, Ordering::Relaxed);
            c.events_written.fetch_add(self.tx_events, Ordering::Relaxed);
            c.commits.fetch_add(1, Ordering::Relaxed);
            (self.tx_items, self.tx_fixes, self.tx_states, self.tx_events) = (0, 0, 0, 0);
        }
        self.last_commit = Instant::now();
        Ok(())
    }

    /// Merges the blocks of finished hours (all hours with several blocks when `all`) and
    /// applies retention.
    fn seal_due(&mut self, all: bool) -> rusqlite::Result<()> {
        if all {
            let hours: Vec<i64> = self
                .conn
                .prepare("SELECT hour FROM frame_blocks GROUP BY hour HAVING COUNT(*) > 1")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            self.sealed.extend(hours);
        }
        if self.sealed.is_empty() {
            return Ok(());
        }
        let mut hours = std::mem::take(&mut self.sealed);
        hours.sort_unstable();
        hours.dedup();
        for h in hours {
            self.merge_hour(h)?;
        }
        self.retain()
    }

    fn merge_hour(&mut self, hour: i64) -> rusqlite::Result<()> {
        let blocks: Vec<(i64, i64)> = self
            .conn
            .prepare("SELECT id, items FROM frame_blocks WHERE hour = ?1 ORDER BY id")?
            .query_map([hour], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Merging pays for small blocks (a quiet feed commits a few hundred items at a
        // time); blocks of busy traffic are large already and merging them would only
        // cost their decoding, encoding and writing again.
        let items: i64 = blocks.iter().map(|b| b.1).sum();
        if blocks.len() < 2 || items / blocks.len() as i64 >= MERGE_BELOW_ITEMS {
            return Ok(());
        }
        // Consecutive blocks up to `merge_items` items at a time: memory stays bounded
        // however busy the hour was. Each group is replaced in a transaction of its own.
        let most = i64::try_from(self.options.merge_items.max(1)).unwrap_or(i64::MAX);
        let mut group: Vec<i64> = Vec::new();
        let mut in_group = 0;
        for &(id, n) in &blocks {
            if !group.is_empty() && in_group + n > most {
                self.merge_blocks(hour, &group)?;
                group.clear();
                in_group = 0;
            }
            group.push(id);
            in_group += n;
        }
        self.merge_blocks(hour, &group)?;
        self.counters.hours_sealed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Replaces the blocks `ids` (consecutive, of one hour) by one block under the first id.
    fn merge_blocks(&mut self, hour: i64, ids: &[i64]) -> rusqlite::Result<()> {
        if ids.len() < 2 {
            return Ok(());
        }
        let mut items = Vec::new();
        {
            let mut read = self
                .conn
                .prepare_cached("SELECT data FROM frame_blocks WHERE id = ?1")?;
            for id in ids {
                let data: Vec<u8> = read.query_row([id], |r| r.get(0))?;
                // A block that does not decode is left as it is (it is reported by queries),
                // and so is its group.
                if decode_block_into(&data, &mut items).is_err() {
                    return Ok(());
                }
            }
        }
        let mut enc = BlockEncoder::new();
        for r in &items {
            enc.push(r);
        }
        let (n, t0, t1, raw) = (enc.len(), enc.first_time(), enc.last_time(), enc.raw_len());
        let data = enc.finish(self.options.sealed_level);
        self.conn.execute_batch("BEGIN")?;
        let r = (|| {
            let mut delete = self
                .conn
                .prepare_cached("DELETE FROM frame_blocks WHERE id = ?1")?;
            for id in ids {
                delete.execute([id])?;
            }
            self.conn.execute(
                "INSERT INTO frame_blocks (id, hour, t_first, t_last, items, raw_bytes, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![ids[0], hour, t0, t1, n, raw as i64, data],
            )?;
            self.conn.execute_batch("COMMIT")
        })();
        if r.is_err() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        r
    }

    fn retain(&mut self) -> rusqlite::Result<()> {
        let r = self.options.retention;
        let now = self.newest;
        if !now.is_finite() {
            return Ok(());
        }
        if let Some(age) = r.frames_max_age_s {
            self.conn
                .execute("DELETE FROM frame_blocks WHERE t_last < ?1", [now - age])?;
            self.conn.execute("DELETE FROM fixes WHERE t < ?1", [now - age])?;
        }
        if let Some(max) = r.frames_max_bytes {
            loop {
                let total: i64 = self.conn.query_row(
                    "SELECT COALESCE(SUM(LENGTH(data)), 0) FROM frame_blocks",
                    [],
                    |r| r.get(0),
                )?;
                if total as u64 <= max {
                    break;
                }
                let gone = self.conn.execute(
                    "DELETE FROM frame_blocks WHERE id = (SELECT id FROM frame_blocks ORDER BY t_first LIMIT 1)",
                    [],
                )?;
                if gone == 0 {
                    break;
                }
            }
        }
        if let Some(age) = r.states_max_age_s {
            self.conn
                .execute("DELETE FROM states WHERE t < ?1", [now - age])?;
        }
        if let Some(age) = r.events_max_age_s {
            self.conn
                .execute("DELETE FROM events WHERE t < ?1", [now - age])?;
        }
        if let Some(age) = r.aircraft_max_age_s {
            self.conn
                .execute("DELETE FROM aircraft WHERE last_seen < ?1", [now - age])?;
        }
        Ok(())
    }
}

/// A finished block of raw items, to be inserted.
#[derive(Debug)]
struct DoneBlock {
    t0: f64,
    t1: f64,
    items: u32,
    raw: usize,
    data: Vec<u8>,
}

/// What the encoder's thread gives back at a commit.
#[derive(Debug, Default)]
struct Cut {
    /// Every block finished since the last cut, the open one included, in order.
    blocks: Vec<DoneBlock>,
    /// Hours the items have left (their blocks are all in `blocks` or written before).
    sealed: Vec<i64>,
    /// The latest item time seen.
    newest: f64,
}

enum ToBlocks {
    Items(Vec<Received>),
    /// Finish the open block and answer with the cut.
    Cut(SyncSender<Cut>),
    /// Forget the open block and the finished ones (the transaction failed); answer with
    /// how many items they held.
    Reset(SyncSender<u64>),
}

/// Chunks of items (about a thousand each) the encoder's thread may have waiting: beyond,
/// the writer waits, and so the queue fills (the recorder's policy then applies).
const BLOCK_QUEUE_CHUNKS: usize = 64;

/// The block encoder's own thread. The writer thread was the run's slowest (the encoder's
/// look-ups in its table of recent frames miss the caches on most frames, then SQLite's
/// inserts and writes); apart, the two overlap: the writer inserts rows and commits while
/// the items of the next commit are being encoded. Blocks are the same as when the writer
/// encoded them: one item stream, in order, cut at the same points (hour changes and
/// commits).
struct BlockThread {
    tx: SyncSender<ToBlocks>,
    handle: JoinHandle<()>,
}

impl BlockThread {
    fn start(level: u32, spare: SyncSender<Vec<Received>>) -> Result<BlockThread, Error> {
        let (tx, rx) = mpsc::sync_channel::<ToBlocks>(BLOCK_QUEUE_CHUNKS);
        let handle = std::thread::Builder::new()
            .name("picket-blocks".into())
            .spawn(move || Encoding::new(level, spare).run(rx))
            .map_err(|e| Error::io(ErrorKind::Open, "cannot start the store's encoder".into(), e))?;
        Ok(BlockThread { tx, handle })
    }

    /// Hands items on; false if the encoder's thread is gone.
    fn items(&self, v: Vec<Received>) -> bool {
        self.tx.send(ToBlocks::Items(v)).is_ok()
    }

    fn cut(&self) -> Cut {
        let (tx, rx) = mpsc::sync_channel(1);
        if self.tx.send(ToBlocks::Cut(tx)).is_err() {
            return Cut::default();
        }
        rx.recv().unwrap_or_default()
    }

    fn reset(&self) -> u64 {
        let (tx, rx) = mpsc::sync_channel(1);
        if self.tx.send(ToBlocks::Reset(tx)).is_err() {
            return 0;
        }
        rx.recv().unwrap_or(0)
    }

    fn close(self) {
        drop(self.tx);
        let _ = self.handle.join();
    }
}

/// The encoder thread's state.
struct Encoding {
    level: u32,
    encoder: BlockEncoder,
    encoder_hour: i64,
    /// Times certainly in `encoder_hour` (from a second after its start to a second before
    /// its end; NaN before the first block).
    hour_inside: (f64, f64),
    cut: Cut,
    /// Emptied item vectors, back to the recorder.
    spare: SyncSender<Vec<Received>>,
}

impl Encoding {
    fn new(level: u32, spare: SyncSender<Vec<Received>>) -> Encoding {
        Encoding {
            level,
            encoder: BlockEncoder::new(),
            encoder_hour: i64::MIN,
            hour_inside: (f64::NAN, f64::NAN),
            cut: Cut {
                newest: f64::NEG_INFINITY,
                ..Cut::default()
            },
            spare,
        }
    }

    fn run(mut self, rx: mpsc::Receiver<ToBlocks>) {
        for msg in rx {
            match msg {
                ToBlocks::Items(mut v) => {
                    self.push(&v);
                    v.clear();
                    let _ = self.spare.try_send(v);
                }
                ToBlocks::Cut(answer) => {
                    if !self.encoder.is_empty() {
                        self.finish_block();
                    }
                    let newest = self.cut.newest;
                    let cut = std::mem::replace(
                        &mut self.cut,
                        Cut {
                            newest,
                            ..Cut::default()
                        },
                    );
                    let _ = answer.send(cut);
                }
                ToBlocks::Reset(answer) => {
                    let held = u64::from(self.encoder.len())
                        + self.cut.blocks.iter().map(|b| u64::from(b.items)).sum::<u64>();
                    self.encoder = BlockEncoder::new();
                    self.cut.blocks.clear();
                    let _ = answer.send(held);
                }
            }
        }
    }

    fn push(&mut self, items: &[Received]) {
        let mut i = 0;
        while i < items.len() {
            let r = &items[i];
            let h = hour_of(r.time_utc);
            if h != self.encoder_hour && r.time_utc.is_finite() {
                if !self.encoder.is_empty() {
                    self.finish_block();
                }
                if self.encoder_hour != i64::MIN && h > self.encoder_hour {
                    self.cut.sealed.push(self.encoder_hour);
                }
                self.encoder_hour = h;
                // Well inside the hour (a second from either end, far beyond the division's
                // rounding) an item's hour is known without dividing.
                let start = h as f64 * 3600.0;
                self.hour_inside = (start + 1.0, start + 3599.0);
            }
            // The run of items in the encoder's hour.
            let mut end = i + 1;
            while end < items.len() && self.in_encoder_hour(items[end].time_utc) {
                end += 1;
            }
            for r in &items[i..end] {
                self.encoder.push(r);
                if r.time_utc > self.cut.newest {
                    self.cut.newest = r.time_utc;
                }
            }
            i = end;
        }
    }

    /// An item of time `t` goes into the open block without a change of hour: the
    /// `h != encoder_hour && finite` test of [`Encoding::push`] is false for it.
    #[inline]
    fn in_encoder_hour(&self, t: f64) -> bool {
        let (lo, hi) = self.hour_inside;
        (t >= lo && t < hi) || !t.is_finite() || hour_of(t) == self.encoder_hour
    }

    fn finish_block(&mut self) {
        let (items, t0, t1, raw) = (
            self.encoder.len(),
            self.encoder.first_time(),
            self.encoder.last_time(),
            self.encoder.raw_len(),
        );
        let data = self.encoder.finish(self.level);
        self.cut.blocks.push(DoneBlock {
            t0,
            t1,
            items,
            raw,
            data,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use picket_modes::Frame;
    use picket_receive::{Clock, What};

    fn item(t: f64) -> Received {
        Received {
            time_utc: t,
            clock: Clock::None,
            signal: None,
            receiver: 0,
            what: What::ModeS(Frame::from_hex("8D406B902015A678D4D220AA4BDA").unwrap()),
        }
    }

    /// A live feed's small reads are packed into few chunks, not each kept in its own
    /// vector at the capacity of the largest read: what a stalled disk holds in the queue
    /// stays within a few times the items' size. Large reads are still moved whole.
    #[test]
    fn small_reads_are_packed_and_large_ones_moved() {
        let dir = std::env::temp_dir().join(format!("picket-writer-chunks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let gate = Gate::closed();
        let mut rec = Recorder::open(
            &dir,
            StoreOptions {
                gate: Some(gate.clone()),
                engine_states: false,
                ..StoreOptions::default()
            },
        )
        .unwrap();
        let t = 1_700_000_000.0;
        // One large read first: the run-time's vector then has a large capacity.
        let mut v: Vec<Received> = Vec::with_capacity(4096);
        v.extend((0..4000).map(|_| item(t)));
        let moved = v.as_ptr();
        rec.observe_items(&mut v);
        let was_moved = v.is_empty()
            && v.capacity() >= 4096
            && rec.pending.chunks.len() == 1
            && rec.pending.chunks[0].as_ptr() == moved;
        // Then 3,000 reads of one item each, in a vector of that capacity.
        for _ in 0..3000 {
            v.push(item(t));
            rec.observe_items(&mut v);
            assert!(v.is_empty());
        }
        let pending = rec.pending.items;
        let chunks = rec.pending.chunks.len();
        let capacity: usize = rec.pending.chunks.iter().map(Vec::capacity).sum();
        // The gate opens before any assertion: a failing one would otherwise wait for
        // the writer forever when the recorder is dropped.
        gate.open();
        let report = rec.finish();
        assert_eq!(pending, 7000);
        assert!(chunks <= 5, "{chunks} chunks for 3,000 small reads");
        assert!(
            capacity <= 4 * 7000,
            "{capacity} items of capacity for 7,000 items"
        );
        assert!(was_moved, "a large read is moved whole, not copied");
        assert_eq!(report.written, 7000);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
