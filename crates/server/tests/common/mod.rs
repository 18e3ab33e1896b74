//! A hub filled by the real engine from a short window of the caracas scenario: the first
//! landing at Caracas (the Il-62M, 1514c0) falls inside it.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use picket_engine::engine::{Engine, EngineConfig, Output};
use picket_server::{router, AppState, Hub, Publisher, ReceiverInfo, ServerConfig};
use picket_sim::{Scenario, Simulation, Window};
use tower::ServiceExt;

/// The Il-62M of the caracas scenario.
pub const IL62: &str = "1514c0";
/// The An-124.
pub const AN124: &str = "150d8a";

/// What a filled hub holds beside itself.
pub struct Filled {
    pub hub: Arc<Hub>,
    pub engine: Engine,
    pub publisher: Publisher,
    pub frames: u64,
    pub alerts: u64,
    /// Every detector event the engine produced, by kind (all phases), as the driver
    /// counted them from the engine's `Output`.
    pub events_by_kind: std::collections::BTreeMap<&'static str, u64>,
}

/// Plays caracas from +4640 s for `seconds` of data time through the engine into a hub,
/// publishing once per data second.
pub fn filled(seconds: f64) -> Filled {
    // One alert per event: these tests look at each event's alert (the default rules
    // deliver incidents).
    filled_with(seconds, picket_engine::rules::RuleSet::default_rules_per_event())
}

/// [`filled`] under the given rules.
pub fn filled_with(seconds: f64, rules: picket_engine::rules::RuleSet) -> Filled {
    let hub = Arc::new(Hub::new());
    let scenario = Scenario::builtin("caracas").unwrap();
    let sim = Simulation::new(
        &scenario,
        scenario.seed,
        Window {
            from_s: 4_640.0,
            duration_s: Some(seconds),
        },
    );
    let mut config = EngineConfig::default();
    config.tracker.trail_len = picket_server::TRAIL_LEN;
    config.rules = rules;
    let mut engine = Engine::new(config);
    hub.set_world(engine.zones(), engine.rules());
    let receivers = scenario
        .receivers
        .iter()
        .enumerate()
        .map(|(i, r)| ReceiverInfo {
            id: i as u16,
            name: r.name.clone(),
            position: Some(r.position),
            connected: true,
            ..ReceiverInfo::default()
        })
        .collect();
    let mut publisher = Publisher::new(hub.clone(), receivers);
    // Driven as the demo and the live run-time drive it: `ingest_into`/`tick_into`, every
    // event to `on_events`, then the alerts to `on_alerts`.
    let mut out = Output::new();
    let (mut frames, mut n_alerts) = (0, 0);
    let mut events_by_kind = std::collections::BTreeMap::new();
    let mut next = f64::NEG_INFINITY;
    let mut last = 0.0;
    for h in sim.frames() {
        let r = h.received;
        if r.time_utc >= next {
            engine.tick_into(r.time_utc, &mut out);
            publisher.publish(&engine, r.time_utc, 0.0);
            next = picket_engine::engine::next_tick_due(r.time_utc);
        }
        let result = engine.ingest_into(&r, &mut out);
        publisher.on_item(&r, &result);
        frames += 1;
        n_alerts += out.alerts.len() as u64;
        for e in &out.events {
            *events_by_kind.entry(e.kind.as_str()).or_default() += 1;
        }
        publisher.on_events(&out.events, &out.alerts);
        publisher.on_alerts(&out.alerts);
        out.clear();
        last = r.time_utc;
    }
    publisher.publish(&engine, last, 0.0);
    Filled {
        hub,
        engine,
        publisher,
        frames,
        alerts: n_alerts,
        events_by_kind,
    }
}

/// The app on a hub.
pub fn app(hub: &Arc<Hub>, config: ServerConfig) -> axum::Router {
    router(AppState::new(hub.clone(), config))
}

/// GET: status and body.
pub async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let r = app
        .clone()
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = r.status();
    let body = r.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// GET, expecting 200 and JSON.
pub async fn get_json(app: &axum::Router, uri: &str) -> serde_json::Value {
    let (status, body) = get(app, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {body}"))
}

/// POST with an optional bearer token: status and body.
pub async fn post(app: &axum::Router, uri: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut b = Request::builder().method("POST").uri(uri);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    let r = app.clone().oneshot(b.body(Body::empty()).unwrap()).await.unwrap();
    let status = r.status();
    let body = r.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}
