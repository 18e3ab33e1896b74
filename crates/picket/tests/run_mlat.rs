//! `picket run` multilaterates: the `arctic_mlat` scenario's Tu-160s, which send no ADS-B
//! position, are located from several receivers' frames, and their entry into the Alaska ADIZ
//! is raised on those positions (evidence labelled `mlat`): from the scenario, from each
//! receiver's recording given with its position, and from each receiver's Beast stream served
//! on its own loopback port and read with `--connect`.

mod run_common;

use run_common::{picket, run, wait_for, Lines, TempDir};
use std::io::{BufRead, BufReader, Read};
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

/// Starts `picket simulate arctic_mlat ... --receiver N --serve 127.0.0.1:0` (paced at real
/// time); returns the child and its address.
fn serve_receiver(n: usize) -> (std::process::Child, String) {
    let mut child = picket()
        .args(["simulate", "arctic_mlat", "--from", FROM, "--duration", DURATION])
        .args(["--format", "beast", "--receiver", &n.to_string()])
        .args(["--serve", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut addr = None;
    let mut line = String::new();
    while addr.is_none() && err.read_line(&mut line).unwrap() > 0 {
        if let Some(rest) = line.split("serving on ").nth(1) {
            addr = rest.split(';').next().map(|a| a.trim().to_string());
        }
        line.clear();
    }
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = err.read_to_end(&mut sink);
    });
    (child, addr.expect("serving on"))
}

#[test]
fn live_receivers_each_on_its_own_port_are_multilaterated() {
    let dir = TempDir::new("run-mlat-live");
    let servers: Vec<_> = (0..RECEIVERS.len()).map(serve_receiver).collect();
    let mut cmd = picket();
    cmd.arg("run").arg("--rules").arg(per_event_rules());
    for ((name, lat, lon, alt_ft), (_, addr)) in RECEIVERS.iter().zip(&servers) {
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
    // The servers play 25 s of data at real time; both entries come by +21 s.
    let both = wait_for(Duration::from_secs(60), || {
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
    for (mut s, _) in servers {
        let _ = s.kill();
        let _ = s.wait();
    }
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
