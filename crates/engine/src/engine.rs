//! The engine facade: received items in, events out, aircraft states to look at.
//!
//! Sans-IO and deterministic like its parts: [`Engine::ingest`] and [`Engine::tick`] take
//! the data's time. [`Event`] is a first vocabulary (appearance and loss of aircraft);
//! the watch rules and detectors add theirs.

use picket_receive::Received;

use crate::track::{Aircraft, Ingested, TrackKey, Tracker, TrackerConfig};

/// Engine settings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EngineConfig {
    /// Tracker settings.
    pub tracker: TrackerConfig,
}

/// Something that happened, at a data time.
#[derive(Debug, Clone)]
pub enum Event {
    /// An aircraft was heard for the first time (since it was last retired).
    AircraftAppeared {
        /// The aircraft.
        key: TrackKey,
        /// Data time.
        time: f64,
    },
    /// An aircraft was retired after a silence longer than the timeout.
    AircraftLost {
        /// The aircraft.
        key: TrackKey,
        /// Data time of the tick that retired it.
        time: f64,
        /// Its final state.
        last: Box<Aircraft>,
    },
}

/// Tracking (and, later, enrichment, rules and detectors) behind one interface.
#[derive(Debug, Clone)]
pub struct Engine {
    tracker: Tracker,
    /// Reused by `tick`, so retiring allocates nothing once it has grown.
    retired: Vec<Aircraft>,
}

impl Engine {
    /// An engine with no aircraft.
    pub fn new(config: EngineConfig) -> Engine {
        Engine {
            tracker: Tracker::new(config.tracker),
            retired: Vec::new(),
        }
    }

    /// Takes one received item, appending what it caused to `events`.
    pub fn ingest(&mut self, received: &Received, events: &mut Vec<Event>) -> Ingested {
        let result = self.tracker.ingest(received);
        if let Ingested::Updated(u) = result {
            if u.created {
                events.push(Event::AircraftAppeared {
                    key: u.key,
                    time: received.time_utc,
                });
            }
        }
        result
    }

    /// Advances data time to `now`: retires silent aircraft.
    pub fn tick(&mut self, now: f64, events: &mut Vec<Event>) {
        self.tracker.tick(now, &mut self.retired);
        for a in self.retired.drain(..) {
            events.push(Event::AircraftLost {
                key: a.key,
                time: now,
                last: Box::new(a),
            });
        }
    }

    /// Every tracked aircraft.
    pub fn snapshot(&self) -> impl Iterator<Item = &Aircraft> {
        self.tracker.aircraft().iter()
    }

    /// The tracker, for lookups and counters.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }
}
