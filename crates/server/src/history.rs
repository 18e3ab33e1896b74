//! History as the server sees it: a trait the store implements, so the server never
//! compiles the store. Without a store, [`NoHistory`] answers that there is none.

use std::fmt;

use picket_engine::track::{TrackKey, TrailPoint};
use picket_world::borders::Country;
use serde::Deserialize;

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
    /// Only events in this country's territory, or at its airports (`picket query
    /// --in-country`).
    pub in_country: Option<&'static Country>,
    /// Only events with a position in this box: south, west, north, east (`--bbox`; west
    /// above east crosses the antimeridian).
    pub bbox: Option<[f64; 4]>,
    /// Conditions on the subject aircraft (`--registration`, `--callsign`, `--type`,
    /// `--operator`, `--country`, `--military`).
    pub who: AircraftFilter,
    /// At most this many, newest first.
    pub limit: usize,
}

/// Conditions on an aircraft, as `picket query` takes them; empty: any aircraft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AircraftFilter {
    /// Registration (exact, case-insensitive).
    pub registration: Option<String>,
    /// Callsign pattern in the rules' notation (`*` any run, `?` one character, `#` a digit,
    /// `@` a letter; case-insensitive).
    pub callsign: Option<String>,
    /// ICAO type designator (exact, case-insensitive).
    pub type_designator: Option<String>,
    /// Operator (a case-insensitive part of the name).
    pub operator: Option<String>,
    /// Country of the address block: ISO code or name.
    pub country: Option<String>,
    /// Military or state aircraft only.
    pub military: bool,
}

impl AircraftFilter {
    /// No condition at all.
    pub fn is_empty(&self) -> bool {
        *self == AircraftFilter::default()
    }

    /// Whether an aircraft of this identity meets every condition (a missing field meets
    /// none), as picket-store's `Filter::matches_aircraft` decides for stored aircraft.
    pub fn matches(&self, who: &crate::hub::Identity) -> bool {
        let eq = |want: &Option<String>, have: &Option<String>| {
            want.as_ref()
                .is_none_or(|w| have.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(w.trim())))
        };
        eq(&self.registration, &who.registration)
            && eq(&self.type_designator, &who.type_designator)
            && self.callsign.as_ref().is_none_or(|p| {
                who.flight
                    .as_deref()
                    .is_some_and(|f| picket_engine::rules::pattern_matches(p, f))
            })
            && self.operator.as_ref().is_none_or(|op| {
                who.operator
                    .as_deref()
                    .is_some_and(|o| o.to_lowercase().contains(&op.to_lowercase()))
            })
            && self
                .country
                .as_ref()
                .is_none_or(|c| eq(&Some(c.clone()), &who.country_code) || eq(&Some(c.clone()), &who.country))
            && (!self.military || who.military)
    }
}

/// What `/api/history/{what}` asks: the question and filters of `picket query`, by the
/// flags' names (`in_country` for `--in-country`, `type` for `--type`); `hex` and `kind`
/// take lists separated by commas. Read by the history source exactly as the command line
/// reads its flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StoreQuery {
    /// What to list: `events`, `aircraft`, `tracks`, `deployments`, `sky` (set from the
    /// path).
    #[serde(skip)]
    pub what: String,
    /// From this time (RFC 3339, a date, or Unix seconds).
    pub from: Option<String>,
    /// To this time (a date alone includes the whole day).
    pub to: Option<String>,
    /// For `sky`: the time to look at.
    pub at: Option<String>,
    /// A box `SOUTH,WEST,NORTH,EAST`.
    pub bbox: Option<String>,
    /// A polygon `LAT LON; LAT LON; …`.
    pub polygon: Option<String>,
    /// A zone id (built-in or of the run's zone files).
    pub zone: Option<String>,
    /// A country's territory (ISO code or name).
    pub in_country: Option<String>,
    /// Around an airport (ICAO or IATA code).
    pub airport: Option<String>,
    /// Around a point `LAT,LON`.
    pub around: Option<String>,
    /// Radius for `airport` and `around` (metres, or with `km` / `nm`).
    pub radius: Option<String>,
    /// Addresses, comma-separated.
    pub hex: Option<String>,
    /// Registration.
    pub registration: Option<String>,
    /// Callsign pattern.
    pub callsign: Option<String>,
    /// ICAO type designator.
    #[serde(rename = "type")]
    pub type_designator: Option<String>,
    /// Operator (part of the name).
    pub operator: Option<String>,
    /// Country of the aircraft (address block).
    pub country: Option<String>,
    /// Military and state aircraft only.
    pub military: Option<bool>,
    /// Event kinds, comma-separated.
    pub kind: Option<String>,
    /// Events too that no rule raised.
    pub all_events: Option<bool>,
    /// `json` (the default: an array of what `jsonl` writes a line of), `jsonl`, `csv`,
    /// `geojson`, `kml`, `table`, `parquet` (events and tracks).
    pub format: Option<String>,
    /// At most N rows.
    pub limit: Option<usize>,
}

/// A stored query's answer: its bytes and their media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryAnswer {
    /// `application/json`, `application/geo+json`, …
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

/// Why a stored query has no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// The question itself is wrong (a bad time, an unknown country): said to the client.
    Bad(String),
    /// The store could not answer.
    Failed(HistoryError),
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

    /// A question of `picket query` (`what` and its filters), answered in its format.
    fn query(&self, _query: &StoreQuery) -> Result<QueryAnswer, QueryError> {
        Err(QueryError::Failed(HistoryError("no store".into())))
    }

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
