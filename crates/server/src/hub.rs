//! The hub: what the engine's owner publishes and the server reads.
//!
//! One owner (the thread that owns the `Engine`) writes; every request reads. Nothing here
//! blocks the owner for long: a snapshot is built outside the lock and swapped in as one
//! `Arc`, the record ring and every channel are bounded, and a change nobody listens to
//! costs one failed `send`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use picket_engine::engine::Engine;
use picket_engine::event::{write_alert, write_event, Alert, Event};
use picket_engine::rules::{Enrichment, RuleSet};
use picket_engine::track::{Aircraft, TrackKey, TrailPoint};
use picket_world::geo::LatLon;
use picket_world::zones::Zone;
use tokio::sync::broadcast;

/// How many records (alerts and events) the hub keeps for `/api/events` and new pages.
pub const RECORDS_KEPT: usize = 2_000;

/// Capacity of the change channel: a stream client further behind than this is dropped.
pub const CHANGES_KEPT: usize = 256;

/// Data seconds between two snapshots kept as readsb's history files
/// (`/data/history_N.json`), as readsb and dump1090 write them.
pub const HISTORY_INTERVAL_S: f64 = 30.0;

/// At most this many history files are kept (readsb's and dump1090's 120: an hour at 30 s)...
pub const HISTORY_FILES: usize = 120;

/// ...and at most this many bytes of them in all: with many aircraft the oldest go first
/// (about 80 files of 1,000 aircraft, 8 of 10,000).
pub const HISTORY_BYTES: usize = 32 << 20;

/// Commands the server passes to the engine's owner (state-changing actions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Read the rule file again and install it.
    ReloadRules,
}

/// One aircraft as the server shows it: the tracker's state, its enrichment, its trail and
/// the receivers that heard it.
#[derive(Debug, Clone)]
pub struct AircraftEntry {
    /// The tracker's state.
    pub state: Aircraft,
    /// Enrichment (country, classification with its layer, registration, type, operator).
    pub enrichment: Option<Enrichment>,
    /// Recent positions, oldest first.
    pub trail: Vec<TrailPoint>,
    /// Receiver ids that heard it recently.
    pub receivers: Vec<u16>,
}

impl AircraftEntry {
    /// The entry of one tracked aircraft of `engine`.
    pub fn from_engine(engine: &Engine, key: TrackKey, receivers: Vec<u16>) -> Option<AircraftEntry> {
        let state = engine.tracker().get(key)?.clone();
        let trail = engine
            .tracker()
            .trail(key)
            .map(|t| t.iter().copied().collect())
            .unwrap_or_default();
        Some(AircraftEntry {
            state,
            enrichment: engine.enrichment(key).cloned(),
            trail,
            receivers,
        })
    }

    /// The track key.
    pub fn key(&self) -> TrackKey {
        self.state.key
    }

    /// Military or state aircraft.
    pub fn military(&self) -> bool {
        self.enrichment.as_ref().is_some_and(|e| e.of_interest())
    }

    /// On a watch list.
    pub fn watched(&self) -> bool {
        self.enrichment.as_ref().is_some_and(|e| !e.watch.is_empty())
    }
}

/// Every tracked aircraft at one data time. Immutable once published.
#[derive(Debug)]
pub struct Snapshot {
    /// Data time of the snapshot (Unix seconds): readsb's `now`.
    pub now: f64,
    /// Mode S messages processed since the start.
    pub messages: u64,
    /// The aircraft, in the tracker's order.
    pub aircraft: Vec<Arc<AircraftEntry>>,
    index: HashMap<TrackKey, usize>,
    /// `/data/aircraft.json` of this snapshot, written at the first request.
    pub(crate) aircraft_json: OnceLock<axum::body::Bytes>,
}

impl Snapshot {
    /// A snapshot of these aircraft.
    pub fn new(now: f64, messages: u64, aircraft: Vec<Arc<AircraftEntry>>) -> Snapshot {
        let index = aircraft.iter().enumerate().map(|(i, a)| (a.key(), i)).collect();
        Snapshot {
            now,
            messages,
            aircraft,
            index,
            aircraft_json: OnceLock::new(),
        }
    }

    /// No aircraft, at no time.
    pub fn empty() -> Snapshot {
        Snapshot::new(0.0, 0, Vec::new())
    }

    /// One aircraft.
    pub fn get(&self, key: TrackKey) -> Option<&Arc<AircraftEntry>> {
        self.index.get(&key).map(|&i| &self.aircraft[i])
    }
}

/// An alert or event as the API serves it: its JSON (events.md's schema) and the fields
/// the filters look at.
#[derive(Debug)]
pub struct Record {
    /// Order of arrival at the hub.
    pub seq: u64,
    /// Event kind (`landing`, `zone_entry`, ...).
    pub kind: &'static str,
    /// `started`, `updated` or `ended`.
    pub phase: &'static str,
    /// The event's id (shared by the phases of one lasting event).
    pub event_id: u64,
    /// Data time of the report.
    pub time: f64,
    /// Aircraft involved, the subject first.
    pub aircraft: Vec<TrackKey>,
    /// Zone id, when the event is about a zone.
    pub zone: Option<String>,
    /// Airport ident, when the event is about an airport.
    pub airport: Option<String>,
    /// The rule that raised it (alerts only).
    pub rule: Option<String>,
    /// ISO code of the country it happened in: the airport's country, else the country
    /// under its position (as the store keeps it, so both answer `in_country` alike).
    pub place_country: Option<&'static str>,
    /// Where it happened: its first located evidence, else the subject at the alert.
    pub position: Option<LatLon>,
    /// The subject aircraft's identity when the record was made.
    pub who: Identity,
    /// The JSON object.
    pub json: String,
    /// Acknowledged by a user.
    pub acked: AtomicBool,
}

/// The subject aircraft of a record as the filters of `/api/events` see it: what the
/// alert said of it, else the hub's enrichment of it when the record was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Callsign.
    pub flight: Option<String>,
    /// Registration.
    pub registration: Option<String>,
    /// ICAO type designator.
    pub type_designator: Option<String>,
    /// Operator.
    pub operator: Option<String>,
    /// Country of the address block: ISO code.
    pub country_code: Option<String>,
    /// Country of the address block: name.
    pub country: Option<String>,
    /// Military or state.
    pub military: bool,
}

impl Identity {
    /// From the hub's enrichment of the aircraft (and its callsign).
    pub fn of_entry(e: &AircraftEntry) -> Identity {
        let en = e.enrichment.as_ref();
        let flight = e
            .state
            .callsign
            .map(|c| c.as_str().trim().to_owned())
            .filter(|c| !c.is_empty());
        Identity {
            flight,
            registration: en.and_then(|x| x.registration.as_deref()).map(str::to_owned),
            type_designator: en.and_then(|x| x.type_designator.as_deref()).map(str::to_owned),
            operator: en.and_then(|x| x.operator.as_deref()).map(str::to_owned),
            country_code: en.and_then(|x| x.country).map(|c| c.iso2.to_owned()),
            country: en.and_then(|x| x.country).map(|c| c.name.to_owned()),
            military: en.is_some_and(|x| {
                matches!(
                    x.classification.class,
                    picket_engine::enrich::Class::Military | picket_engine::enrich::Class::State
                )
            }),
        }
    }
}

/// Where an event happened: its first evidence with a position, else `at`; and the
/// country: the airport's, else the one under that position.
fn located(e: &Event, at: Option<LatLon>) -> (Option<LatLon>, Option<&'static str>) {
    let pos = e
        .evidence
        .iter()
        .find_map(|v| Some(LatLon::new(v.lat?, v.lon?)))
        .or(at);
    let airport_country = e
        .airport()
        .and_then(picket_world::airports::airport)
        .map(|a| a.country);
    let country =
        airport_country.or_else(|| pos.and_then(|p| picket_world::borders::country_at(p.lat, p.lon)));
    (pos, country)
}

impl Record {
    fn of_event(seq: u64, e: &Event, rule: Option<&str>, json: String) -> Record {
        Record {
            seq,
            kind: e.kind.as_str(),
            phase: e.phase.as_str(),
            event_id: e.id,
            time: e.time,
            aircraft: e.aircraft().collect(),
            zone: e.zone().map(str::to_owned),
            airport: e.airport().map(str::to_owned),
            rule: rule.map(str::to_owned),
            place_country: None,
            position: None,
            who: Identity::default(),
            json,
            acked: AtomicBool::new(false),
        }
    }

    /// The record of an alert (its JSON line as the sinks write it).
    pub fn from_alert(seq: u64, a: &Alert) -> Record {
        let mut json = String::new();
        write_alert(&mut json, a);
        let mut r = Record::of_event(seq, &a.event, Some(&a.rule), json);
        let at = a
            .aircraft
            .lat
            .zip(a.aircraft.lon)
            .map(|(lat, lon)| LatLon::new(lat, lon));
        (r.position, r.place_country) = located(&a.event, at);
        let s = &a.aircraft;
        let block = s.country.as_deref().and_then(|c| {
            picket_engine::enrich::allocations()
                .iter()
                .filter_map(|a| a.country())
                .find(|x| x.name.eq_ignore_ascii_case(c) || x.iso2.eq_ignore_ascii_case(c))
        });
        r.who = Identity {
            flight: s.flight.clone(),
            registration: s.registration.clone(),
            type_designator: s.type_designator.clone(),
            operator: s.operator.clone(),
            country_code: block.map(|c| c.iso2.to_owned()),
            country: s.country.clone(),
            military: s.military,
        };
        r
    }

    /// The record of an event no rule turned into an alert.
    pub fn from_event(seq: u64, e: &Event) -> Record {
        let mut json = String::new();
        write_event(&mut json, e);
        let mut r = Record::of_event(seq, e, None, json);
        (r.position, r.place_country) = located(e, None);
        r
    }

    /// The event id as events.md writes it (16 hex digits).
    pub fn id_hex(&self) -> String {
        format!("{:016x}", self.event_id)
    }
}

/// What the live stream carries.
#[derive(Debug)]
pub enum Change {
    /// Aircraft that changed and aircraft that are gone, at data time `now`.
    Aircraft {
        /// Data time.
        now: f64,
        /// New or changed aircraft.
        updated: Vec<Arc<AircraftEntry>>,
        /// Aircraft no longer tracked.
        removed: Vec<TrackKey>,
    },
    /// A new alert or event.
    Record(Arc<Record>),
}

/// One receiver (a feed) and its counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceiverInfo {
    /// Receiver id, as in `Received::receiver`.
    pub id: u16,
    /// Name (a scenario receiver's name, an input's path or address).
    pub name: String,
    /// Position; published only when the configuration allows it.
    pub position: Option<LatLon>,
    /// Frames received.
    pub frames: u64,
    /// Frames per second over the last interval.
    pub frames_per_s: f64,
    /// Bad frames and read errors.
    pub errors: u64,
    /// Data time of its last frame.
    pub last_frame: Option<f64>,
    /// Connected (a live source) or open (a file).
    pub connected: bool,
}

/// One alert sink's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkInfo {
    /// Sink name.
    pub name: String,
    /// Alerts delivered.
    pub sent: u64,
    /// Alerts dropped (queue full).
    pub dropped: u64,
    /// Alerts that failed for good.
    pub failed: u64,
    /// Retries.
    pub retries: u64,
}

/// The engine owner's counters, published for `/metrics`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// Mode S frames by downlink format (index = DF, 0..=24).
    pub frames_by_df: [u64; 25],
    /// Mode A/C replies.
    pub mode_ac: u64,
    /// Observations (SBS, JSON states).
    pub observations: u64,
    /// Frames that gave no message (CRC, unknown format) and read errors.
    pub bad_frames: u64,
    /// Aircraft tracked now.
    pub aircraft: u64,
    /// Events that raised alerts, by kind (every phase).
    pub events_by_kind: Vec<(&'static str, u64)>,
    /// Alerts by rule.
    pub alerts_by_rule: Vec<(String, u64)>,
    /// Alert sinks.
    pub sinks: Vec<SinkInfo>,
    /// Wall-clock seconds between an item's arrival (or, in the demo, its due time) and
    /// the engine taking it, at the last publication.
    pub lag_s: f64,
}

/// Zones and rules as the API serves them, written when they change.
#[derive(Debug, Clone, Default)]
pub struct WorldInfo {
    /// `/api/zones`: a GeoJSON FeatureCollection.
    pub zones_json: String,
    /// `/api/rules`: `{"origin":...,"rules":[...],"watchlists":[...]}`.
    pub rules_json: String,
}

/// The server's own counters.
#[derive(Debug, Default)]
pub struct ServerCounters {
    /// Live streams open now.
    pub streams_open: AtomicUsize,
    /// Streams closed because their client fell behind.
    pub streams_dropped: AtomicU64,
    /// Streams refused (too many open).
    pub streams_refused: AtomicU64,
    /// HTTP requests answered.
    pub requests: AtomicU64,
}

/// The shared state between the engine's owner and the server.
#[derive(Debug)]
pub struct Hub {
    snapshot: RwLock<Arc<Snapshot>>,
    records: Mutex<VecDeque<Arc<Record>>>,
    next_seq: AtomicU64,
    changes: broadcast::Sender<Arc<Change>>,
    receivers: RwLock<Arc<Vec<ReceiverInfo>>>,
    metrics: RwLock<Arc<Metrics>>,
    world: RwLock<Arc<WorldInfo>>,
    commands: SyncSender<Command>,
    command_rx: Mutex<Option<Receiver<Command>>>,
    history: Mutex<HistoryFiles>,
    /// The server's own counters.
    pub counters: ServerCounters,
}

/// readsb's history files: `aircraft.json` of past snapshots, oldest first, one every
/// [`HISTORY_INTERVAL_S`] of data time, bounded by [`HISTORY_FILES`] and [`HISTORY_BYTES`].
#[derive(Debug, Default)]
struct HistoryFiles {
    files: VecDeque<(f64, axum::body::Bytes)>,
    bytes: usize,
}

impl HistoryFiles {
    /// Keeps `snapshot` when it is the first or [`HISTORY_INTERVAL_S`] after the last kept.
    fn offer(&mut self, snapshot: &Snapshot) {
        if self
            .files
            .back()
            .is_some_and(|(t, _)| snapshot.now < t + HISTORY_INTERVAL_S)
        {
            return;
        }
        let json = snapshot
            .aircraft_json
            .get_or_init(|| axum::body::Bytes::from(crate::readsb::aircraft_json(snapshot)))
            .clone();
        self.bytes += json.len();
        self.files.push_back((snapshot.now, json));
        while self.files.len() > HISTORY_FILES || (self.bytes > HISTORY_BYTES && self.files.len() > 1) {
            if let Some((_, old)) = self.files.pop_front() {
                self.bytes -= old.len();
            }
        }
    }
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(PoisonError::into_inner).clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *lock.write().unwrap_or_else(PoisonError::into_inner) = value;
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    /// An empty hub.
    pub fn new() -> Hub {
        let (changes, _) = broadcast::channel(CHANGES_KEPT);
        let (commands, command_rx) = sync_channel(8);
        Hub {
            snapshot: RwLock::new(Arc::new(Snapshot::empty())),
            records: Mutex::new(VecDeque::with_capacity(RECORDS_KEPT)),
            next_seq: AtomicU64::new(1),
            changes,
            receivers: RwLock::new(Arc::new(Vec::new())),
            metrics: RwLock::new(Arc::new(Metrics::default())),
            world: RwLock::new(Arc::new(WorldInfo::default())),
            commands,
            command_rx: Mutex::new(Some(command_rx)),
            history: Mutex::new(HistoryFiles::default()),
            counters: ServerCounters::default(),
        }
    }

    // ---- the owner's side ----

    /// Publishes a new snapshot and tells the stream what changed. Every
    /// [`HISTORY_INTERVAL_S`] of data time the snapshot is also kept as a history file.
    pub fn publish(&self, snapshot: Snapshot, updated: Vec<Arc<AircraftEntry>>, removed: Vec<TrackKey>) {
        let now = snapshot.now;
        let snapshot = Arc::new(snapshot);
        write(&self.snapshot, snapshot.clone());
        self.history
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .offer(&snapshot);
        if !updated.is_empty() || !removed.is_empty() {
            // No receiver is not an error: nobody is watching.
            let _ = self.changes.send(Arc::new(Change::Aircraft {
                now,
                updated,
                removed,
            }));
        }
    }

    /// Keeps an alert and streams it.
    pub fn push_alert(&self, alert: &Alert) {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        self.push_record(Record::from_alert(seq, alert));
    }

    /// Keeps an event (one no rule raised) and streams it.
    pub fn push_event(&self, event: &Event) {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let mut r = Record::from_event(seq, event);
        // An event carries no identity: the hub's latest of its subject.
        if let Some(e) = self.snapshot().get(event.subject) {
            r.who = Identity::of_entry(e);
        }
        self.push_record(r);
    }

    fn push_record(&self, record: Record) {
        let record = Arc::new(record);
        {
            let mut ring = self.records.lock().unwrap_or_else(PoisonError::into_inner);
            if ring.len() == RECORDS_KEPT {
                ring.pop_front();
            }
            ring.push_back(record.clone());
        }
        let _ = self.changes.send(Arc::new(Change::Record(record)));
    }

    /// Replaces the receivers' list and counters.
    pub fn set_receivers(&self, receivers: Vec<ReceiverInfo>) {
        write(&self.receivers, Arc::new(receivers));
    }

    /// Replaces the counters.
    pub fn set_metrics(&self, metrics: Metrics) {
        write(&self.metrics, Arc::new(metrics));
    }

    /// Publishes the zones and rules in use.
    pub fn set_world(&self, zones: &[Zone], rules: &RuleSet) {
        write(
            &self.world,
            Arc::new(WorldInfo {
                zones_json: crate::world_json::zones(zones),
                rules_json: crate::world_json::rules(rules),
            }),
        );
    }

    /// The receiving end of the server's commands; `None` after the first call (one owner).
    pub fn take_commands(&self) -> Option<Receiver<Command>> {
        self.command_rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    // ---- the server's side ----

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        read(&self.snapshot)
    }

    /// How many history files `/data/receiver.json` announces: those kept, and at least one
    /// (until the first is kept, `history_0.json` is the current sky), so that a page
    /// which waits for the history before it polls `aircraft.json` (tar1090's first
    /// version) never waits forever.
    pub fn history_count(&self) -> usize {
        self.history
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .files
            .len()
            .max(1)
    }

    /// History file `i` (`/data/history_{i}.json`), oldest first: readsb's `aircraft.json`
    /// of a past snapshot. `None` past [`Hub::history_count`].
    pub fn history_file(&self, i: usize) -> Option<axum::body::Bytes> {
        let kept = self
            .history
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .files
            .get(i)
            .map(|(_, json)| json.clone());
        match kept {
            Some(json) => Some(json),
            None if i == 0 && self.history_count() == 1 => {
                let snap = self.snapshot();
                Some(
                    snap.aircraft_json
                        .get_or_init(|| axum::body::Bytes::from(crate::readsb::aircraft_json(&snap)))
                        .clone(),
                )
            }
            None => None,
        }
    }

    /// The records kept, oldest first.
    pub fn records(&self) -> Vec<Arc<Record>> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Marks every record of the event `id` acknowledged; false when none is kept.
    pub fn acknowledge(&self, id: u64) -> bool {
        let ring = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let mut found = false;
        for r in ring.iter().filter(|r| r.event_id == id) {
            r.acked.store(true, Ordering::Relaxed);
            found = true;
        }
        found
    }

    /// A new listener to the change stream.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// Changes queued for the slowest listener (at most [`CHANGES_KEPT`]).
    pub fn changes_queued(&self) -> usize {
        self.changes.len()
    }

    /// The receivers.
    pub fn receivers(&self) -> Arc<Vec<ReceiverInfo>> {
        read(&self.receivers)
    }

    /// The owner's counters.
    pub fn metrics(&self) -> Arc<Metrics> {
        read(&self.metrics)
    }

    /// Zones and rules.
    pub fn world(&self) -> Arc<WorldInfo> {
        read(&self.world)
    }

    /// Passes a command to the owner; false when its queue is full or nobody listens.
    pub fn command(&self, c: Command) -> bool {
        match self.commands.try_send(c) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }
}
