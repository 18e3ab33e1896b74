//! `picket run` as a service: a scenario served over TCP and read through `--connect` gives
//! the events of the same frames read from a file; aircraft.json polling; and the paper
//! cuts of the run summary and configuration.

mod run_common;

use run_common::{picket, run, wait_for, Lines, TempDir};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

/// Starts `picket simulate ... --serve 127.0.0.1:0`; returns the child, the address and the
/// `--start` it advises.
fn serve(args: &[&str]) -> (std::process::Child, String, String) {
    let mut child = picket()
        .arg("simulate")
        .args(args)
        .args(["--serve", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (mut addr, mut start) = (None, None);
    let mut line = String::new();
    while addr.is_none() && err.read_line(&mut line).unwrap() > 0 {
        if let Some(rest) = line.split("give --start ").nth(1) {
            start = Some(rest.trim().to_string());
        }
        if let Some(rest) = line.split("serving on ").nth(1) {
            addr = rest.split(';').next().map(|a| a.trim().to_string());
        }
        line.clear();
    }
    // Keep draining stderr so the server never blocks on it.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = err.read_to_end(&mut sink);
    });
    (child, addr.expect("serving on"), start.expect("--start advice"))
}

#[test]
fn orchila_served_over_tcp_gives_the_events_of_the_same_frames_from_a_file() {
    // The first eight hours: the Il-76 is heard, lands at La Orchila and dwells 6 h (the
    // whole 84 h are a manual check, docs/run.md).
    let dir = TempDir::new("live-orchila");
    let window = ["orchila", "--duration", "8h"];
    let file = dir.path().join("orchila.beast");
    let out = run(picket().arg("simulate").args(window).arg("--out").arg(&file));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let (mut server, addr, start) = serve(&[&window[..], &["--no-pace"]].concat());
    let live = dir.path().join("live.jsonl");
    let out = run(picket()
        .args([
            "run",
            "--connect",
            &format!("beast://{addr}"),
            "--start",
            &start,
            "--jsonl",
        ])
        .arg(&live));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(server.wait().unwrap().success());
    let live_err = String::from_utf8_lossy(&out.stderr).to_string();

    let replay = dir.path().join("file.jsonl");
    let out = run(picket()
        .args(["run", "--start", &start, "--input"])
        .arg(&file)
        .arg("--jsonl")
        .arg(&replay));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file_err = String::from_utf8_lossy(&out.stderr).to_string();

    let a = std::fs::read_to_string(&live).unwrap();
    let b = std::fs::read_to_string(&replay).unwrap();
    assert!(b.contains("\"landing\"") && b.contains("\"dwell\""), "{b}");
    assert_eq!(a, b, "live:\n{live_err}\nfile:\n{file_err}");
    assert_eq!(run_common::frames(&live_err), run_common::frames(&file_err));
    assert!(run_common::frames(&live_err) > 10_000, "{live_err}");
}

#[test]
fn an_aircraft_heard_again_after_a_gap_counts_once() {
    let dir = TempDir::new("live-gap");
    let mut text = String::new();
    // DF17 identification of 4840d6; silent for two hours (the tracker retires it and
    // makes a new track), then heard again.
    for t in [0, 1, 2, 3, 4, 5, 7200, 7201, 7202] {
        text.push_str(&format!(
            "{{\"time\": {}, \"frame\": \"8d4840d6202cc371c32ce0576098\"}}\n",
            1_553_515_200 + t
        ));
    }
    let input = dir.write("gap.jsonl", &text);
    let out = run(picket().args(["run", "--input"]).arg(&input));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("\naircraft    1\n"), "{err}");
}

#[test]
fn text_prints_one_readable_line_per_alert() {
    let out = run(picket().args(["run", "--scenario", "orchila", "--duration", "2h", "--text"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let alerts: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("alerts      "))
        .and_then(|l| l.split(':').next())
        .and_then(|n| n.trim().parse().ok())
        .expect("alerts line");
    assert!(alerts >= 2, "{err}");
    assert_eq!(lines.len() as u64, alerts, "{stdout}");
    // UTC time, what, who, where: `2019-03-25T13:30:02Z  landing  RFF8001 (IL76, ...) landed at SVLO ...`
    let landing = lines
        .iter()
        .find(|l| l.contains(" landing "))
        .expect("a landing line");
    assert!(landing.starts_with("2019-03-25T13:"), "{landing}");
    assert_eq!(&landing[19..22], "Z  ", "{landing}");
    assert!(
        landing.contains("RFF8001") && landing.contains("landed at SVLO"),
        "{landing}"
    );
    assert!(landing.contains(" at 11.8"), "the position: {landing}");
    assert!(!stdout.contains('{'), "no JSON on stdout with --text: {stdout}");
}

#[test]
fn a_sink_naming_a_rule_that_does_not_exist_is_an_error() {
    let dir = TempDir::new("live-sinkrule");
    let cfg = dir.write(
        "picket.toml",
        "[input]\nscenario = \"caracas\"\nduration = \"1m\"\n\n[[sink]]\ntype = \"jsonl\"\npath = \"-\"\nrules = [\"militray\"]\n",
    );
    let out = picket().args(["run", "-c"]).arg(&cfg).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("militray") && err.contains("picket.toml:5"), "{err}");
    assert!(err.contains("military"), "the rules there are: {err}");
}

#[test]
fn an_empty_rules_file_is_warned_about() {
    let dir = TempDir::new("live-emptyrules");
    let rules = dir.write("rules.toml", "version = 1\n");
    let out = run(picket()
        .args(["run", "--scenario", "caracas", "--duration", "1m", "--rules"])
        .arg(&rules));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("warning") && err.contains("has no rules"), "{err}");
}

/// A one-page HTTP server answering every GET with `body`; counts the requests.
fn http_json(body: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = std::sync::Arc::new(AtomicU64::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let mut req = Vec::new();
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body.as_bytes());
            c.fetch_add(1, Ordering::Relaxed);
        }
    });
    (format!("http://{addr}/data/aircraft.json"), count)
}

#[test]
fn aircraft_json_is_polled_as_observations() {
    use std::sync::atomic::Ordering;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let body = format!(
        r#"{{"now": {now:.1}, "messages": 10, "aircraft": [
  {{"hex": "4840d6", "flight": "KLM1023 ", "alt_baro": 35000, "lat": 52.3, "lon": 4.8, "gs": 440, "track": 90, "seen": 0.5}},
  {{"hex": "3c6586", "alt_baro": "ground", "lat": 50.03, "lon": 8.55, "seen": 1.0}}
]}}"#
    );
    let (url, requests) = http_json(body);
    let mut child = picket()
        .args(["run", "--connect", &url, "--poll", "200ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = Lines::follow(child.stderr.take().unwrap());
    assert!(
        wait_for(Duration::from_secs(30), || requests.load(Ordering::Relaxed) >= 3),
        "{}",
        err.text()
    );
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(child.wait().unwrap().success());
    let all = err.all();
    let obs: u64 = all
        .lines()
        .find_map(|l| l.strip_prefix("frames      "))
        .and_then(|l| l.split(", ").nth(2))
        .and_then(|p| p.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("frames line");
    assert!(obs >= 4, "two aircraft per poll, two polls or more: {all}");
    assert!(all.contains("\naircraft    2\n"), "{all}");
    assert!(all.contains("receiver    rx0 (http://"), "{all}");
}

#[test]
fn an_output_on_a_public_address_needs_allow_remote() {
    let out = picket()
        .args([
            "run",
            "--connect",
            "beast://127.0.0.1:9",
            "--beast-out",
            "0.0.0.0:0",
            "-q",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("--allow-remote"), "{err}");
}
