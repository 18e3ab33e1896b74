//! `picket run` against a program nobody here wrote: Debian's dump1090-mutability.
//!
//! 1. dump1090 demodulates the simulator's 2.4 MS/s IQ samples, fed through a named pipe
//!    (clients connect first, then the samples are written), and serves Beast, AVR and SBS
//!    on loopback. `picket run --connect` to its Beast and AVR ports receives exactly the
//!    frames it prints with `--raw` (compared as sets of a real size), and the aircraft,
//!    positions and callsigns tracked from its SBS feed agree with those tracked from its
//!    Beast feed.
//! 2. Its Beast input port receives picket's Beast output (picket pushes) and it decodes
//!    the frames picket sent.
//!
//! Skips when dump1090-mutability is not installed (scripts/test.sh installs it), except
//! under PICKET_REQUIRE_TESTDATA=1 (CI), where that is a failure.

mod run_common;

use run_common::{free_port, picket, wait_for, Lines, TempDir};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn dump1090() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/bin")])
        .map(|d| d.join("dump1090-mutability"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("PICKET_REQUIRE_TESTDATA").as_deref() != Ok("1"),
            "dump1090-mutability is not installed (scripts/test.sh installs it)"
        );
        eprintln!("skipping: dump1090-mutability is not installed (scripts/test.sh installs it)");
    }
    found
}

/// A child process killed (by its own id) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn term(child: &Child) {
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

fn connectable(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// Everything a TCP server sends until it closes, read on a thread.
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<(Vec<u8>, bool)>>);

impl Collected {
    fn start(addr: &str) -> Collected {
        let mut s = TcpStream::connect(addr).unwrap();
        let c = Collected::default();
        let inner = c.0.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => inner.lock().unwrap().0.extend_from_slice(&buf[..n]),
                }
            }
            inner.lock().unwrap().1 = true;
        });
        c
    }

    fn text(&self) -> String {
        assert!(
            wait_for(Duration::from_secs(30), || self.0.lock().unwrap().1),
            "the output closed"
        );
        String::from_utf8_lossy(&self.0.lock().unwrap().0).to_string()
    }
}

/// A `picket run` with its stderr followed.
struct Picket {
    child: Killed,
    err: Lines,
}

impl Picket {
    fn start(args: &[&str]) -> Picket {
        let mut child = picket()
            .arg("run")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = Lines::follow(child.stderr.take().unwrap());
        Picket {
            child: Killed(child),
            err,
        }
    }

    /// The address an output serves on (`picket: serving avr on ADDR`).
    fn serving(&self, kind: &str) -> String {
        let prefix = format!("picket: serving {kind} on ");
        assert!(
            wait_for(Duration::from_secs(20), || self
                .err
                .any(|l| l.starts_with(&prefix))),
            "{}",
            self.err.text()
        );
        let text = self.err.text();
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap()
            .trim()
            .to_string()
    }

    fn wait_line(&self, what: &str) {
        assert!(
            wait_for(Duration::from_secs(20), || self.err.any(|l| l.contains(what))),
            "waiting for {what:?}: {}",
            self.err.text()
        );
    }

    fn stop(&self) -> String {
        term(&self.child.0);
        self.err.all()
    }
}

/// Frames of AVR lines (`*HEX;` or `@COUNTERHEX;`), lower case.
fn avr_frames(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim().trim_end_matches(';');
            if let Some(h) = l.strip_prefix('*') {
                Some(h.to_ascii_lowercase())
            } else {
                l.strip_prefix('@').map(|h| h[12..].to_ascii_lowercase())
            }
        })
        .filter(|h| h.len() == 14 || h.len() == 28)
        .collect()
}

/// What SBS lines say per aircraft: the last position and the callsign.
#[derive(Debug, Default)]
struct SbsAircraft {
    position: Option<(f64, f64)>,
    callsign: Option<String>,
}

fn sbs_aircraft(text: &str) -> BTreeMap<String, SbsAircraft> {
    let mut out: BTreeMap<String, SbsAircraft> = BTreeMap::new();
    for l in text.lines() {
        let f: Vec<&str> = l.trim().split(',').collect();
        if f.len() < 16 || f[0] != "MSG" {
            continue;
        }
        let a = out.entry(f[4].to_ascii_lowercase()).or_default();
        if !f[10].trim().is_empty() {
            a.callsign = Some(f[10].trim().to_string());
        }
        if let (Ok(lat), Ok(lon)) = (f[14].parse::<f64>(), f[15].parse::<f64>()) {
            a.position = Some((lat, lon));
        }
    }
    out
}

#[test]
fn frames_and_tracks_from_dump1090s_beast_avr_and_sbs_feeds_agree_with_its_raw_output() {
    let Some(dump) = dump1090() else { return };
    let dir = TempDir::new("dump1090-iq");
    let fifo = dir.path().join("iq.fifo");
    let ok = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let (bo, ro, sbs, bi, ri) = (free_port(), free_port(), free_port(), free_port(), free_port());
    let mut d = std::process::Command::new(dump)
        .arg("--ifile")
        .arg(&fifo)
        .args([
            "--iformat",
            "UC8",
            "--raw",
            "--net",
            "--net-bind-address",
            "127.0.0.1",
        ])
        .args(["--net-bo-port", &bo.to_string(), "--net-ro-port", &ro.to_string()])
        .args([
            "--net-sbs-port",
            &sbs.to_string(),
            "--net-bi-port",
            &bi.to_string(),
        ])
        .args(["--net-ri-port", &ri.to_string(), "--net-heartbeat", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let raw = Lines::follow(d.stdout.take().unwrap());
    let d = Killed(d);
    // dump1090 opens the pipe before it listens: open our end, then wait for its ports.
    let writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    assert!(wait_for(Duration::from_secs(20), || connectable(bo)
        && connectable(ro)
        && connectable(sbs)));

    let beast = Picket::start(&[
        "--connect",
        &format!("beast://127.0.0.1:{bo}"),
        "--avr-out",
        "127.0.0.1:0",
        "--sbs-out",
        "127.0.0.1:0",
    ]);
    let avr = Picket::start(&[
        "--connect",
        &format!("avr://127.0.0.1:{ro}"),
        "--avr-out",
        "127.0.0.1:0",
    ]);
    let sbs_in = Picket::start(&[
        "--connect",
        &format!("sbs://127.0.0.1:{sbs}"),
        "--sbs-out",
        "127.0.0.1:0",
    ]);
    let from_beast = Collected::start(&beast.serving("avr"));
    let sbs_from_beast = Collected::start(&beast.serving("sbs"));
    let from_avr = Collected::start(&avr.serving("avr"));
    let sbs_from_sbs = Collected::start(&sbs_in.serving("sbs"));
    beast.wait_line("avr output: client");
    beast.wait_line("sbs output: client");
    avr.wait_line("avr output: client");
    sbs_in.wait_line("sbs output: client");
    for p in [&beast, &avr, &sbs_in] {
        p.wait_line("connected to");
    }

    // Now the samples: 20 s of the caracas scenario at 2.4 MS/s.
    let mut sim = picket()
        .args([
            "simulate",
            "caracas",
            "--duration",
            "20s",
            "--format",
            "iq-u8",
            "--rate",
            "2.4",
        ])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(sim.wait().unwrap().success());
    let mut d = d;
    assert!(
        d.0.wait().unwrap().success(),
        "dump1090 ends at the end of its input"
    );
    // Every picket sees its connection close; stop them (they would reconnect for ever).
    let summaries: Vec<String> = [&beast, &avr, &sbs_in].iter().map(|p| p.stop()).collect();

    let printed = avr_frames(&raw.all());
    assert!(printed.len() > 150, "dump1090 printed {} frames", printed.len());
    let got_beast = avr_frames(&from_beast.text());
    let got_avr = avr_frames(&from_avr.text());
    assert_eq!(got_beast, printed, "{}", summaries[0]);
    assert_eq!(got_avr, printed, "{}", summaries[1]);

    // Tracks: from the SBS feed (dump1090's own tracking) and from the Beast feed (ours).
    let a = sbs_aircraft(&sbs_from_beast.text());
    let b = sbs_aircraft(&sbs_from_sbs.text());
    let located = |m: &BTreeMap<String, SbsAircraft>| -> BTreeSet<String> {
        m.iter()
            .filter(|(_, a)| a.position.is_some())
            .map(|(k, _)| k.clone())
            .collect()
    };
    eprintln!(
        "dump1090 printed {} distinct frames; {} aircraft located from Beast, {} from SBS; {} named",
        printed.len(),
        located(&a).len(),
        located(&b).len(),
        a.values().filter(|x| x.callsign.is_some()).count()
    );
    assert!(located(&a).len() >= 3, "{a:?}");
    assert_eq!(located(&a), located(&b), "beast {a:?}\nsbs {b:?}");
    let named = |m: &BTreeMap<String, SbsAircraft>| -> BTreeMap<String, String> {
        m.iter()
            .filter_map(|(k, a)| a.callsign.clone().map(|c| (k.clone(), c)))
            .collect()
    };
    assert!(!named(&a).is_empty(), "{a:?}");
    assert_eq!(named(&a), named(&b));
    for (hex, x) in &a {
        if let (Some(p), Some(q)) = (x.position, b.get(hex).and_then(|y| y.position)) {
            assert!(
                (p.0 - q.0).abs() < 0.05 && (p.1 - q.1).abs() < 0.05,
                "{hex}: {p:?} from Beast, {q:?} from SBS"
            );
        }
    }
}

#[test]
fn dump1090s_beast_input_decodes_the_frames_picket_pushes() {
    let Some(dump) = dump1090() else { return };
    let dir = TempDir::new("dump1090-bi");
    let (bo, ro, sbs, bi, ri) = (free_port(), free_port(), free_port(), free_port(), free_port());
    let mut d = std::process::Command::new(dump)
        .args(["--net-only", "--net", "--raw", "--net-bind-address", "127.0.0.1"])
        .args(["--net-bo-port", &bo.to_string(), "--net-ro-port", &ro.to_string()])
        .args([
            "--net-sbs-port",
            &sbs.to_string(),
            "--net-bi-port",
            &bi.to_string(),
        ])
        .args(["--net-ri-port", &ri.to_string(), "--net-heartbeat", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let raw = Lines::follow(d.stdout.take().unwrap());
    let _d = Killed(d);
    assert!(wait_for(Duration::from_secs(20), || connectable(bi)));

    let file = dir.path().join("caracas.beast");
    let out = run_common::run(
        picket()
            .args(["simulate", "caracas", "--duration", "60s", "--out"])
            .arg(&file),
    );
    assert!(out.status.success());
    let decoded = run_common::run(picket().arg("decode").arg(&file));
    let mut sent = BTreeSet::new();
    let mut clean = BTreeSet::new();
    for l in String::from_utf8(decoded.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let f = v["frame"].as_str().unwrap().to_string();
        if v["crc"] == "clean" {
            clean.insert(f.clone());
        }
        sent.insert(f);
    }
    assert!(clean.len() > 400, "{}", clean.len());

    let out = run_common::run(
        picket()
            .args(["run", "--beast-push", &format!("127.0.0.1:{bi}"), "--input"])
            .arg(&file),
    );
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    // dump1090 decodes every clean frame picket sent, and nothing it did not send (a
    // damaged frame may be dropped by its CRC check).
    assert!(
        wait_for(Duration::from_secs(30), || clean
            .is_subset(&avr_frames(&raw.text()))),
        "{} of {} clean frames decoded\n{err}",
        avr_frames(&raw.text()).intersection(&clean).count(),
        clean.len()
    );
    let got = avr_frames(&raw.text());
    assert!(
        got.is_subset(&sent),
        "{:?}",
        got.difference(&sent).take(5).collect::<Vec<_>>()
    );
}
