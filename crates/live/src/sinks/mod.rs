//! Alert sinks. Each is a config that builds a runtime (vector style) running on its own
//! worker thread, fed through a bounded queue: the pipeline only ever `try_send`s, so a slow
//! or dead sink never blocks it; what does not fit is dropped and counted.
//!
//! Every sink counts what it was offered, sent, dropped (queue full), failed (given up
//! after its retries or at the end of the drain time) and retried.

pub(crate) mod jsonl;
pub(crate) mod mqtt;
pub(crate) mod template;
pub(crate) mod webhook;

use anyhow::{anyhow, bail, Result};
use picket_engine::event::{write_alert, Alert, Place};
use picket_world::events::EventKind;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::{SinkSpec, SinkTable};

/// One alert as the sinks receive it: the alert, its JSON (written once) and a one-line
/// summary for people.
#[derive(Debug)]
pub(crate) struct Delivery {
    /// The alert.
    pub(crate) alert: Alert,
    /// The alert's JSON object (docs/events.md), no newline.
    pub(crate) json: String,
    /// One line for people ("RFF7012 (IL62 RA-86496, Russia, military) landed at ...").
    pub(crate) summary: String,
}

impl Delivery {
    /// Writes the JSON and the summary of an alert.
    pub(crate) fn new(alert: Alert) -> Delivery {
        let mut json = String::with_capacity(512);
        write_alert(&mut json, &alert);
        let summary = summary(&alert);
        Delivery { alert, json, summary }
    }
}

/// Who the alert is about, for people: callsign or address, then what is known of it.
fn who(a: &Alert) -> String {
    let s = &a.aircraft;
    let mut name = s
        .flight
        .clone()
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| s.hex.to_string());
    let mut traits: Vec<&str> = Vec::new();
    if let Some(t) = s.type_designator.as_deref() {
        traits.push(t);
    }
    if let Some(r) = s.registration.as_deref() {
        traits.push(r);
    }
    if let Some(c) = s.country.as_deref() {
        traits.push(c);
    }
    if s.military {
        traits.push("military");
    }
    if !traits.is_empty() {
        name.push_str(" (");
        name.push_str(&traits.join(", "));
        name.push(')');
    }
    name
}

fn place_name(p: &Option<Place>) -> Option<String> {
    match p {
        Some(Place::Zone { name, id }) => Some(if name.is_empty() { id.clone() } else { name.clone() }),
        Some(Place::Airport { ident, name }) if name.is_empty() => Some(ident.clone()),
        Some(Place::Airport { ident, name }) => Some(format!("{ident} {name}")),
        None => None,
    }
}

/// The one-line summary of an alert.
pub(crate) fn summary(a: &Alert) -> String {
    use picket_engine::event::{Detail, Phase};
    let e = &a.event;
    let who = who(a);
    let at = place_name(&e.place).map(|p| format!(" {p}")).unwrap_or_default();
    let others = || {
        e.others
            .iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ended = e.phase == Phase::Ended;
    let mut s = match e.kind {
        EventKind::ZoneEntry => format!("{who} entered{at}"),
        EventKind::ZoneExit => format!("{who} left{at}"),
        EventKind::Takeoff => format!("{who} took off from{at}"),
        EventKind::Landing => format!("{who} landed at{at}"),
        EventKind::Dwell => match e.detail {
            Detail::Dwell { hours, .. } => format!("{who} on the ground at{at} for {hours:.1} h"),
            _ => format!("{who} staying on the ground at{at}"),
        },
        EventKind::Formation if ended => format!("{who} no longer in formation with {}", others()),
        EventKind::Formation => format!("{who} in formation with {}", others()),
        EventKind::Intercept => format!("{who} intercepting {}", others()),
        EventKind::Escort if ended => format!("{who} stopped escorting {}", others()),
        EventKind::Escort => format!("{who} escorting {}", others()),
        EventKind::Loiter if ended => format!("{who} stopped orbiting{at}"),
        EventKind::Loiter => format!("{who} orbiting{at}"),
        EventKind::Emergency => match e.detail {
            Detail::Emergency { state, squawk, .. } => {
                let sq = squawk.map(|q| format!(", squawk {q:04o}")).unwrap_or_default();
                format!("{who} emergency: {}{sq}", state.as_str())
            }
            _ => format!("{who} emergency"),
        },
        EventKind::WentDark => format!(
            "{who} went dark{}",
            if at.is_empty() {
                String::new()
            } else {
                format!(" near{at}")
            }
        ),
        EventKind::FirstSeen => match e.detail {
            Detail::FirstSeen { located: false, .. } => format!("{who} heard today (not located)"),
            _ => format!("{who} first seen today"),
        },
    };
    if ended
        && !matches!(
            e.kind,
            EventKind::Formation | EventKind::Escort | EventKind::Loiter
        )
    {
        s.push_str(" (ended)");
    }
    if let Some(n) = &a.new_address_of {
        s.push_str(&format!(" [watch-list {} under a new address]", n.entry));
    }
    s
}

/// Counters of one sink, shared by the pipeline (offered, dropped) and its worker.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Alerts put into the queue.
    pub(crate) offered: AtomicU64,
    /// Alerts delivered.
    pub(crate) sent: AtomicU64,
    /// Alerts dropped because the queue was full (or the worker had stopped).
    pub(crate) dropped: AtomicU64,
    /// Alerts given up: refused for good, out of retries, or left at the end of the drain.
    pub(crate) failed: AtomicU64,
    /// Delivery attempts repeated after a failure (one per retry).
    pub(crate) retried: AtomicU64,
}

/// A copy of a sink's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CounterValues {
    /// See [`Counters::offered`].
    pub(crate) offered: u64,
    /// See [`Counters::sent`].
    pub(crate) sent: u64,
    /// See [`Counters::dropped`].
    pub(crate) dropped: u64,
    /// See [`Counters::failed`].
    pub(crate) failed: u64,
    /// See [`Counters::retried`].
    pub(crate) retried: u64,
}

impl Counters {
    /// The current values.
    pub(crate) fn values(&self) -> CounterValues {
        CounterValues {
            offered: self.offered.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
        }
    }

    fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }
}

/// The end of the run as the workers see it: once the pipeline is done, they may keep
/// delivering until the deadline, then give up what is left.
#[derive(Debug, Default)]
struct Closing {
    deadline: Option<Instant>,
}

/// What a worker needs besides its queue: its counters and the shared end of the run.
#[derive(Debug, Clone)]
pub(crate) struct Control {
    counters: Arc<Counters>,
    closing: Arc<(Mutex<Closing>, Condvar)>,
    /// The sink's name, for messages.
    pub(crate) name: String,
}

impl Control {
    /// One alert delivered.
    pub(crate) fn sent(&self) {
        Counters::add(&self.counters.sent, 1);
    }

    /// One alert given up.
    pub(crate) fn failed(&self) {
        Counters::add(&self.counters.failed, 1);
    }

    /// One retry.
    pub(crate) fn retried(&self) {
        Counters::add(&self.counters.retried, 1);
    }

    /// The drain deadline, once the run is ending.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.closing.0.lock().map(|c| c.deadline).unwrap_or(None)
    }

    /// Whether the run has ended and the drain time is over: give up what is left.
    pub(crate) fn expired(&self) -> bool {
        self.deadline().is_some_and(|d| Instant::now() >= d)
    }

    /// Waits `d` (a backoff), or less when the drain deadline comes first; false when the
    /// deadline has passed and the worker should give up.
    pub(crate) fn wait(&self, d: Duration) -> bool {
        let until = Instant::now() + d;
        let (lock, cvar) = &*self.closing;
        let Ok(mut guard) = lock.lock() else { return false };
        loop {
            let now = Instant::now();
            let end = match guard.deadline {
                Some(dl) if dl <= now => return false,
                Some(dl) => until.min(dl),
                None => until,
            };
            if now >= end {
                return guard.deadline.is_none_or(|dl| Instant::now() < dl);
            }
            match cvar.wait_timeout(guard, end - now) {
                Ok((g, _)) => guard = g,
                Err(_) => return false,
            }
        }
    }

    /// A timeout for one network operation: `d`, or what is left of the drain time.
    pub(crate) fn bounded(&self, d: Duration) -> Duration {
        match self.deadline() {
            Some(dl) => d
                .min(dl.saturating_duration_since(Instant::now()))
                .max(Duration::from_millis(1)),
            None => d,
        }
    }

    /// Gives up every alert left in the queue (at the end of the drain time).
    pub(crate) fn fail_rest(&self, rx: &Receiver<Arc<Delivery>>) {
        let n = rx.try_iter().count() as u64;
        Counters::add(&self.counters.failed, n);
    }
}

/// The retry policy of a sink: exponential backoff between `first` and `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Backoff {
    /// Wait before the first retry.
    pub(crate) first: Duration,
    /// Longest wait.
    pub(crate) max: Duration,
}

impl Backoff {
    /// The wait before retry number `n` (1-based): first * 2^(n-1), at most `max`.
    pub(crate) fn delay(&self, n: u32) -> Duration {
        let factor = 2u32.saturating_pow(n.saturating_sub(1).min(20));
        self.first.saturating_mul(factor).min(self.max)
    }
}

/// A sink's runtime: takes alerts from its queue until the queue closes.
pub(crate) trait Runtime: Send + 'static {
    /// Runs until the queue is closed and empty, or the drain deadline passes.
    fn run(self: Box<Self>, rx: Receiver<Arc<Delivery>>, ctl: Control);
}

/// Which alerts a sink takes.
#[derive(Debug, Clone, Default)]
struct Filter {
    kinds: Vec<EventKind>,
    rules: Vec<String>,
}

impl Filter {
    fn accepts(&self, d: &Delivery) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&d.alert.event.kind))
            && (self.rules.is_empty() || self.rules.contains(&d.alert.rule))
    }
}

/// A running sink: its queue's sending end, counters and worker.
struct Handle {
    name: String,
    kind: &'static str,
    tx: Option<SyncSender<Arc<Delivery>>>,
    filter: Filter,
    counters: Arc<Counters>,
    done: Receiver<()>,
    worker: Option<JoinHandle<()>>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A sink's name, kind and final counters.
#[derive(Debug, Clone)]
pub(crate) struct SinkReport {
    /// Name.
    pub(crate) name: String,
    /// `jsonl`, `webhook` or `mqtt`.
    pub(crate) kind: &'static str,
    /// Counters.
    pub(crate) counts: CounterValues,
    /// Whether the worker finished within the drain time.
    pub(crate) finished: bool,
}

/// Every sink of the run.
#[derive(Debug)]
pub(crate) struct Sinks {
    handles: Vec<Handle>,
    closing: Arc<(Mutex<Closing>, Condvar)>,
}

/// Default queue lengths: JSON lines are local and fast, so their queue is long enough that
/// a file replay never drops; network sinks hold a few minutes of a busy sky.
const JSONL_QUEUE: usize = 65_536;
const NETWORK_QUEUE: usize = 1024;

/// A sink built from its table: the runtime, its name, kind, queue and filter.
struct Built {
    runtime: Box<dyn Runtime>,
    name: String,
    kind: &'static str,
    queue: usize,
    filter: Filter,
}

fn build_one(spec: &SinkTable, tokens: &BTreeMap<String, String>, index: usize) -> Result<Built> {
    let allowed: &[&str] = match spec.kind.as_str() {
        "jsonl" => &["path", "append"],
        "webhook" => &[
            "url",
            "method",
            "preset",
            "body",
            "content_type",
            "escape",
            "headers",
            "timeout",
            "retries",
            "backoff",
            "backoff_max",
        ],
        "mqtt" => &[
            "host",
            "port",
            "client_id",
            "username",
            "password",
            "topic",
            "qos",
            "discovery",
            "discovery_prefix",
            "node_id",
            "keep_alive",
            "tls",
            "ca_file",
            "timeout",
            "backoff",
            "backoff_max",
        ],
        other => bail!("unknown sink type {other:?} (jsonl, webhook or mqtt)"),
    };
    for key in spec.set_keys() {
        if !allowed.contains(&key) {
            bail!("`{key}` is not a setting of a {} sink", spec.kind);
        }
    }
    let mut filter = Filter::default();
    for k in spec.kinds.iter().flatten() {
        let kind: EventKind = k.parse().map_err(|_| {
            anyhow!(
                "kinds: {k:?} is not an event kind ({})",
                EventKind::ALL.map(EventKind::as_str).join(", ")
            )
        })?;
        filter.kinds.push(kind);
    }
    filter.rules = spec.rules.clone().unwrap_or_default();
    let name = spec
        .name
        .clone()
        .unwrap_or_else(|| format!("{}-{}", spec.kind, index + 1));
    let (runtime, kind, default_queue): (Box<dyn Runtime>, &'static str, usize) = match spec.kind.as_str() {
        "jsonl" => (
            Box::new(jsonl::JsonlConfig::from_table(spec)?.build()?),
            "jsonl",
            JSONL_QUEUE,
        ),
        "webhook" => (
            Box::new(webhook::WebhookConfig::from_table(spec, tokens)?.build()?),
            "webhook",
            NETWORK_QUEUE,
        ),
        _ => (
            Box::new(mqtt::MqttConfig::from_table(spec, tokens)?.build()?),
            "mqtt",
            NETWORK_QUEUE,
        ),
    };
    let queue = spec.queue.unwrap_or(default_queue);
    if queue == 0 {
        bail!("queue must be at least 1");
    }
    Ok(Built {
        runtime,
        name,
        kind,
        queue,
        filter,
    })
}

impl Sinks {
    /// Builds and starts every sink; an error names the sink's table.
    pub(crate) fn start(specs: &[SinkSpec], tokens: &BTreeMap<String, String>) -> Result<Sinks> {
        let mut built = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        for (i, spec) in specs.iter().enumerate() {
            let b = build_one(&spec.table, tokens, i).map_err(|e| {
                if spec.origin.line > 0 {
                    anyhow!("{}: [[sink]] {}: {e:#}", spec.origin, spec.table.kind)
                } else {
                    anyhow!("{}: {} sink: {e:#}", spec.origin.file, spec.table.kind)
                }
            })?;
            if !names.insert(b.name.clone()) {
                bail!("{}: two sinks are named {:?}", spec.origin, b.name);
            }
            built.push(b);
        }
        let closing = Arc::new((Mutex::new(Closing::default()), Condvar::new()));
        let mut handles = Vec::new();
        for b in built {
            let (tx, rx) = mpsc::sync_channel(b.queue);
            let (done_tx, done) = mpsc::channel();
            let counters = Arc::new(Counters::default());
            let ctl = Control {
                counters: counters.clone(),
                closing: closing.clone(),
                name: b.name.clone(),
            };
            let runtime = b.runtime;
            let worker = std::thread::Builder::new()
                .name(format!("sink-{}", b.name))
                .spawn(move || {
                    runtime.run(rx, ctl);
                    let _ = done_tx.send(());
                })
                .map_err(|e| anyhow!("cannot start the thread of sink {}: {e}", b.name))?;
            handles.push(Handle {
                name: b.name,
                kind: b.kind,
                tx: Some(tx),
                filter: b.filter,
                counters,
                done,
                worker: Some(worker),
            });
        }
        Ok(Sinks { handles, closing })
    }

    /// The sinks' names.
    pub(crate) fn names(&self) -> Vec<&str> {
        self.handles.iter().map(|h| h.name.as_str()).collect()
    }

    /// Offers an alert to the sinks named in `to` (all when empty) that take it, never
    /// waiting: a full queue drops it.
    pub(crate) fn offer(&self, d: &Arc<Delivery>, to: &[String]) {
        for h in &self.handles {
            if !(to.is_empty() || to.contains(&h.name)) || !h.filter.accepts(d) {
                continue;
            }
            let Some(tx) = &h.tx else { continue };
            match tx.try_send(d.clone()) {
                Ok(()) => Counters::add(&h.counters.offered, 1),
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    Counters::add(&h.counters.dropped, 1)
                }
            }
        }
    }

    /// Closes the queues and gives the workers until `drain` to deliver what is queued;
    /// then reports. A worker still busy after that (a connection attempt hanging) is left
    /// behind: the process ends without it.
    pub(crate) fn finish(mut self, drain: Duration) -> Vec<SinkReport> {
        let deadline = Instant::now() + drain;
        {
            let (lock, cvar) = &*self.closing;
            if let Ok(mut c) = lock.lock() {
                c.deadline = Some(deadline);
            }
            cvar.notify_all();
        }
        for h in &mut self.handles {
            h.tx = None;
        }
        // A grace period past the deadline for a worker to count what it gave up.
        let grace = deadline + Duration::from_secs(1);
        let mut reports = Vec::new();
        for h in &mut self.handles {
            let left = grace.saturating_duration_since(Instant::now());
            let finished = match h.done.recv_timeout(left) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                    if let Some(w) = h.worker.take() {
                        let _ = w.join();
                    }
                    true
                }
                Err(RecvTimeoutError::Timeout) => false,
            };
            reports.push(SinkReport {
                name: h.name.clone(),
                kind: h.kind,
                counts: h.counters.values(),
                finished,
            });
        }
        reports
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use picket_engine::enrich::{Class, Layer};
    use picket_engine::event::{AircraftSummary, Event};
    use picket_engine::track::TrackKey;
    use picket_modes::Icao;

    /// A landing alert at SVMI for tests of the sinks.
    pub(crate) fn landing() -> Alert {
        let key = TrackKey::icao(Icao(0x1514c0));
        let event =
            Event::new(EventKind::Landing, key, 1553356800.0, 1553356805.5).with_place(Place::Airport {
                ident: "SVMI".into(),
                name: "Simón Bolívar International Airport".into(),
            });
        Alert {
            rule: "military".into(),
            event,
            aircraft: AircraftSummary {
                hex: key,
                flight: Some("RFF7012".into()),
                registration: Some("RA-86496".into()),
                type_designator: Some("IL62".into()),
                operator: Some("Russian Air Force".into()),
                country: Some("Russia".into()),
                military: true,
                class: Class::Military,
                layer: Layer::AircraftDb,
                class_detail: String::new(),
                lat: Some(10.6),
                lon: Some(-66.99),
                alt_baro: Some(200),
                position_source: None,
            },
            new_address_of: None,
            incident: None,
        }
    }

    #[test]
    fn summary_names_the_aircraft_and_the_place() {
        let d = Delivery::new(landing());
        assert_eq!(
            d.summary,
            "RFF7012 (IL62, RA-86496, Russia, military) landed at SVMI Simón Bolívar International Airport"
        );
        assert!(d.json.starts_with("{\"schema\":1,"));
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let b = Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let d: Vec<u64> = (1..=6).map(|n| b.delay(n).as_millis() as u64).collect();
        assert_eq!(d, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay(1000), Duration::from_secs(1));
    }

    #[test]
    fn wait_returns_early_and_false_once_the_drain_deadline_passed() {
        let ctl = Control {
            counters: Arc::default(),
            closing: Arc::new((Mutex::new(Closing::default()), Condvar::new())),
            name: "t".into(),
        };
        assert!(ctl.wait(Duration::from_millis(1)));
        ctl.closing.0.lock().unwrap().deadline = Some(Instant::now());
        // A long backoff ends at once: the deadline has passed.
        let t = Instant::now();
        assert!(!ctl.wait(Duration::from_secs(3600)));
        assert!(t.elapsed() < Duration::from_secs(60));
        assert!(ctl.expired());
    }

    #[test]
    fn the_example_configuration_is_valid() {
        let path = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/picket.example.toml"
        ));
        let s = crate::config::Settings::resolve(Some(path), Default::default()).unwrap();
        assert_eq!(s.sinks.len(), 3);
        for (i, spec) in s.sinks.iter().enumerate() {
            let mut t = spec.table.clone();
            if t.kind == "jsonl" {
                // Building opens the file: not in the docs directory.
                t.path = Some("/dev/null".into());
            }
            let b = build_one(&t, &s.tokens, i).unwrap_or_else(|e| panic!("{}: {e:#}", spec.origin));
            assert_eq!(Some(b.name), t.name);
        }
    }

    #[test]
    fn unknown_types_and_foreign_keys_are_refused() {
        let tokens = BTreeMap::new();
        let t = SinkTable {
            kind: "smtp".into(),
            ..SinkTable::default()
        };
        assert!(build_one(&t, &tokens, 0)
            .err()
            .unwrap()
            .to_string()
            .contains("unknown sink type"));
        let t = SinkTable {
            kind: "jsonl".into(),
            url: Some("http://x".into()),
            ..SinkTable::default()
        };
        let e = build_one(&t, &tokens, 0).err().unwrap().to_string();
        assert!(e.contains("`url` is not a setting of a jsonl sink"), "{e}");
        let t = SinkTable {
            kind: "jsonl".into(),
            kinds: Some(vec!["landed".into()]),
            ..SinkTable::default()
        };
        let e = build_one(&t, &tokens, 0).err().unwrap().to_string();
        assert!(e.contains("\"landed\" is not an event kind"), "{e}");
    }
}
