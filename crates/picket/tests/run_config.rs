//! `picket run`'s configuration: errors name the file and line, flags override the file,
//! aircraft databases (gzip too) change what is classified, a file input ends with a
//! summary, and SIGHUP reloads the rules (a failed reload keeps the old ones).

mod run_common;

use run_common::*;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

fn failure(args: &[&str], dir: &TempDir) -> String {
    let out = picket().current_dir(dir.path()).args(args).output().unwrap();
    assert!(!out.status.success(), "expected a failure for {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn configuration_errors_name_the_file_and_line() {
    let dir = TempDir::new("config-errors");
    for (text, want) in [
        // Line 4: a key that does not exist.
        ("[input]\nscenario = \"caracas\"\n\nspead = 2\n", "picket.toml:4: unknown field `spead`"),
        // Line 3: a sink of an unknown type (the line of its table).
        ("[input]\nscenario = \"caracas\"\n[[sink]]\ntype = \"smtp\"\n", "picket.toml:3: [[sink]] smtp: unknown sink type"),
        // Line 5: a webhook template with a misspelt placeholder.
        (
            "[input]\nscenario = \"caracas\"\n\n\n[[sink]]\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9/\"\nbody = \"{{sumary}}\"\n",
            "picket.toml:5: [[sink]] webhook: body: unknown placeholder {{sumary}}",
        ),
        // Line 2: a receiver out of range.
        ("\n[receiver]\nlat = 91\nlon = 0\n", "picket.toml:2: latitude 91 is outside -90..90"),
    ] {
        dir.write("picket.toml", text);
        let err = failure(&["run", "--config", "picket.toml"], &dir);
        assert!(err.contains(want), "want {want:?} in:\n{err}");
    }
    // Rules and zones files: file, line and column.
    dir.write(
        "rules.toml",
        "version = 1\n[[rule]]\nname = \"x\"\nwhen = \"altitud < 5\"\n",
    );
    let err = failure(&["run", "--scenario", "caracas", "--rules", "rules.toml"], &dir);
    assert!(err.contains("rules.toml:4:9: unknown field `altitud`"), "{err}");
    dir.write(
        "zones.geojson",
        "{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\"}\n]}\n",
    );
    let err = failure(
        &["run", "--scenario", "caracas", "--zones", "zones.geojson"],
        &dir,
    );
    assert!(err.contains("zones.geojson:3:"), "{err}");
    // A rule that sends to a sink nobody configured.
    dir.write(
        "rules.toml",
        "version = 1\n[[rule]]\nname = \"x\"\nwhen = \"true\"\nevents = [\"any\"]\nsinks = [\"pager\"]\n",
    );
    let err = failure(&["run", "--scenario", "caracas", "--rules", "rules.toml"], &dir);
    assert!(
        err.contains("rule \"x\" sends to sink \"pager\", which is not configured"),
        "{err}"
    );
}

#[test]
fn flags_override_the_configuration_file() {
    let dir = TempDir::new("config-override");
    dir.write("none.toml", "version = 1\n");
    dir.write("all.toml", EVERYTHING);
    // The file names an input that does not exist and rules that raise nothing.
    dir.write(
        "picket.toml",
        "rules = \"none.toml\"\n[input]\nfiles = [\"missing.beast\"]\n[[sink]]\ntype = \"jsonl\"\npath = \"file.jsonl\"\n",
    );
    let err = failure(&["run", "--config", "picket.toml"], &dir);
    assert!(err.contains("missing.beast"), "{err}");
    // The flags replace input and rules; the file's sink stays.
    let out = run(picket()
        .current_dir(dir.path())
        .args(["run", "--config", "picket.toml", "--rules", "all.toml"])
        .args(&WINDOW[1..]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let alerts = std::fs::read_to_string(dir.path().join("file.jsonl")).unwrap();
    assert!(alerts.lines().count() >= 5, "{stderr}");
    assert!(alerts.lines().all(|l| l.contains("\"rule\":\"everything\"")));
    assert!(stderr.contains("rules: all.toml"), "{stderr}");
}

#[test]
fn a_gzipped_aircraft_database_makes_an_airliner_military() {
    let dir = TempDir::new("config-db");
    // Default rules: the window's airliners raise nothing (the Il-62 does).
    let hexes = |stdout: &[u8]| -> Vec<serde_json::Value> {
        String::from_utf8_lossy(stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let out = run(picket().args(WINDOW));
    let before = hexes(&out.stdout);
    assert!(before.iter().all(|v| v["hex"] != "a6cf62"));
    // A tar1090-db row (ICAO;REG;TYPE;FLAGS;...) flags one of the airliners military.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"a6cf62;N538NS;B738;10;BOEING 737-800;2015;Test operator;\n")
        .unwrap();
    let db = dir.path().join("aircraft.csv.gz");
    std::fs::write(&db, gz.finish().unwrap()).unwrap();
    let out = run(picket().args(WINDOW).arg("--aircraft-db").arg(&db));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("aircraft.csv.gz: 1 records (tar1090"), "{stderr}");
    let after = hexes(&out.stdout);
    let new: Vec<&serde_json::Value> = after.iter().filter(|v| v["hex"] == "a6cf62").collect();
    assert!(!new.is_empty(), "{stderr}");
    for v in new {
        assert_eq!(v["rule"], "military");
        assert_eq!(v["aircraft"]["class_layer"], "aircraft_db");
        assert_eq!(v["aircraft"]["operator"], "Test operator");
        assert_eq!(v["aircraft"]["type"], "B738");
    }
    assert_eq!(after.len(), before.len() + 1, "{stderr}");
}

#[test]
fn a_callsign_table_of_the_users_makes_an_unknown_callsign_military() {
    let dir = TempDir::new("config-callsigns");
    // A civil (Irish) address flying as ZZQ123, a callsign no built-in row knows.
    let lines: String = (0..30)
        .map(|k| {
            format!(
                "{{\"time\":{},\"hex\":\"4ca9f1\",\"flight\":\"ZZQ123\",\"lat\":{:.3},\"lon\":-8.0,\"alt_baro\":30000,\"gs\":450.0,\"track\":0.0}}\n",
                1_700_000_000 + 2 * k,
                53.0 + 0.004 * f64::from(k)
            )
        })
        .collect();
    dir.write("obs.jsonl", &lines);
    let alerts = |out: &std::process::Output| -> Vec<serde_json::Value> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .filter(|v: &serde_json::Value| v["hex"] == "4ca9f1")
            .collect()
    };
    // Default rules: a civil aircraft raises nothing.
    let before = run(picket().current_dir(dir.path()).args(["run", "-i", "obs.jsonl"]));
    assert!(
        alerts(&before).is_empty(),
        "{}",
        String::from_utf8_lossy(&before.stdout)
    );
    dir.write(
        "mine.csv",
        "prefix,class,country,operator,source\nZZQ,military,IE,Test Air Corps,my own notes\n",
    );
    let check = |out: &std::process::Output| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("mine.csv: 1 callsign rows (0 lines skipped)"),
            "{stderr}"
        );
        let after = alerts(out);
        assert!(!after.is_empty(), "{stderr}");
        for v in after {
            assert_eq!(v["aircraft"]["class"], "military");
            assert_eq!(v["aircraft"]["class_layer"], "callsign");
            let detail = v["aircraft"]["class_detail"].as_str().unwrap();
            assert!(detail.contains("Test Air Corps"), "{detail}");
        }
    };
    // The flag...
    check(&run(picket().current_dir(dir.path()).args([
        "run",
        "-i",
        "obs.jsonl",
        "--callsigns",
        "mine.csv",
    ])));
    // ...and the configuration file's key.
    dir.write(
        "picket.toml",
        "callsigns = \"mine.csv\"\n[input]\nfiles = [\"obs.jsonl\"]\n",
    );
    check(&run(picket().current_dir(dir.path()).args([
        "run",
        "--config",
        "picket.toml",
    ])));
}

/// Frames of the test window as JSON lines, with the time of each line.
fn window_frames(dir: &TempDir) -> (Vec<u8>, Vec<(usize, f64)>) {
    let frames = dir.path().join("frames.jsonl");
    run(picket()
        .args([
            "simulate",
            "caracas",
            "--duration",
            "30m",
            "--format",
            "jsonl",
            "--out",
        ])
        .arg(&frames));
    let data = std::fs::read(&frames).unwrap();
    let mut starts = Vec::new();
    let mut at = 0;
    for line in data.split(|&b| b == b'\n') {
        if let Some(t) = line_time(line) {
            starts.push((at, t));
        }
        at += line.len() + 1;
    }
    (data, starts)
}

/// The `"time":` number of a JSON line.
fn line_time(line: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(line).ok()?;
    let rest = &s[s.find("\"time\":")? + 7..];
    let end = rest.find([',', '}'])?;
    rest[..end].parse().ok()
}

/// Byte offset of the first line at or after data time `t`.
fn offset_at(starts: &[(usize, f64)], t: f64) -> usize {
    starts
        .iter()
        .find(|(_, lt)| *lt >= t)
        .map_or(usize::MAX, |(o, _)| *o)
}

#[test]
fn a_file_input_ends_with_a_summary() {
    let dir = TempDir::new("config-summary");
    let (data, _) = window_frames(&dir);
    let rules = dir.write("all.toml", EVERYTHING);
    let out = run(picket()
        .args(["run", "--input"])
        .arg(dir.path().join("frames.jsonl"))
        .arg("--rules")
        .arg(&rules));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let alerts = String::from_utf8_lossy(&out.stdout);
    let n = alerts.lines().count();
    assert!(n >= 5);
    let lines = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count() as u64;
    assert_eq!(frames(&stderr), lines, "{stderr}");
    // First sightings, and the take-offs of the two flights first heard as they climbed out
    // of Curaçao (TNCB) (a track that begins low at the field: low confidence).
    let first_seen = alerts
        .lines()
        .filter(|l| l.contains("\"kind\":\"first_seen\""))
        .count();
    assert!(first_seen >= 5 && n - first_seen <= 2, "{alerts}");
    for l in alerts.lines().filter(|l| !l.contains("\"kind\":\"first_seen\"")) {
        assert!(
            l.contains("\"kind\":\"takeoff\"")
                && l.contains("\"airport\":\"TNCB\"")
                && l.contains("\"basis\":\"track_start\""),
            "{l}"
        );
    }
    assert!(
        stderr.contains(&format!("alerts      {n}: "))
            && stderr.contains(&format!("first_seen {first_seen}")),
        "{stderr}"
    );
    assert!(stderr.contains("aircraft    "), "{stderr}");
    assert!(stderr.contains(", 0 read errors, "), "{stderr}");
    assert_eq!(sink_counts(&stderr, "stdout"), (n as u64, 0, 0, 0));
}

#[test]
fn sighup_reloads_rules_and_a_failed_reload_keeps_the_old_ones() {
    let dir = TempDir::new("config-reload");
    let (data, starts) = window_frames(&dir);
    let t0 = starts[0].1;
    let rule = |name: &str| {
        format!("version = 1\n[[rule]]\nname = \"{name}\"\nwhen = \"true\"\nevents = [\"any\"]\n")
    };
    // Reference: every alert of the window under the first rules, with its data time.
    let rules = dir.write("rules.toml", &rule("one"));
    let reference = run(picket()
        .args(["run", "--input"])
        .arg(dir.path().join("frames.jsonl"))
        .arg("--rules")
        .arg(&rules));
    let reference: Vec<(String, f64)> = String::from_utf8_lossy(&reference.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["id"].as_str().unwrap().to_string(), v["time"].as_f64().unwrap())
        })
        .collect();
    // Three parts: the bad reload comes after the first, the good one after the second.
    let (t1, t2) = (t0 + 180.0, t0 + 570.0);
    let middle: Vec<&String> = reference
        .iter()
        .filter(|(_, t)| *t >= t1 + 1.0 && *t < t2)
        .map(|(id, _)| id)
        .collect();
    let late: BTreeSet<&String> = reference
        .iter()
        .filter(|(_, t)| *t >= t2 + 1.0)
        .map(|(id, _)| id)
        .collect();
    assert!(
        !middle.is_empty() && !late.is_empty(),
        "the window has alerts in each part"
    );
    let (o1, o2) = (offset_at(&starts, t1), offset_at(&starts, t2));

    let out = dir.path().join("alerts.jsonl");
    let mut child = picket()
        .args(["run", "--input", "-", "--rules"])
        .arg(&rules)
        .arg("--jsonl")
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let err = Lines::follow(child.stderr.take().unwrap());
    let hup = || {
        let ok = std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&data[..o1]).unwrap();
    // The handlers are in place once the start line is out.
    assert!(
        wait_for(Duration::from_secs(20), || err
            .any(|l| l.starts_with("picket: run: "))),
        "{}",
        err.text()
    );

    // A broken rules file: the reload fails, saying where, and the old rules go on.
    std::fs::write(&rules, "version = 1\n[[rule]]\nname = 7\n").unwrap();
    hup();
    stdin.write_all(&data[o1..o2]).unwrap();
    stdin.flush().unwrap();
    assert!(
        wait_for(Duration::from_secs(20), || err
            .any(|l| l.contains("reload failed"))),
        "{}",
        err.text()
    );
    assert!(
        err.any(|l| l.contains("reload failed") && l.contains("rules.toml:3:")),
        "{}",
        err.text()
    );
    let written = || std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        wait_for(Duration::from_secs(20), || {
            let w = written();
            middle.iter().all(|id| w.contains(id.as_str()))
        }),
        "the old rules stopped after the failed reload:\n{}",
        written()
    );

    // A good file: the new rule takes over.
    std::fs::write(&rules, rule("two")).unwrap();
    hup();
    stdin.write_all(&data[o2..]).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success(), "{}", err.all());
    let stderr = err.all();
    assert!(stderr.contains("reloaded rules"), "{stderr}");
    assert!(stderr.contains("reloads     1 done, 1 failed"), "{stderr}");
    let mut seen_two = BTreeSet::new();
    let mut switched = false;
    for line in written().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        match v["rule"].as_str().unwrap() {
            "one" => assert!(!switched, "an alert of the old rule after the new one: {line}"),
            "two" => {
                switched = true;
                seen_two.insert(v["id"].as_str().unwrap().to_string());
            }
            other => panic!("rule {other}"),
        }
    }
    for id in late {
        assert!(seen_two.contains(id), "alert {id} after the reload is missing");
    }
}

#[test]
fn several_inputs_are_merged_in_time_order() {
    let dir = TempDir::new("config-merge");
    let (data, _) = window_frames(&dir);
    let file = dir.path().join("frames.jsonl");
    let rules = dir.write("all.toml", EVERYTHING);
    let one = run(picket()
        .arg("run")
        .arg("-i")
        .arg(&file)
        .arg("--rules")
        .arg(&rules));
    // The same recording as two receivers: twice the frames, every item in time order (the
    // tracker would count out-of-order items otherwise), the same alerts.
    let two = run(picket()
        .arg("run")
        .arg("-i")
        .arg(&file)
        .arg("-i")
        .arg(&file)
        .arg("--rules")
        .arg(&rules));
    let lines = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count() as u64;
    let stderr = String::from_utf8_lossy(&two.stderr);
    assert_eq!(frames(&stderr), 2 * lines, "{stderr}");
    assert!(
        stderr.contains("summary     ") && stderr.contains("frames.jsonl (jsonl), "),
        "{stderr}"
    );
    // The second copy of each frame is the same transmission from another receiver: it is
    // taken once, so the alerts are the same ones (those raised at the same data time may
    // come out in another order). That includes the take-off concluded from a track that
    // begins low near the field (a track_start), whichever copy confirms it airborne first.
    let track_start = |out: &[u8]| String::from_utf8_lossy(out).contains("\"basis\":\"track_start\"");
    assert!(track_start(&one.stdout) && track_start(&two.stdout));
    let keys = |out: &[u8]| alert_keys(&String::from_utf8_lossy(out));
    let mut a = keys(&one.stdout);
    let mut b = keys(&two.stdout);
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn stdin_is_a_live_feed_unless_a_start_is_given() {
    let dir = TempDir::new("config-live");
    let beast = dir.path().join("window.beast");
    run(picket()
        .args(["simulate", "caracas", "--duration", "2m", "--out"])
        .arg(&beast));
    let summary = |args: &[&str]| -> String {
        let out = run(picket()
            .args(["run", "-i", "-"])
            .args(args)
            .stdin(std::fs::File::open(&beast).unwrap()));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        stderr
            .lines()
            .find(|l| l.starts_with("data time"))
            .unwrap()
            .to_string()
    };
    // Live: Beast frames carry no date, so they take the time they arrived (all at once).
    let live = summary(&[]);
    assert!(
        !live.contains("2000-01-01") && !live.contains("2019-03-23"),
        "{live}"
    );
    let span: f64 = live
        .rsplit_once('(')
        .unwrap()
        .1
        .trim_end_matches(" s)")
        .parse()
        .unwrap();
    assert!(
        span < 60.0,
        "two minutes of frames arrived in well under a minute: {live}"
    );
    // A recording: the 12 MHz clock from the given start.
    let recorded = summary(&["--start", "2019-03-23T14:00:00Z"]);
    assert!(
        recorded.contains("2019-03-23T14:00:00.000Z .. 2019-03-23T14:01:59"),
        "{recorded}"
    );
}

#[test]
fn speed_paces_the_input_to_data_time() {
    // 60 s of data at 300 times real time cannot take less than 0.2 s (a lower bound only:
    // a slow machine makes it longer, never shorter).
    let started = std::time::Instant::now();
    let out = run(picket().args([
        "run",
        "--scenario",
        "caracas",
        "--duration",
        "60s",
        "--speed",
        "300",
    ]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let data_s: f64 = stderr
        .lines()
        .find(|l| l.starts_with("data time"))
        .and_then(|l| l.rsplit_once('('))
        .map(|(_, r)| r.trim_end_matches(" s)").parse().unwrap())
        .unwrap();
    assert!(data_s > 59.0, "{stderr}");
    assert!(started.elapsed().as_secs_f64() >= data_s / 300.0, "{stderr}");
}

#[test]
fn sigterm_stops_the_input_and_prints_the_summary() {
    let dir = TempDir::new("config-term");
    let (data, _) = window_frames(&dir);
    let mut child = picket()
        .args(["run", "--input", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = Lines::follow(child.stderr.take().unwrap());
    let mut stdin = child.stdin.take().unwrap();
    let chunk = data.len() / 8;
    stdin.write_all(&data[..chunk]).unwrap();
    assert!(
        wait_for(Duration::from_secs(20), || err
            .any(|l| l.starts_with("picket: run: "))),
        "{}",
        err.text()
    );
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    // Data keeps coming (the signal is seen at the next frame); picket stops reading it.
    for part in data[chunk..].chunks(chunk) {
        if stdin.write_all(part).is_err() {
            break;
        }
    }
    drop(stdin);
    assert!(child.wait().unwrap().success(), "{}", err.all());
    let stderr = err.all();
    assert!(stderr.contains("(stopped by a signal)"), "{stderr}");
    let lines = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count() as u64;
    assert!(frames(&stderr) < lines, "{stderr}");
}
