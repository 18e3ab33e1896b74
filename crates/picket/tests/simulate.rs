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
