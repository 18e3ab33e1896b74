//! The run loop: sources push [`Batch`]es into one bounded channel; one thread owns the
//! engine, ingests them in arrival order, ticks data time and hands alerts to the sinks.
//!
//! - Files and scenarios are read (and merged in time order) on a reader thread, so
//!   reading and framing never wait on tracking.
//! - Live receivers are tokio tasks ([`crate::connect`]); the engine thread asks when the
//!   next tick is due ([`next_tick_due`]) and, when the feeds are silent, ticks at that
//!   wall-clock time, so silence-based detectors (went dark, dwell) fire on time.
//! - Sinks run on their own threads behind bounded queues (see [`crate::sinks`]).
//!
//! SIGHUP reloads rules and zones (a failed reload keeps the old ones); a stop stops the
//! inputs and lets the sinks drain.

use anyhow::{bail, Result};
use picket_engine::engine::{Engine, Output};
use picket_engine::event::{Alert, Event};
use picket_engine::rules::RuleSet;
use picket_engine::track::{Field, Ingested, Predecoded};
use picket_receive::{Observation, ObservationSource, Received, What};
use picket_world::events::EventKind;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

use crate::config::{Settings, Source as SourceSetting};
use crate::connect::{self, Batch, Feed, Protocol, CHANNEL_BATCHES};
use crate::pipeline::{Detail, Pipeline, WorldFiles};
use crate::serve::{self, Fanout, FrameOutputs};
use crate::sinks::{Delivery, SinkReport, Sinks};
use crate::source::Source;
use crate::stats::{LiveStats, ReceiverStats};

/// Items per batch read from files or a scenario.
const FILE_BATCH: usize = 1024;

/// How long a replay waits for its push outputs to connect before it starts.
const PUSH_CONNECT_WAIT: Duration = Duration::from_secs(10);

/// How long an unpaced replay waits for an output client that takes nothing.
const REPLAY_GRACE: Duration = Duration::from_secs(10);

/// When the engine's next tick is due, given the data time of the last one: the engine's
/// one tick rule, re-exported for the callers of this crate.
pub use picket_engine::engine::next_tick_due;

/// Something that watches the engine from the engine's own thread (the HTTP server's
/// publisher): it sees every item, every alert, and the engine after each batch.
pub trait EngineObserver: Send + std::fmt::Debug {
    /// After the engine took an item.
    fn on_item(&mut self, item: &Received, ingested: &Ingested);
    /// Alerts, as they go to the sinks.
    fn on_alerts(&mut self, alerts: &[Alert]);
    /// Every detector event of a step (all phases, those that raised an alert too), with
    /// the alerts of the same step (which [`EngineObserver::on_alerts`] gets next). Called
    /// only when there are events.
    fn on_events(&mut self, _events: &[Event], _alerts: &[Alert]) {}
    /// After a batch (or a quiet wait): the engine at data time `now`.
    fn on_engine(&mut self, engine: &Engine, now: f64);
    /// After rules and zones were reloaded.
    fn on_reload(&mut self, engine: &Engine);
}

/// Something that records the run from the engine's thread (the history store, which lives
/// above this crate): it may restore the engine before any input, sees every item with all
/// the engine produced for it, and is finished after the final tick.
pub trait RunRecorder: Send + std::fmt::Debug {
    /// Once, after the engine is built and before any input: opens the record and restores
    /// the engine (a muted replay of history, say); an error ends the run before it starts.
    fn start(&mut self, files: &WorldFiles, engine: &mut Engine) -> Result<()>;
    /// After the engine took `item` (None: a tick without an item, when live feeds are
    /// silent or at the end): every event, alert, changed and removed aircraft it caused,
    /// those of the tick just before it included; the engine after it.
    fn record(&mut self, item: Option<&Received>, out: &Output, engine: &Engine);
    /// Whether `record` reads the aircraft changed and retired (`Output::changed`,
    /// `Output::removed`); false: they are not gathered for it (less work per item), and
    /// stay empty unless an observer wants them.
    fn wants_aircraft_keys(&self) -> bool {
        true
    }
    /// After the engine took a whole batch of received items (each with its
    /// [`RunRecorder::record`] first): the items themselves, which the recorder may move
    /// out (the batch is emptied for reuse afterwards either way), so it need not copy each
    /// one on the engine thread. Items the run made itself (multilateration's fixes) are in
    /// no batch: `record` is their only call. By default nothing is taken.
    fn record_items(&mut self, _items: &mut Vec<Received>) {}
    /// After the final tick (and its [`RunRecorder::record`]): write what is pending.
    fn finish(&mut self, engine: &Engine, quiet: bool);
}

/// What the caller wants besides the settings.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// No summary at the end.
    pub quiet: bool,
    /// One readable line per alert on stdout (UTC time, aircraft, what, where).
    pub text: bool,
    /// Watches the engine (the HTTP server's publisher); called on the engine thread.
    pub observer: Option<Arc<Mutex<dyn EngineObserver>>>,
    /// Records the run (the history store); called on the engine thread.
    pub recorder: Option<Arc<Mutex<dyn RunRecorder>>>,
}

/// Flags the caller sets (from signals) and the run reads.
#[derive(Debug, Clone, Default)]
pub struct Control {
    /// Stop the inputs, drain the sinks, end.
    pub stop: Arc<AtomicBool>,
    /// Re-read rules and zones.
    pub reload: Arc<AtomicBool>,
    /// The run's receiver and output counters, set once the run has started (for a
    /// status page, or a test).
    pub stats: Arc<OnceLock<LiveStats>>,
}

/// Counts of a run, for the summary.
#[derive(Debug, Default)]
struct Counts {
    frames: u64,
    mode_ac: u64,
    observations: u64,
    /// Multilateration's fixes (counted among the observations too).
    fixes: u64,
    alerts: BTreeMap<EventKind, u64>,
    first_time: Option<f64>,
    last_time: f64,
    reloads: u64,
    failed_reloads: u64,
    /// Distinct aircraft (addresses; one aircraft heard again after a gap counts once).
    aircraft: HashSet<u32>,
}

/// Paces the input to data time at `speed` times real time.
#[derive(Debug)]
struct Pacer {
    speed: f64,
    start: Option<(f64, Instant)>,
}

impl Pacer {
    /// Sleeps until `t` is due, in short steps so a stop is seen.
    fn wait(&mut self, t: f64, stop: &AtomicBool) {
        let (t0, w0) = *self.start.get_or_insert((t, Instant::now()));
        let due = w0 + Duration::from_secs_f64(((t - t0) / self.speed).clamp(0.0, 1e9));
        loop {
            let now = Instant::now();
            if now >= due || stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep((due - now).min(Duration::from_millis(100)));
        }
    }
}

/// Where the engine's items come from.
enum Producer {
    /// A reader thread over files or a scenario.
    Files(std::thread::JoinHandle<Source>),
    /// Live receivers (their stats).
    Live,
}

/// The outputs of a run, bound.
struct Outputs {
    frames: Arc<FrameOutputs>,
    sbs: Option<Arc<Fanout>>,
    all: Vec<Arc<Fanout>>,
}

/// Binds the configured outputs and starts the push connections.
fn start_outputs(
    settings: &Settings,
    rt: &tokio::runtime::Handle,
    receivers: usize,
    stop: &Arc<AtomicBool>,
    quiet: bool,
) -> Result<Outputs> {
    let o = &settings.outputs;
    let mut all = Vec::new();
    let mut bind = |label: &str, addr: &Option<String>| -> Result<Option<Arc<Fanout>>> {
        let Some(addr) = addr else { return Ok(None) };
        let a = serve::check_bind(addr, o.allow_remote)?;
        let f = Fanout::new(label);
        let local = serve::listen(rt, a, Arc::clone(&f))?;
        if !quiet {
            eprintln!("picket: serving {label} on {local}");
        }
        all.push(Arc::clone(&f));
        Ok(Some(f))
    };
    let mut beast = bind("beast", &o.beast)?;
    let avr = bind("avr", &o.avr)?;
    let sbs = bind("sbs", &o.sbs)?;
    for target in &o.beast_push {
        let f = beast.get_or_insert_with(|| {
            let f = Fanout::new("beast");
            all.push(Arc::clone(&f));
            f
        });
        serve::push(rt, target.clone(), Arc::clone(f), Arc::clone(stop));
        if !quiet {
            eprintln!("picket: pushing beast to {target}");
        }
    }
    Ok(Outputs {
        frames: Arc::new(FrameOutputs {
            beast,
            avr,
            zero_clock: receivers > 1,
        }),
        sbs,
        all,
    })
}

/// Locks an observer or recorder (a panic elsewhere does not stop the run).
fn lock<T: ?Sized>(m: &Arc<Mutex<T>>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `picket run` with these settings until the inputs end or a stop.
pub fn run(settings: &Settings, opts: &RunOptions, control: &Control) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("picket-io")
        .enable_all()
        .build()?;
    let handle = rt.handle().clone();
    // The airport table (parsed from the embedded data on first use, about 70 M
    // instructions) is built on a thread of its own while the inputs open, instead of on
    // the engine thread at the first aircraft low near a field; the engine waits for it
    // only if it needs it before it is ready.
    let _ = std::thread::Builder::new()
        .name("picket-airports".into())
        .spawn(|| {
            picket_world::airports::airports();
        });

    let (live_specs, listens) = match &settings.source {
        SourceSetting::Live { receivers } => (receivers.clone(), settings.outputs.listen.clone()),
        _ => (Vec::new(), Vec::new()),
    };
    let mut source_desc;
    let mut stations: Vec<crate::mlat::Station> = Vec::new();
    let (source, scenario_receivers) = match &settings.source {
        SourceSetting::Live { .. } => {
            let mut parts: Vec<String> = live_specs
                .iter()
                .map(|s| format!("{} ({})", s.name, s.endpoint))
                .collect();
            parts.extend(
                listens
                    .iter()
                    .map(|(p, a)| format!("{} input on {a}", p.scheme())),
            );
            if let Some(a) = &settings.outputs.mlat_server {
                parts.push(format!("mlat-client input on {a}"));
            }
            source_desc = parts.join(", ");
            (None, Vec::new())
        }
        _ => {
            let opened = Source::open(settings)?;
            source_desc = opened.source.describe();
            stations = opened.stations;
            (Some(opened.source), opened.receivers)
        }
    };
    let live_positions: Vec<_> = live_specs.iter().filter_map(|s| s.position).collect();
    // Live receivers with a position whose frames carry their clock's timestamps.
    for (i, s) in live_specs.iter().enumerate() {
        let (Some(p), Ok(id)) = (s.position, u16::try_from(i)) else {
            continue;
        };
        if matches!(s.endpoint.protocol, Protocol::Beast | Protocol::Avr) {
            stations.push(crate::mlat::Station {
                id,
                config: picket_mlat::ReceiverConfig {
                    name: s.name.clone(),
                    position: picket_mlat::geo::Geodetic::new(p.lat, p.lon, s.alt_m.unwrap_or(0.0)),
                },
            });
        }
    }
    // mlat-client feeders join during the run: multilateration is on from the start.
    let mlat_server = match &settings.source {
        SourceSetting::Live { .. } => settings.outputs.mlat_server.clone(),
        _ => None,
    };
    let mlat_on = if mlat_server.is_some() && settings.mlat != Some(false) {
        true
    } else {
        crate::mlat::enabled(settings.mlat, &stations, "this run")?
    };
    let scenario_count = scenario_receivers.len();
    let files = WorldFiles {
        rules: settings.rules.clone(),
        zones: settings.zones.clone(),
        builtin_zones: settings.builtin_zones,
        aircraft_db: settings.aircraft_db.clone(),
        callsigns: settings.callsigns.clone(),
        receivers: match settings.receiver {
            Some(r) => std::iter::once(r).chain(live_positions).collect(),
            None if !live_positions.is_empty() => live_positions,
            None => scenario_receivers,
        },
        range_nm: settings.range_nm,
        // Trails for the map and the API when someone watches the engine.
        trail_len: if opts.observer.is_some() { 240 } else { 0 },
    };
    let watch = files.load_watch()?;
    warn_empty_rules(&files, &watch.rules);
    let (db, db_notes) = files.load_db()?;
    let mut pipeline = Pipeline::new(&files, watch, db)?;
    if let Some(r) = &opts.recorder {
        lock(r).start(&files, pipeline.engine_mut())?;
    }
    let sinks = Sinks::start(&settings.sinks, &settings.tokens)?;
    check_sink_names(pipeline.rules(), &sinks)?;
    check_sink_rules(pipeline.rules(), settings)?;

    // Clock domains: outputs zero the timestamps when more than one receiver feeds them.
    let n_receivers = match &settings.source {
        SourceSetting::Live { .. } => live_specs.len() + listens.len(),
        SourceSetting::Files(paths) => paths.len(),
        SourceSetting::Scenario { .. } => scenario_count,
    };
    let outputs = start_outputs(settings, &handle, n_receivers.max(1), &control.stop, opts.quiet)?;
    if !opts.quiet {
        eprintln!(
            "picket: run: {}; rules: {}; {} zones; {} aircraft database file(s)",
            source_desc,
            pipeline.rules_name(),
            pipeline.zones(),
            db_notes.len()
        );
        for n in &db_notes {
            eprintln!("picket: {n}");
        }
    }

    let (tx, mut rx) = mpsc::channel::<Batch>(CHANNEL_BATCHES);
    let pool = connect::Pool::default();
    let feed = Feed {
        tx,
        pool: pool.clone(),
        outputs: Arc::clone(&outputs.frames),
        stop: Arc::clone(&control.stop),
        // Readers decode; the engine thread only tracks, detects and judges.
        decode: Some(pipeline.engine().decode_options()),
    };
    let mut receiver_stats = Vec::new();
    let joining = crate::mlat_server::Joining::default();
    let mlat_server_stats = Arc::new(crate::mlat_server::ServerStats::default());
    let producer = match source {
        Some(src) => {
            // A replay does not wait for anyone, but a peer we push to should see it whole.
            if let Some(f) = &outputs.frames.beast {
                let want = settings.outputs.beast_push.len();
                let end = Instant::now() + PUSH_CONNECT_WAIT;
                while want > 0 && f.clients() < want && Instant::now() < end {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            let rt = handle.clone();
            let feed = feed.clone();
            let speed = settings.speed;
            Producer::Files(
                std::thread::Builder::new()
                    .name("picket-read".into())
                    .spawn(move || read_files(src, speed, &feed, &rt))?,
            )
        }
        None => {
            for (i, spec) in live_specs.iter().enumerate() {
                let id = u16::try_from(i)?;
                let st = Arc::new(ReceiverStats::new(&spec.name, &spec.endpoint.to_string()));
                receiver_stats.push(Arc::clone(&st));
                let feed = feed.clone();
                let spec = spec.clone();
                if spec.endpoint.protocol == Protocol::AircraftJson {
                    let every = settings.poll_interval;
                    handle.spawn(connect::run_poller(spec, id, every, st, feed));
                } else if spec.endpoint.protocol == Protocol::RtlTcp {
                    // A thread, not a task: the demodulator is CPU-bound.
                    crate::rtltcp::spawn_receiver(spec, id, st, feed)?;
                } else {
                    handle.spawn(connect::run_client(spec, id, st, feed));
                }
            }
            for (j, (protocol, addr)) in listens.iter().enumerate() {
                let id = u16::try_from(live_specs.len() + j)?;
                let a = serve::check_bind(addr, settings.outputs.allow_remote)?;
                let std = std::net::TcpListener::bind(a)
                    .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
                std.set_nonblocking(true)?;
                let local = std.local_addr()?;
                let name = format!("{}-in", protocol.scheme());
                let st = Arc::new(ReceiverStats::new(
                    &name,
                    &format!("listen {} {local}", protocol.scheme()),
                ));
                receiver_stats.push(Arc::clone(&st));
                let _g = handle.enter();
                let listener = tokio::net::TcpListener::from_std(std)?;
                if !opts.quiet {
                    eprintln!("picket: {} input on {local}", protocol.scheme());
                }
                handle.spawn(connect::run_listener(listener, *protocol, id, st, feed.clone()));
            }
            if let Some(addr) = &mlat_server {
                let a = serve::check_bind(addr, settings.outputs.allow_remote)?;
                let std = std::net::TcpListener::bind(a)
                    .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
                std.set_nonblocking(true)?;
                let local = std.local_addr()?;
                let _g = handle.enter();
                let listener = tokio::net::TcpListener::from_std(std)?;
                if !opts.quiet {
                    eprintln!("picket: mlat-server input on {local}");
                }
                // Feeders' ids come after every configured receiver's.
                let first = u16::try_from(live_specs.len() + listens.len())?;
                handle.spawn(crate::mlat_server::run_listener(
                    listener,
                    first,
                    joining.clone(),
                    Arc::clone(&mlat_server_stats),
                    feed.clone(),
                ));
            }
            Producer::Live
        }
    };
    // The engine ends when every producer has dropped its sender.
    drop(feed);
    let live = LiveStats::new(receiver_stats, outputs.all.iter().map(|f| f.stats()).collect());
    let mut mlat = mlat_on.then(|| crate::mlat::MlatStage::new(&stations, Arc::clone(&live.mlat)));
    if let (Some(_), false) = (&mlat, opts.quiet) {
        let names: Vec<&str> = stations.iter().map(|s| s.config.name.as_str()).collect();
        if !names.is_empty() {
            eprintln!(
                "picket: multilateration over {} receivers: {}",
                names.len(),
                names.join(", ")
            );
        }
        if mlat_server.is_some() {
            eprintln!("picket: multilateration over the mlat-clients that join");
        }
    }
    let mut fix_items: Vec<Received> = Vec::new();
    let _ = control.stats.set(live.clone());
    // Live receivers stamp items with their arrival: the engine then keeps wall-clock
    // time when the feeds fall silent. Replays (files, scenarios, --start) keep data time.
    let wall_clock = matches!(producer, Producer::Live) && live_specs.iter().all(|s| s.start.is_none());

    let began = Instant::now();
    let mut counts = Counts::default();
    // What the engine produces per step. Without an observer or recorder only its alerts
    // are filled (the plain `ingest`/`tick` path, no copies of events or keys); a recorder
    // that needs no aircraft keys gets the events and alerts.
    let mut out = Output::new();
    let detail = if opts.observer.is_some()
        || opts
            .recorder
            .as_ref()
            .is_some_and(|r| lock(r).wants_aircraft_keys())
    {
        Detail::Full
    } else if opts.recorder.is_some() {
        Detail::Events
    } else {
        Detail::Alerts
    };
    let mut last_tick = f64::NEG_INFINITY;
    let mut due = next_tick_due(last_tick);
    let mut stopped = false;
    let mut sbs_buf = String::new();
    let mut text_out = opts.text.then(std::io::stdout);
    let sbs = outputs.sbs.clone();
    let engine_counts = Arc::clone(&live.engine);
    // The engine's one step over the driver's state, with the observer and recorder locked
    // for it (per batch, per idle tick, and for the fixes left at the end).
    macro_rules! step {
        ($observer:ident, $recorder:ident) => {
            Step {
                pipeline: &mut pipeline,
                out: &mut out,
                detail,
                counts: &mut counts,
                sinks: &sinks,
                text_out: text_out.as_mut(),
                sbs: sbs.as_deref(),
                sbs_buf: &mut sbs_buf,
                engine_counts: &engine_counts,
                last_tick: &mut last_tick,
                due: &mut due,
                observer: $observer.as_deref_mut(),
                recorder: $recorder.as_deref_mut(),
            }
        };
    }
    rt.block_on(async {
        loop {
            if control.stop.load(Ordering::Relaxed) {
                stopped = true;
                break;
            }
            if control.reload.swap(false, Ordering::Relaxed) {
                let now = counts.last_time;
                reload(&files, &mut pipeline, &sinks, &mut counts, settings, now);
                if let Some(o) = &opts.observer {
                    o.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .on_reload(pipeline.engine());
                }
            }
            let wait = if wall_clock {
                (due - crate::now_utc()).clamp(0.0, 1.0)
            } else {
                0.25
            };
            match tokio::time::timeout(Duration::from_secs_f64(wait), rx.recv()).await {
                Ok(Some(mut batch)) => {
                    if let Some(m) = &mut mlat {
                        joining.drain(|(s, results)| {
                            m.add_station(&s);
                            if let Some(to) = results {
                                m.send_results(s.id, to);
                            }
                        });
                    }
                    let mut observer = opts.observer.as_ref().map(lock);
                    let mut recorder = opts.recorder.as_ref().map(lock);
                    engine_counts
                        .items
                        .fetch_add(batch.items.len() as u64, Ordering::Relaxed);
                    let mut step = step!(observer, recorder);
                    // Whether the reader decoded the batch, asked once per batch.
                    let decoded = batch.decoded_all();
                    for (i, item) in batch.items.iter().enumerate() {
                        let pre = decoded.and_then(|d| d.get(i)).map(Option::as_ref);
                        step.item(item, pre, mlat.as_ref());
                        // The fixes this frame completes: items of their own, after it.
                        if let Some(m) = &mut mlat {
                            m.ingest(item, &mut fix_items);
                            for f in fix_items.drain(..) {
                                step.fix(&f, Some(m));
                            }
                        }
                    }
                    if let Some(o) = observer.as_mut() {
                        o.on_engine(pipeline.engine(), counts.last_time);
                    }
                    // The batch's items, moved to the recorder whole (no copy per item).
                    if let Some(r) = recorder.as_mut() {
                        r.record_items(&mut batch.items);
                    }
                    pool.give(batch);
                }
                Ok(None) => break,
                Err(_) => {
                    if wall_clock {
                        let now = crate::now_utc().max(counts.last_time);
                        if now >= due {
                            let mut observer = opts.observer.as_ref().map(lock);
                            let mut recorder = opts.recorder.as_ref().map(lock);
                            step!(observer, recorder).idle_tick(now);
                        }
                    }
                    if let Some(o) = &opts.observer {
                        let now = counts
                            .last_time
                            .max(if wall_clock { crate::now_utc() } else { 0.0 });
                        o.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .on_engine(pipeline.engine(), now);
                    }
                }
            }
        }
    });
    // The reader may have seen the stop first and ended the channel.
    stopped |= control.stop.load(Ordering::Relaxed);
    if let Some(m) = &mut mlat {
        m.finish(&mut fix_items);
        let mut observer = opts.observer.as_ref().map(lock);
        let mut recorder = opts.recorder.as_ref().map(lock);
        let mut step = step!(observer, recorder);
        for f in fix_items.drain(..) {
            step.fix(&f, Some(m));
        }
    }
    if counts.first_time.is_some() {
        pipeline.step_tick(counts.last_time, &mut out, detail);
        if let Some(r) = &opts.recorder {
            lock(r).record(None, &out, pipeline.engine());
        }
        if let Some(o) = &opts.observer {
            let mut o = lock(o);
            if !out.events.is_empty() {
                o.on_events(&out.events, &out.alerts);
            }
            o.on_alerts(&out.alerts);
        }
        deliver(&mut out.alerts, &pipeline, &sinks, &mut counts, text_out.as_mut());
    }
    if let Some(r) = &opts.recorder {
        lock(r).finish(pipeline.engine(), opts.quiet);
    }
    control.stop.store(true, Ordering::Relaxed);
    drop(rx);
    let mut read_errors = None;
    if let Producer::Files(h) = producer {
        if let Ok(src) = h.join() {
            if src.is_files() {
                read_errors = Some((src.read_errors(), src.bytes()));
            }
            source_desc = src.describe();
        }
    }
    let elapsed = began.elapsed().as_secs_f64();
    let reports = sinks.finish(settings.drain_timeout);
    for f in &outputs.all {
        f.close_and_wait(Duration::from_secs(5));
    }
    rt.shutdown_timeout(Duration::from_millis(500));
    if !opts.quiet {
        let s = Summary {
            source: &source_desc,
            read_errors,
            counts: &counts,
            reports: &reports,
            live: &live,
            mlat_server: mlat_server.is_some().then_some(&*mlat_server_stats),
            elapsed,
            stopped,
        };
        eprint!("{}", s.render());
    }
    Ok(())
}

/// The reader thread: items in time order, in batches, paced when asked; the source back
/// at the end (for its counters).
///
/// Unpaced replays wait for slow output clients (up to [`REPLAY_GRACE`]) rather than
/// drop them: "as fast as possible" is as fast as they read.
fn read_files(mut src: Source, speed: Option<f64>, feed: &Feed, rt: &tokio::runtime::Handle) -> Source {
    let mut pacer = speed.map(|speed| Pacer { speed, start: None });
    let mut scratch = Vec::new();
    loop {
        let want = if pacer.is_some() { 1 } else { FILE_BATCH };
        let mut batch = feed.pool.take();
        src.fill(&mut batch.items, want);
        let Some(last) = batch.items.last() else { break };
        if let Some(p) = &mut pacer {
            p.wait(last.time_utc, &feed.stop);
        }
        if let Some(options) = &feed.decode {
            batch.predecode(options);
        }
        let wait = pacer.is_none().then_some((REPLAY_GRACE, rt));
        feed.outputs.publish(&batch.items, &mut scratch, wait);
        if feed.stop.load(Ordering::Relaxed) || feed.tx.blocking_send(batch).is_err() {
            break;
        }
    }
    src
}

/// The engine thread's per-item work, borrowed for one batch: every item goes through
/// [`Step::item`], whether a receiver heard it or multilateration made it (a fix), so the
/// tick rule, the counters, the recorder, the observer, the SBS output and the sinks see
/// them alike.
struct Step<'a> {
    pipeline: &'a mut Pipeline,
    out: &'a mut Output,
    detail: Detail,
    counts: &'a mut Counts,
    sinks: &'a Sinks,
    text_out: Option<&'a mut std::io::Stdout>,
    sbs: Option<&'a Fanout>,
    sbs_buf: &'a mut String,
    engine_counts: &'a crate::stats::EngineCounters,
    last_tick: &'a mut f64,
    due: &'a mut f64,
    observer: Option<&'a mut (dyn EngineObserver + 'static)>,
    recorder: Option<&'a mut (dyn RunRecorder + 'static)>,
}

impl Step<'_> {
    /// A fix of multilateration (an MLAT observation), counted as one more item.
    fn fix(&mut self, fix: &Received, mlat: Option<&crate::mlat::MlatStage>) {
        self.engine_counts.items.fetch_add(1, Ordering::Relaxed);
        self.engine_counts.fixes.fetch_add(1, Ordering::Relaxed);
        self.counts.fixes += 1;
        self.item(fix, None, mlat);
    }

    /// One item: the tick when a data second begins (before the item), the engine, then
    /// everyone who watches it.
    ///
    /// `decoded` is the reader's decoding of the item when it decoded it (see
    /// [`crate::connect::Batch::decoded`]); otherwise the engine decodes.
    fn item(
        &mut self,
        item: &Received,
        decoded: Option<Option<&Predecoded>>,
        mlat: Option<&crate::mlat::MlatStage>,
    ) {
        let t = item.time_utc;
        let counts = &mut *self.counts;
        if counts.first_time.is_none() {
            counts.first_time = Some(t);
        }
        if t > counts.last_time {
            counts.last_time = t;
        }
        if t >= *self.due {
            if let Some(m) = mlat {
                m.publish();
            }
            self.pipeline.step_tick(t, self.out, self.detail);
            *self.last_tick = t;
            *self.due = next_tick_due(*self.last_tick);
            self.engine_counts.ticks.fetch_add(1, Ordering::Relaxed);
        }
        match item.what {
            What::ModeS(_) => counts.frames += 1,
            What::ModeAc(_) => counts.mode_ac += 1,
            What::Observation(_) => counts.observations += 1,
        }
        let ingested = match decoded {
            Some(decoded) => self
                .pipeline
                .step_ingest_predecoded(item, decoded, self.out, self.detail),
            None => self.pipeline.step_ingest(item, self.out, self.detail),
        };
        if let Some(o) = self.observer.as_deref_mut() {
            o.on_item(item, &ingested);
        }
        if let Some(r) = self.recorder.as_deref_mut() {
            r.record(Some(item), self.out, self.pipeline.engine());
        }
        if let Ingested::Updated(u) = ingested {
            if u.created {
                counts
                    .aircraft
                    .insert(u.key.address().0 | (u32::from(!u.key.is_icao()) << 24));
            }
            if let Some(f) = self.sbs {
                if f.has_clients() && !u.changed.is_empty() {
                    sbs_line(self.pipeline, item, u.key, u.changed, self.sbs_buf);
                    f.publish(self.sbs_buf.as_bytes());
                }
            }
        }
        self.hand_over();
    }

    /// A tick while the feeds are silent (live input, wall clock): recorded without an
    /// item, then handed over like an item's.
    fn idle_tick(&mut self, now: f64) {
        self.pipeline.step_tick(now, self.out, self.detail);
        *self.last_tick = now;
        *self.due = next_tick_due(now);
        self.engine_counts.ticks.fetch_add(1, Ordering::Relaxed);
        self.engine_counts.idle_ticks.fetch_add(1, Ordering::Relaxed);
        if let Some(r) = self.recorder.as_deref_mut() {
            r.record(None, self.out, self.pipeline.engine());
        }
        self.hand_over();
    }

    /// What the engine produced goes to the observer (every event, then the alerts), the
    /// output is emptied, and the alerts are delivered to the sinks. Inline for the common
    /// case of an item that produced nothing and nobody to tell: one test, no call.
    /// At `Detail::Alerts` the engine fills the alerts only: the one list to look at.
    #[inline]
    fn hand_over(&mut self) {
        let empty = if self.detail == Detail::Alerts {
            self.out.alerts.is_empty()
        } else {
            self.out.is_empty()
        };
        if self.observer.is_none() && empty {
            return;
        }
        self.hand_over_some();
    }

    #[inline(never)]
    fn hand_over_some(&mut self) {
        if let Some(o) = self.observer.as_deref_mut() {
            if !self.out.events.is_empty() {
                o.on_events(&self.out.events, &self.out.alerts);
            }
            if !self.out.alerts.is_empty() {
                o.on_alerts(&self.out.alerts);
            }
        }
        if self.detail != Detail::Alerts {
            self.out.events.clear();
            self.out.changed.clear();
            self.out.removed.clear();
        }
        if !self.out.alerts.is_empty() {
            deliver(
                &mut self.out.alerts,
                self.pipeline,
                self.sinks,
                self.counts,
                self.text_out.as_deref_mut(),
            );
        }
    }
}

/// Writes the SBS line(s) of an aircraft's fields that `item` changed.
fn sbs_line(
    pipeline: &Pipeline,
    item: &Received,
    key: picket_engine::track::TrackKey,
    changed: picket_engine::track::FieldSet,
    out: &mut String,
) {
    out.clear();
    let Some(a) = pipeline.engine().tracker().get(key) else {
        return;
    };
    let mut o = Observation::new(a.address(), ObservationSource::Other);
    o.non_icao = !key.is_icao();
    if changed.contains(Field::Callsign) {
        o.flight = a.callsign.map(|c| c.as_str().trim().to_string());
    }
    if changed.contains(Field::AltBaro) {
        o.alt_baro = a.alt_baro;
    }
    if changed.contains(Field::Position) {
        if let Some(p) = &a.position {
            o.lat = Some(p.lat);
            o.lon = Some(p.lon);
            o.alt_baro = a.alt_baro;
            o.on_ground = Some(p.surface);
        }
    }
    if changed.contains(Field::Gs) || changed.contains(Field::Track) {
        o.gs = a.gs;
        o.track = a.track;
    }
    if changed.contains(Field::BaroRate) || changed.contains(Field::GeomRate) {
        o.baro_rate = a.baro_rate;
        o.geom_rate = a.geom_rate;
    }
    if changed.contains(Field::Squawk) {
        o.squawk = a.squawk.map(|s| s.0);
    }
    if o.is_empty() {
        return;
    }
    let r = Received {
        time_utc: item.time_utc,
        clock: picket_receive::Clock::None,
        signal: None,
        receiver: item.receiver,
        what: What::Observation(Box::new(o)),
    };
    let _ = picket_receive::sbs::write_sbs(out, &r);
}

fn deliver(
    alerts: &mut Vec<Alert>,
    pipeline: &Pipeline,
    sinks: &Sinks,
    counts: &mut Counts,
    mut text: Option<&mut std::io::Stdout>,
) {
    for a in alerts.drain(..) {
        *counts.alerts.entry(a.event.kind).or_default() += 1;
        let to = pipeline
            .rules()
            .rule(&a.rule)
            .map(|r| r.sinks.as_slice())
            .unwrap_or(&[]);
        let d = Arc::new(Delivery::new(a));
        if let Some(out) = text.as_deref_mut() {
            let _ = writeln!(out, "{}", text_line(&d));
        }
        sinks.offer(&d, to);
    }
}

/// One line for a person watching a terminal: UTC time, aircraft and what happened, where.
pub(crate) fn text_line(d: &Delivery) -> String {
    let a = &d.alert;
    let t = crate::format_utc(a.event.time);
    // Seconds are enough on a terminal.
    let t = format!("{}Z", &t[..19]);
    let mut line = format!("{t}  {:<13} {}", a.event.kind.to_string(), d.summary);
    if let (Some(lat), Some(lon)) = (a.aircraft.lat, a.aircraft.lon) {
        line.push_str(&format!(" at {lat:.4},{lon:.4}"));
        if let Some(alt) = a.aircraft.alt_baro {
            line.push_str(&format!(" {alt} ft"));
        }
    }
    line
}

/// Warns when the rules file holds no rule (it then raises no alert at all).
fn warn_empty_rules(files: &WorldFiles, rules: &RuleSet) {
    if files.rules.is_some() && rules.rules().is_empty() {
        eprintln!(
            "picket: warning: {} has no rules: nothing will raise an alert",
            files
                .rules
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
}

/// Checks that every rule a sink's `rules` filter names exists.
fn check_sink_rules(rules: &RuleSet, settings: &Settings) -> Result<()> {
    for s in &settings.sinks {
        for name in s.table.rules.iter().flatten() {
            if rules.rule(name).is_none() {
                let have: Vec<&str> = rules.rules().iter().map(|r| r.name.as_str()).collect();
                bail!(
                    "{}: sink {:?} takes alerts of rule {name:?}, but no rule has that name (rules: {})",
                    s.origin,
                    s.table.name.as_deref().unwrap_or(&s.table.kind),
                    if have.is_empty() {
                        "none".to_string()
                    } else {
                        have.join(", ")
                    }
                );
            }
        }
    }
    Ok(())
}

/// Checks that every sink the rules name is configured.
fn check_sink_names(rules: &RuleSet, sinks: &Sinks) -> Result<()> {
    let have = sinks.names();
    for rule in rules.rules() {
        for s in &rule.sinks {
            if !have.contains(&s.as_str()) {
                bail!(
                    "{}: rule {:?} sends to sink {s:?}, which is not configured (sinks: {})",
                    if rules.origin().is_empty() {
                        "rules"
                    } else {
                        rules.origin()
                    },
                    rule.name,
                    have.join(", ")
                );
            }
        }
    }
    Ok(())
}

/// Re-reads rules and zones (at data time `now`); a failure keeps the old ones.
fn reload(
    files: &WorldFiles,
    pipeline: &mut Pipeline,
    sinks: &Sinks,
    counts: &mut Counts,
    settings: &Settings,
    now: f64,
) {
    let loaded = files
        .load_watch()
        .and_then(|w| check_sink_names(&w.rules, sinks).map(|()| w))
        .and_then(|w| check_sink_rules(&w.rules, settings).map(|()| w))
        .and_then(|w| pipeline.reload(w));
    match loaded {
        Ok(()) => {
            counts.reloads += 1;
            eprintln!(
                "picket: reloaded rules ({}) and {} zones at data time {now:.3}",
                pipeline.rules_name(),
                pipeline.zones()
            );
        }
        Err(e) => {
            counts.failed_reloads += 1;
            eprintln!(
                "picket: reload failed at data time {now:.3}, keeping the rules and zones in use: {e:#}"
            );
        }
    }
}

/// The summary printed at the end of a run.
struct Summary<'a> {
    source: &'a str,
    read_errors: Option<(u64, u64)>,
    counts: &'a Counts,
    reports: &'a [SinkReport],
    live: &'a LiveStats,
    mlat_server: Option<&'a crate::mlat_server::ServerStats>,
    elapsed: f64,
    stopped: bool,
}

impl Summary<'_> {
    fn render(&self) -> String {
        let c = self.counts;
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(format!(
            "summary     {}{}",
            self.source,
            if self.stopped {
                " (stopped by a signal)"
            } else {
                ""
            }
        ));
        if let Some(first) = c.first_time {
            line(format!(
                "data time   {} .. {} ({:.1} s)",
                crate::format_utc(first),
                crate::format_utc(c.last_time),
                (c.last_time - first).max(0.0)
            ));
        }
        let mut input = format!(
            "frames      {} Mode S, {} Mode A/C, {} observations",
            c.frames, c.mode_ac, c.observations
        );
        if c.fixes > 0 {
            input.push_str(&format!(" ({} of them mlat fixes)", c.fixes));
        }
        if let Some((errors, bytes)) = self.read_errors {
            input.push_str(&format!(", {errors} read errors, {bytes} bytes"));
        }
        line(input);
        for r in self.live.receivers() {
            line(format!(
                "receiver    {} ({}): {} messages ({:.0}/s), {} bad frames, {} reconnects, last heard {}, {}",
                r.name,
                r.endpoint,
                r.messages,
                r.messages_per_s,
                r.bad_frames,
                r.reconnects,
                r.last_heard
                    .map_or_else(|| "never".to_string(), crate::format_utc),
                if r.connected { "connected" } else { "not connected" }
            ));
        }
        if let Some(m) = self.mlat_server {
            let g = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
            line(format!(
                "mlat-server {} mlat-clients joined, {} refused; {} frames, {} bad lines",
                g(&m.clients),
                g(&m.denied),
                g(&m.frames),
                g(&m.bad_lines)
            ));
        }
        for o in self.live.outputs() {
            line(format!(
                "output      {}{}: {} clients served, {} dropped for not reading, {} connected",
                o.name,
                o.addr.map(|a| format!(" on {a}")).unwrap_or_default(),
                o.accepted,
                o.dropped_slow,
                o.clients
            ));
        }
        if let Some(m) = self.live.mlat() {
            let st = &m.stats;
            line(format!(
                "mlat        {} fixes from {} candidate replies ({} unsynchronised; no fix: {} too few \
                 receivers, {} geometry, {} ambiguous, {} inconsistent, {} diverged); {} beacon \
                 transmissions",
                st.fixes,
                st.candidates,
                st.unsynchronised,
                st.no_fix_too_few,
                st.no_fix_geometry,
                st.no_fix_ambiguous,
                st.no_fix_inconsistent,
                st.no_fix_diverged,
                st.beacons
            ));
            for (name, r) in &m.receivers {
                line(format!(
                    "mlat clock  {name}: {}, {} frames, {} pairs synchronised, pair RMS {:.0} ns, {} clock \
                     jumps, {} fixes",
                    r.status.as_str(),
                    r.frames,
                    r.usable_pairs,
                    r.pair_rms_ns,
                    r.clock_jumps,
                    r.fixes
                ));
            }
        }
        line(format!("aircraft    {}", c.aircraft.len()));
        let total: u64 = c.alerts.values().sum();
        let by_kind: Vec<String> = c.alerts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        line(if by_kind.is_empty() {
            "alerts      0".to_string()
        } else {
            format!("alerts      {total}: {}", by_kind.join(", "))
        });
        for r in self.reports {
            let v = r.counts;
            line(format!(
                "sink        {} ({}): {} sent, {} dropped, {} failed, {} retries{}",
                r.name,
                r.kind,
                v.sent,
                v.dropped,
                v.failed,
                v.retried,
                if r.finished {
                    String::new()
                } else {
                    // A request still hanging when the drain time ended: what it held and
                    // what was queued behind it were not delivered.
                    format!(
                        ", {} undelivered (still busy at the end)",
                        v.offered.saturating_sub(v.sent + v.failed)
                    )
                }
            ));
        }
        if c.reloads + c.failed_reloads > 0 {
            line(format!(
                "reloads     {} done, {} failed",
                c.reloads, c.failed_reloads
            ));
        }
        let items = c.frames + c.mode_ac + c.observations;
        let rate = if self.elapsed > 0.0 {
            items as f64 / self.elapsed
        } else {
            0.0
        };
        line(format!(
            "rate        {rate:.0} items/s ({:.3} s wall)",
            self.elapsed
        ));
        out
    }
}
