//! The router through `oneshot` (no socket): readsb's aircraft.json and receiver.json
//! field by field, the API, the metrics under a strict parser of the text format.

mod common;

use std::collections::{BTreeMap, HashSet};

use axum::http::StatusCode;
use common::{app, filled, get, get_json, AN124, IL62};
use picket_server::ServerConfig;
use serde_json::Value;

/// The aircraft keys readsb's README-json.md documents (plus picket's `picket_` ones).
const READSB_KEYS: &[&str] = &[
    "hex",
    "type",
    "flight",
    "alt_baro",
    "alt_geom",
    "gs",
    "ias",
    "tas",
    "mach",
    "track",
    "track_rate",
    "roll",
    "mag_heading",
    "true_heading",
    "baro_rate",
    "geom_rate",
    "squawk",
    "emergency",
    "category",
    "nav_qnh",
    "nav_altitude_mcp",
    "nav_altitude_fms",
    "nav_heading",
    "nav_modes",
    "lat",
    "lon",
    "nic",
    "rc",
    "seen_pos",
    "version",
    "nic_baro",
    "nac_p",
    "nac_v",
    "sil",
    "sil_type",
    "gva",
    "sda",
    "mlat",
    "tisb",
    "messages",
    "seen",
    "rssi",
    "alert",
    "spi",
    "r",
    "t",
    "desc",
    "ownOp",
    "dbFlags",
];

const ADDRESS_TYPES: &[&str] = &[
    "adsb_icao",
    "adsb_icao_nt",
    "adsr_icao",
    "tisb_icao",
    "adsc",
    "mlat",
    "other",
    "mode_s",
    "adsb_other",
    "adsr_other",
    "tisb_other",
    "tisb_trackfile",
];

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {v}"))
}

#[tokio::test(flavor = "current_thread")]
async fn aircraft_json_has_readsbs_fields_names_and_units() {
    let f = filled(300.0);
    let app = app(&f.hub, ServerConfig::default());
    let j = get_json(&app, "/data/aircraft.json").await;
    let snap = f.hub.snapshot();

    // Top level: now (Unix seconds), messages (all Mode S messages), aircraft.
    assert!(
        (num(&j, "now") - snap.now).abs() < 0.06,
        "now {} vs {}",
        j["now"],
        snap.now
    );
    assert_eq!(
        j["messages"].as_u64(),
        Some(f.frames),
        "every fed frame is a Mode S message"
    );
    let list = j["aircraft"].as_array().unwrap();
    assert_eq!(list.len(), snap.aircraft.len(), "aircraft.json is complete");
    assert!(list.len() >= 3);

    let documented: HashSet<&str> = READSB_KEYS.iter().copied().collect();
    for a in list {
        let o = a.as_object().unwrap();
        for k in o.keys() {
            assert!(
                documented.contains(k.as_str()) || k.starts_with("picket_"),
                "{k} is not one of readsb's documented keys"
            );
        }
        let hex = a["hex"].as_str().unwrap();
        let digits = hex.strip_prefix('~').unwrap_or(hex);
        assert!(
            digits.len() == 6
                && digits
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{hex}"
        );
        assert!(
            ADDRESS_TYPES.contains(&a["type"].as_str().unwrap()),
            "{}",
            a["type"]
        );
        // seen/seen_pos: the seconds between the snapshot's time and the aircraft's last
        // message / last position (to the 0.1 s readsb writes); messages: its count.
        let state = &snap
            .get(picket_server::track_key(hex).unwrap())
            .unwrap_or_else(|| panic!("{hex} is in the snapshot"))
            .state;
        let seen = num(a, "seen");
        assert!(
            seen >= 0.0 && (seen - (snap.now - state.last_seen)).abs() < 0.06,
            "{hex}: seen {seen}, now {} last message {}",
            snap.now,
            state.last_seen
        );
        match &state.position {
            Some(p) => {
                assert!((num(a, "lat") - p.lat).abs() < 1e-5, "{hex}");
                assert!((num(a, "lon") - p.lon).abs() < 1e-5, "{hex}");
                let seen_pos = num(a, "seen_pos");
                assert!(
                    seen_pos >= seen - 0.06 && (seen_pos - (snap.now - p.time)).abs() < 0.06,
                    "{hex}: seen_pos {seen_pos}, seen {seen}"
                );
            }
            None => assert!(!o.contains_key("lat") && !o.contains_key("seen_pos"), "{hex}"),
        }
        assert_eq!(
            a["messages"].as_u64(),
            Some(u64::from(state.counts.total)),
            "{hex}"
        );
        if let Some(r) = a.get("rssi") {
            assert!(r.as_f64().unwrap() < 0.0, "rssi is dBFS, negative: {r}");
        }
        if let Some(t) = a.get("track") {
            assert!((0.0..360.0).contains(&t.as_f64().unwrap()));
        }
        if let Some(sq) = a.get("squawk") {
            let s = sq.as_str().unwrap();
            assert!(
                s.len() == 4 && s.bytes().all(|b| (b'0'..=b'7').contains(&b)),
                "squawk {s}"
            );
        }
        if let Some(c) = a.get("category") {
            let c = c.as_str().unwrap();
            assert!(
                c.len() == 2 && ('A'..='D').contains(&c.chars().next().unwrap()),
                "category {c}"
            );
        }
        if let Some(fl) = a.get("flight") {
            assert_eq!(
                fl.as_str().unwrap().len(),
                8,
                "flight is 8 characters, padded: {fl}"
            );
        }
        match a.get("alt_baro") {
            Some(Value::String(s)) => assert_eq!(s, "ground"),
            Some(v) => assert!(v.is_i64(), "alt_baro in whole feet: {v}"),
            None => {}
        }
        for k in ["mlat", "tisb", "nav_modes"] {
            if let Some(v) = a.get(k) {
                assert!(v.is_array(), "{k} is a list");
            }
        }
        if let Some(s) = a.get("sil_type") {
            assert!(["unknown", "perhour", "persample"].contains(&s.as_str().unwrap()));
        }
    }

    // The Il-62M against the engine's own state, value by value.
    let il62 = list
        .iter()
        .find(|a| a["hex"] == IL62)
        .expect("the Il-62M is listed");
    let e = snap.get(picket_server::track_key(IL62).unwrap()).unwrap();
    let s = &e.state;
    assert_eq!(
        il62["flight"].as_str().unwrap().trim_end(),
        s.callsign.unwrap().as_str().trim_end()
    );
    assert_eq!(il62["r"], "RA-86496");
    assert_eq!(il62["t"], "IL62");
    assert_eq!(il62["ownOp"], "Russian Air Force");
    assert_eq!(
        il62["dbFlags"].as_u64().unwrap() & 1,
        1,
        "dbFlags bit 0: military"
    );
    assert_eq!(il62["messages"].as_u64(), Some(u64::from(s.counts.total)));
    let p = s.position.as_ref().unwrap();
    assert!((num(il62, "lat") - p.lat).abs() < 1e-5 && (num(il62, "lon") - p.lon).abs() < 1e-5);
    assert!((num(il62, "seen_pos") - (snap.now - p.time)).abs() < 0.06);
    assert!((num(il62, "seen") - (snap.now - s.last_seen)).abs() < 0.06);
    if s.on_ground == Some(true) {
        assert_eq!(il62["alt_baro"], "ground");
    } else {
        assert_eq!(il62["alt_baro"].as_i64(), s.alt_baro.map(i64::from));
    }
    if let Some(gs) = s.gs {
        assert!((num(il62, "gs") - f64::from(gs)).abs() < 0.06, "gs in knots");
    }
    assert_eq!(
        il62["squawk"].as_str().map(str::to_owned),
        s.squawk.map(|q| q.to_string())
    );
    // An airliner is not military.
    let civil = list
        .iter()
        .find(|a| a["picket_class"] == "unknown")
        .expect("some airliner is listed");
    assert_eq!(civil["dbFlags"].as_u64().unwrap() & 1, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn receiver_json_hides_the_position_unless_configured() {
    let f = filled(20.0);
    let j = get_json(&app(&f.hub, ServerConfig::default()), "/data/receiver.json").await;
    assert!(j["version"].as_str().unwrap().starts_with("picket"));
    assert_eq!(j["refresh"], 1000);
    assert_eq!(j["history"].as_u64(), Some(f.hub.history_count() as u64));
    assert!(j.get("lat").is_none() && j.get("lon").is_none(), "{j}");
    let r = get_json(&app(&f.hub, ServerConfig::default()), "/api/receivers").await;
    let list = r["receivers"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|x| x.get("lat").is_none()), "{r}");
    assert!(list.iter().any(|x| x["frames"].as_u64().unwrap() > 0));

    let open = ServerConfig {
        publish_receiver_position: true,
        ..ServerConfig::default()
    };
    let j = get_json(&app(&f.hub, open.clone()), "/data/receiver.json").await;
    assert!(
        (num(&j, "lat") - 10.54).abs() < 1e-3 && (num(&j, "lon") + 66.87).abs() < 1e-3,
        "{j}"
    );
    let r = get_json(&app(&f.hub, open), "/api/receivers").await;
    assert!(r["receivers"][0].get("lat").is_some());
}

/// readsb's history files, as tar1090 reads them when there are no globe-history chunks:
/// `receiver.json`'s `history` says how many, `history_0.json` .. `history_{n-1}.json` are
/// `aircraft.json` of past snapshots, every 30 s of data time. tar1090's first version waits
/// for them before it polls `aircraft.json` at all.
#[tokio::test(flavor = "current_thread")]
async fn history_files_are_readsbs_past_aircraft_json_every_30_s() {
    let f = filled(300.0);
    let app = app(&f.hub, ServerConfig::default());
    let n = get_json(&app, "/data/receiver.json").await["history"]
        .as_u64()
        .unwrap() as usize;
    // 300 data seconds published once a second: a file at the first and every 30 s after.
    assert!((10..=11).contains(&n), "history {n}");
    let now = num(&get_json(&app, "/data/aircraft.json").await, "now");
    let mut last: Option<f64> = None;
    for i in 0..n {
        let h = get_json(&app, &format!("/data/history_{i}.json")).await;
        let t = num(&h, "now");
        if let Some(prev) = last {
            assert!(
                t >= prev + 30.0 && t < prev + 32.0,
                "history_{i}: now {t} after {prev}"
            );
        }
        assert!(t <= now, "history_{i} is not from the past: {t} > {now}");
        let list = h["aircraft"].as_array().expect("aircraft");
        for a in list {
            assert!(
                a["hex"].is_string() && a["seen"].is_number() && a["messages"].is_number(),
                "{a}"
            );
        }
        last = Some(t);
    }
    // The later files hold the caracas aircraft, as aircraft.json did then.
    let latest = get_json(&app, &format!("/data/history_{}.json", n - 1)).await;
    let hexes: HashSet<&str> = latest["aircraft"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["hex"].as_str())
        .collect();
    assert!(hexes.contains(IL62) && hexes.contains(AN124), "{hexes:?}");
    for bad in [
        format!("/data/history_{n}.json"),
        "/data/history_.json".to_string(),
        "/data/history_x.json".to_string(),
        "/data/history_-1.json".to_string(),
        "/data/history_0.jsonx".to_string(),
        "/data/stats.json".to_string(),
        "/data/chunks.json".to_string(),
    ] {
        assert_eq!(get(&app, &bad).await.0, StatusCode::NOT_FOUND, "{bad}");
    }
}

/// Before anything is published there is still one history file (the current, empty sky),
/// so a page that loads the history before polling does not wait forever.
#[tokio::test(flavor = "current_thread")]
async fn a_fresh_server_announces_one_history_file_and_serves_it() {
    let hub = std::sync::Arc::new(picket_server::Hub::new());
    let app = app(&hub, ServerConfig::default());
    assert_eq!(get_json(&app, "/data/receiver.json").await["history"], 1);
    let h = get_json(&app, "/data/history_0.json").await;
    assert_eq!(h["aircraft"].as_array().map(Vec::len), Some(0), "{h}");
    assert_eq!(get(&app, "/data/history_1.json").await.0, StatusCode::NOT_FOUND);
}

/// The history keeps at most readsb's 120 files, the newest, one per 30 data seconds.
#[test]
fn history_keeps_the_newest_120_files_30_s_apart() {
    use picket_server::hub::{HISTORY_FILES, HISTORY_INTERVAL_S};
    let hub = picket_server::Hub::new();
    let t0 = 1_700_000_000.0;
    // Published every 10 s for 250 intervals: only every third one is kept.
    for k in 0..750u32 {
        let t = t0 + f64::from(k) * HISTORY_INTERVAL_S / 3.0;
        hub.publish(
            picket_server::Snapshot::new(t, u64::from(k), Vec::new()),
            Vec::new(),
            Vec::new(),
        );
    }
    assert_eq!(hub.history_count(), HISTORY_FILES);
    let first: Value = serde_json::from_slice(&hub.history_file(0).unwrap()).unwrap();
    let last: Value = serde_json::from_slice(&hub.history_file(HISTORY_FILES - 1).unwrap()).unwrap();
    assert_eq!(num(&last, "now"), t0 + 249.0 * HISTORY_INTERVAL_S);
    assert_eq!(
        num(&first, "now"),
        t0 + (250 - HISTORY_FILES) as f64 * HISTORY_INTERVAL_S
    );
    assert!(hub.history_file(HISTORY_FILES).is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn aircraft_detail_has_state_enrichment_layer_trail_and_receivers() {
    let f = filled(300.0);
    let app = app(&f.hub, ServerConfig::default());
    let j = get_json(&app, &format!("/api/aircraft/{IL62}")).await;
    let a = &j["aircraft"];
    assert_eq!(a["hex"], IL62);
    assert_eq!(a["type"], "IL62");
    assert_eq!(a["registration"], "RA-86496");
    assert_eq!(a["country"], "RU");
    assert_eq!(a["country_name"], "Russia");
    assert_eq!(a["military"], true);
    // The classification is written once, in the aircraft.
    assert_eq!(a["classification"]["class"], "military");
    assert!(!a["classification"]["layer"].as_str().unwrap().is_empty());
    assert!(!a["classification"]["detail"].as_str().unwrap().is_empty());
    assert!(j.get("classification").is_none(), "{j}");
    let trail = j["trail"].as_array().unwrap();
    assert!(trail.len() > 5, "a recent trail: {}", trail.len());
    let times: Vec<f64> = trail.iter().map(|p| p[0].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let names: Vec<&str> = j["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"avila"), "{names:?}");
    assert!(j["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "landing"));

    // Upper case works; unknown and malformed addresses are 404.
    assert_eq!(
        get(&app, &format!("/api/aircraft/{}", IL62.to_uppercase()))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(get(&app, "/api/aircraft/abcdef").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/api/aircraft/xyz").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "current_thread")]
async fn events_filter_by_kind_aircraft_airport_zone_and_time() {
    let f = filled(300.0);
    let app = app(&f.hub, ServerConfig::default());
    let all = get_json(&app, "/api/events?limit=5000").await;
    let all = all["events"].as_array().unwrap().clone();
    // Every alert is there; beside them, the events no rule raised (their starts and ends).
    let alerts = all.iter().filter(|e| e.get("rule").is_some()).count();
    assert_eq!(alerts as u64, f.alerts);
    assert!(all
        .iter()
        .all(|e| e.get("rule").is_some() || e["phase"] != "updated"));
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first");

    let landings = get_json(&app, "/api/events?kind=landing").await;
    let landings = landings["events"].as_array().unwrap();
    assert_eq!(landings.len(), 1, "{landings:?}");
    let l = &landings[0];
    assert_eq!(l["hex"], IL62);
    assert_eq!(l["airport"], "SVMI");
    assert_eq!(l["rule"], "military");
    assert!(l["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e.get("lat").is_some()));

    let at = get_json(&app, "/api/events?airport=svmi").await;
    assert_eq!(at["events"].as_array().unwrap().len(), 1);
    let an124 = get_json(&app, &format!("/api/events?aircraft={AN124}")).await;
    assert!(an124["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["hex"] == AN124));
    let kinds: HashSet<&str> = all.iter().filter_map(|e| e["kind"].as_str()).collect();
    let two: Vec<&str> = kinds.iter().copied().take(2).collect();
    let both = get_json(&app, &format!("/api/events?kind={}", two.join(","))).await;
    assert_eq!(
        both["events"].as_array().unwrap().len(),
        all.iter()
            .filter(|e| two.contains(&e["kind"].as_str().unwrap()))
            .count()
    );
    let zone = get_json(&app, "/api/events?zone=alaska_adiz").await;
    assert!(zone["events"].as_array().unwrap().is_empty());
    let t = l["time"].as_f64().unwrap();
    let after = get_json(&app, &format!("/api/events?since={}", t + 0.001)).await;
    assert!(after["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["time"].as_f64().unwrap() > t));
    // (`time` is written rounded to the millisecond: a boundary a millisecond earlier.)
    let before = get_json(&app, &format!("/api/events?until={}&kind=landing", t - 0.001)).await;
    assert!(before["events"].as_array().unwrap().is_empty(), "{before} vs {l}");
    let limited = get_json(&app, "/api/events?limit=1").await;
    assert_eq!(limited["events"].as_array().unwrap().len(), 1);
    assert_eq!(
        get(&app, "/api/events?since=yesterday").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&app, "/api/events?aircraft=zz").await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test(flavor = "current_thread")]
async fn events_filter_by_country_box_and_aircraft_as_picket_query_does() {
    let f = filled(300.0);
    let app = app(&f.hub, ServerConfig::default());
    let count = |v: &Value| v["events"].as_array().unwrap().len();
    let hexes = |v: &Value| -> Vec<String> {
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["hex"].as_str().unwrap().to_owned())
            .collect()
    };
    // The IL-62's landing at La Carlota (SVMI) is in Venezuela, by code or by name.
    let ve = get_json(&app, "/api/events?kind=landing&in_country=VE").await;
    assert_eq!(hexes(&ve), [IL62], "{ve}");
    let by_name = get_json(&app, "/api/events?kind=landing&in_country=venezuela").await;
    assert_eq!(count(&by_name), 1);
    assert_eq!(
        count(&get_json(&app, "/api/events?kind=landing&in_country=US").await),
        0
    );
    // Events with no place and no position (a `went_dark`, say) are in no country.
    let all = get_json(&app, "/api/events?limit=5000").await;
    let in_ve = get_json(&app, "/api/events?limit=5000&in_country=VE").await;
    assert!(count(&in_ve) >= 1 && count(&in_ve) <= count(&all), "{in_ve}");
    assert_eq!(
        count(&get_json(&app, "/api/events?limit=5000&in_country=RU").await),
        0
    );
    // A box around Caracas (west,south,east,north) holds the landing; one over Moscow not.
    assert_eq!(
        count(&get_json(&app, "/api/events?kind=landing&bbox=-67.5,10.0,-66.5,11.0").await),
        1
    );
    assert_eq!(
        count(&get_json(&app, "/api/events?kind=landing&bbox=37,55,38,56").await),
        0
    );
    // The aircraft's conditions: Russian, military, its registration, type and callsign.
    for q in [
        "country=RU&military=true",
        "country=russia",
        "registration=ra-86496",
        "type=IL62",
        "callsign=RFF*",
    ] {
        let v = get_json(&app, &format!("/api/events?kind=landing&{q}")).await;
        assert_eq!(hexes(&v), [IL62], "{q}: {v}");
    }
    for q in [
        "country=US",
        "registration=RA-82010",
        "type=A124",
        "callsign=AFR*",
        "operator=lufthansa",
    ] {
        let v = get_json(&app, &format!("/api/events?kind=landing&{q}")).await;
        assert_eq!(count(&v), 0, "{q}: {v}");
    }
    // The AN-124's own events, by its registration.
    let an = get_json(&app, "/api/events?limit=5000&registration=RA-82010").await;
    assert!(count(&an) > 0 && hexes(&an).iter().all(|h| h == AN124), "{an}");
    for bad in ["in_country=atlantis", "bbox=1,2,3", "military=maybe"] {
        assert_eq!(
            get(&app, &format!("/api/events?{bad}")).await.0,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn zones_rules_airports_and_search() {
    let f = filled(120.0);
    let app = app(&f.hub, ServerConfig::default());
    let z = get_json(&app, "/api/zones").await;
    assert_eq!(z["type"], "FeatureCollection");
    let features = z["features"].as_array().unwrap();
    let adiz = features
        .iter()
        .find(|x| x["properties"]["id"] == "alaska_adiz")
        .unwrap();
    assert_eq!(adiz["properties"]["name"], "Alaska ADIZ");
    let ring = &adiz["geometry"]["coordinates"][0];
    let ring = if adiz["geometry"]["type"] == "MultiPolygon" {
        &ring[0]
    } else {
        ring
    };
    let ring = ring.as_array().unwrap();
    assert_eq!(ring.first(), ring.last(), "closed ring");

    let r = get_json(&app, "/api/rules").await;
    assert!(r["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"] == "military"));

    let a = get_json(&app, "/api/airports?bbox=-67.5,10.0,-66.5,11.0").await;
    assert!(a["airports"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["ident"] == "SVMI"));
    assert_eq!(
        get(&app, "/api/airports?bbox=1,2,3").await.0,
        StatusCode::BAD_REQUEST
    );

    for (q, hex) in [
        ("ra-864", IL62),
        ("IL6", IL62),
        ("rff707", IL62),
        ("russian air", AN124),
        ("150d8", AN124),
    ] {
        let s = get_json(&app, &format!("/api/search?q={}", q.replace(' ', "%20"))).await;
        let found: Vec<&str> = s["aircraft"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["hex"].as_str().unwrap())
            .collect();
        assert!(found.contains(&hex), "search {q:?} found {found:?}");
    }
    let none = get_json(&app, "/api/search?q=nothing-like-this").await;
    assert!(none["aircraft"].as_array().unwrap().is_empty());
}

/// A strict reader of the Prometheus text format 0.0.4: every sample belongs to the family
/// its `# TYPE` line announced just before, names and label names are valid, label values
/// are escaped, values are floats, no sample is repeated. Returns the samples.
fn parse_prometheus(text: &str) -> BTreeMap<String, f64> {
    fn valid_name(s: &str) -> bool {
        let mut c = s.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
            && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
    }
    assert!(text.ends_with('\n'), "ends with a newline");
    let mut samples = BTreeMap::new();
    let mut family: Option<(String, String)> = None;
    let mut typed = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("line {}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let what = parts.next().unwrap();
            let name = parts.next().unwrap_or_else(|| panic!("{at}"));
            assert!(valid_name(name), "{at}");
            match what {
                "HELP" => assert!(parts.next().is_some_and(|h| !h.is_empty()), "{at}"),
                "TYPE" => {
                    let kind = parts.next().unwrap_or_else(|| panic!("{at}"));
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "{at}"
                    );
                    assert!(typed.insert(name.to_owned()), "{at}: family typed twice");
                    family = Some((name.to_owned(), kind.to_owned()));
                }
                _ => panic!("{at}: unknown comment"),
            }
            continue;
        }
        assert!(!line.is_empty(), "{at}: empty line");
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{at}"));
        let (name, labels) = match series.find('{') {
            Some(i) => (&series[..i], Some(&series[i..])),
            None => (series, None),
        };
        assert!(valid_name(name), "{at}");
        let (fam, kind) = family
            .as_ref()
            .unwrap_or_else(|| panic!("{at}: sample before its TYPE"));
        assert_eq!(name, fam, "{at}: sample outside its family");
        if let Some(l) = labels {
            assert!(l.starts_with('{') && l.ends_with('}'), "{at}");
            let body = &l[1..l.len() - 1];
            let mut rest = body;
            while !rest.is_empty() {
                let (lname, after) = rest.split_once("=\"").unwrap_or_else(|| panic!("{at}"));
                assert!(valid_name(lname) && !lname.starts_with("__"), "{at}");
                let mut chars = after.char_indices();
                let end = loop {
                    match chars.next() {
                        Some((_, '\\')) => {
                            let (_, e) = chars.next().unwrap_or_else(|| panic!("{at}"));
                            assert!(['\\', '"', 'n'].contains(&e), "{at}: bad escape");
                        }
                        Some((i, '"')) => break i,
                        Some(_) => {}
                        None => panic!("{at}: unterminated label value"),
                    }
                };
                rest = &after[end + 1..];
                if let Some(r) = rest.strip_prefix(',') {
                    rest = r;
                } else {
                    assert!(rest.is_empty(), "{at}");
                }
            }
        }
        let v: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap_or_else(|_| panic!("{at}: value")),
        };
        if kind == "counter" {
            assert!(v >= 0.0, "{at}: negative counter");
        }
        assert!(
            samples.insert(series.to_owned(), v).is_none(),
            "{at}: repeated sample"
        );
    }
    samples
}

#[tokio::test(flavor = "current_thread")]
async fn metrics_parse_strictly_and_count_what_happened() {
    let f = filled(300.0);
    let app = app(&f.hub, ServerConfig::default());
    let (status, text) = get(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let m = parse_prometheus(&text);
    let frames: f64 = m
        .iter()
        .filter(|(k, _)| k.starts_with("picket_frames_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(frames as u64, f.frames, "frames by type add up to the frames fed");
    assert!(m["picket_frames_total{df=\"17\"}"] > 0.0);
    assert_eq!(
        m["picket_aircraft_tracked"] as usize,
        f.hub.snapshot().aircraft.len()
    );
    // Every detector event is counted by kind, those no rule raised an alert for too.
    let events: BTreeMap<String, f64> = m
        .iter()
        .filter_map(|(k, v)| {
            let kind = k
                .strip_prefix("picket_events_total{kind=\"")?
                .strip_suffix("\"}")?;
            Some((kind.to_owned(), *v))
        })
        .collect();
    let expected: BTreeMap<String, f64> = f
        .events_by_kind
        .iter()
        .map(|(k, n)| ((*k).to_owned(), *n as f64))
        .collect();
    assert_eq!(events, expected);
    assert!(m["picket_events_total{kind=\"landing\"}"] >= 1.0);
    assert_eq!(m["picket_alerts_total{rule=\"military\"}"] as u64, f.alerts);
    assert!(m["picket_receiver_frames_total{receiver=\"avila\"}"] > 0.0);
    assert!(m["picket_receiver_frames_per_second{receiver=\"avila\"}"] > 0.0);
    assert_eq!(m["picket_bad_frames_total"], 0.0);
    assert!(m.contains_key("picket_pipeline_lag_seconds"));
    assert!(m["picket_http_requests_total"] >= 1.0);

    // Sinks and odd label values are written and escaped.
    let mut p = f.publisher;
    p.set_sinks(vec![picket_server::SinkInfo {
        name: "web\"hook\\1\nx".into(),
        sent: 3,
        dropped: 1,
        failed: 0,
        retries: 2,
    }]);
    p.publish(&f.engine, f.hub.snapshot().now, 0.25);
    let (_, text) = get(&app, "/metrics").await;
    let m = parse_prometheus(&text);
    assert_eq!(
        m["picket_sink_alerts_dropped_total{sink=\"web\\\"hook\\\\1\\nx\"}"],
        1.0
    );
    assert_eq!(m["picket_sink_retries_total{sink=\"web\\\"hook\\\\1\\nx\"}"], 2.0);
    assert_eq!(m["picket_pipeline_lag_seconds"], 0.25);
}

/// `picket_events_total` counts every detector event by kind, not only those that raised
/// alerts: under a rule that raises landings only, the first sightings are counted too.
#[tokio::test(flavor = "current_thread")]
async fn metrics_count_the_events_no_rule_raised() {
    let rules = picket_engine::rules::RuleSet::load(
        "[[rule]]\nname = \"landings\"\nwhen = \"military\"\nevents = [\"landing\"]\n",
        "landings.toml",
    )
    .unwrap();
    let f = common::filled_with(300.0, rules);
    let app = app(&f.hub, ServerConfig::default());
    let m = parse_prometheus(&get(&app, "/metrics").await.1);
    assert_eq!(f.alerts, 1, "the landing alone raised an alert");
    assert_eq!(m["picket_alerts_total{rule=\"landings\"}"], 1.0);
    assert_eq!(m["picket_events_total{kind=\"landing\"}"], 1.0);
    let first_seen = f.events_by_kind["first_seen"];
    assert!(first_seen >= 3, "the driver saw first sightings: {first_seen}");
    assert_eq!(
        m["picket_events_total{kind=\"first_seen\"}"], first_seen as f64,
        "first sightings raised no alert and are counted all the same"
    );
    // They are on the timeline as events (no rule), the landing as its alert.
    let j = get_json(&app, "/api/events?limit=5000").await;
    let list = j["events"].as_array().unwrap();
    let seen = list.iter().filter(|e| e["kind"] == "first_seen").count();
    assert_eq!(seen as u64, first_seen, "every first sighting is on the timeline");
    assert!(list
        .iter()
        .filter(|e| e["kind"] == "first_seen")
        .all(|e| e.get("rule").is_none()));
    assert!(list
        .iter()
        .any(|e| e["kind"] == "landing" && e["rule"] == "landings"));
}

#[test]
fn the_strict_parser_refuses_what_the_format_forbids() {
    for bad in [
        "x 1\n",                              // no TYPE
        "# TYPE x counter\nx{a=\"1} 1\n",     // unterminated
        "# TYPE x counter\nx{a=\"\\q\"} 1\n", // bad escape
        "# TYPE x counter\ny 1\n",            // outside its family
        "# TYPE x counter\nx one\n",          // not a number
        "# TYPE x counter\nx 1\nx 2\n",       // repeated
        "# TYPE x counter\nx -1\n",           // negative counter
        "# TYPE 1x counter\n",                // bad name
    ] {
        assert!(
            std::panic::catch_unwind(|| parse_prometheus(bad)).is_err(),
            "accepted {bad:?}"
        );
    }
}

/// Regression: the demo adds its receivers again on every pass; that reset the frame
/// counts below the rate's last reading and the subtraction overflowed.
#[test]
fn adding_a_known_receiver_again_keeps_its_counters() {
    let mut f = filled(30.0);
    let before = f.hub.receivers()[0].frames;
    assert!(before > 0);
    f.publisher.add_receiver(picket_server::ReceiverInfo {
        id: 0,
        name: "avila again".into(),
        connected: true,
        ..Default::default()
    });
    let now = f.hub.snapshot().now;
    f.publisher.publish(&f.engine, now + 2.0, 0.0);
    let r = &f.hub.receivers()[0];
    assert_eq!(r.name, "avila again");
    assert_eq!(r.frames, before);
}

/// An aircraft located by multilateration is labelled so in the state of
/// `/api/aircraft/{hex}` (`position_source`), in aircraft.json (readsb's `mlat` list of the
/// fields it made) and in its alerts (the aircraft's `position_source`, the evidence's); one
/// with another tool's positions is not.
#[tokio::test(flavor = "current_thread")]
async fn mlat_positions_are_labelled_in_the_state_aircraft_json_and_alerts() {
    use picket_engine::engine::{Engine, EngineConfig};
    use picket_modes::Icao;
    use picket_receive::{Clock, Observation, ObservationSource, Received, What};
    use picket_server::{Hub, Publisher};
    use std::sync::Arc;

    let hub = Arc::new(Hub::new());
    let mut config = EngineConfig::default();
    config.tracker.trail_len = picket_server::TRAIL_LEN;
    config.rules = picket_engine::rules::RuleSet::default_rules_per_event();
    let mut engine = Engine::new(config);
    hub.set_world(engine.zones(), engine.rules());
    let mut publisher = Publisher::new(hub.clone(), Vec::new());
    let mut alerts = Vec::new();
    let t0 = 1_565_290_000.0;
    // Two military aircraft (US address block) side by side: one located by picket's
    // multilateration, one by another tool's JSON states.
    let (located, other) = (0xae0101u32, 0xae0102u32);
    let mut next = f64::NEG_INFINITY;
    for k in 0..30 {
        for (hex, source, dlat) in [
            (located, ObservationSource::Mlat, 0.0),
            (other, ObservationSource::JsonState, 0.5),
        ] {
            let t = t0 + f64::from(k);
            if t >= next {
                engine.tick(t, &mut alerts);
                publisher.publish(&engine, t, 0.0);
                next = t.floor() + 1.0;
            }
            let o = Observation {
                lat: Some(70.0 + dlat + 0.01 * f64::from(k)),
                lon: Some(-160.0),
                alt_baro: Some(33_000),
                gs: Some(450.0),
                track: Some(0.0),
                ..Observation::new(Icao(hex), source)
            };
            let r = Received {
                time_utc: t,
                clock: Clock::None,
                signal: None,
                receiver: 0,
                what: What::Observation(Box::new(o)),
            };
            let result = engine.ingest(&r, &mut alerts);
            publisher.on_item(&r, &result);
            publisher.on_alerts(&alerts);
            alerts.clear();
        }
    }
    publisher.publish(&engine, t0 + 30.0, 0.0);
    let app = app(&hub, ServerConfig::default());

    let j = get_json(&app, "/data/aircraft.json").await;
    let list = j["aircraft"].as_array().unwrap();
    let entry = |hex: u32| {
        list.iter()
            .find(|a| a["hex"] == format!("{hex:06x}"))
            .unwrap_or_else(|| panic!("{hex:06x} in {list:?}"))
            .clone()
    };
    assert_eq!(entry(located)["mlat"], serde_json::json!(["lat", "lon"]));
    assert_eq!(entry(other)["mlat"], serde_json::json!([]));

    let j = get_json(&app, &format!("/api/aircraft/{located:06x}")).await;
    assert_eq!(j["aircraft"]["position_source"], "mlat", "{j}");
    let events = j["events"].as_array().unwrap();
    assert!(!events.is_empty(), "its alerts: {j}");
    for e in events {
        assert_eq!(e["aircraft"]["position_source"], "mlat", "{e}");
        for ev in e["evidence"].as_array().unwrap() {
            if ev.get("lat").is_some() {
                assert_eq!(ev["position_source"], "mlat", "{e}");
            }
        }
    }
    let j = get_json(&app, &format!("/api/aircraft/{other:06x}")).await;
    assert_eq!(j["aircraft"]["position_source"], "other", "{j}");
    for e in j["events"].as_array().unwrap() {
        assert_eq!(e["aircraft"]["position_source"], "other", "{e}");
    }
}

/// A fix of multilateration (receiver [`Received::NO_RECEIVER`]) counts for no receiver:
/// `/api/receivers` shows only the frames each receiver heard, no row for the fixes, and the
/// aircraft located only by fixes is heard by no receiver, while one receiver 0 heard is.
#[tokio::test(flavor = "current_thread")]
async fn fixes_of_multilateration_are_credited_to_no_receiver() {
    use picket_engine::engine::{Engine, EngineConfig};
    use picket_modes::Icao;
    use picket_receive::{Clock, Observation, ObservationSource, Received, What};
    use picket_server::{Hub, Publisher, ReceiverInfo};
    use std::sync::Arc;

    let hub = Arc::new(Hub::new());
    let mut engine = Engine::new(EngineConfig::default());
    let receiver = ReceiverInfo {
        id: 0,
        name: "nome".into(),
        connected: true,
        ..ReceiverInfo::default()
    };
    let mut publisher = Publisher::new(hub.clone(), vec![receiver]);
    let mut alerts = Vec::new();
    let t0 = 1_565_290_000.0;
    // One aircraft heard by receiver 0, one located only by multilateration's fixes.
    let (heard, located) = (0x4ca201u32, 0x156f01u32);
    for k in 0..20 {
        let t = t0 + f64::from(k);
        for (hex, source, id) in [
            (heard, ObservationSource::JsonState, 0),
            (located, ObservationSource::Mlat, Received::NO_RECEIVER),
        ] {
            let o = Observation {
                lat: Some(70.0 + 0.01 * f64::from(k)),
                lon: Some(if hex == heard { -160.0 } else { -158.0 }),
                alt_baro: Some(33_000),
                ..Observation::new(Icao(hex), source)
            };
            let r = Received {
                time_utc: t,
                clock: Clock::None,
                signal: None,
                receiver: id,
                what: What::Observation(Box::new(o)),
            };
            let result = engine.ingest(&r, &mut alerts);
            publisher.on_item(&r, &result);
        }
    }
    publisher.publish(&engine, t0 + 20.0, 0.0);
    let app = app(&hub, ServerConfig::default());

    let r = get_json(&app, "/api/receivers").await;
    let list = r["receivers"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{r}");
    assert_eq!(list[0]["name"], "nome");
    assert_eq!(list[0]["frames"], 20, "{r}");
    let heard_by = |j: &serde_json::Value| -> Vec<u64> {
        j["receivers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_u64().unwrap())
            .collect()
    };
    let j = get_json(&app, &format!("/api/aircraft/{located:06x}")).await;
    assert_eq!(j["aircraft"]["position_source"], "mlat", "{j}");
    assert_eq!(heard_by(&j), Vec::<u64>::new(), "{j}");
    let j = get_json(&app, &format!("/api/aircraft/{heard:06x}")).await;
    assert_eq!(heard_by(&j), vec![0], "{j}");
}
