//! History as the server sees it: a trait the store implements, so the server never
//! compiles the store. Without a store, [`NoHistory`] answers that there is none.

use std::fmt;

use picket_engine::track::{TrackKey, TrailPoint};

/// What `/api/events` asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventQuery {
    /// Event kinds (`landing`, ...); empty: every kind.
    pub kinds: Vec<String>,
    /// Only events involving this aircraft.
    pub aircraft: Option<TrackKey>,
    /// Only events about this zone id.
    pub zone: Option<String>,
    /// Only events about this airport ident.
    pub airport: Option<String>,
    /// Only alerts of this rule.
    pub rule: Option<String>,
    /// Data time from (inclusive), Unix seconds.
    pub since: Option<f64>,
    /// Data time to (exclusive), Unix seconds.
    pub until: Option<f64>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// Why history could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryError(pub String);

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HistoryError {}

/// One aircraft as the store last placed it before a past moment (the map's timeline).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PastAircraft {
    /// Address as picket writes it (`~` before a non-ICAO one).
    pub hex: String,
    /// Data time of the position (Unix seconds), at most the moment asked for.
    pub t: f64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Barometric altitude, ft.
    pub alt_baro: Option<i32>,
    /// Ground speed, kt.
    pub gs: Option<f32>,
    /// Track over ground, degrees.
    pub track: Option<f32>,
    /// On the ground.
    pub on_ground: Option<bool>,
    /// Callsign.
    pub flight: Option<String>,
}

/// Past events and positions, older than what the hub keeps in memory.
pub trait HistorySource: Send + Sync + fmt::Debug {
    /// True when there is a store behind it.
    fn available(&self) -> bool;

    /// Events (JSON objects of events.md's schema, alerts with their rule) matching the
    /// query, newest first.
    fn events(&self, query: &EventQuery) -> Result<Vec<String>, HistoryError>;

    /// Positions of one aircraft in `[from, to)`, oldest first.
    fn trail(&self, aircraft: TrackKey, from: f64, to: f64) -> Result<Vec<TrailPoint>, HistoryError>;

    /// First and last data time of what is stored (None: nothing yet).
    fn range(&self) -> Result<Option<(f64, f64)>, HistoryError> {
        Ok(None)
    }

    /// The sky at a past moment: each aircraft's latest stored position in
    /// `(t - window_s, t]`, at most `limit`.
    fn snapshot(&self, _t: f64, _window_s: f64, _limit: usize) -> Result<Vec<PastAircraft>, HistoryError> {
        Ok(Vec::new())
    }
}

/// No store: nothing beyond what the hub keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHistory;

impl HistorySource for NoHistory {
    fn available(&self) -> bool {
        false
    }

    fn events(&self, _query: &EventQuery) -> Result<Vec<String>, HistoryError> {
        Ok(Vec::new())
    }

    fn trail(&self, _aircraft: TrackKey, _from: f64, _to: f64) -> Result<Vec<TrailPoint>, HistoryError> {
        Ok(Vec::new())
    }
}
