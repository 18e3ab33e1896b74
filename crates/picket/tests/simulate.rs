//! `picket simulate` end to end: through the binary, into `picket decode`.

use std::process::{Command, Output, Stdio};

fn picket(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_picket"))
        .args(args)
        .output()
        .expect("picket runs")
}

#[test]
fn list_names_every_builtin_scenario() {
    let out = picket(&["simulate", "--list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["caracas", "orchila", "arctic"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(name) && l.contains("aircraft")),
            "{name} in {text}"
        );
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = picket(&[
        "simulate",
        "arctic",
        "--from",
        "1h",
        "--duration",
        "20s",
        "--seed",
        "7",
    ]);
    let b = picket(&[
        "simulate",
        "arctic",
        "--from",
        "1h",
        "--duration",
        "20s",
        "--seed",
        "7",
    ]);
    let c = picket(&[
        "simulate",
        "arctic",
        "--from",
        "1h",
        "--duration",
        "20s",
        "--seed",
        "8",
    ]);
    assert!(a.status.success() && !a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
}

#[test]
fn every_simulated_frame_decodes_in_every_format() {
    for format in ["beast", "avr", "jsonl"] {
        let sim = picket(&["simulate", "caracas", "--duration", "30s", "--format", format]);
        assert!(sim.status.success(), "{format}");
        let mut decode = Command::new(env!("CARGO_BIN_EXE_picket"))
            .args(["decode", "--stats", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        decode.stdin.take().unwrap().write_all(&sim.stdout).unwrap();
        let out = decode.wait_with_output().unwrap();
        let stats = String::from_utf8(out.stdout).unwrap();
        let frames_line = stats.lines().find(|l| l.starts_with("frames")).unwrap();
        let n: Vec<u64> = frames_line
            .split_whitespace()
            .filter_map(|w| w.trim_end_matches(',').parse().ok())
            .collect();
        assert!(n[0] > 500, "{format}: {frames_line}");
        assert_eq!(n[0], n[1], "{format}: every frame decodes: {frames_line}");
        assert!(stats.contains("errors      none"), "{format}: {stats}");
    }
}

#[test]
fn a_bad_scenario_file_is_reported_with_line_and_column() {
    let dir = std::env::temp_dir().join(format!("picket-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "start = \"2019-03-23T14:00:00Z\"\nduration = \"1h\"\n[[aircraft]]\nhex = \"zzzzzz\"\n",
    )
    .unwrap();
    let out = picket(&["simulate", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.toml:4:"), "line and column in: {err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn serve_streams_the_frames_to_a_tcp_client() {
    use std::io::{BufRead, BufReader, Read};
    let mut child = Command::new(env!("CARGO_BIN_EXE_picket"))
        .args([
            "simulate",
            "caracas",
            "--duration",
            "5s",
            "--speed",
            "1000",
            "--serve",
            "127.0.0.1:0",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut addr = None;
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        if let Some(rest) = line.split("serving on ").nth(1) {
            addr = rest.split(';').next().map(|a| a.trim().to_string());
            break;
        }
        line.clear();
    }
    let addr = addr.expect("the server says where it listens");
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    assert!(child.wait().unwrap().success());
    // The stream is Beast: as many frames as the same window written to a file.
    let file = picket(&["simulate", "caracas", "--duration", "5s"]);
    assert!(bytes.len() > 1000);
    assert_eq!(bytes, file.stdout);
}

#[test]
fn the_benchmark_scenario_file_loads_and_runs() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../sim/scenarios/bench/busy.toml");
    let out = picket(&["simulate", file, "--duration", "2s", "--format", "jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.len() > 10_000, "a busy sky gives many frames in 2 s");
}

/// A fresh folder for one test's files.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("picket-sim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `--start` advice of `picket simulate`'s stderr, as Unix seconds.
fn start_advice(stderr: &str) -> f64 {
    let t = stderr
        .split("give --start ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no --start advice in {stderr}"));
    picket_receive::time::parse_rfc3339_seconds(t).unwrap()
}

fn frames_of(
    path: &std::path::Path,
    format: picket_receive::Format,
    start: f64,
) -> Vec<(f64, u16, picket_receive::What)> {
    use picket_receive::{AnyReader, Reader, ReaderConfig};
    let mut r = AnyReader::new(format, ReaderConfig::starting(start));
    r.feed(&std::fs::read(path).unwrap());
    r.finish();
    let mut v = Vec::new();
    while let Some(item) = r.next() {
        let item = item.expect("the simulator writes what its readers read");
        v.push((item.time_utc, item.receiver, item.what));
    }
    v
}

#[test]
fn timestamped_avr_keeps_the_frames_times_and_the_advice_is_the_windows_start() {
    let dir = scratch("avr");
    let avr = dir.join("w.avr");
    let jsonl = dir.join("w.jsonl");
    let window = ["simulate", "caracas", "--from", "1h15m", "--duration", "90s"];
    let out = picket(&[&window[..], &["--format", "avr", "--out", avr.to_str().unwrap()]].concat());
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 2019-03-23T14:00:00Z + 1h15m: the window's start, not the scenario's.
    let window_start = 1_553_349_600.0 + 4500.0;
    let start = start_advice(&stderr);
    assert!((window_start..window_start + 5.0).contains(&start), "{stderr}");
    let text = std::fs::read_to_string(&avr).unwrap();
    assert!(
        text.lines().all(|l| l.starts_with('@') && l.len() > 13),
        "timestamped AVR"
    );
    let out = picket(
        &[
            &window[..],
            &["--format", "jsonl", "--out", jsonl.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(out.status.success());

    // Read back from the advised start, every frame has the time the simulator gave it.
    let from_avr = frames_of(&avr, picket_receive::Format::Avr, start);
    let truth: Vec<_> = frames_of(&jsonl, picket_receive::Format::Jsonl, 0.0)
        .into_iter()
        .filter(|f| f.1 == 0)
        .collect();
    assert!(from_avr.len() > 1000, "{}", from_avr.len());
    assert_eq!(from_avr.len(), truth.len());
    let (a0, t0) = (from_avr[0].0, truth[0].0);
    for (a, t) in from_avr.iter().zip(&truth) {
        assert_eq!(a.2, t.2);
        // The advice is written to the millisecond; over 90 s the receiver's clock drifts
        // 1.5 ppm (0.14 ms).
        assert!((a.0 - t.0).abs() < 1e-3, "{} vs {}", a.0, t.0);
        // Between frames: the receiver's clock (1.5 ppm drift, 40 ns jitter) and the
        // microseconds JSON lines are written with.
        let elapsed = t.0 - t0;
        assert!(
            ((a.0 - a0) - elapsed).abs() < 2e-6 * elapsed + 5e-6,
            "{} vs {}",
            a.0,
            t.0
        );
    }
    assert!(from_avr.last().unwrap().0 - from_avr[0].0 > 80.0, "times advance");
}

#[test]
fn a_window_past_the_scenarios_end_is_warned_about() {
    let out = picket(&[
        "simulate",
        "caracas",
        "--from",
        "3h59m50s",
        "--duration",
        "1h",
        "--out",
        "/dev/null",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: the window runs past the scenario's end (4h after its start): it is cut to 10s"
        ),
        "{stderr}"
    );
    let out = picket(&["simulate", "caracas", "--from", "5h", "--out", "/dev/null"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: the window starts at or past the scenario's end"),
        "{stderr}"
    );
    let out = picket(&["simulate", "caracas", "--duration", "10s", "--out", "/dev/null"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
}

#[test]
fn a_speed_that_is_not_positive_gets_pickets_own_message() {
    for bad in ["-1", "0", "nan", "inf", "fast"] {
        let out = picket(&[
            "simulate",
            "caracas",
            "--duration",
            "1s",
            "--speed",
            bad,
            "--out",
            "/dev/null",
        ]);
        assert!(!out.status.success(), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is not a speed: give how many times real time to play"),
            "{bad}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn decode_names_the_missing_field_and_fails_on_a_file_that_gives_nothing() {
    let dir = scratch("decode");
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"time\":1,\"hx\":\"abc\"}\n{\"time\":2}\n").unwrap();
    let out = picket(&["decode", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 1: a required field is missing: each line needs \"frame\""),
        "{stderr}"
    );
    assert!(stderr.contains("nothing in its"), "{stderr}");
    // One good line is enough.
    let some = dir.join("some.jsonl");
    std::fs::write(
        &some,
        "{\"time\":1,\"hx\":\"abc\"}\n{\"time\":2,\"frame\":\"8D406B902015A678D4D220AA4BDA\"}\n",
    )
    .unwrap();
    assert!(picket(&["decode", some.to_str().unwrap()]).status.success());
}

#[test]
fn decode_stats_never_show_a_negative_span() {
    let dir = scratch("span");
    let f = dir.join("late.jsonl");
    std::fs::write(
        &f,
        "{\"time\":1553349605,\"frame\":\"8D406B902015A678D4D220AA4BDA\"}\n{\"time\":1553349602,\"frame\":\"8D406B902015A678D4D220AA4BDA\"}\n",
    )
    .unwrap();
    let out = picket(&["decode", "--stats", f.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("data time   2019-03-23T14:00:02.000Z .. 2019-03-23T14:00:05.000Z (3.0 s)"),
        "{text}"
    );
}
