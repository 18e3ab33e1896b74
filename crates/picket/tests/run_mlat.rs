//! `picket run` multilaterates: the `arctic_mlat` scenario's Tu-160s, which send no ADS-B
//! position, are located from several receivers' frames, and their entry into the Alaska ADIZ
//! is raised on those positions (evidence labelled `mlat`): from the scenario, from each
//! receiver's recording given with its position, and from each receiver's Beast stream served
//! on its own loopback port and read with `--connect`.

mod run_common;

use run_common::{picket, run, wait_for, Lines, TempDir};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

/// The bombers.
const BOMBERS: [&str; 2] = ["156f01", "156f02"];

/// The receivers of `arctic_mlat`: name, lat, lon, antenna height in feet.
const RECEIVERS: [(&str, f64, f64, f64); 7] = [
    ("utqiagvik", 71.29, -156.77, 50.0),
    ("wainwright", 70.64, -160.03, 30.0),
    ("icy-cape", 70.33, -161.87, 20.0),
    ("point-lay", 69.74, -163.01, 25.0),
    ("atqasuk", 70.47, -157.43, 90.0),
    ("nuiqsut", 70.22, -150.99, 40.0),
    ("point-hope", 68.35, -166.80, 20.0),
];

/// A short window: the clocks synchronise in its first seconds, and both bombers cross into
/// the ADIZ at +12 s and +21 s.
const FROM: &str = "3540";
const DURATION: &str = "25s";

/// The bombers' zone entries among JSON lines: (hex, onset, evidence position sources).
fn bomber_entries(text: &str) -> Vec<(String, f64, Vec<String>)> {
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "zone_entry" && v["zone"] == "alaska_adiz" && v["phase"] == "started")
        .filter(|v| BOMBERS.contains(&v["hex"].as_str().unwrap_or("")))
        .map(|v| {
            let sources = v["evidence"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|e| e["position_source"].as_str().unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default();
            (
                v["hex"].as_str().unwrap().to_string(),
                v["onset"].as_f64().unwrap(),
                sources,
            )
        })
        .collect()
}

/// The fixes count of the summary's `mlat` line.
fn mlat_fixes(summary: &str) -> u64 {
    summary
        .lines()
        .find_map(|l| l.strip_prefix("mlat        "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_scenario_with_several_receivers_is_multilaterated_and_the_bombers_zone_entry_raised() {
    let dir = TempDir::new("run-mlat");
    let window = [
        "--scenario",
        "arctic_mlat",
        "--from",
        FROM,
        "--duration",
        DURATION,
    ];
    // The truth: when each bomber really crossed.
    let truth = dir.path().join("truth.jsonl");
    let out = run(picket()
        .args([
            "simulate",
            "arctic_mlat",
            "--from",
            FROM,
            "--duration",
            DURATION,
            "--format",
            "jsonl",
        ])
        .arg("--out")
        .arg(dir.path().join("frames.jsonl"))
        .arg("--truth")
        .arg(&truth));
    assert!(out.status.success());
    let truth_text = std::fs::read_to_string(&truth).unwrap();
    let truth_onset = |hex: &str| -> f64 {
        truth_text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["kind"] == "zone_entry" && v["hex"] == hex && v["zone"] == "alaska_adiz")
            .and_then(|v| v["time"].as_f64())
            .unwrap_or_else(|| panic!("no true zone entry of {hex}: {truth_text}"))
    };

    let out = run(picket()
        .arg("run")
        .arg("--rules")
        .arg(per_event_rules())
        .args(window));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let entries = bomber_entries(&stdout);
    for hex in BOMBERS {
        let (_, onset, sources) = entries
            .iter()
            .find(|e| e.0 == hex)
            .unwrap_or_else(|| panic!("no zone entry of {hex}:\n{stdout}\n{stderr}"));
        let t = truth_onset(hex);
        assert!((onset - t).abs() <= 60.0, "{hex}: onset {onset}, truth {t}");
        assert!(
            !sources.is_empty() && sources.iter().all(|s| s == "mlat"),
            "{hex}: {sources:?}"
        );
    }
    assert!(mlat_fixes(&stderr) > 20, "{stderr}");
    for (name, ..) in RECEIVERS {
        assert!(stderr.contains(&format!("mlat clock  {name}: ok,")), "{stderr}");
    }

    // Without multilateration the bombers have no position, and no zone entry.
    let out = run(picket().arg("run").args(window).args(["--mlat", "false"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(bomber_entries(&stdout).is_empty(), "{stdout}");
    assert!(!stderr.contains("\nmlat "), "{stderr}");
    assert!(
        stdout.contains("\"first_seen\""),
        "the run did see the aircraft: {stdout}"
    );
}

#[test]
fn recordings_of_several_receivers_given_with_their_positions_are_multilaterated() {
    let dir = TempDir::new("run-mlat-files");
    let mut cmd = picket();
    // The window's start: the scenario begins at 18:00:00Z.
    cmd.args(["run", "--start", "2019-08-08T18:59:00Z"]);
    cmd.arg("--rules").arg(per_event_rules());
    for (i, (name, lat, lon, alt_ft)) in RECEIVERS.iter().enumerate() {
        let path = dir.path().join(format!("{name}.beast"));
        run(picket()
            .args(["simulate", "arctic_mlat", "--from", FROM, "--duration", DURATION])
            .args(["--receiver", &i.to_string(), "--out"])
            .arg(&path));
        cmd.arg("--input").arg(format!(
            "name={name},lat={lat},lon={lon},alt={},path={}",
            alt_ft * 0.3048,
            path.display()
        ));
    }
    let out = run(&mut cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let entries = bomber_entries(&stdout);
    for hex in BOMBERS {
        let (_, _, sources) = entries
            .iter()
            .find(|e| e.0 == hex)
            .unwrap_or_else(|| panic!("no zone entry of {hex}:\n{stdout}\n{stderr}"));
        assert!(sources.iter().all(|s| s == "mlat"), "{hex}: {sources:?}");
    }
    assert!(mlat_fixes(&stderr) > 20, "{stderr}");
    assert!(stderr.contains("mlat clock  point-hope: ok,"), "{stderr}");
}

#[test]
fn a_multilaterated_run_recorded_in_a_store_replays_to_the_same_alerts() {
    let dir = TempDir::new("run-mlat-store");
    let store = dir.path().join("store");
    let live = dir.path().join("live.jsonl");
    let rules = per_event_rules();
    let out = run(picket()
        .arg("run")
        .arg("--rules")
        .arg(&rules)
        .args(["--scenario", "arctic_mlat", "--from", FROM, "--duration", "15s"])
        .arg("--store")
        .arg(&store)
        .arg("--jsonl")
        .arg(&live));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The fixes went through the run like any item: counted, and recorded.
    let fixes = mlat_fixes(&stderr);
    assert!(fixes > 10, "{stderr}");
    assert!(
        stderr.contains(&format!("({fixes} of them mlat fixes)")),
        "{stderr}"
    );
    assert!(stderr.contains(&format!(" {fixes} mlat fixes, ")), "{stderr}");
    let a = std::fs::read_to_string(&live).unwrap();
    let entries = bomber_entries(&a);
    assert!(
        entries.iter().any(|e| e.2.iter().any(|s| s == "mlat")),
        "the window holds a zone entry on mlat positions: {a}"
    );

    let replayed = dir.path().join("replay.jsonl");
    let out = run(picket()
        .args(["replay", "--store"])
        .arg(&store)
        .arg("--rules")
        .arg(&rules)
        .arg("--jsonl")
        .arg(&replayed));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!(" {fixes} mlat fixes, ")), "{stderr}");
    let b = std::fs::read_to_string(&replayed).unwrap();
    assert_eq!(a, b, "the replay's alerts differ from the run's");
}

#[test]
fn mlat_on_with_too_few_positioned_receivers_is_an_error() {
    let out = picket()
        .args(["run", "--mlat"])
        // Two Beast receivers with positions, and an SBS one (no timestamps).
        .args(["--connect", "a=beast://127.0.0.1:9@10.1,-66.9"])
        .args(["--connect", "b=beast://127.0.0.1:9@10.6,-67.0,30"])
        .args(["--connect", "c=sbs://127.0.0.1:9@10.4,-66.5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mlat needs at least 3 receivers"), "{err}");
    assert!(err.contains("has 2"), "{err}");
}

/// Every receiver's Beast stream of the short window, each on its own loopback port, played
/// at real time by one thread: the frames of every receiver in the order of their times,
/// each receiver's with its own clock. One player keeps the streams in step however slowly
/// the machine runs (seven paced simulators, one process each, drift apart under load by
/// more than multilateration's quarter-second matching window). Play starts once picket has
/// connected to all of them; returns the addresses.
fn serve_receivers(dir: &std::path::Path) -> Vec<String> {
    use picket_receive::{beast, Format, Reader, ReaderConfig};
    let path = dir.join("receivers.jsonl");
    let out = run(picket()
        .args(["simulate", "arctic_mlat", "--from", FROM, "--duration", DURATION])
        .args(["--format", "jsonl", "--out"])
        .arg(&path));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = picket_receive::AnyReader::new(Format::Jsonl, ReaderConfig::default());
    reader.feed(&std::fs::read(&path).unwrap());
    reader.finish();
    let mut items = Vec::new();
    while let Some(item) = reader.next() {
        items.push(item.expect("the simulator's frames read back"));
    }
    items.sort_by(|a, b| a.time_utc.total_cmp(&b.time_utc));
    assert!(items.len() > 1000, "{} frames", items.len());
    let listeners: Vec<_> = RECEIVERS
        .iter()
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let addrs = listeners
        .iter()
        .map(|l| l.local_addr().unwrap().to_string())
        .collect();
    std::thread::spawn(move || {
        use std::io::Write;
        let mut streams: Vec<_> = listeners.iter().map(|l| l.accept().unwrap().0).collect();
        let mut pending = vec![Vec::new(); streams.len()];
        let (t0, wall0) = (items[0].time_utc, std::time::Instant::now());
        for item in &items {
            // Pacing the feed at the data's own rate (what a receiver does), not waiting
            // for anything: what is due by now goes out together.
            let due = Duration::from_secs_f64(item.time_utc - t0);
            let now = wall0.elapsed();
            if due > now {
                for (s, bytes) in streams.iter_mut().zip(&mut pending) {
                    if !bytes.is_empty() {
                        let _ = s.write_all(bytes);
                        bytes.clear();
                    }
                }
                std::thread::sleep(due - now);
            }
            beast::write_beast(&mut pending[usize::from(item.receiver)], item).unwrap();
        }
        for (s, bytes) in streams.iter_mut().zip(&pending) {
            let _ = s.write_all(bytes);
        }
    });
    addrs
}

#[test]
fn live_receivers_each_on_its_own_port_are_multilaterated() {
    let dir = TempDir::new("run-mlat-live");
    let servers = serve_receivers(dir.path());
    let mut cmd = picket();
    cmd.arg("run").arg("--rules").arg(per_event_rules());
    for ((name, lat, lon, alt_ft), addr) in RECEIVERS.iter().zip(&servers) {
        cmd.arg("--connect")
            .arg(format!("{name}=beast://{addr}@{lat},{lon},{}", alt_ft * 0.3048));
    }
    let events = dir.path().join("events.jsonl");
    let mut child = cmd
        .arg("--jsonl")
        .arg(&events)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = Lines::follow(child.stderr.take().unwrap());
    // The receivers play 25 s of data at real time; both entries come by +21 s (the
    // deadline is for a machine that runs this slowly).
    let both = wait_for(Duration::from_secs(300), || {
        let text = std::fs::read_to_string(&events).unwrap_or_default();
        let e = bomber_entries(&text);
        BOMBERS.iter().all(|b| e.iter().any(|x| x.0 == *b))
    });
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(child.wait().unwrap().success());
    let summary = err.all();
    let text = std::fs::read_to_string(&events).unwrap_or_default();
    assert!(both, "no zone entry of both bombers:\n{text}\n{summary}");
    for (hex, _, sources) in bomber_entries(&text) {
        assert!(
            !sources.is_empty() && sources.iter().all(|s| s == "mlat"),
            "{hex}: {sources:?}"
        );
    }
    assert!(mlat_fixes(&summary) > 20, "{summary}");
    assert!(
        summary.contains("picket: multilateration over 7 receivers"),
        "{summary}"
    );
    assert!(summary.contains("mlat clock  utqiagvik: ok,"), "{summary}");
}

/// The frames of a Beast recording: (12 MHz timestamp, message bytes), Mode S only.
fn beast_frames(data: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if data[i] != 0x1a || i + 1 >= data.len() {
            i += 1;
            continue;
        }
        let len = match data[i + 1] {
            b'2' => 7,
            b'3' => 14,
            b'1' => 2,
            _ => {
                i += 1;
                continue;
            }
        };
        // Timestamp, signal, message; an escape byte 0x1a is doubled.
        let mut body = Vec::with_capacity(7 + len);
        let mut j = i + 2;
        while body.len() < 7 + len && j < data.len() {
            if data[j] == 0x1a {
                j += 1;
            }
            if j < data.len() {
                body.push(data[j]);
            }
            j += 1;
        }
        if body.len() == 7 + len && len > 2 {
            let ts = body[..6].iter().fold(0u64, |t, &b| (t << 8) | u64::from(b));
            out.push((ts, body[7..].to_vec()));
        }
        i = j;
    }
    out
}

/// The CPR format bit of an ADS-B airborne position (DF17/18, type codes 9-18 and 20-22).
fn airborne_position_parity(m: &[u8]) -> Option<bool> {
    let df = m[0] >> 3;
    let tc = m.get(4).map(|b| b >> 3)?;
    (m.len() == 14 && (df == 17 || df == 18) && ((9..=18).contains(&tc) || (20..=22).contains(&tc)))
        .then(|| m[6] & 0x04 != 0)
}

fn hex(m: &[u8]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect()
}

/// A feeder, an aircraft and a CPR format (odd).
type PositionKey = (usize, [u8; 3], bool);

/// What a feeder's mlat-client sends (the protocol's facts; the client is the test's own):
/// a JSON handshake line, then JSON lines, plain or in zlib packets.
struct Feeder {
    s: std::net::TcpStream,
    zlib: Option<flate2::Compress>,
    lines: String,
    /// What the server sent after the handshake.
    heard: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Feeder {
    fn connect(
        addr: &str,
        name: &str,
        (lat, lon, alt_m): (f64, f64, f64),
        zlib: bool,
        results: bool,
    ) -> Feeder {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        let compress = if zlib {
            r#"["none","zlib","zlib2"]"#
        } else {
            r#"["none"]"#
        };
        let hs = format!(
            r#"{{"version":2,"client_version":"test","compress":{compress},"selective_traffic":true,"heartbeat":true,"return_results":{results},"udp_transport":false,"return_result_format":"ecef","user":"{name}","lat":{lat},"lon":{lon},"alt":{alt_m},"clock_type":"dump1090","privacy":false}}"#
        );
        s.write_all(format!("{hs}\n").as_bytes()).unwrap();
        let mut reply = String::new();
        BufReader::new(s.try_clone().unwrap())
            .read_line(&mut reply)
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(v["compress"], if zlib { "zlib" } else { "none" }, "{reply}");
        assert_eq!(v["return_results"], results, "{reply}");
        // What the server sends next (start_sending, results, heartbeats): plain lines.
        let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (r, into) = (s.try_clone().unwrap(), heard.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(r).lines() {
                let Ok(line) = line else { break };
                into.lock().unwrap().push(line);
            }
        });
        Feeder {
            s,
            zlib: zlib.then(|| flate2::Compress::new(flate2::Compression::new(1), true)),
            lines: String::new(),
            heard,
        }
    }

    fn send(&mut self, line: String) {
        self.lines.push_str(&line);
        self.lines.push('\n');
    }

    fn flush(&mut self) {
        use std::io::Write;
        if self.lines.is_empty() {
            return;
        }
        match &mut self.zlib {
            None => self.s.write_all(self.lines.as_bytes()).unwrap(),
            Some(z) => {
                let mut data = Vec::with_capacity(self.lines.len() + 64);
                z.compress_vec(self.lines.as_bytes(), &mut data, flate2::FlushCompress::Sync)
                    .unwrap();
                while !data.ends_with(&[0, 0, 0xff, 0xff]) {
                    data.reserve(64);
                    z.compress_vec(&[], &mut data, flate2::FlushCompress::Sync)
                        .unwrap();
                }
                data.truncate(data.len() - 4);
                let mut packet = (data.len() as u16).to_be_bytes().to_vec();
                packet.extend_from_slice(&data);
                self.s.write_all(&packet).unwrap();
            }
        }
        self.lines.clear();
    }
}

#[test]
fn mlat_clients_of_several_feeders_are_multilaterated() {
    let dir = TempDir::new("run-mlat-client");
    // Each receiver's recording: its own 12 MHz clock.
    let window_s = 15.0;
    let mut recordings = Vec::new();
    for i in 0..RECEIVERS.len() {
        let path = dir.path().join(format!("{i}.beast"));
        run(picket()
            .args(["simulate", "arctic_mlat", "--from", FROM, "--duration", "15s"])
            .args(["--receiver", &i.to_string(), "--format", "beast", "--out"])
            .arg(&path));
        let frames = beast_frames(&std::fs::read(&path).unwrap());
        assert!(frames.len() > 100, "receiver {i}: {} frames", frames.len());
        recordings.push(frames);
    }
    let events = dir.path().join("events.jsonl");
    let mut child = picket()
        .args(["run", "--mlat-server", "127.0.0.1:0", "--rules"])
        .arg(per_event_rules())
        .arg("--jsonl")
        .arg(&events)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = Lines::follow(child.stderr.take().unwrap());
    let mut addr = None;
    assert!(wait_for(Duration::from_secs(30), || {
        addr = err
            .text()
            .lines()
            .find_map(|l| l.strip_prefix("picket: mlat-server input on "))
            .map(str::to_string);
        addr.is_some()
    }));
    let addr = addr.unwrap();
    // Every other feeder compresses.
    let mut feeders: Vec<Feeder> = RECEIVERS
        .iter()
        .enumerate()
        .map(|(i, (name, lat, lon, alt_ft))| {
            Feeder::connect(&addr, name, (*lat, *lon, alt_ft * 0.3048), i % 2 == 0, i < 3)
        })
        .collect();
    // All messages in the order they were heard (each receiver's time from its first frame),
    // played at real time as the feeders' clients would send them.
    let mut all: Vec<(f64, usize, u64, Vec<u8>)> = Vec::new();
    for (i, frames) in recordings.iter().enumerate() {
        let t0 = frames[0].0;
        for (ts, m) in frames {
            all.push(((ts - t0) as f64 / 12e6, i, *ts, m.clone()));
        }
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // The last even and odd position of each (feeder, aircraft): a pair is a sync message.
    let mut last: std::collections::HashMap<PositionKey, (u64, Vec<u8>)> = Default::default();
    let start = std::time::Instant::now();
    for (i, f) in feeders.iter_mut().enumerate() {
        let seen: Vec<String> = recordings[i]
            .iter()
            .filter(|(_, m)| m[0] >> 3 == 17)
            .map(|(_, m)| hex(&m[1..4]))
            .collect();
        f.send(serde_json::json!({ "seen": seen }).to_string());
        f.flush();
    }
    let mut next_flush = 0.0;
    for (t, i, ts, m) in &all {
        if *t > window_s {
            break;
        }
        if *t >= next_flush {
            for f in &mut feeders {
                f.flush();
            }
            let due = start + Duration::from_secs_f64(*t);
            if let Some(wait) = due.checked_duration_since(std::time::Instant::now()) {
                std::thread::sleep(wait);
            }
            next_flush = t + 0.05;
        }
        let f = &mut feeders[*i];
        match airborne_position_parity(m) {
            Some(odd) => {
                let icao = [m[1], m[2], m[3]];
                if let Some((pt, pm)) = last.get(&(*i, icao, !odd)) {
                    if ts - pt < 10 * 12_000_000 {
                        let (e, o) = if odd {
                            ((pt, pm), (ts, m))
                        } else {
                            ((ts, m), (pt, pm))
                        };
                        f.send(format!(
                            r#"{{"sync":{{"et":{},"em":"{}","ot":{},"om":"{}"}}}}"#,
                            e.0,
                            hex(e.1),
                            o.0,
                            hex(o.1)
                        ));
                    }
                }
                last.insert((*i, icao, odd), (*ts, m.clone()));
            }
            None => f.send(format!(r#"{{"mlat":{{"t":{ts},"m":"{}"}}}}"#, hex(m))),
        }
    }
    for f in &mut feeders {
        f.send(r#"{"heartbeat":{"client_time":1.0}}"#.into());
        f.flush();
    }
    let located = wait_for(Duration::from_secs(20), || {
        let text = std::fs::read_to_string(&events).unwrap_or_default();
        !bomber_entries(&text).is_empty()
    });
    // The feeders that asked get the bombers' positions back, in ECEF metres.
    let results = |f: &Feeder| -> Vec<serde_json::Value> {
        f.heard
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v.get("result").cloned())
            .collect()
    };
    let have_results = wait_for(Duration::from_secs(10), || {
        feeders[..3].iter().any(|f| {
            results(f)
                .iter()
                .any(|r| BOMBERS.contains(&r["addr"].as_str().unwrap_or("")))
        })
    });
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(child.wait().unwrap().success());
    let summary = err.all();
    let text = std::fs::read_to_string(&events).unwrap_or_default();
    assert!(have_results, "no result of a bomber to the feeders that asked");
    for f in &feeders[..3] {
        for r in results(f) {
            let e: Vec<f64> = r["ecef"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let g = picket_world::geo::wgs84::Geodetic::from_ecef([e[0], e[1], e[2]]);
            // Inside the receivers' region, at an aircraft's height.
            assert!(
                (66.0..76.0).contains(&g.lat) && (-175.0..-140.0).contains(&g.lon),
                "{r}"
            );
            assert!((-500.0..16_000.0).contains(&g.alt_m), "{r}");
            assert!(r["n"].as_u64().unwrap() >= 3, "{r}");
        }
    }
    for f in &feeders[3..] {
        assert!(results(f).is_empty(), "results only to the feeders that asked");
    }
    assert!(
        feeders.iter().all(|f| f
            .heard
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("start_sending"))),
        "every feeder is asked for the aircraft it has seen"
    );
    assert!(located, "no zone entry of a bomber:\n{text}\n{summary}");
    for (hex, _, sources) in bomber_entries(&text) {
        assert!(
            !sources.is_empty() && sources.iter().all(|s| s == "mlat"),
            "{hex}: {sources:?}"
        );
    }
    assert!(mlat_fixes(&summary) > 10, "{summary}");
    assert!(summary.contains("mlat-client input on 127.0.0.1:"), "{summary}");
    assert!(
        summary.contains("mlat-server 7 mlat-clients joined, 0 refused"),
        "{summary}"
    );
    assert!(summary.contains(", 0 bad lines"), "{summary}");
    for (name, ..) in RECEIVERS {
        assert!(summary.contains(&format!("mlat clock  {name}: ok,")), "{summary}");
    }
}

/// The default rules with one alert per event (the default delivers incidents, which fold
/// the zone entries these tests look for into one story): a file for `--rules`.
fn per_event_rules() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("picket-run-mlat-rules-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        picket_engine::rules::RuleSet::default_rules_per_event_text(),
    )
    .unwrap();
    path
}
