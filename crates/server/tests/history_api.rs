//! The timeline's endpoints over a history source: the stored span and the sky at a past
//! moment; without a store they answer 404, and bad arguments 400.

mod common;

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use common::{get, get_json};
use picket_engine::track::{TrackKey, TrailPoint};
use picket_server::{
    router, AppState, EventQuery, HistoryError, HistorySource, Hub, PastAircraft, ServerConfig,
};

/// A store of two aircraft that records what it was asked.
#[derive(Debug, Default)]
struct Fake {
    asked: Mutex<Vec<(f64, f64, usize)>>,
}

impl HistorySource for Fake {
    fn available(&self) -> bool {
        true
    }
    fn events(&self, _q: &EventQuery) -> Result<Vec<String>, HistoryError> {
        Ok(Vec::new())
    }
    fn trail(&self, _a: TrackKey, _from: f64, _to: f64) -> Result<Vec<TrailPoint>, HistoryError> {
        Ok(Vec::new())
    }
    fn range(&self) -> Result<Option<(f64, f64)>, HistoryError> {
        Ok(Some((1_553_300_000.0, 1_553_386_400.5)))
    }
    fn snapshot(&self, t: f64, window_s: f64, limit: usize) -> Result<Vec<PastAircraft>, HistoryError> {
        self.asked.lock().unwrap().push((t, window_s, limit));
        Ok(vec![
            PastAircraft {
                hex: "1514c0".into(),
                t: t - 3.0,
                lat: 10.6,
                lon: -67.0,
                alt_baro: Some(2_500),
                gs: Some(160.0),
                track: Some(95.5),
                on_ground: Some(false),
                flight: Some("RFF7076".into()),
            },
            PastAircraft {
                hex: "~00a1b2".into(),
                t: t - 50.0,
                lat: 11.0,
                lon: -66.5,
                ..PastAircraft::default()
            },
        ])
    }
}

#[tokio::test]
async fn range_and_snapshot_over_a_store() {
    let fake = Arc::new(Fake::default());
    let hub = Arc::new(Hub::new());
    let app = router(AppState::new(hub, ServerConfig::default()).with_history(fake.clone()));
    let r = get_json(&app, "/api/history/range").await;
    assert_eq!(r["from"].as_f64(), Some(1_553_300_000.0));
    assert_eq!(r["to"].as_f64(), Some(1_553_386_400.5));

    let s = get_json(&app, "/api/history/snapshot?t=1553350000&window=120&limit=5").await;
    assert_eq!(s["t"].as_f64(), Some(1_553_350_000.0));
    let a = s["aircraft"].as_array().unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0]["hex"], "1514c0");
    assert_eq!(a[0]["seen"].as_f64(), Some(1_553_349_997.0));
    assert_eq!(a[0]["lat"].as_f64(), Some(10.6));
    assert_eq!(a[0]["alt_baro"].as_i64(), Some(2_500));
    assert_eq!(a[0]["track"].as_f64(), Some(95.5));
    assert_eq!(a[0]["flight"], "RFF7076");
    assert_eq!(a[0]["on_ground"], false);
    assert_eq!(a[1]["hex"], "~00a1b2");
    assert!(a[1].get("alt_baro").is_none() && a[1].get("flight").is_none());
    // The default window is a minute.
    get_json(&app, "/api/history/snapshot?t=1553350001").await;
    assert_eq!(
        *fake.asked.lock().unwrap(),
        vec![(1_553_350_000.0, 120.0, 5), (1_553_350_001.0, 60.0, 20_000)]
    );
    for bad in [
        "/api/history/snapshot",
        "/api/history/snapshot?t=abc",
        "/api/history/snapshot?t=1553350000&window=0",
        "/api/history/snapshot?t=1553350000&window=7200",
    ] {
        assert_eq!(get(&app, bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
    // The page learns that history exists from /api/config.
    assert_eq!(get_json(&app, "/api/config").await["history"], true);
}

#[tokio::test]
async fn without_a_store_the_timeline_is_not_found() {
    let app = router(AppState::new(Arc::new(Hub::new()), ServerConfig::default()));
    for uri in ["/api/history/range", "/api/history/snapshot?t=1553350000"] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert!(body.contains("--store"), "{body}");
    }
}
