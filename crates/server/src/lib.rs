//! picket-server: the HTTP side of picket.
//!
//! [`router`] serves, from a [`Hub`] the engine's owner fills:
//! - `/data/aircraft.json`, `/data/receiver.json`: readsb's layout ([`readsb`]);
//! - `/api/aircraft/{hex}`, `/api/search`, `/api/events`, `/api/zones`, `/api/rules`,
//!   `/api/airports`, `/api/receivers`, `/api/config`;
//! - `/api/stream`: Server-Sent Events of aircraft changes and alerts, filtered by the
//!   client's visible box and filters ([`stream`]);
//! - `/metrics`: Prometheus text ([`metrics`]);
//! - the web map's files, built into the binary ([`assets`]); nothing else is served.
//!
//! State-changing actions (`POST /api/rules/reload`, `POST /api/alerts/{id}/ack`) need the
//! configured token as `Authorization: Bearer ...`. History is reached through
//! [`HistorySource`], so this crate never compiles the store.
//!
//! ```
//! use std::sync::Arc;
//! use picket_server::{router, AppState, Hub, ServerConfig};
//!
//! let hub = Arc::new(Hub::new());
//! let app = router(AppState::new(hub, ServerConfig::default()));
//! # let _ = app;
//! ```

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use picket_engine::track::TrackKey;
use picket_receive::json::JsonObject;
use picket_receive::observation::parse_hex_address;
use serde::Deserialize;

pub mod assets;
pub mod history;
pub mod hub;
pub mod metrics;
pub mod publish;
pub mod readsb;
pub mod stream;
pub mod world_json;

pub use history::{
    AircraftFilter, EventQuery, HistoryError, HistorySource, NoHistory, PastAircraft, QueryAnswer,
    QueryError, StoreQuery,
};
pub use hub::{
    AircraftEntry, Change, Command, Hub, Identity, Metrics, ReceiverInfo, Record, SinkInfo, Snapshot,
};
pub use publish::{Publisher, TRAIL_LEN};

/// Server settings.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// The token state-changing requests must carry; `None`: such requests are refused.
    pub token: Option<String>,
    /// Publish receiver positions (`receiver.json`, `/api/receivers`, the page).
    pub publish_receiver_position: bool,
    /// An online raster tile URL template for the map (`https://.../{z}/{x}/{y}.png`);
    /// `None`: the built-in offline base map only.
    pub tile_url: Option<String>,
    /// Attribution shown with the online tiles.
    pub tile_attribution: Option<String>,
    /// Most live streams open at once; further ones get 503.
    pub max_streams: usize,
}

impl ServerConfig {
    /// The defaults with a token.
    pub fn with_token(token: impl Into<String>) -> ServerConfig {
        ServerConfig {
            token: Some(token.into()),
            ..ServerConfig::default()
        }
    }

    fn max_streams(&self) -> usize {
        if self.max_streams == 0 {
            stream::DEFAULT_MAX_STREAMS
        } else {
            self.max_streams
        }
    }
}

/// What every handler sees.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The live state.
    pub hub: Arc<Hub>,
    /// Past events and positions.
    pub history: Arc<dyn HistorySource>,
    /// Settings.
    pub config: Arc<ServerConfig>,
}

impl AppState {
    /// State with no history behind it.
    pub fn new(hub: Arc<Hub>, config: ServerConfig) -> AppState {
        AppState {
            hub,
            history: Arc::new(NoHistory),
            config: Arc::new(config),
        }
    }

    /// The same state with a history source.
    pub fn with_history(mut self, history: Arc<dyn HistorySource>) -> AppState {
        self.history = history;
        self
    }
}

/// An error answer: a status and a short message for the client, never internals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    message: &'static str,
}

impl ApiError {
    const fn new(status: StatusCode, message: &'static str) -> ApiError {
        ApiError { status, message }
    }
    const NOT_FOUND: ApiError = ApiError::new(StatusCode::NOT_FOUND, "not found");
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = String::new();
        JsonObject::new(&mut body).str("error", self.message);
        let mut r = (self.status, body).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

/// A JSON answer of text already written.
fn json(body: impl Into<axum::body::Body>) -> Response {
    let mut r = Response::new(body.into());
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// The router of every endpoint.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/data/aircraft.json", get(aircraft_json))
        .route("/data/receiver.json", get(receiver_json))
        .route("/data/{file}", get(history_json))
        .route("/api/aircraft/{hex}", get(aircraft))
        .route("/api/search", get(search))
        .route("/api/events", get(events))
        .route("/api/history/range", get(history_range))
        .route("/api/history/snapshot", get(history_snapshot))
        .route("/api/history/{what}", get(history_query))
        .route("/api/zones", get(zones))
        .route("/api/rules", get(rules))
        .route("/api/rules/reload", post(reload_rules))
        .route("/api/alerts/{id}/ack", post(acknowledge))
        .route("/api/airports", get(airports))
        .route("/api/receivers", get(receivers))
        .route("/api/config", get(config))
        .route("/api/stream", get(stream::stream))
        .route("/metrics", get(metrics::metrics))
        .fallback(assets::asset)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

async fn count_requests(State(s): State<AppState>, req: Request, next: axum::middleware::Next) -> Response {
    s.hub.counters.requests.fetch_add(1, Ordering::Relaxed);
    next.run(req).await
}

/// Binds a listener, refusing an address beyond loopback unless `allow_remote`.
pub fn bind(addr: SocketAddr, allow_remote: bool) -> std::io::Result<TcpListener> {
    if !addr.ip().is_loopback() && !allow_remote {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("refusing to serve on {addr}, beyond loopback, without the explicit flag (--http-allow-remote)"),
        ));
    }
    let l = TcpListener::bind(addr)?;
    l.set_nonblocking(true)?;
    Ok(l)
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// The track key of an address as readsb writes it (`3c6444`, `~3c6444` for non-ICAO, in
/// either case), read by picket-receive's `parse_hex_address`.
pub fn track_key(text: &str) -> Option<TrackKey> {
    let (a, non_icao) = parse_hex_address(text)?;
    Some(if non_icao {
        TrackKey::non_icao(a)
    } else {
        TrackKey::icao(a)
    })
}

async fn aircraft_json(State(s): State<AppState>) -> Response {
    let snap = s.hub.snapshot();
    let body = snap
        .aircraft_json
        .get_or_init(|| axum::body::Bytes::from(readsb::aircraft_json(&snap)))
        .clone();
    json(body)
}

async fn receiver_json(State(s): State<AppState>) -> Response {
    json(readsb::receiver_json(
        &s.hub.receivers(),
        s.hub.history_count(),
        s.config.publish_receiver_position,
    ))
}

/// `/data/history_{i}.json`, readsb's history files; any other name under `/data/` is 404.
async fn history_json(State(s): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let i = file
        .strip_prefix("history_")
        .and_then(|f| f.strip_suffix(".json"))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<usize>().ok())
        .ok_or(ApiError::NOT_FOUND)?;
    s.hub.history_file(i).map(json).ok_or(ApiError::NOT_FOUND)
}

async fn aircraft(State(s): State<AppState>, Path(hex): Path<String>) -> Result<Response, ApiError> {
    let key = track_key(&hex).ok_or(ApiError::NOT_FOUND)?;
    let snap = s.hub.snapshot();
    let e = snap.get(key).ok_or(ApiError::NOT_FOUND)?;
    let receivers = s.hub.receivers();
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    o.fixed("now", snap.now, 3);
    {
        let mut a = o.object("aircraft");
        picket_engine::state_json::write_aircraft(&mut a, &e.state, snap.now, e.enrichment.as_ref());
        if let Some(en) = &e.enrichment {
            a.opt_str("country_name", en.country.map(|c| c.name));
            a.opt_str(
                "registration_source",
                en.registration_source.map(|r| match r {
                    picket_engine::rules::Source::Reported => "reported",
                    picket_engine::rules::Source::AircraftDb => "database",
                    picket_engine::rules::Source::Address => "address",
                }),
            );
            a.bool("watched", !en.watch.is_empty());
        }
    }
    // The classification (class, layer, detail) is the aircraft's own, written once above.
    {
        let mut arr = o.array("receivers");
        for id in &e.receivers {
            let mut r = arr.object();
            r.num("id", *id);
            if let Some(info) = receivers.iter().find(|r| r.id == *id) {
                r.str("name", &info.name);
            }
        }
    }
    {
        let mut arr = o.array("trail");
        for p in &e.trail {
            let mut t = arr.array();
            t.raw(&format!("{:.1}", p.time))
                .raw(&format!("{:.5}", p.lat))
                .raw(&format!("{:.5}", p.lon));
            match (p.on_ground, p.alt_baro) {
                (true, _) => t.str("ground"),
                (false, Some(alt)) => t.num(alt),
                (false, None) => t.raw("null"),
            };
        }
    }
    {
        let mut arr = o.array("events");
        for r in s
            .hub
            .records()
            .iter()
            .rev()
            .filter(|r| r.aircraft.contains(&key))
            .take(50)
        {
            arr.raw(&record_json(r));
        }
    }
    o.finish();
    Ok(json(out))
}

/// A record's JSON with the hub's `seq` and `acked` in front.
pub fn record_json(r: &Record) -> String {
    let mut out = String::with_capacity(r.json.len() + 32);
    out.push_str("{\"seq\":");
    out.push_str(&r.seq.to_string());
    out.push_str(",\"acked\":");
    out.push_str(if r.acked.load(Ordering::Relaxed) {
        "true"
    } else {
        "false"
    });
    match r.json.strip_prefix('{') {
        Some(rest) if rest != "}" => {
            out.push(',');
            out.push_str(rest);
        }
        _ => out.push('}'),
    }
    out
}

#[derive(Debug, Deserialize)]
struct SearchParams {
    q: Option<String>,
    limit: Option<usize>,
}

/// Aircraft whose address, registration, callsign, type or operator contains the text.
async fn search(State(s): State<AppState>, Query(p): Query<SearchParams>) -> Response {
    let q = p.q.unwrap_or_default().trim().to_lowercase();
    let limit = p.limit.unwrap_or(50).min(500);
    let snap = s.hub.snapshot();
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    let mut arr = o.array("aircraft");
    let mut n = 0;
    if !q.is_empty() {
        let has = |v: Option<&str>| v.is_some_and(|v| v.to_lowercase().contains(&q));
        for e in snap.aircraft.iter() {
            let a = &e.state;
            let en = e.enrichment.as_ref();
            let hex = a.key.to_string();
            let callsign = a.callsign.map(|c| c.as_str().trim().to_owned());
            let matched = hex.contains(&q)
                || has(callsign.as_deref())
                || has(en.and_then(|e| e.registration.as_deref()))
                || has(en.and_then(|e| e.type_designator.as_deref()))
                || has(en.and_then(|e| e.description.as_deref()))
                || has(en.and_then(|e| e.operator.as_deref()));
            if !matched {
                continue;
            }
            let mut j = arr.object();
            j.str("hex", &hex)
                .opt_str("flight", callsign.as_deref().filter(|c| !c.is_empty()));
            if let Some(en) = en {
                j.opt_str("registration", en.registration.as_deref())
                    .opt_str("type", en.type_designator.as_deref())
                    .opt_str("operator", en.operator.as_deref())
                    .opt_str("country", en.country.map(|c| c.iso2));
            }
            if let Some(p) = &a.position {
                j.fixed("lat", p.lat, 5).fixed("lon", p.lon, 5);
            }
            drop(j);
            n += 1;
            if n == limit {
                break;
            }
        }
    }
    drop(arr);
    o.finish();
    json(out)
}

#[derive(Debug, Deserialize)]
struct EventParams {
    kind: Option<String>,
    aircraft: Option<String>,
    hex: Option<String>,
    zone: Option<String>,
    airport: Option<String>,
    rule: Option<String>,
    since: Option<String>,
    until: Option<String>,
    in_country: Option<String>,
    bbox: Option<String>,
    registration: Option<String>,
    callsign: Option<String>,
    #[serde(rename = "type")]
    type_designator: Option<String>,
    operator: Option<String>,
    country: Option<String>,
    military: Option<bool>,
    limit: Option<usize>,
}

/// A country by ISO code or name, as `picket query --in-country` finds it.
pub fn find_country(text: &str) -> Option<&'static picket_world::borders::Country> {
    picket_world::borders::country(text).or_else(|| {
        picket_world::borders::countries()
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(text.trim()))
    })
}

impl EventParams {
    fn query(self) -> Result<EventQuery, ApiError> {
        let bad = |m| ApiError::new(StatusCode::BAD_REQUEST, m);
        let time = |t: Option<String>| -> Result<Option<f64>, ApiError> {
            match t {
                None => Ok(None),
                Some(t) => picket_receive::time::parse_time(&t)
                    .map(Some)
                    .ok_or(bad("since/until: Unix seconds or RFC 3339 expected")),
            }
        };
        let aircraft = match self.aircraft.or(self.hex) {
            None => None,
            Some(h) => Some(track_key(&h).ok_or(bad("aircraft: 6 hex digits expected"))?),
        };
        let in_country = match &self.in_country {
            None => None,
            Some(c) => Some(find_country(c).ok_or(bad("in_country: an ISO country code or name"))?),
        };
        let bbox = match &self.bbox {
            None => None,
            Some(b) => Some(parse_bbox(b).ok_or(bad("bbox: west,south,east,north"))?),
        }
        // The history's order: south, west, north, east.
        .map(|[w, s, e, n]| [s, w, n, e]);
        let blank = |v: Option<String>| v.filter(|t| !t.trim().is_empty());
        Ok(EventQuery {
            in_country,
            bbox,
            who: AircraftFilter {
                registration: blank(self.registration),
                callsign: blank(self.callsign),
                type_designator: blank(self.type_designator),
                operator: blank(self.operator),
                country: blank(self.country),
                military: self.military.unwrap_or(false),
            },
            kinds: self
                .kind
                .map(|k| {
                    k.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            aircraft,
            zone: self.zone,
            airport: self.airport.map(|a| a.to_ascii_uppercase()),
            rule: self.rule,
            since: time(self.since)?,
            until: time(self.until)?,
            limit: self.limit.unwrap_or(500).clamp(1, 5_000),
        })
    }
}

fn matches(q: &EventQuery, r: &Record) -> bool {
    (q.kinds.is_empty() || q.kinds.iter().any(|k| k == r.kind))
        && q.aircraft.is_none_or(|a| r.aircraft.contains(&a))
        && q.zone.as_ref().is_none_or(|z| r.zone.as_ref() == Some(z))
        && q.airport.as_ref().is_none_or(|a| r.airport.as_ref() == Some(a))
        && q.rule.as_ref().is_none_or(|x| r.rule.as_ref() == Some(x))
        && q.since.is_none_or(|t| r.time >= t)
        && q.until.is_none_or(|t| r.time < t)
        && q.in_country.is_none_or(|c| {
            r.place_country == Some(c.code) || r.position.is_some_and(|p| c.shape.contains(p))
        })
        && q.bbox.is_none_or(|[s, w, n, e]| {
            r.position
                .is_some_and(|p| picket_world::geo::in_box(p, [w, s, e, n]))
        })
        && q.who.matches(&r.who)
}

/// Events and alerts, newest first: the hub's, then history's older ones.
async fn events(State(s): State<AppState>, Query(p): Query<EventParams>) -> Result<Response, ApiError> {
    let q = p.query()?;
    let records = s.hub.records();
    let oldest = records.first().map(|r| r.time);
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    o.fixed("now", s.hub.snapshot().now, 3);
    o.bool("history", s.history.available());
    let mut arr = o.array("events");
    let mut n = 0;
    for r in records.iter().rev().filter(|r| matches(&q, r)) {
        if n == q.limit {
            break;
        }
        arr.raw(&record_json(r));
        n += 1;
    }
    // Older than the hub keeps: ask history.
    if n < q.limit && s.history.available() && q.since.is_none_or(|t| oldest.is_none_or(|o| t < o)) {
        let mut hq = q.clone();
        hq.until = match (q.until, oldest) {
            (Some(u), Some(o)) => Some(u.min(o)),
            (u, o) => u.or(o),
        };
        hq.limit = q.limit - n;
        let older = s
            .history
            .events(&hq)
            .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "history unavailable"))?;
        for e in older.iter().take(hq.limit) {
            arr.raw(e);
        }
    }
    drop(arr);
    o.finish();
    Ok(json(out))
}

fn no_history() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no history: picket runs without --store")
}

fn history_failed(_e: HistoryError) -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "history unavailable")
}

/// The span of data time the store holds: `{"from":…,"to":…}` (nulls when empty).
async fn history_range(State(s): State<AppState>) -> Result<Response, ApiError> {
    if !s.history.available() {
        return Err(no_history());
    }
    let span = s.history.range().map_err(history_failed)?;
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    o.opt_fixed("from", span.map(|x| x.0), 3);
    o.opt_fixed("to", span.map(|x| x.1), 3);
    o.finish();
    Ok(json(out))
}

/// `/api/history/{what}`: a question of `picket query` (`events`, `aircraft`, `tracks`,
/// `deployments`, `sky`) with its filters as parameters, answered from the store in the
/// format asked (`json` by default).
async fn history_query(
    State(s): State<AppState>,
    Path(what): Path<String>,
    Query(mut q): Query<StoreQuery>,
) -> Result<Response, Response> {
    if !s.history.available() {
        return Err(no_history().into_response());
    }
    q.what = what;
    // The store's reads are blocking: off the runtime's thread.
    let history = s.history.clone();
    let answer = tokio::task::spawn_blocking(move || history.query(&q))
        .await
        .map_err(|_| history_failed(HistoryError("query failed".into())).into_response())?;
    match answer {
        Ok(a) => {
            let mut r = Response::new(axum::body::Body::from(a.body));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            Ok(r)
        }
        Err(QueryError::Bad(why)) => {
            let mut body = String::new();
            JsonObject::new(&mut body).str("error", &why);
            let mut r = (StatusCode::BAD_REQUEST, body).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Err(r)
        }
        Err(QueryError::Failed(e)) => Err(history_failed(e).into_response()),
    }
}

#[derive(Debug, Deserialize)]
struct SnapshotParams {
    t: Option<f64>,
    window: Option<f64>,
    limit: Option<usize>,
}

/// The sky at a past moment `t`: every aircraft's latest stored position within `window`
/// seconds before it (60 by default, at most an hour).
async fn history_snapshot(
    State(s): State<AppState>,
    Query(p): Query<SnapshotParams>,
) -> Result<Response, ApiError> {
    if !s.history.available() {
        return Err(no_history());
    }
    let t = p.t.filter(|t| t.is_finite()).ok_or(ApiError::new(
        StatusCode::BAD_REQUEST,
        "t: a Unix time in seconds",
    ))?;
    let window = p.window.unwrap_or(60.0);
    if !(window > 0.0 && window <= 3600.0) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "window: seconds, above 0 and at most 3600",
        ));
    }
    let limit = p.limit.unwrap_or(20_000).min(100_000);
    let aircraft = s.history.snapshot(t, window, limit).map_err(history_failed)?;
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    o.fixed("t", t, 3);
    let mut arr = o.array("aircraft");
    for a in aircraft.iter().take(limit) {
        let mut j = arr.object();
        j.str("hex", &a.hex)
            .fixed("seen", a.t, 3)
            .fixed("lat", a.lat, 6)
            .fixed("lon", a.lon, 6);
        j.opt_num("alt_baro", a.alt_baro);
        j.opt_fixed("gs", a.gs.map(f64::from), 1);
        j.opt_fixed("track", a.track.map(f64::from), 1);
        if let Some(g) = a.on_ground {
            j.bool("on_ground", g);
        }
        j.opt_str("flight", a.flight.as_deref());
    }
    drop(arr);
    o.finish();
    Ok(json(out))
}

async fn zones(State(s): State<AppState>) -> Response {
    let mut r = json(s.hub.world().zones_json.clone());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    r
}

async fn rules(State(s): State<AppState>) -> Response {
    json(s.hub.world().rules_json.clone())
}

#[derive(Debug, Deserialize)]
struct BoxParams {
    bbox: Option<String>,
    limit: Option<usize>,
}

/// Parses `west,south,east,north`.
pub fn parse_bbox(text: &str) -> Option<[f64; 4]> {
    let mut v = [0.0; 4];
    let mut parts = text.split(',');
    for slot in &mut v {
        *slot = parts
            .next()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())?;
    }
    if parts.next().is_some() || v[1] > v[3] {
        return None;
    }
    Some(v)
}

async fn airports(State(_s): State<AppState>, Query(p): Query<BoxParams>) -> Result<Response, ApiError> {
    let bbox = match p.bbox {
        Some(b) => parse_bbox(&b).ok_or(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bbox: west,south,east,north",
        ))?,
        None => [-180.0, -90.0, 180.0, 90.0],
    };
    Ok(json(world_json::airports_in(
        bbox,
        p.limit.unwrap_or(2_000).min(20_000),
    )))
}

async fn receivers(State(s): State<AppState>) -> Response {
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    let mut arr = o.array("receivers");
    for r in s.hub.receivers().iter() {
        let mut j = arr.object();
        j.num("id", r.id).str("name", &r.name);
        if s.config.publish_receiver_position {
            if let Some(p) = r.position {
                j.fixed("lat", p.lat, 4).fixed("lon", p.lon, 4);
            }
        }
        j.num("frames", r.frames).fixed("frames_per_s", r.frames_per_s, 1);
        j.num("errors", r.errors).opt_fixed("last_frame", r.last_frame, 3);
        j.bool("connected", r.connected);
    }
    drop(arr);
    o.finish();
    json(out)
}

/// What the page needs to know: the tile URL (if any), whether history exists.
async fn config(State(s): State<AppState>) -> Response {
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    o.opt_str("tile_url", s.config.tile_url.as_deref());
    o.opt_str("tile_attribution", s.config.tile_attribution.as_deref());
    o.bool("history", s.history.available());
    o.bool("actions", s.config.token.is_some());
    o.str("version", env!("CARGO_PKG_VERSION"));
    o.finish();
    json(out)
}

/// Checks the bearer token in constant time.
fn authorised(config: &ServerConfig, headers: &HeaderMap) -> Result<(), ApiError> {
    let unauthorised = ApiError::new(StatusCode::UNAUTHORIZED, "a valid bearer token is required");
    let Some(token) = &config.token else {
        return Err(unauthorised);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(unauthorised.clone())?;
    let (a, b) = (given.as_bytes(), token.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, x) in b.iter().enumerate() {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ x);
    }
    if diff == 0 && !token.is_empty() {
        Ok(())
    } else {
        Err(unauthorised)
    }
}

async fn reload_rules(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorised(&s.config, &headers)?;
    if s.hub.command(Command::ReloadRules) {
        let mut r = json("{\"reload\":\"requested\"}");
        *r.status_mut() = StatusCode::ACCEPTED;
        Ok(r)
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the engine is busy; try again",
        ))
    }
}

async fn acknowledge(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    authorised(&s.config, &headers)?;
    let id = u64::from_str_radix(&id, 16).map_err(|_| ApiError::NOT_FOUND)?;
    if s.hub.acknowledge(id) {
        Ok(json("{\"acked\":true}"))
    } else {
        Err(ApiError::NOT_FOUND)
    }
}
