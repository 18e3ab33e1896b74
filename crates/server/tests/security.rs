//! Nothing but the web files is served, actions need the token, the server stays on
//! loopback unless told, and clients that never read cannot grow memory.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{app, filled, get, post, IL62};
use http_body_util::BodyExt;
use picket_server::hub::CHANGES_KEPT;
use picket_server::{Command, Hub, ServerConfig};
use tower::ServiceExt;

#[tokio::test(flavor = "current_thread")]
async fn only_the_web_files_are_served() {
    let hub = Arc::new(Hub::new());
    let app = app(&hub, ServerConfig::default());
    for ok in [
        "/",
        "/index.html",
        "/app.js",
        "/app.css",
        "/world.json",
        "/licenses.txt",
    ] {
        let (status, body) = get(&app, ok).await;
        assert_eq!(status, StatusCode::OK, "{ok}");
        assert!(!body.is_empty(), "{ok}");
    }
    for bad in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/..%5c..%5cetc%5cpasswd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/index.html/../../etc/passwd",
        "/./../etc/passwd",
        "//etc/passwd",
        "/etc/passwd",
        "/data/../../../etc/passwd",
        "/api/../../etc/passwd",
        "/app.js%00.html",
        "/Cargo.toml",
        "/src/lib.rs",
        "/assets/app.js",
    ] {
        let (status, body) = get(&app, bad).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(!body.contains("root:"), "{bad}");
    }
}

/// The web files are revalidated, not downloaded again: each has an entity tag of its own,
/// and a request naming it gets 304 without a body; another tag gets the file.
#[tokio::test(flavor = "current_thread")]
async fn web_files_answer_304_to_their_own_etag() {
    let hub = Arc::new(Hub::new());
    let app = app(&hub, ServerConfig::default());
    let fetch = |path: &'static str, tag: Option<String>| {
        let app = app.clone();
        async move {
            let mut b = Request::builder().uri(path);
            if let Some(t) = tag {
                b = b.header("if-none-match", t);
            }
            let r = app.oneshot(b.body(Body::empty()).unwrap()).await.unwrap();
            let status = r.status();
            let etag = r.headers().get("etag").map(|v| v.to_str().unwrap().to_owned());
            let cache = r
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = r.into_body().collect().await.unwrap().to_bytes();
            (status, etag, cache, body.len())
        }
    };
    let mut tags = std::collections::HashSet::new();
    for path in [
        "/index.html",
        "/app.js",
        "/app.css",
        "/world.json",
        "/licenses.txt",
    ] {
        let (status, etag, cache, len) = fetch(path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(len > 0, "{path}");
        assert_eq!(
            cache.as_deref(),
            Some("no-cache"),
            "{path}: revalidated each time"
        );
        let etag = etag.unwrap_or_else(|| panic!("{path}: no ETag"));
        assert!(
            etag.len() == 18 && etag.starts_with('"') && etag.ends_with('"'),
            "{etag}"
        );
        assert!(tags.insert(etag.clone()), "{path}: its ETag is another file's");

        let (status, again, _, len) = fetch(path, Some(etag.clone())).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(len, 0, "{path}: 304 has no body");
        assert_eq!(again.as_ref(), Some(&etag));
        let (status, _, _, _) = fetch(path, Some(format!("\"0\", W/{etag}"))).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}: a list, a weak tag");

        let (status, _, _, len) = fetch(path, Some("\"0123456789abcdef\"".into())).await;
        assert_eq!(status, StatusCode::OK, "{path}: another tag gets the file");
        assert!(len > 0);
    }
    // `/` is index.html, tag and all.
    let (_, root, _, _) = fetch("/", None).await;
    let (_, index, _, _) = fetch("/index.html", None).await;
    assert_eq!(root, index);
}

#[tokio::test(flavor = "current_thread")]
async fn actions_need_the_token() {
    let f = filled(300.0);
    let commands = f.hub.take_commands().unwrap();
    let app = app(&f.hub, ServerConfig::with_token("s3cret-token"));
    assert_eq!(
        post(&app, "/api/rules/reload", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&app, "/api/rules/reload", Some("wrong")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&app, "/api/rules/reload", Some("s3cret-tokenX")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&app, "/api/rules/reload", Some("s3cret-toke")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(commands.try_recv().is_err(), "nothing reached the engine");
    assert_eq!(
        post(&app, "/api/rules/reload", Some("s3cret-token")).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(commands.try_recv(), Ok(Command::ReloadRules));
    // GET on an action is no action.
    assert_ne!(get(&app, "/api/rules/reload").await.0, StatusCode::ACCEPTED);

    let landing = f.hub.records().into_iter().find(|r| r.kind == "landing").unwrap();
    let ack = format!("/api/alerts/{}/ack", landing.id_hex());
    assert_eq!(post(&app, &ack, None).await.0, StatusCode::UNAUTHORIZED);
    assert!(!landing.acked.load(Ordering::Relaxed));
    assert_eq!(post(&app, &ack, Some("s3cret-token")).await.0, StatusCode::OK);
    assert!(landing.acked.load(Ordering::Relaxed));
    let (_, body) = get(&app, "/api/events?kind=landing").await;
    assert!(body.contains("\"acked\":true"), "{body}");
    assert_eq!(
        post(&app, "/api/alerts/0123456789abcdef/ack", Some("s3cret-token"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Without a configured token, every action is refused.
    let closed = common::app(&f.hub, ServerConfig::default());
    assert_eq!(
        post(&closed, "/api/rules/reload", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&closed, "/api/rules/reload", Some("")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&closed, &ack, Some("anything")).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn binding_beyond_loopback_needs_the_flag() {
    let any: std::net::SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = picket_server::bind(any, false).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(err.to_string().contains("loopback"), "{err}");
    let lan: std::net::SocketAddr = "192.168.1.10:8080".parse().unwrap();
    assert!(picket_server::bind(lan, false).is_err());
    let local = picket_server::bind("127.0.0.1:0".parse().unwrap(), false).unwrap();
    assert!(local.local_addr().unwrap().ip().is_loopback());
    assert!(picket_server::bind(any, true).is_ok(), "with the flag");
}

/// Reads the next SSE frame of a stream body, if any comes.
async fn next_frame(body: &mut Body) -> Option<String> {
    loop {
        let frame = body.frame().await?.ok()?;
        if let Ok(data) = frame.into_data() {
            return Some(String::from_utf8_lossy(&data).into_owned());
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_thousand_unread_streams_stay_bounded() {
    let f = filled(60.0);
    let hub = f.hub.clone();
    let app = app(&hub, ServerConfig::default());
    let mut open = Vec::new();
    let mut refused = 0;
    for _ in 0..1_000 {
        let r = app
            .clone()
            .oneshot(Request::builder().uri("/api/stream").body(Body::empty()).unwrap())
            .await
            .unwrap();
        match r.status() {
            StatusCode::OK => {
                assert_eq!(r.headers()["content-type"], "text/event-stream");
                open.push(r.into_body());
            }
            StatusCode::SERVICE_UNAVAILABLE => refused += 1,
            s => panic!("unexpected {s}"),
        }
    }
    let limit = picket_server::stream::DEFAULT_MAX_STREAMS;
    assert_eq!(open.len(), limit);
    assert_eq!(refused, 1_000 - limit);
    assert_eq!(hub.counters.streams_open.load(Ordering::Relaxed), limit);
    assert_eq!(
        hub.counters.streams_refused.load(Ordering::Relaxed),
        (1_000 - limit) as u64
    );

    // Many more changes than the ring holds, none read: the queue stays at its bound.
    let mut p = f.publisher;
    let engine = f.engine;
    let now = hub.snapshot().now;
    for i in 0..(CHANGES_KEPT * 4) {
        p.invalidate();
        p.publish(&engine, now + i as f64, 0.0);
        assert!(hub.changes_queued() <= CHANGES_KEPT);
    }
    assert_eq!(hub.changes_queued(), CHANGES_KEPT);

    // A client that fell behind gets its hello, then its stream ends and is counted.
    let mut first = open.remove(0);
    let hello = next_frame(&mut first).await.unwrap();
    assert!(hello.starts_with("event: hello"), "{hello}");
    assert!(
        next_frame(&mut first).await.is_none(),
        "a lagging client is dropped"
    );
    drop(first);
    assert_eq!(hub.counters.streams_dropped.load(Ordering::Relaxed), 1);
    assert_eq!(hub.counters.streams_open.load(Ordering::Relaxed), limit - 1);
    drop(open);
    assert_eq!(
        hub.counters.streams_open.load(Ordering::Relaxed),
        0,
        "closing frees every slot"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_stream_sends_only_what_is_visible_and_passes_the_filters() {
    let f = filled(300.0);
    let hub = f.hub.clone();
    let app = app(&hub, ServerConfig::default());
    let snap = hub.snapshot();
    let located = snap
        .aircraft
        .iter()
        .filter(|a| a.state.position.is_some())
        .count();

    // A box around Maiquetia only.
    let (west, south, east, north) = (-67.3, 10.3, -66.7, 10.9);
    let uri = format!("/api/stream?bbox={west},{south},{east},{north}");
    let r = app
        .clone()
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut body = r.into_body();
    let hello = next_frame(&mut body).await.unwrap();
    let json: serde_json::Value =
        serde_json::from_str(hello.lines().find_map(|l| l.strip_prefix("data: ")).unwrap()).unwrap();
    let shown = json["aircraft"].as_array().unwrap();
    assert!(
        !shown.is_empty() && shown.len() < located,
        "{} of {located}",
        shown.len()
    );
    for a in shown {
        let (lat, lon) = (a["lat"].as_f64().unwrap(), a["lon"].as_f64().unwrap());
        assert!(
            (south..=north).contains(&lat) && (west..=east).contains(&lon),
            "{a}"
        );
    }
    assert!(shown.iter().any(|a| a["hex"] == IL62), "the Il-62M at Maiquetia");
    assert!(json["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["kind"] == "landing"));

    // Military only, anywhere: the two Russian transports and nothing else.
    let r = app
        .clone()
        .oneshot(
            Request::builder()
                .uri("/api/stream?military=1")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = r.into_body();
    let hello = next_frame(&mut body).await.unwrap();
    let json: serde_json::Value =
        serde_json::from_str(hello.lines().find_map(|l| l.strip_prefix("data: ")).unwrap()).unwrap();
    let shown: Vec<&str> = json["aircraft"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["hex"].as_str().unwrap())
        .collect();
    assert!(
        !shown.is_empty() && shown.iter().all(|h| ["1514c0", "150d8a"].contains(h)),
        "{shown:?}"
    );

    // Updates: every aircraft re-published; the box client hears only the box.
    let uri = format!("/api/stream?bbox={west},{south},{east},{north}");
    let r = app
        .clone()
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let mut body = r.into_body();
    let _hello = next_frame(&mut body).await.unwrap();
    let mut p = f.publisher;
    p.invalidate();
    p.publish(&f.engine, snap.now + 1.0, 0.0);
    let update = next_frame(&mut body).await.unwrap();
    assert!(update.starts_with("event: aircraft"), "{update}");
    let json: serde_json::Value =
        serde_json::from_str(update.lines().find_map(|l| l.strip_prefix("data: ")).unwrap()).unwrap();
    let updated = json["updated"].as_array().unwrap();
    assert!(!updated.is_empty() && updated.len() < located);
    assert!(updated.iter().all(|a| {
        let (lat, lon) = (a["lat"].as_f64().unwrap(), a["lon"].as_f64().unwrap());
        (south..=north).contains(&lat) && (west..=east).contains(&lon)
    }));

    assert_eq!(get(&app, "/api/stream?bbox=1,2").await.0, StatusCode::BAD_REQUEST);
}
