//! `picket demo` and `picket run` with `http = ...`: the map's server over a real socket on
//! loopback, fed by the engine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Starts picket and returns the child with the address it serves (from its stderr).
fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_picket"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("serving the map at http://") {
                let rest = &line[i + "serving the map at http://".len()..];
                let addr = rest.split('/').next().unwrap().to_owned();
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("picket says where it serves");
    (child, addr)
}

/// GET over a plain socket: status code and body.
fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n")?.1.to_owned();
    Some((status, body))
}

/// Polls until `check` holds, with a deadline.
fn until(what: &str, seconds: u64, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !check() {
        assert!(Instant::now() < deadline, "no {what} within {seconds} s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_exit(child: &mut Child, seconds: u64) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("picket did not stop within {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_demo_serves_the_caracas_landing_and_stops_after_its_duration() {
    let (mut child, addr) = start(&[
        "demo",
        "--http",
        "127.0.0.1:0",
        "--speed",
        "40",
        "--duration",
        "20s",
    ]);
    until("caracas aircraft in aircraft.json", 30, || {
        get(&addr, "/data/aircraft.json").is_some_and(|(s, b)| s == 200 && b.contains("\"hex\":\"1514c0\""))
    });
    until("the landing at Caracas", 30, || {
        get(&addr, "/api/events?kind=landing").is_some_and(|(_, b)| b.contains("\"airport\":\"SVMI\""))
    });
    let (status, page) = get(&addr, "/").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("<script src=\"app.js\">"), "the map's page");
    assert_eq!(get(&addr, "/../../etc/passwd").unwrap().0, 404);
    let status = wait_exit(&mut child, 60);
    assert!(status.success(), "{status}");
}

#[test]
fn the_demo_refuses_an_address_beyond_loopback_without_the_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_picket"))
        .args(["demo", "--http", "0.0.0.0:0", "--duration", "1s"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("loopback"), "{err}");
}

#[test]
fn run_with_http_in_the_config_serves_what_the_engine_sees() {
    let dir = std::env::temp_dir().join(format!("picket-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("picket.toml");
    // One alert per event (the default rules deliver incidents, which fold this landing into
    // the Il-62's story): the landing is then an alert of its own, counted in /metrics.
    let rules = dir.join("rules.toml");
    std::fs::write(
        &rules,
        picket_engine::rules::RuleSet::default_rules_per_event_text(),
    )
    .unwrap();
    std::fs::write(
        &config,
        format!(
            "http = \"127.0.0.1:0\"\nrules = {:?}\n[tokens]\nhttp = \"t0ken\"\n[receiver]\nlat = 10.6\nlon = -66.99\n[input]\nscenario = \"caracas\"\nfrom = \"+4640s\"\nduration = \"900s\"\nspeed = 20\n",
            rules.display().to_string()
        ),
    )
    .unwrap();
    let (mut child, addr) = start(&["run", "-q", "-c", config.to_str().unwrap()]);
    until("the landing at Caracas", 60, || {
        get(&addr, "/api/events?kind=landing").is_some_and(|(_, b)| b.contains("\"hex\":\"1514c0\""))
    });
    let (status, body) = get(&addr, "/api/aircraft/1514c0").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"type\":\"IL62\"") && body.contains("\"trail\":[["),
        "{body}"
    );
    // The receiver's position stays private unless the configuration publishes it.
    let (status, body) = get(&addr, "/data/receiver.json").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("\"lat\"") && !body.contains("10.6"), "{body}");
    let (_, body) = get(&addr, "/api/receivers").unwrap();
    assert!(body.contains("\"id\":0") && !body.contains("\"lat\""), "{body}");
    // The counters follow with the next publication.
    until("the landing counted in /metrics", 30, || {
        get(&addr, "/metrics")
            .is_some_and(|(s, m)| s == 200 && m.contains("picket_events_total{kind=\"landing\"} 1"))
    });
    // The reload needs the config's token.
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /api/rules/reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /api/rules/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 202"), "{reply}");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_publishes_the_receiver_position_only_when_asked() {
    let (mut child, addr) = start(&[
        "run",
        "-q",
        "--scenario",
        "caracas",
        "--duration",
        "60s",
        "--speed",
        "1",
        "--receiver",
        "10.6,-66.99",
        "--http",
        "127.0.0.1:0",
        "--publish-receiver-position",
    ]);
    let (status, body) = get(&addr, "/data/receiver.json").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"lat\":10.6000") && body.contains("\"lon\":-66.9900"),
        "{body}"
    );
    let (_, body) = get(&addr, "/api/receivers").unwrap();
    assert!(
        body.contains("\"lat\":10.6000") && body.contains("\"lon\":-66.9900"),
        "{body}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// `picket query`'s answer on stdout.
fn query(store: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_picket"))
        .args(["query", "--store"])
        .arg(store)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_store_answers_picket_querys_questions_over_http() {
    let dir = std::env::temp_dir().join(format!("picket-http-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("store");
    // A quarter of an hour of caracas around the Il-62's landing at La Carlota, stored.
    let out = Command::new(env!("CARGO_BIN_EXE_picket"))
        .args([
            "run",
            "--scenario",
            "caracas",
            "--from",
            "+4640s",
            "--duration",
            "900s",
            "-q",
        ])
        .arg("--store")
        .arg(&store)
        .args(["--jsonl", "/dev/null"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The store served by a run with no input yet (a listener nobody feeds): every answer
    // comes from the store.
    let (mut child, addr) = start(&[
        "run",
        "-q",
        "--store",
        store.to_str().unwrap(),
        "--http",
        "127.0.0.1:0",
        "--beast-in",
        "127.0.0.1:0",
    ]);

    // The same question by the command line and over HTTP gives the same bytes.
    let track = "hex=1514c0&from=2019-03-23&to=2019-03-23";
    let track_args = [
        "tracks",
        "--hex",
        "1514c0",
        "--from",
        "2019-03-23",
        "--to",
        "2019-03-23",
    ];
    let landings =
        "kind=landing&all_events=true&in_country=VE&military=true&country=RU&from=2019-03-01&to=2019-03-31";
    let landing_args = [
        "events",
        "--kind",
        "landing",
        "--all-events",
        "--in-country",
        "VE",
        "--military",
        "--country",
        "RU",
        "--from",
        "2019-03-01",
        "--to",
        "2019-03-31",
    ];
    for (path, args, format) in [
        (format!("/api/history/tracks?{track}"), &track_args[..], "geojson"),
        (format!("/api/history/tracks?{track}"), &track_args[..], "jsonl"),
        (format!("/api/history/tracks?{track}"), &track_args[..], "kml"),
        (
            format!("/api/history/events?{landings}"),
            &landing_args[..],
            "jsonl",
        ),
        (
            format!("/api/history/events?{landings}"),
            &landing_args[..],
            "csv",
        ),
        (
            "/api/history/aircraft?military=true".to_string(),
            &["aircraft", "--military"][..],
            "jsonl",
        ),
    ] {
        let mut cli_args = args.to_vec();
        cli_args.extend(["--format", format]);
        let cli = query(&store, &cli_args);
        let (status, body) = get(&addr, &format!("{path}&format={format}")).unwrap();
        assert_eq!(status, 200, "{path} {format}: {body}");
        assert_eq!(body, cli, "{path} {format}");
        assert!(
            !cli.trim().is_empty(),
            "{path} {format}: an empty answer proves nothing"
        );
    }

    // The track as GeoJSON: one LineString of the Il-62's stored states, in time order.
    let (_, body) = get(&addr, &format!("/api/history/tracks?{track}&format=geojson")).unwrap();
    let geo: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    let lines: Vec<&serde_json::Value> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["geometry"]["type"] == "LineString")
        .collect();
    assert_eq!(lines.len(), 1, "{body}");
    let (_, jsonl) = get(&addr, &format!("/api/history/tracks?{track}&format=jsonl")).unwrap();
    let points: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(points.len() > 10, "{jsonl}");
    assert!(points.iter().all(|p| p["hex"] == "1514c0"));
    assert!(points
        .windows(2)
        .all(|w| w[0]["time"].as_f64() <= w[1]["time"].as_f64()));
    assert_eq!(
        lines[0]["geometry"]["coordinates"].as_array().unwrap().len(),
        points.len()
    );
    // The default format, json: the same objects as one array.
    let (status, json) = get(&addr, &format!("/api/history/tracks?{track}")).unwrap();
    assert_eq!(status, 200);
    let array: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(array, points);
    // A time range that ends before the landing holds fewer states, all before it.
    let first = points[0]["time"].as_f64().unwrap();
    let mid = points[points.len() / 2]["time"].as_f64().unwrap();
    let (_, part) = get(
        &addr,
        &format!("/api/history/tracks?hex=1514c0&from={first}&to={mid}"),
    )
    .unwrap();
    let part: Vec<serde_json::Value> = serde_json::from_str(&part).unwrap();
    assert!(!part.is_empty() && part.len() < points.len());
    assert!(part.iter().all(|p| p["time"].as_f64().unwrap() <= mid));

    // Parquet, for events and tracks.
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /api/history/events?{landings}&format=parquet HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    assert!(reply.starts_with(b"HTTP/1.1 200"));
    let at = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(reply[at..].starts_with(b"PAR1") && reply.ends_with(b"PAR1"));

    // Questions the command line refuses are refused with its reason; `info` reads the
    // whole file and is not served.
    for bad in [
        "/api/history/events?in_country=atlantis",
        "/api/history/tracks?from=yesterday",
        "/api/history/sky",
        "/api/history/aircraft?format=parquet",
        "/api/history/info",
        "/api/history/nothing",
    ] {
        let (status, body) = get(&addr, bad).unwrap();
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body.contains("\"error\""), "{body}");
    }

    // /api/events with the new filters, answered from the store (the hub holds nothing).
    let (status, body) = get(
        &addr,
        "/api/events?kind=landing&in_country=VE&military=true&country=RU",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let hexes: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["hex"].as_str().unwrap())
        .collect();
    assert!(hexes.contains(&"1514c0"), "{body}");
    assert!(hexes.iter().all(|h| ["1514c0", "150d8a"].contains(h)), "{body}");
    for none in [
        "/api/events?kind=landing&in_country=US",
        "/api/events?kind=landing&country=US",
        "/api/events?kind=landing&bbox=37,55,38,56",
        "/api/events?kind=landing&registration=N12345",
    ] {
        let (_, body) = get(&addr, none).unwrap();
        assert!(body.contains("\"events\":[]"), "{none}: {body}");
    }
    let (_, body) = get(
        &addr,
        "/api/events?kind=landing&bbox=-67.5,10.0,-66.5,11.0&registration=RA-86496",
    )
    .unwrap();
    assert!(body.contains("\"hex\":\"1514c0\""), "{body}");
    // The newest events first, the limit read from the newest end: the newest three are
    // the first three of the whole list, which is in time order, newest first.
    let events = |path: &str| -> Vec<serde_json::Value> {
        let (status, body) = get(&addr, path).unwrap();
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["events"].as_array().unwrap().clone()
    };
    let all = events("/api/events?limit=5000");
    assert!(all.len() > 3, "{all:?}");
    let t = |e: &serde_json::Value| e["time"].as_f64().unwrap();
    assert!(all.windows(2).all(|w| t(&w[0]) >= t(&w[1])));
    assert_eq!(events("/api/events?limit=3"), all[..3]);
    let landings: Vec<serde_json::Value> = all.iter().filter(|e| e["kind"] == "landing").cloned().collect();
    assert_eq!(events("/api/events?kind=landing&limit=1"), landings[..1]);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
