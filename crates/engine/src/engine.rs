//! The engine facade: received items in, alerts out, aircraft states to look at.
//!
//! ```text
//! Received ─▶ tracker ─▶ enrichment (cached per aircraft) ─▶ detectors ─▶ rules ─▶ Alert
//! ```
//!
//! Sans-IO and deterministic like its parts: [`Engine::ingest`] and [`Engine::tick`] take
//! the data's time, and the same inputs give the same alerts in the same order.
//!
//! - Enrichment (country, classification with its layer, registration, type, operator,
//!   watch-list hits) is computed when an aircraft appears and again only when its callsign
//!   or reported registration/type change, or the rules are replaced.
//! - Per-aircraft detectors run after each input that changed an aircraft; pairwise and
//!   silence detectors run in [`Engine::tick`].
//! - The rules judge every detector event and raise at most one alert per (rule, event),
//!   plus one when the event ends (see [`crate::rules`]).
//!
//! ```
//! use picket_engine::engine::{Engine, EngineConfig};
//! use picket_engine::rules::RuleSet;
//!
//! let mut engine = Engine::new(EngineConfig::default());
//! let mut alerts = Vec::new();
//! engine.tick(1_565_287_200.0, &mut alerts);
//! assert!(alerts.is_empty());
//! // A rule file with an error changes nothing.
//! let bad = RuleSet::load("[[rule]]\nname = \"x\"\nwhen = \"inside(atlantis)\"\n", "bad.toml").unwrap();
//! assert!(engine.set_rules(bad).is_err());
//! assert_eq!(engine.rules().rules()[0].name, "military");
//! ```
//!
//! A consumer that wants everything (the history store, the map, a bus) uses the one
//! output, and ticks when the engine says:
//!
//! ```
//! use picket_engine::engine::{Engine, EngineConfig, Output};
//! use picket_modes::Frame;
//! use picket_receive::{Clock, Received, What};
//!
//! let mut engine = Engine::new(EngineConfig::default());
//! let mut out = Output::new();
//! assert_eq!(engine.next_tick_due(), None); // nothing tracked: no tick needed
//! // pyModeS tests: identification of 406B90.
//! let frame = Frame::from_hex("8D406B902015A678D4D220AA4BDA").unwrap();
//! for t in [1_457_996_400.0, 1_457_996_401.0] {
//!     let r = Received { time_utc: t, clock: Clock::None, signal: None, receiver: 0, what: What::ModeS(frame) };
//!     engine.ingest_into(&r, &mut out);
//! }
//! let key = out.changed[0];
//! let (aircraft, enrichment) = engine.get(key).unwrap();
//! assert_eq!(aircraft.callsign.unwrap().as_str(), "EZY85MH");
//! let _layer = enrichment.classification.layer;
//! let due = engine.next_tick_due().unwrap();
//! engine.tick_into(due, &mut out);
//! // Every event, whether a rule asked for it or not (no default rule wants this airliner).
//! assert!(out.events.iter().any(|e| e.kind.as_str() == "first_seen"));
//! assert!(out.alerts.is_empty());
//! ```

use std::sync::Arc;

use picket_receive::{Observation, Received, What};
use picket_world::events::DetectorParams;
use picket_world::geo::LatLon;
use picket_world::zones::{builtin_zones, Zone};

use crate::detect::{DetectorStats, Detectors, Traits};
use crate::enrich::AircraftDb;
use crate::event::{Alert, Event};
use crate::rules::{Enrichment, EventFacts, Reported, RuleError, RuleSet, RuleState, RuleStats, Subject};
use crate::track::{
    Aircraft, Field, Ingested, KeyMap, Predecoded, TrackKey, Tracker, TrackerConfig, TrackerStats,
};
use picket_modes::message::DecodeOptions;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Tracker settings.
    pub tracker: TrackerConfig,
    /// Receiver positions, for the rules' `distance` (when empty, the tracker's receiver).
    pub receivers: Vec<LatLon>,
    /// Zones the detectors watch and the rules may name. Default: the built-in zones.
    pub zones: Vec<Zone>,
    /// Aircraft database. Default: the built-in set (the simulator's scenario aircraft).
    pub aircraft_db: Arc<AircraftDb>,
    /// Rules. Default: the default rule file.
    pub rules: RuleSet,
    /// Detector thresholds.
    pub detectors: DetectorParams,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            tracker: TrackerConfig::default(),
            receivers: Vec::new(),
            zones: builtin_zones().to_vec(),
            aircraft_db: Arc::new(AircraftDb::with_builtin()),
            rules: RuleSet::default_rules(),
            detectors: DetectorParams::default(),
        }
    }
}

/// What the engine counted beyond the tracker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EngineStats {
    /// Events the detectors reported (every phase).
    pub events: u64,
    /// Enrichments computed.
    pub enrichments: u64,
    /// Rule sets installed after the first.
    pub reloads: u64,
}

/// What the engine keeps per aircraft beside the tracker's state.
#[derive(Debug, Clone)]
struct PerAircraft {
    /// The aircraft's key (the state is found by the tracker's slot, this checks it).
    key: TrackKey,
    enrichment: Enrichment,
    /// Registration and type reported by an observation source.
    registration: Option<Box<str>>,
    type_designator: Option<Box<str>>,
}

/// Everything the engine produced in the calls that filled it: what a consumer (a sink, a
/// bus, the history store, the map) needs besides the snapshot.
///
/// Filled by [`Engine::ingest_into`] and [`Engine::tick_into`], which append: the caller
/// clears it ([`Output::clear`]) when it has consumed it. Within one call, the events come
/// in the order the detectors reported them, the alerts in the order the rules raised them
/// (the same alerts, in the same order, as [`Engine::ingest`] and [`Engine::tick`] give).
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Every detector event, all phases (started, updated, ended), including those no rule
    /// asked for.
    pub events: Vec<Event>,
    /// The alerts the rules raised.
    pub alerts: Vec<Alert>,
    /// Aircraft whose tracked state changed (a message updated them), once each per call.
    /// Look their state up with [`Engine::get`].
    pub changed: Vec<TrackKey>,
    /// Aircraft the tracker retired after their silence (they are no longer in the
    /// snapshot), once each per call.
    pub removed: Vec<TrackKey>,
}

impl Output {
    /// An empty output.
    pub fn new() -> Output {
        Output::default()
    }

    /// Empties every list, keeping the allocations.
    pub fn clear(&mut self) {
        self.events.clear();
        self.alerts.clear();
        self.changed.clear();
        self.removed.clear();
    }

    /// True when nothing was produced.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.alerts.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Where the engine's internal steps put what they produce: the alerts always, events and
/// aircraft keys only when the caller asked for them (the plain [`Engine::ingest`] path
/// copies nothing).
trait Sink {
    fn alerts(&mut self) -> &mut Vec<Alert>;
    fn event(&mut self, e: &Event);
    fn changed(&mut self, key: TrackKey);
    fn removed(&mut self, key: TrackKey);
}

impl Sink for Vec<Alert> {
    fn alerts(&mut self) -> &mut Vec<Alert> {
        self
    }
    fn event(&mut self, _: &Event) {}
    fn changed(&mut self, _: TrackKey) {}
    fn removed(&mut self, _: TrackKey) {}
}

/// An [`Output`] filled by the engine's steps. Its key lists need no deduplication: an
/// ingest changes one aircraft, and a tick retires each tracked aircraft at most once (the
/// tracker holds one slot per key).
struct OutputSink<'a> {
    out: &'a mut Output,
}

impl<'a> OutputSink<'a> {
    fn new(out: &'a mut Output) -> OutputSink<'a> {
        OutputSink { out }
    }
}

impl Sink for OutputSink<'_> {
    fn alerts(&mut self) -> &mut Vec<Alert> {
        &mut self.out.alerts
    }
    fn event(&mut self, e: &Event) {
        self.out.events.push(e.clone());
    }
    fn changed(&mut self, key: TrackKey) {
        self.out.changed.push(key);
    }
    fn removed(&mut self, key: TrackKey) {
        self.out.removed.push(key);
    }
}

/// Alerts and every event into an [`Output`], no aircraft keys: for a caller that records
/// events but draws no map (the history store without the live server).
struct EventsSink<'a> {
    out: &'a mut Output,
}

impl Sink for EventsSink<'_> {
    fn alerts(&mut self) -> &mut Vec<Alert> {
        &mut self.out.alerts
    }
    fn event(&mut self, e: &Event) {
        self.out.events.push(e.clone());
    }
    fn changed(&mut self, _: TrackKey) {}
    fn removed(&mut self, _: TrackKey) {}
}

/// Tracking, enrichment, detectors and rules behind one interface.
#[derive(Debug, Clone)]
pub struct Engine {
    tracker: Tracker,
    receivers: Vec<LatLon>,
    zones: Vec<Zone>,
    db: Arc<AircraftDb>,
    rules: RuleSet,
    /// Whether some rule raises events from its own condition (then every message is
    /// judged by it; else messages cost the rules nothing).
    condition_rules: bool,
    detectors: Detectors,
    /// Per tracked aircraft, parallel to the tracker's slab ([`Tracker::slot`]): created
    /// with the aircraft (at the slab's end) and retired with the same `swap_remove`s the
    /// tracker's tick makes, so one index look-up (the tracker's) finds both.
    per: Vec<PerAircraft>,
    /// Final states of retired aircraft of interest, for events that come after them
    /// (a dwell of an aircraft parked with its transponder off): data time retired.
    gone: KeyMap<(f64, Aircraft, PerAircraft)>,
    state: RuleState,
    stats: EngineStats,
    /// Scratch buffers, reused so a quiet input allocates nothing.
    events: Vec<Event>,
    retired: Vec<Aircraft>,
    /// The engine's state of the aircraft retired in a tick, in the order of `retired`.
    retired_per: Vec<Option<PerAircraft>>,
    last_prune: f64,
    /// Data time of the latest tick (finite), for [`Engine::next_tick_due`].
    last_tick: f64,
}

/// The engine's tick rule: given the data time of the last tick, the data time at which
/// the next one is due, the whole second after it (`floor(last_tick) + 1`); `-inf` when
/// there was no tick yet (a finite `last_tick` is required otherwise), so the first item
/// ticks at once.
///
/// The one place this rule is written: [`Engine::next_tick_due`], the live driver, the
/// store's replay, the demo and the tests all ask it, so a replay ticks exactly as the run
/// did.
///
/// ```
/// use picket_engine::engine::next_tick_due;
/// assert_eq!(next_tick_due(f64::NEG_INFINITY), f64::NEG_INFINITY);
/// assert_eq!(next_tick_due(1_000.25), 1_001.0);
/// assert_eq!(next_tick_due(1_000.0), 1_001.0);
/// ```
#[inline]
pub fn next_tick_due(last_tick: f64) -> f64 {
    if last_tick.is_finite() {
        last_tick.floor() + 1.0
    } else {
        f64::NEG_INFINITY
    }
}

/// Data time between two prunings of the rules' memory.
const PRUNE_EVERY_S: f64 = 60.0;

/// How long the final state of a retired aircraft of interest is kept for events that come
/// after it (30 days, as the detectors keep parked aircraft).
const GONE_KEEP_S: f64 = 30.0 * 86_400.0;

impl Engine {
    /// An engine with no aircraft. Rules that name zones the configuration lacks are
    /// replaced by no rules (use [`Engine::try_new`] to see the error).
    pub fn new(mut config: EngineConfig) -> Engine {
        let mut rules = std::mem::take(&mut config.rules);
        if rules.bind_zones(&config.zones).is_err() {
            rules = RuleSet::empty();
        }
        Engine::build(config, rules)
    }

    /// An engine with no aircraft, or the error of a rule naming an unknown zone.
    pub fn try_new(mut config: EngineConfig) -> Result<Engine, RuleError> {
        let mut rules = std::mem::take(&mut config.rules);
        rules.bind_zones(&config.zones)?;
        Ok(Engine::build(config, rules))
    }

    /// `rules` are bound to `config.zones` already.
    fn build(config: EngineConfig, rules: RuleSet) -> Engine {
        let receivers = if config.receivers.is_empty() {
            config.tracker.receiver.into_iter().collect()
        } else {
            config.receivers
        };
        let detectors = Detectors::new(config.detectors, config.zones.clone());
        Engine {
            tracker: Tracker::new(config.tracker),
            receivers,
            zones: config.zones,
            db: config.aircraft_db,
            state: RuleState::new(&rules),
            condition_rules: rules.has_condition_rules(),
            rules,
            detectors,
            per: Vec::new(),
            gone: KeyMap::default(),
            stats: EngineStats::default(),
            events: Vec::new(),
            retired: Vec::new(),
            retired_per: Vec::new(),
            last_prune: f64::NEG_INFINITY,
            last_tick: f64::NEG_INFINITY,
        }
    }

    /// Takes one received item, appending the alerts it caused.
    pub fn ingest(&mut self, received: &Received, alerts: &mut Vec<Alert>) -> Ingested {
        self.ingest_to(received, None, alerts)
    }

    /// Takes one received item, appending to `out` the events and alerts it caused and the
    /// aircraft it changed. The alerts are those [`Engine::ingest`] gives.
    pub fn ingest_into(&mut self, received: &Received, out: &mut Output) -> Ingested {
        self.ingest_to(received, None, &mut OutputSink::new(out))
    }

    /// [`Engine::ingest`] of an item whose frame a reader thread decoded already
    /// ([`predecode`](crate::track::predecode) with [`Engine::decode_options`]; `None` for
    /// an item that is no Mode S frame): the same result, the same alerts, without the
    /// decoding on the engine's thread.
    #[inline]
    pub fn ingest_predecoded(
        &mut self,
        received: &Received,
        decoded: Option<&Predecoded>,
        alerts: &mut Vec<Alert>,
    ) -> Ingested {
        self.ingest_to(received, Some(decoded), alerts)
    }

    /// [`Engine::ingest_into`] of an item decoded already, as [`Engine::ingest_predecoded`].
    pub fn ingest_predecoded_into(
        &mut self,
        received: &Received,
        decoded: Option<&Predecoded>,
        out: &mut Output,
    ) -> Ingested {
        self.ingest_to(received, Some(decoded), &mut OutputSink::new(out))
    }

    /// [`Engine::ingest_predecoded_into`] without the aircraft keys: `out` gets the events
    /// and alerts only (`changed` and `removed` stay empty).
    pub fn ingest_predecoded_events(
        &mut self,
        received: &Received,
        decoded: Option<&Predecoded>,
        out: &mut Output,
    ) -> Ingested {
        self.ingest_to(received, Some(decoded), &mut EventsSink { out })
    }

    /// [`Engine::ingest_into`] without the aircraft keys (events and alerts only).
    pub fn ingest_events(&mut self, received: &Received, out: &mut Output) -> Ingested {
        self.ingest_to(received, None, &mut EventsSink { out })
    }

    /// The decoding options a reader thread must give [`predecode`](crate::track::predecode)
    /// for [`Engine::ingest_predecoded`] (the tracker's).
    pub fn decode_options(&self) -> DecodeOptions {
        self.tracker.config().decode
    }

    /// `pre`: `Some` when the caller decoded the item already (its result, `None` for no
    /// Mode S frame).
    #[inline]
    fn ingest_to<S: Sink>(
        &mut self,
        received: &Received,
        pre: Option<Option<&Predecoded>>,
        sink: &mut S,
    ) -> Ingested {
        let result = match pre {
            Some(decoded) => self.tracker.ingest_predecoded(received, decoded),
            None => self.tracker.ingest(received),
        };
        let Ingested::Updated(u) = result else {
            return result;
        };
        let Some(slot) = self.tracker.slot(u.key) else {
            return result;
        };
        let a = &self.tracker.aircraft()[slot];
        sink.changed(u.key);
        // Enrichment: on creation, and when what it depends on changed.
        let reported = match &received.what {
            What::Observation(o) => Some(o),
            _ => None,
        };
        let per = match self.per.get_mut(slot) {
            Some(p) => {
                debug_assert_eq!(p.key, u.key);
                let moved = reported.is_some_and(|o| reported_changed(p, o));
                if moved || (u.changed.contains(Field::Callsign) && p.enrichment.callsign != a.callsign) {
                    if let Some(o) = reported {
                        take_reported(p, o);
                    }
                    p.enrichment = enrich(a, p, &self.db, &self.rules);
                    self.stats.enrichments += 1;
                }
                p
            }
            None => {
                // A new aircraft: the tracker put it at the slab's end.
                debug_assert_eq!(slot, self.per.len());
                let mut p = PerAircraft {
                    key: u.key,
                    enrichment: Enrichment::unknown(),
                    registration: None,
                    type_designator: None,
                };
                if let Some(o) = reported {
                    take_reported(&mut p, o);
                }
                p.enrichment = enrich(a, &p, &self.db, &self.rules);
                self.stats.enrichments += 1;
                self.gone.remove(&u.key);
                self.per.push(p);
                let last = self.per.len() - 1;
                &mut self.per[last]
            }
        };
        let now = received.time_utc;
        let traits = Traits {
            of_interest: per.enrichment.of_interest(),
        };
        self.detectors
            .on_update(slot, a, u.changed, traits, &mut self.events);
        // Every message counts towards a condition's confirmation, changed values or not.
        if self.condition_rules {
            let s = Subject {
                aircraft: a,
                enrichment: &per.enrichment,
                now,
                event: None,
                receivers: &self.receivers,
                zones: &self.zones,
                watchlists: self.rules.watchlists(),
            };
            self.state.on_update(&self.rules, &s, sink.alerts());
        }
        if !self.events.is_empty() {
            self.judge(now, &[], &[], sink);
        }
        result
    }

    /// Advances data time to `now`: retires silent aircraft, runs the silence, time and
    /// pairwise detectors, appending the alerts this caused.
    pub fn tick(&mut self, now: f64, alerts: &mut Vec<Alert>) {
        self.tick_to(now, alerts);
    }

    /// Advances data time to `now` like [`Engine::tick`], appending to `out` the events and
    /// alerts this caused and the aircraft retired.
    pub fn tick_into(&mut self, now: f64, out: &mut Output) {
        self.tick_to(now, &mut OutputSink::new(out));
    }

    /// [`Engine::tick_into`] without the aircraft keys (events and alerts only).
    pub fn tick_events(&mut self, now: f64, out: &mut Output) {
        self.tick_to(now, &mut EventsSink { out });
    }

    /// The data time at which [`Engine::tick`] must next be called for the silence, time
    /// and pairwise detectors to run on time (in the way quinn-proto's `poll_timeout`
    /// answers), or `None` when no tick can produce anything (no aircraft tracked).
    ///
    /// The detectors' tick-driven work runs once per second of data time while aircraft
    /// are tracked, so the answer is the whole second after the latest tick. It may lie at
    /// or before the latest data time ingested (the tick is overdue): tick at once. A
    /// live driver converts it to a wall-clock deadline with its own clock mapping and
    /// ticks with the data time it has reached then; ticking earlier or more often is
    /// harmless.
    pub fn next_tick_due(&self) -> Option<f64> {
        if self.tracker.aircraft().is_empty() {
            return None;
        }
        if self.last_tick.is_finite() {
            Some(next_tick_due(self.last_tick))
        } else {
            // Never ticked: due now, at the data time the tracker has reached.
            Some(self.tracker.now())
        }
    }

    fn tick_to<S: Sink>(&mut self, now: f64, sink: &mut S) {
        if !now.is_finite() {
            return;
        }
        if now > self.last_tick {
            self.last_tick = now;
        }
        self.tracker.tick(now, &mut self.retired);
        let retired = std::mem::take(&mut self.retired);
        let mut retired_per = std::mem::take(&mut self.retired_per);
        retired_per.clear();
        if !retired.is_empty() {
            self.retire_per(&retired, &mut retired_per);
        }
        for a in &retired {
            sink.removed(a.key);
            self.detectors.on_retired(a, now, &mut self.events);
        }
        if !self.events.is_empty() {
            self.judge(now, &retired, &retired_per, sink);
        }
        for (a, p) in retired.iter().zip(retired_per.iter_mut()) {
            if let Some(p) = p.take() {
                let s = Subject {
                    aircraft: a,
                    enrichment: &p.enrichment,
                    now,
                    event: None,
                    receivers: &self.receivers,
                    zones: &self.zones,
                    watchlists: self.rules.watchlists(),
                };
                self.state.on_retired(&self.rules, &s, sink.alerts());
                if p.enrichment.of_interest() || !p.enrichment.watch.is_empty() {
                    self.gone.insert(a.key, (now, a.clone(), p));
                }
            }
        }
        self.retired = retired;
        self.retired.clear();
        self.retired_per = retired_per;
        self.detectors.on_tick(now, &self.tracker, &mut self.events);
        if !self.events.is_empty() {
            self.judge(now, &[], &[], sink);
        }
        self.state.flush(now, &self.rules, sink.alerts());
        if now - self.last_prune >= PRUNE_EVERY_S {
            self.state.prune(now, &self.rules);
            self.gone.retain(|_, (t, ..)| now - *t < GONE_KEEP_S);
            self.last_prune = now;
        }
    }

    /// The recorded input ended at data time `now` (after the last [`Engine::tick`]): tracks
    /// still airborne and last heard low at a field or landing site are concluded as landed
    /// (`basis: input_end`), appending the alerts this caused. A live feed never calls this.
    pub fn finish(&mut self, now: f64, alerts: &mut Vec<Alert>) {
        self.detectors.finish(now, &self.tracker, &mut self.events);
        if !self.events.is_empty() {
            self.judge(now, &[], &[], alerts);
        }
    }

    /// The tracker's tick retired `retired` (in the order it removed them): takes their
    /// state out of `per` with the same moves, into `out` in the same order (`None` for an
    /// aircraft the engine held nothing for, which the engine never lets happen).
    ///
    /// The tracker's tick walks its slab from slot 0, removing each silent aircraft with
    /// `swap_remove` and looking at the aircraft moved into the slot next; the same walk
    /// over `per`, removing the entries of the retired keys, makes the same moves.
    fn retire_per(&mut self, retired: &[Aircraft], out: &mut Vec<Option<PerAircraft>>) {
        let mut taken: Vec<Option<PerAircraft>> = Vec::with_capacity(retired.len());
        let mut slot = 0;
        while slot < self.per.len() {
            let key = self.per[slot].key;
            if retired.iter().any(|a| a.key == key) {
                taken.push(Some(self.per.swap_remove(slot)));
            } else {
                slot += 1;
            }
        }
        debug_assert_eq!(self.per.len(), self.tracker.aircraft().len());
        debug_assert!(self
            .per
            .iter()
            .zip(self.tracker.aircraft())
            .all(|(p, a)| p.key == a.key));
        for a in retired {
            let found = taken
                .iter_mut()
                .find(|p| p.as_ref().is_some_and(|p| p.key == a.key))
                .and_then(Option::take);
            out.push(found);
        }
    }

    /// Judges the scratch events; `retired` holds aircraft retired in this call and
    /// `retired_per` their state, in the same order (events about them are judged on their
    /// final state).
    fn judge<S: Sink>(
        &mut self,
        now: f64,
        retired: &[Aircraft],
        retired_per: &[Option<PerAircraft>],
        sink: &mut S,
    ) {
        let unknown = Enrichment::unknown();
        for e in self.events.drain(..) {
            self.stats.events += 1;
            sink.event(&e);
            let (a, per) = match self.tracker.slot(e.subject) {
                Some(slot) => (&self.tracker.aircraft()[slot], self.per.get(slot)),
                None => match retired.iter().position(|a| a.key == e.subject) {
                    Some(i) => (&retired[i], retired_per.get(i).and_then(Option::as_ref)),
                    None => match self.gone.get(&e.subject) {
                        Some((_, a, p)) => (a, Some(p)),
                        // Never tracked, or retired long ago and of no interest.
                        None => continue,
                    },
                },
            };
            let enrichment = per.map_or(&unknown, |p| &p.enrichment);
            let s = Subject {
                aircraft: a,
                enrichment,
                now,
                event: Some(EventFacts::of(&e)),
                receivers: &self.receivers,
                zones: &self.zones,
                watchlists: self.rules.watchlists(),
            };
            self.state.on_event(&self.rules, &e, &s, sink.alerts());
        }
    }

    /// Replaces the rules. When a condition names a zone the engine does not have, the
    /// error is returned and the rules in use stay as they were.
    pub fn set_rules(&mut self, rules: RuleSet) -> Result<(), RuleError> {
        let zones = self.zones.clone();
        self.reload(rules, zones)
    }

    /// Replaces rules and zones together (zones first: the rules may name new ones). On an
    /// error nothing changes.
    pub fn reload(&mut self, mut rules: RuleSet, zones: Vec<Zone>) -> Result<(), RuleError> {
        rules.bind_zones(&zones)?;
        self.state.rebind(&self.rules, &rules);
        self.condition_rules = rules.has_condition_rules();
        self.rules = rules;
        if zones != self.zones {
            self.detectors.set_zones(zones.clone());
        }
        self.zones = zones;
        self.stats.reloads += 1;
        // Watch-lists and overrides may have changed: enrich every aircraft again.
        for (a, p) in self.tracker.aircraft().iter().zip(self.per.iter_mut()) {
            p.enrichment = enrich(a, p, &self.db, &self.rules);
            self.stats.enrichments += 1;
        }
        Ok(())
    }

    /// Every tracked aircraft.
    pub fn snapshot(&self) -> impl Iterator<Item = &Aircraft> {
        self.tracker.aircraft().iter()
    }

    /// Every tracked aircraft with its enrichment, in the tracker's order.
    pub fn enriched(&self) -> impl Iterator<Item = (&Aircraft, &Enrichment)> {
        self.tracker
            .aircraft()
            .iter()
            .zip(&self.per)
            .map(|(a, p)| (a, &p.enrichment))
    }

    /// One tracked aircraft with its enrichment (classification and its layer included), for
    /// the keys of [`Output::changed`]: one index look-up.
    pub fn get(&self, key: TrackKey) -> Option<(&Aircraft, &Enrichment)> {
        let slot = self.tracker.slot(key)?;
        let a = &self.tracker.aircraft()[slot];
        let p = self.per.get(slot)?;
        Some((a, &p.enrichment))
    }

    /// The enrichment of one aircraft.
    pub fn enrichment(&self, key: TrackKey) -> Option<&Enrichment> {
        let slot = self.tracker.slot(key)?;
        self.per.get(slot).map(|p| &p.enrichment)
    }

    /// The rules in use.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The zones in use.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// The tracker, for lookups and counters.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    /// The tracker's counters.
    pub fn tracker_stats(&self) -> &TrackerStats {
        self.tracker.stats()
    }

    /// The detectors' counters.
    pub fn detector_stats(&self) -> DetectorStats {
        self.detectors.stats()
    }

    /// The detectors' parameters.
    pub fn detector_params(&self) -> &DetectorParams {
        self.detectors.params()
    }

    /// The rules' counters.
    pub fn rule_stats(&self) -> &RuleStats {
        self.state.stats()
    }

    /// The engine's own counters.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }
}

fn enrich(a: &Aircraft, p: &PerAircraft, db: &AircraftDb, rules: &RuleSet) -> Enrichment {
    Enrichment::compute(
        a.key,
        a.callsign,
        Reported {
            registration: p.registration.as_deref(),
            type_designator: p.type_designator.as_deref(),
        },
        db,
        rules,
    )
}

fn reported_changed(p: &PerAircraft, o: &Observation) -> bool {
    let differs = |mine: &Option<Box<str>>, theirs: &Option<String>| {
        theirs
            .as_deref()
            .map(str::trim)
            .is_some_and(|t| !t.is_empty() && mine.as_deref() != Some(t))
    };
    differs(&p.registration, &o.registration) || differs(&p.type_designator, &o.type_code)
}

fn take_reported(p: &mut PerAircraft, o: &Observation) {
    let keep = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(Box::from)
    };
    if let Some(r) = keep(&o.registration) {
        p.registration = Some(r);
    }
    if let Some(t) = keep(&o.type_code) {
        p.type_designator = Some(t);
    }
}
