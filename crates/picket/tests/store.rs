//! History end to end: `picket run --store`, `picket query`, `picket replay`, `picket
//! import`, and kill -9 during a busy ingest.

mod run_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use picket_store::{History, Recorder, StoreOptions};
use run_common::{picket, run, wait_for, TempDir};
use serde_json::Value;

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text(&out)
}

fn require() -> bool {
    std::env::var("PICKET_REQUIRE_TESTDATA").is_ok_and(|v| v == "1")
}

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("PICKET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")));
    if dir.join("testdata").is_dir() {
        return Some(dir.join("testdata"));
    }
    assert!(
        !require(),
        "{} is absent and PICKET_REQUIRE_TESTDATA=1",
        dir.display()
    );
    eprintln!(
        "skipping: {} is absent (set PICKET_SHARED)",
        dir.join("testdata").display()
    );
    None
}

/// A position: [lon, lat] or [lon, lat, alt], numbers in range (RFC 7946 §3.1.1).
fn check_position(p: &Value) -> Result<(), String> {
    let a = p.as_array().ok_or("a position is not an array")?;
    if !(2..=3).contains(&a.len()) || !a.iter().all(Value::is_number) {
        return Err(format!("bad position {p}"));
    }
    let (lon, lat) = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap());
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(format!("position out of range {p}"));
    }
    Ok(())
}

/// A strict structural check of a GeoJSON FeatureCollection (RFC 7946): the members each
/// object must have, their types, geometry coordinates by geometry type.
fn check_geojson(v: &Value) -> Result<usize, String> {
    let o = v.as_object().ok_or("not an object")?;
    if o.get("type") != Some(&Value::from("FeatureCollection")) {
        return Err("type is not FeatureCollection".into());
    }
    let features = o
        .get("features")
        .and_then(Value::as_array)
        .ok_or("no features array")?;
    for f in features {
        let f = f.as_object().ok_or("a feature is not an object")?;
        if f.get("type") != Some(&Value::from("Feature")) {
            return Err("a feature's type is not Feature".into());
        }
        match f.get("properties") {
            Some(Value::Object(_)) | Some(Value::Null) => {}
            _ => return Err("a feature has no properties member".into()),
        }
        match f.get("geometry") {
            Some(Value::Null) => {}
            Some(Value::Object(g)) => {
                let coords = g.get("coordinates").ok_or("a geometry has no coordinates")?;
                match g.get("type").and_then(Value::as_str) {
                    Some("Point") => check_position(coords)?,
                    Some("LineString") => {
                        let a = coords.as_array().ok_or("LineString coordinates not an array")?;
                        if a.len() < 2 {
                            return Err("a LineString has fewer than two positions".into());
                        }
                        a.iter().try_for_each(check_position)?;
                    }
                    other => return Err(format!("unexpected geometry type {other:?}")),
                }
            }
            _ => return Err("a feature has no geometry member".into()),
        }
    }
    Ok(features.len())
}

/// The OGC KML 2.2 schema, from pykml's copy on PyPI (downloaded once into the target dir),
/// or `$PICKET_KML_XSD`.
fn kml_schema() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PICKET_KML_XSD") {
        return Some(PathBuf::from(p));
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kml-schema");
    let xsd = dir.join("pykml/schemas/ogckml22.xsd");
    if xsd.is_file() {
        return Some(xsd);
    }
    let _ = std::fs::create_dir_all(&dir);
    let got = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "pykml==0.2.0",
            "-d",
        ])
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    if got {
        let _ = Command::new("python3")
            .arg("-c")
            .arg("import sys, zipfile, glob; zipfile.ZipFile(glob.glob(sys.argv[1] + '/pykml-*.whl')[0]).extractall(sys.argv[1])")
            .arg(&dir)
            .status();
    }
    if xsd.is_file() {
        return Some(xsd);
    }
    assert!(
        !require(),
        "cannot obtain the KML 2.2 schema (pip download pykml) and PICKET_REQUIRE_TESTDATA=1"
    );
    eprintln!("skipping the KML schema check: cannot download pykml's copy of the schema");
    None
}

/// pyarrow from PyPI, installed once under the target dir (its directory for PYTHONPATH).
fn pyarrow() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pyarrow");
    let ready = |d: &Path| {
        Command::new("python3")
            .arg("-c")
            .arg("import pyarrow.parquet")
            .env("PYTHONPATH", d)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ready(&dir) {
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--target"])
            .arg(&dir)
            .arg("pyarrow")
            .status();
    }
    if ready(&dir) {
        return Some(dir);
    }
    assert!(
        !require(),
        "cannot install pyarrow from PyPI and PICKET_REQUIRE_TESTDATA=1"
    );
    eprintln!("skipping the Parquet check: pyarrow cannot be installed");
    None
}

fn xmllint(args: &[&str], file: &Path) -> Option<std::process::Output> {
    match Command::new("xmllint").args(args).arg(file).output() {
        Ok(o) => Some(o),
        Err(_) => {
            assert!(
                !require(),
                "xmllint is missing (Debian libxml2-utils) and PICKET_REQUIRE_TESTDATA=1"
            );
            eprintln!("skipping the KML check: xmllint is missing");
            None
        }
    }
}

#[test]
fn caracas_the_seed_question_tracks_as_geojson_and_kml_and_replay_gives_the_same_alerts() {
    let dir = TempDir::new("store-caracas");
    let store = dir.path().join("store");
    let live = dir.path().join("live.jsonl");
    ok(picket()
        .args([
            "run",
            "--scenario",
            "caracas",
            "--duration",
            "2h",
            "-q",
            "--store",
        ])
        .arg(&store)
        .arg("--jsonl")
        .arg(&live));

    // Military aircraft of Russia that landed in Venezuela in March 2019. Every detector
    // event is stored: the A124's landing comes second at SVMI and joins the IL62's
    // incident (no alert of its own), so the question is asked of all events.
    let q = |extra: &[&str]| {
        let mut c = picket();
        c.args(["query", "--store"]).arg(&store).args([
            "--all-events",
            "--military",
            "--country",
            "RU",
            "--in-country",
            "VE",
            "--from",
            "2019-03-01",
            "--to",
            "2019-03-31",
            "--kind",
            "landing",
        ]);
        c.args(extra);
        ok(&mut c)
    };
    let table = q(&["events"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("time") && lines[0].contains("place"),
        "{table}"
    );
    let il62 = lines.iter().find(|l| l.contains("IL62")).expect(&table);
    let an124 = lines.iter().find(|l| l.contains("A124")).expect(&table);
    for (l, reg) in [(il62, "RA-86496"), (an124, "RA-82010")] {
        assert!(
            l.contains(reg) && l.contains("landing") && l.contains("SVMI"),
            "{l}"
        );
        assert!(l.contains("2019-03-23T15:"), "{l}");
    }
    // No alert of the kind for aircraft of another country (alerts only, the default).
    let none = ok(picket()
        .args([
            "query",
            "events",
            "--kind",
            "landing",
            "--country",
            "US",
            "--store",
        ])
        .arg(&store));
    assert_eq!(none.lines().count(), 1, "{none}");

    // Their tracks as GeoJSON.
    let gj = q(&["tracks", "--format", "geojson"]);
    let v: Value = serde_json::from_str(&gj).unwrap();
    assert_eq!(check_geojson(&v), Ok(2), "{gj:.400}");
    let hexes: Vec<&str> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["hex"].as_str().unwrap())
        .collect();
    assert_eq!(hexes, ["1514c0", "150d8a"]);
    for f in v["features"].as_array().unwrap() {
        let n = f["geometry"]["coordinates"].as_array().unwrap().len();
        assert!(n > 100, "{n} positions");
    }
    // The events as GeoJSON points.
    let ev: Value = serde_json::from_str(&q(&["events", "--format", "geojson"])).unwrap();
    assert_eq!(check_geojson(&ev), Ok(2));

    // And as KML, valid against the OGC KML 2.2 schema.
    let kml = dir.path().join("tracks.kml");
    q(&["tracks", "--format", "kml", "-o", kml.to_str().unwrap()]);
    let body = std::fs::read_to_string(&kml).unwrap();
    assert_eq!(body.matches("<LineString>").count(), 2, "{body:.400}");
    if let Some(out) = xmllint(&["--noout"], &kml) {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        if let Some(xsd) = kml_schema() {
            let out = xmllint(&["--noout", "--schema", xsd.to_str().unwrap()], &kml).unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    // Parquet, read by pyarrow: the same positions as the JSON lines.
    let pq = dir.path().join("tracks.parquet");
    q(&["tracks", "--format", "parquet", "-o", pq.to_str().unwrap()]);
    let positions = |text: &str| -> Vec<(String, f64, f64, f64)> {
        text.lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (
                    v["hex"].as_str().unwrap().to_string(),
                    v["time"].as_f64().unwrap(),
                    v["lat"].as_f64().unwrap(),
                    v["lon"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    if let Some(site) = pyarrow() {
        let out = Command::new("python3")
            .arg("-c")
            .arg(
                "import sys, json, pyarrow.parquet as pq\n\
                 t = pq.read_table(sys.argv[1])\n\
                 for r in t.select(['hex', 'time', 'lat', 'lon']).to_pylist(): print(json.dumps(r))",
            )
            .arg(&pq)
            .env("PYTHONPATH", site)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let from_parquet = positions(&String::from_utf8_lossy(&out.stdout));
        let from_jsonl = positions(&q(&["tracks", "--format", "jsonl"]));
        assert!(from_parquet.len() > 200);
        assert_eq!(from_parquet, from_jsonl);
    }
    // CSV and JSON lines.
    let csv = q(&["tracks", "--format", "csv"]);
    assert!(csv.starts_with("hex,time,lat,lon,"), "{csv:.200}");
    let jl = q(&["events", "--format", "jsonl"]);
    assert_eq!(jl.lines().count(), 2);
    for l in jl.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["kind"], "landing");
    }

    // Replay: the stored frames give the live run's alerts, byte for byte.
    let replayed = dir.path().join("replay.jsonl");
    ok(picket()
        .args(["replay", "-q", "--store"])
        .arg(&store)
        .arg("--jsonl")
        .arg(&replayed));
    let a = std::fs::read(&live).unwrap();
    let b = std::fs::read(&replayed).unwrap();
    assert!(a.len() > 100 && String::from_utf8_lossy(&a).contains("\"landing\""));
    assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
}

#[test]
fn the_orchila_deployment_is_listed_with_start_end_and_duration() {
    let dir = TempDir::new("store-orchila");
    // The scenario's deployment without its airline traffic (fewer frames, same stay).
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sim/scenarios/orchila.toml"
    ))
    .unwrap();
    let mut kept = Vec::new();
    let mut skip = false;
    for line in text.lines() {
        if line.starts_with('[') {
            skip = line.trim() == "[background]";
        }
        if !skip {
            kept.push(line);
        }
    }
    let scenario = dir.write("orchila.toml", &kept.join("\n"));
    let store = dir.path().join("store");
    ok(picket()
        .args(["run", "-q", "--scenario"])
        .arg(&scenario)
        .arg("--store")
        .arg(&store));
    let table = ok(picket()
        .args(["query", "deployments", "--in-country", "VE", "--store"])
        .arg(&store));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[0].contains("start") && lines[0].contains("end") && lines[0].contains("duration"));
    let l = lines[1];
    assert!(
        l.contains("SVLO") && l.contains("RA-78817") && l.contains("false"),
        "{l}"
    );
    // Landed 2019-03-25 ~13:30, took off 2019-03-28 ~14:26: three days on the ground.
    assert!(
        l.contains("2019-03-25T13:") && l.contains("2019-03-28T14:") && l.contains("3d "),
        "{l}"
    );
    let j = ok(picket()
        .args(["query", "deployments", "--format", "jsonl", "--store"])
        .arg(&store));
    let v: Value = serde_json::from_str(j.lines().next().unwrap()).unwrap();
    let d = v["duration_s"].as_f64().unwrap();
    assert!((3.0 * 86_400.0..3.1 * 86_400.0).contains(&d), "{d}");
}

#[test]
fn import_of_a_readsb_trace_and_traffic_json_keeps_the_files_positions() {
    let Some(data) = shared() else { return };
    let dir = TempDir::new("store-import");
    let store = dir.path().join("store");
    let trace = data.join("traffic_samples/trace_full_ac671b.json");
    let zurich = data.join("traffic_samples/zurich_airport.json.gz");
    ok(picket()
        .args(["import", "-q", "--store"])
        .arg(&store)
        .arg(&trace)
        .arg(&zurich));
    let h = History::open(&store).unwrap();

    // The trace: every row with a position, at timestamp + offset.
    let doc: Value = serde_json::from_slice(&std::fs::read(&trace).unwrap()).unwrap();
    let base = doc["timestamp"].as_f64().unwrap();
    let want: Vec<(f64, f64, f64)> = doc["trace"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[1].is_number() && r[2].is_number())
        .map(|r| {
            (
                base + r[0].as_f64().unwrap(),
                r[1].as_f64().unwrap(),
                r[2].as_f64().unwrap(),
            )
        })
        .collect();
    let got: Vec<(f64, f64, f64)> = h
        .states_of("ac671b", f64::MIN, f64::MAX)
        .unwrap()
        .iter()
        .map(|s| (s.t, s.lat, s.lon))
        .collect();
    assert!(want.len() > 2000);
    assert_eq!(got, want);

    // traffic's records, aircraft by aircraft.
    let raw = std::fs::read(&zurich).unwrap();
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(raw.as_slice()), &mut json).unwrap();
    let recs: Vec<Value> = serde_json::from_slice(&json).unwrap();
    let mut by_hex: std::collections::BTreeMap<String, Vec<(f64, f64, f64)>> = Default::default();
    for r in &recs {
        if r["latitude"].is_number() && r["longitude"].is_number() {
            by_hex
                .entry(r["icao24"].as_str().unwrap().to_string())
                .or_default()
                .push((
                    r["timestamp"].as_f64().unwrap() / 1000.0,
                    r["latitude"].as_f64().unwrap(),
                    r["longitude"].as_f64().unwrap(),
                ));
        }
    }
    assert_eq!(by_hex.len(), 10);
    for (hex, mut want) in by_hex {
        want.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut got: Vec<(f64, f64, f64)> = h
            .states_of(&hex, f64::MIN, f64::MAX)
            .unwrap()
            .iter()
            .map(|s| (s.t, s.lat, s.lon))
            .collect();
        got.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
        });
        want.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
        });
        assert_eq!(got, want, "{hex}");
    }
    let aircraft = ok(picket().args(["query", "aircraft", "--store"]).arg(&store));
    assert!(
        aircraft.contains("N899DN") && aircraft.contains("EDW229"),
        "{aircraft}"
    );
}

#[test]
fn kill_9_during_a_busy_ingest_twenty_times_the_store_opens_clean() {
    let dir = TempDir::new("store-kill");
    let store = dir.path().join("store");
    let items = |s: &Path| -> u64 {
        History::open(s)
            .map(|h| h.extent().map(|x| x.items).unwrap_or(0))
            .unwrap_or(0)
    };
    let mut before = 0u64;
    for round in 0..20u64 {
        // Each round ingests a different part of the caracas scenario, paced at 1000 times
        // real time (~65k items/s): unpaced, the run-time ends 40 minutes of it within a
        // fraction of a second, before the kill could come.
        let from = format!("+{}m", (round % 4) * 50);
        let mut child = picket()
            .args([
                "run",
                "-q",
                "--scenario",
                "caracas",
                "--from",
                &from,
                "--duration",
                "40m",
                "--speed",
                "1000",
                "--store",
            ])
            .arg(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Killed once it has committed a few thousand items more (a varying amount).
        let target = before + 3000 + round * 700;
        let mut seen = before;
        let committed = wait_for(Duration::from_secs(60), || {
            seen = items(&store);
            seen >= target
        });
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(
            committed,
            "round {round}: {seen} items committed, waited for {target}"
        );
        assert!(!status.success(), "round {round}: the run ended before the kill");
        // Opens clean as a writer (integrity check, WAL recovered), and keeps at least
        // what was seen committed before the kill.
        let rec = Recorder::open(&store, StoreOptions::default()).unwrap();
        drop(rec);
        let h = History::open(&store).unwrap();
        let read = h.verify_blocks().unwrap();
        assert!(read.bad_blocks.is_empty(), "round {round}: {read:?}");
        assert!(read.items >= seen, "round {round}: {} < {seen}", read.items);
        before = read.items;
    }
}

#[test]
fn restore_max_bounds_how_far_back_a_restart_replays() {
    let dir = TempDir::new("store-restore-max");
    let store = dir.path().join("store");
    // Twenty minutes of caracas stored, then two restarts on the store.
    ok(picket()
        .args([
            "run",
            "--scenario",
            "caracas",
            "--duration",
            "20m",
            "-q",
            "--store",
        ])
        .arg(&store)
        .args(["--jsonl", "/dev/null"]));
    let restored = |extra: &[&str]| -> (f64, f64, u64) {
        let out = run(picket()
            .args([
                "run",
                "--scenario",
                "caracas",
                "--from",
                "+20m",
                "--duration",
                "1s",
                "--store",
            ])
            .arg(&store)
            .args(["--jsonl", "/dev/null"])
            .args(extra));
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{err}");
        // "restored from A .. B (N items, ...)"
        let line = err
            .lines()
            .find(|l| l.contains("restored from"))
            .unwrap_or_else(|| panic!("{err}"));
        let rest = line.split("restored from ").nth(1).unwrap();
        let mut words = rest.split_whitespace();
        let from = words.next().unwrap();
        assert_eq!(words.next(), Some(".."));
        let to = words.next().unwrap();
        let items: u64 = words.next().unwrap().trim_start_matches('(').parse().unwrap();
        let t = |s: &str| picket_receive::time::parse_time(s).unwrap();
        (t(from), t(to), items)
    };
    // By default from the start of the stored data's UTC day: every item stored.
    let (from, to, all) = restored(&[]);
    assert!(to - from >= 1199.0, "{from} .. {to}");
    // At most five minutes back: the last five minutes, fewer items.
    let (from5, to5, some) = restored(&["--restore-max", "5m"]);
    assert!((to5 - from5 - 300.0).abs() < 1e-6, "{from5} .. {to5}");
    assert!(some > 0 && some < all, "{some} of {all}");
    // A bad duration is refused before anything runs.
    let out = picket()
        .args([
            "run",
            "--scenario",
            "caracas",
            "--duration",
            "1s",
            "--restore-max",
            "soon",
            "--store",
        ])
        .arg(&store)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--restore-max"));
}
