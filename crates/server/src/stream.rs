//! `/api/stream`: Server-Sent Events of aircraft changes and alerts for one page.
//!
//! Query: `bbox=west,south,east,north` (the visible map), `military=1`, `watched=1`,
//! `type=IL62,A124` (type designators), `country=RU,US` (ISO codes). Events:
//! - `hello`: `{"now", "aircraft":[...visible...], "records":[...the last 100...]}`;
//! - `aircraft`: `{"now", "updated":[...], "removed":["hex",...]}`: only aircraft that pass
//!   the filters; an aircraft that leaves the box or stops passing is listed as removed once;
//! - `record`: one alert or event (every one, whatever the box).
//!
//! Memory per client is bounded: the changes sit once in the hub's broadcast ring of
//! [`crate::hub::CHANGES_KEPT`] entries, each client holds a cursor and the set of
//! aircraft it was sent. A client that falls further behind than the ring (it stopped
//! reading) has its stream closed and counted (`picket_http_streams_dropped_total`); at
//! most `max_streams` streams are open at once, further ones get 503.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use picket_engine::track::TrackKey;
use picket_receive::json::{JsonArray, JsonObject};
use picket_world::geo::{in_box, LatLon};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::hub::{AircraftEntry, Change, Hub};
use crate::{parse_bbox, record_json, ApiError, AppState};

/// Most streams open at once unless configured.
pub const DEFAULT_MAX_STREAMS: usize = 256;

/// Records sent in the `hello` event.
const HELLO_RECORDS: usize = 100;

/// The stream's query.
#[derive(Debug, Deserialize, Default)]
pub struct StreamParams {
    bbox: Option<String>,
    military: Option<String>,
    watched: Option<String>,
    #[serde(rename = "type")]
    types: Option<String>,
    country: Option<String>,
}

/// What one client wants to see.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// `[west, south, east, north]`; west > east crosses the antimeridian.
    pub bbox: Option<[f64; 4]>,
    /// Military and state aircraft only.
    pub military: bool,
    /// Watch-listed aircraft only.
    pub watched: bool,
    /// Type designators (upper case); empty: any.
    pub types: Vec<String>,
    /// Country ISO codes (upper case); empty: any.
    pub countries: Vec<String>,
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "true" | "yes" | "on"))
}

fn list(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Filter {
    /// The filter of a query.
    pub fn from_params(p: &StreamParams) -> Result<Filter, ApiError> {
        let bbox = match &p.bbox {
            Some(b) => Some(parse_bbox(b).ok_or(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bbox: west,south,east,north",
            ))?),
            None => None,
        };
        Ok(Filter {
            bbox,
            military: flag(&p.military),
            watched: flag(&p.watched),
            types: list(&p.types),
            countries: list(&p.country),
        })
    }

    /// True when the aircraft has a position and passes every part of the filter.
    pub fn shows(&self, e: &AircraftEntry) -> bool {
        let Some(p) = &e.state.position else {
            return false;
        };
        if let Some(bbox) = self.bbox {
            if !in_box(LatLon::new(p.lat, p.lon), bbox) {
                return false;
            }
        }
        if self.military && !e.military() {
            return false;
        }
        if self.watched && !e.watched() {
            return false;
        }
        let en = e.enrichment.as_ref();
        if !self.types.is_empty() {
            let t = en.and_then(|e| e.type_designator.as_deref()).unwrap_or("");
            if !self.types.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                return false;
            }
        }
        if !self.countries.is_empty() {
            let c = en.and_then(|e| e.country).map_or("", |c| c.iso2);
            if !self.countries.iter().any(|x| x.eq_ignore_ascii_case(c)) {
                return false;
            }
        }
        true
    }
}

/// The map's short form of an aircraft: `hex, flight, lat, lon, alt ("ground" or ft), gs,
/// track, cat, sq, mil, watch, t, r, cc, op, cls`.
pub fn write_compact(arr: &mut JsonArray<'_>, e: &AircraftEntry) {
    let a = &e.state;
    let mut o = arr.object();
    o.display("hex", a.key);
    if let Some(cs) = a.callsign.filter(|c| !c.as_str().trim().is_empty()) {
        o.str("flight", cs.as_str().trim());
    }
    if let Some(p) = &a.position {
        o.fixed("lat", p.lat, 5).fixed("lon", p.lon, 5);
    }
    if a.on_ground == Some(true) {
        o.str("alt", "ground");
    } else {
        o.opt_num("alt", a.alt_baro);
    }
    o.opt_fixed("gs", a.gs.map(f64::from), 0);
    o.opt_fixed("track", a.track.or(a.true_heading).map(f64::from), 0);
    if let Some(c) = a.category {
        o.display("cat", c);
    }
    o.opt_display("sq", a.squawk);
    o.bool("mil", e.military()).bool("watch", e.watched());
    if let Some(en) = &e.enrichment {
        o.opt_str("t", en.type_designator.as_deref())
            .opt_str("r", en.registration.as_deref())
            .opt_str("cc", en.country.map(|c| c.iso2))
            .opt_str("op", en.operator.as_deref())
            .str("cls", picket_engine::event::class_name(en.classification.class));
    }
}

/// Closes the count of open streams when the stream ends (or its client goes away).
#[derive(Debug)]
struct Open(Arc<Hub>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.counters.streams_open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One client's stream.
struct Client {
    hello: Option<String>,
    rx: tokio::sync::broadcast::Receiver<Arc<Change>>,
    filter: Filter,
    sent: HashSet<TrackKey>,
    open: Open,
}

impl Client {
    /// The `aircraft` event of a change, if anything in it concerns this client.
    fn aircraft_event(
        &mut self,
        now: f64,
        updated: &[Arc<AircraftEntry>],
        removed: &[TrackKey],
    ) -> Option<String> {
        let mut out = String::new();
        let mut gone = Vec::new();
        let mut any = false;
        {
            let mut o = JsonObject::new(&mut out);
            o.fixed("now", now, 1);
            {
                let mut arr = o.array("updated");
                for e in updated {
                    if self.filter.shows(e) {
                        write_compact(&mut arr, e);
                        self.sent.insert(e.key());
                        any = true;
                    } else if self.sent.remove(&e.key()) {
                        gone.push(e.key());
                    }
                }
            }
            for k in removed {
                if self.sent.remove(k) {
                    gone.push(*k);
                }
            }
            let mut arr = o.array("removed");
            for k in &gone {
                arr.display(k);
                any = true;
            }
        }
        any.then_some(out)
    }

    async fn next(&mut self) -> Option<Event> {
        if let Some(h) = self.hello.take() {
            return Some(Event::default().event("hello").data(h));
        }
        loop {
            match self.rx.recv().await {
                Ok(change) => match &*change {
                    Change::Aircraft {
                        now,
                        updated,
                        removed,
                    } => {
                        if let Some(data) = self.aircraft_event(*now, updated, removed) {
                            return Some(Event::default().event("aircraft").data(data));
                        }
                    }
                    Change::Record(r) => {
                        return Some(Event::default().event("record").data(record_json(r)));
                    }
                },
                Err(RecvError::Lagged(_)) => {
                    // The client stopped reading: drop it rather than buffer for it.
                    self.open
                        .0
                        .counters
                        .streams_dropped
                        .fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// Opens a stream.
pub(crate) async fn stream(
    State(s): State<AppState>,
    Query(p): Query<StreamParams>,
) -> Result<Response, ApiError> {
    let filter = Filter::from_params(&p)?;
    let hub = s.hub.clone();
    let n = hub.counters.streams_open.fetch_add(1, Ordering::Relaxed) + 1;
    // From here on, dropping `open` closes the count (a refused stream included).
    let open = Open(hub.clone());
    if n > s.config.max_streams() {
        hub.counters.streams_refused.fetch_add(1, Ordering::Relaxed);
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many live streams",
        ));
    }
    // Subscribe before reading the snapshot, so no change falls between the two.
    let rx = hub.subscribe();
    let snap = hub.snapshot();
    let mut sent = HashSet::new();
    let mut hello = String::new();
    {
        let mut o = JsonObject::new(&mut hello);
        o.fixed("now", snap.now, 1);
        {
            let mut arr = o.array("aircraft");
            for e in snap.aircraft.iter().filter(|e| filter.shows(e)) {
                write_compact(&mut arr, e);
                sent.insert(e.key());
            }
        }
        let records = hub.records();
        let mut arr = o.array("records");
        for r in records.iter().rev().take(HELLO_RECORDS).rev() {
            arr.raw(&record_json(r));
        }
    }
    let client = Client {
        hello: Some(hello),
        rx,
        filter,
        sent,
        open,
    };
    let events = futures_util::stream::unfold(client, |mut c| async move {
        let e = c.next().await?;
        Some((Ok::<_, Infallible>(e), c))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
