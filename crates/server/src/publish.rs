//! The engine owner's half of the hub: counts what goes into the engine, remembers which
//! aircraft changed, and publishes snapshots, alerts and counters.
//!
//! Whatever drives the engine (the demo's scenario player, the live run-time) calls
//! [`Publisher::on_item`] after each `Engine::ingest_into`, [`Publisher::on_events`] with
//! every event of the engine's `Output` (of the ingest and of the ticks), then
//! [`Publisher::on_alerts`] with its alerts, and [`Publisher::publish`] a few times a second. Unchanged aircraft keep the
//! `Arc` of their previous entry, so a publication costs a copy only for what changed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use picket_engine::engine::Engine;
use picket_engine::event::{Alert, Event, Phase};
use picket_engine::track::{Dropped, Ingested, TrackKey};
use picket_receive::{Received, What};

use crate::hub::{AircraftEntry, Hub, Metrics, ReceiverInfo, SinkInfo, Snapshot};

/// Positions an aircraft's trail should keep for `/api/aircraft/{hex}` and the map: set
/// `TrackerConfig::trail_len` to this (the tracker keeps none by default).
pub const TRAIL_LEN: usize = 240;

/// Per-receiver frame counts for the rate.
#[derive(Debug, Clone, Copy, Default)]
struct Rate {
    frames_at_last: u64,
    time_at_last: Option<f64>,
}

/// Publishes one engine's state into a [`Hub`].
#[derive(Debug)]
pub struct Publisher {
    hub: Arc<Hub>,
    changed: HashSet<TrackKey>,
    /// Receivers that heard each aircraft (bit = receiver id, ids 0..63).
    heard_by: HashMap<TrackKey, u64>,
    published: HashMap<TrackKey, Arc<AircraftEntry>>,
    metrics: Metrics,
    events_by_kind: BTreeMap<&'static str, u64>,
    alerts_by_rule: BTreeMap<String, u64>,
    receivers: Vec<ReceiverInfo>,
    rates: Vec<Rate>,
    messages: u64,
    now: f64,
}

impl Publisher {
    /// A publisher for `hub`, with the receivers known at the start.
    pub fn new(hub: Arc<Hub>, receivers: Vec<ReceiverInfo>) -> Publisher {
        hub.set_receivers(receivers.clone());
        Publisher {
            hub,
            changed: HashSet::new(),
            heard_by: HashMap::new(),
            published: HashMap::new(),
            metrics: Metrics::default(),
            events_by_kind: BTreeMap::new(),
            alerts_by_rule: BTreeMap::new(),
            rates: vec![Rate::default(); receivers.len()],
            receivers,
            messages: 0,
            now: 0.0,
        }
    }

    /// The hub.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Adds a receiver; for an id already known, takes its name, position and connection
    /// and keeps the counters.
    pub fn add_receiver(&mut self, info: ReceiverInfo) {
        match self.receivers.iter_mut().find(|r| r.id == info.id) {
            Some(r) => {
                r.name = info.name;
                r.position = info.position;
                r.connected = info.connected;
            }
            None => {
                self.receivers.push(info);
                self.rates.push(Rate::default());
            }
        }
    }

    /// Sets what the run-time knows of a receiver (its name, connection, the bad frames its
    /// framer dropped before the engine saw them); the frame counts stay the publisher's.
    pub fn set_receiver_status(&mut self, id: u16, name: &str, connected: bool, errors: u64) {
        let r = self.receiver(id);
        if r.name != name {
            r.name = name.to_owned();
        }
        r.connected = connected;
        r.errors = r.errors.max(errors);
    }

    fn receiver(&mut self, id: u16) -> &mut ReceiverInfo {
        let i = match self.receivers.iter().position(|r| r.id == id) {
            Some(i) => i,
            None => {
                self.receivers.push(ReceiverInfo {
                    id,
                    name: format!("receiver {id}"),
                    connected: true,
                    ..ReceiverInfo::default()
                });
                self.rates.push(Rate::default());
                self.receivers.len() - 1
            }
        };
        &mut self.receivers[i]
    }

    /// Counts one item the engine took and what it did. A fix of multilateration
    /// ([`Received::NO_RECEIVER`]) counts for no receiver.
    pub fn on_item(&mut self, r: &Received, result: &Ingested) {
        self.now = self.now.max(r.time_utc);
        let heard = r.receiver != Received::NO_RECEIVER;
        if heard {
            let rx = self.receiver(r.receiver);
            rx.frames += 1;
            rx.last_frame = Some(r.time_utc);
        }
        let mut key = None;
        match &r.what {
            What::ModeS(f) => {
                self.messages += 1;
                self.metrics.frames_by_df[usize::from(f.df().min(24))] += 1;
                // A duplicate was heard by this receiver too: its address is the frame's
                // own for the formats that carry it in clear.
                if let Ingested::Dropped(Dropped::Duplicate) = result {
                    if matches!(f.df(), 11 | 17 | 18) {
                        key = Some(TrackKey::icao(f.aa()));
                    }
                }
            }
            What::ModeAc(_) => self.metrics.mode_ac += 1,
            What::Observation(_) => self.metrics.observations += 1,
        }
        match result {
            Ingested::Updated(u) => {
                self.changed.insert(u.key);
                key = Some(u.key);
            }
            Ingested::Dropped(Dropped::Decode(_)) => {
                self.metrics.bad_frames += 1;
                if heard {
                    self.receiver(r.receiver).errors += 1;
                }
            }
            Ingested::Dropped(_) => {}
        }
        if let Some(k) = key {
            if r.receiver < 64 {
                *self.heard_by.entry(k).or_default() |= 1 << r.receiver;
            }
        }
    }

    /// Counts every detector event by kind (all phases, whether a rule raised an alert or
    /// not: the engine's `Output::events`), and keeps and streams for the timeline those
    /// that began or ended without raising an alert. `alerts`: the alerts of the same step
    /// (an event that raised one is on the timeline as that alert, through
    /// [`Publisher::on_alerts`]; the updates of a lasting event would crowd it out).
    pub fn on_events(&mut self, events: &[Event], alerts: &[Alert]) {
        for e in events {
            *self.events_by_kind.entry(e.kind.as_str()).or_default() += 1;
            if e.phase == Phase::Updated {
                continue;
            }
            let raised = alerts
                .iter()
                .any(|a| a.event.id == e.id && a.event.phase == e.phase);
            if !raised {
                self.hub.push_event(e);
            }
        }
    }

    /// Keeps and streams alerts, counting them by rule.
    pub fn on_alerts(&mut self, alerts: &[Alert]) {
        for a in alerts {
            *self.alerts_by_rule.entry(a.rule.clone()).or_default() += 1;
            for k in a.event.aircraft() {
                self.changed.insert(k);
            }
            self.hub.push_alert(a);
        }
    }

    /// Every aircraft is rebuilt at the next publication (after a rule reload: the
    /// enrichment may have changed without any input).
    pub fn invalidate(&mut self) {
        self.published.clear();
    }

    /// Sets the sinks' counters shown by `/metrics`.
    pub fn set_sinks(&mut self, sinks: Vec<SinkInfo>) {
        self.metrics.sinks = sinks;
    }

    /// Publishes a snapshot at data time `now`, the changes since the last one, the
    /// receivers and the counters. `lag_s`: how late the engine is behind its input.
    pub fn publish(&mut self, engine: &Engine, now: f64, lag_s: f64) {
        let now = now.max(self.now);
        self.now = now;
        let mut aircraft = Vec::with_capacity(engine.tracker().len());
        let mut updated = Vec::new();
        let mut next = HashMap::with_capacity(engine.tracker().len());
        for a in engine.snapshot() {
            let key = a.key;
            let entry = match self.published.get(&key) {
                Some(e) if !self.changed.contains(&key) => e.clone(),
                _ => {
                    let heard = self.heard_by.get(&key).copied().unwrap_or(0);
                    let receivers = (0..64u16).filter(|i| heard & (1 << i) != 0).collect();
                    let Some(e) = AircraftEntry::from_engine(engine, key, receivers) else {
                        continue;
                    };
                    let e = Arc::new(e);
                    updated.push(e.clone());
                    e
                }
            };
            next.insert(key, entry.clone());
            aircraft.push(entry);
        }
        let removed: Vec<TrackKey> = self
            .published
            .keys()
            .filter(|k| !next.contains_key(k))
            .copied()
            .collect();
        for k in &removed {
            self.heard_by.remove(k);
        }
        self.published = next;
        self.changed.clear();
        self.hub
            .publish(Snapshot::new(now, self.messages, aircraft), updated, removed);

        for (r, rate) in self.receivers.iter_mut().zip(self.rates.iter_mut()) {
            if let Some(t0) = rate.time_at_last {
                let dt = now - t0;
                if dt >= 1.0 {
                    r.frames_per_s = r.frames.saturating_sub(rate.frames_at_last) as f64 / dt;
                    rate.frames_at_last = r.frames;
                    rate.time_at_last = Some(now);
                }
            } else {
                rate.frames_at_last = r.frames;
                rate.time_at_last = Some(now);
            }
        }
        self.hub.set_receivers(self.receivers.clone());
        self.metrics.aircraft = engine.tracker().len() as u64;
        self.metrics.events_by_kind = self.events_by_kind.iter().map(|(k, n)| (*k, *n)).collect();
        self.metrics.alerts_by_rule = self.alerts_by_rule.iter().map(|(k, n)| (k.clone(), *n)).collect();
        self.metrics.lag_s = lag_s;
        self.hub.set_metrics(self.metrics.clone());
    }
}
