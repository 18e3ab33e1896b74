//! `picket run` with an MQTT sink against a real broker (Debian's mosquitto, started here
//! on 127.0.0.1 on a free port with a temporary configuration; skipped with a reason when
//! mosquitto or mosquitto_sub is not installed): alerts, Home Assistant discovery and
//! status arrive; a broker that is down does not stop or slow the pipeline; an alert held
//! while the broker is down is delivered once it is back; TLS with the broker's CA, and a
//! broker whose certificate is not trusted is refused.

mod run_common;

use run_common::*;
use std::collections::BTreeSet;
use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// mosquitto and mosquitto_sub, or why the test skips.
fn tools() -> Option<(PathBuf, PathBuf)> {
    match (find("mosquitto"), find("mosquitto_sub")) {
        (Some(b), Some(s)) => Some((b, s)),
        _ => {
            eprintln!(
                "skipping: mosquitto or mosquitto_sub is not installed (scripts/test.sh installs them)"
            );
            None
        }
    }
}

/// A child process killed (by its own id) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running broker and what it logs (every packet, `log_type all` on stderr).
struct Broker {
    _child: Killed,
    log: Lines,
}

/// Starts a broker on 127.0.0.1:`port` and waits until it accepts connections.
fn broker(bin: &PathBuf, dir: &TempDir, port: u16) -> Broker {
    broker_with(bin, dir, port, "")
}

/// A broker with more configuration lines (another listener).
fn broker_with(bin: &PathBuf, dir: &TempDir, port: u16, extra: &str) -> Broker {
    let conf = dir.write(
        &format!("mosquitto-{port}.conf"),
        &format!(
            "allow_anonymous true\npersistence false\nlog_type all\nlog_dest stderr\nlistener {port} 127.0.0.1\n{extra}"
        ),
    );
    let mut child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mosquitto starts");
    let log = Lines::follow(child.stderr.take().unwrap());
    let b = Broker {
        _child: Killed(child),
        log,
    };
    assert!(
        wait_for(Duration::from_secs(10), || TcpStream::connect((
            "127.0.0.1",
            port
        ))
        .is_ok()),
        "mosquitto did not listen on {port}"
    );
    b
}

/// Subscribes to picket's and Home Assistant's topics; returns once the subscription is
/// live (a retained probe message has come back).
fn subscriber(sub: &PathBuf, port: u16) -> (Killed, Lines) {
    let pub_ = sub.with_file_name("mosquitto_pub");
    let ok = Command::new(&pub_)
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-r",
            "-t",
            "probe/ready",
            "-m",
            "yes",
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "mosquitto_pub works");
    let mut child = Command::new(sub)
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-v", "-q", "1"])
        .args(["-t", "picket/#", "-t", "homeassistant/#", "-t", "probe/#"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto_sub starts");
    let lines = Lines::follow(child.stdout.take().unwrap());
    assert!(
        wait_for(Duration::from_secs(10), || lines.any(|l| l == "probe/ready yes")),
        "the subscription did not start"
    );
    (Killed(child), lines)
}

/// (topic, payload) of every message received.
fn messages(lines: &Lines) -> Vec<(String, String)> {
    lines
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|l| l.split_once(' ').map(|(t, p)| (t.to_string(), p.to_string())))
        .collect()
}

/// Waits for picket's goodbye (`picket/status offline`, the last thing it publishes).
fn said_goodbye(lines: &Lines) -> bool {
    wait_for(Duration::from_secs(10), || {
        lines.any(|l| l == "picket/status offline")
    })
}

/// The payloads received on `picket/alert`.
fn alert_payloads(lines: &Lines) -> BTreeSet<String> {
    messages(lines)
        .into_iter()
        .filter(|(t, _)| t == "picket/alert")
        .map(|(_, p)| p)
        .collect()
}

fn mqtt_config(port: u16, extra: &str) -> String {
    format!(
        "{extra}\n[[sink]]\ntype = \"mqtt\"\nname = \"ha\"\nhost = \"127.0.0.1\"\nport = {port}\nbackoff = \"20ms\"\nbackoff_max = \"100ms\"\n"
    )
}

#[test]
fn alerts_discovery_and_status_reach_the_broker() {
    let Some((mosquitto, sub)) = tools() else { return };
    let dir = TempDir::new("mqtt");
    let port = free_port();
    let _broker = broker(&mosquitto, &dir, port);
    let (_sub, lines) = subscriber(&sub, port);

    let (stderr, alerts) = run_window(&dir, &mqtt_config(port, ""));
    let n = alerts.lines().count();
    assert!(n >= 5, "{stderr}");
    assert_eq!(sink_counts(&stderr, "ha"), (n as u64, 0, 0, 0), "{stderr}");

    // picket says goodbye last: wait for it.
    assert!(said_goodbye(&lines), "no offline status; got:\n{}", lines.text());
    let msgs = messages(&lines);
    let of = |topic: &str| -> Vec<&str> {
        msgs.iter()
            .filter(|(t, _)| t == topic)
            .map(|(_, p)| p.as_str())
            .collect()
    };

    // Every alert, as its JSON.
    let got: BTreeSet<&str> = of("picket/alert").into_iter().collect();
    assert_eq!(got, alerts.lines().collect::<BTreeSet<_>>());
    assert_eq!(of("picket/alert").len(), n);

    // Status: online first, offline at the end.
    let status = of("picket/status");
    assert_eq!(status.first(), Some(&"online"));
    assert_eq!(status.last(), Some(&"offline"));

    // Home Assistant discovery: one device, a last-alert sensor and counters.
    let discovery: Vec<&(String, String)> = msgs
        .iter()
        .filter(|(t, _)| t.starts_with("homeassistant/"))
        .collect();
    let topics: BTreeSet<&str> = discovery.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(topics.len(), 14, "{topics:?}");
    assert!(topics.contains("homeassistant/sensor/picket/last_alert/config"));
    assert!(topics.contains("homeassistant/sensor/picket/first_seen_alerts/config"));
    for (t, p) in &discovery {
        let v: serde_json::Value = serde_json::from_str(p).unwrap_or_else(|e| panic!("{t}: {e}"));
        assert_eq!(v["device"]["identifiers"][0], "picket", "{t}");
        assert_eq!(v["availability_topic"], "picket/status", "{t}");
        assert!(v["unique_id"].as_str().unwrap().starts_with("picket_"), "{t}");
    }

    // The counters and the last alert as Home Assistant reads them.
    let counts: serde_json::Value = serde_json::from_str(of("picket/counts").last().unwrap()).unwrap();
    assert_eq!(counts["total"], n);
    let first_seen = alerts
        .lines()
        .filter(|l| l.contains("\"kind\":\"first_seen\""))
        .count();
    assert_eq!(counts["first_seen"], first_seen);
    assert_eq!(counts["landing"], 0);
    let last: serde_json::Value = serde_json::from_str(of("picket/last_alert").last().unwrap()).unwrap();
    let last_line: serde_json::Value = serde_json::from_str(alerts.lines().last().unwrap()).unwrap();
    assert_eq!(last["alert"]["id"], last_line["id"]);
    assert!(!last["summary"].as_str().unwrap().is_empty());
}

#[test]
fn pings_keep_an_idle_connection_open() {
    let Some((mosquitto, sub)) = tools() else { return };
    let dir = TempDir::new("mqtt-ping");
    let port = free_port();
    let broker = broker(&mosquitto, &dir, port);
    let (_sub, lines) = subscriber(&sub, port);
    // A one-second keep-alive. Seven minutes at 120 times real time play for 3.5 s; the
    // window's first sightings come at the start and after 6 min 21 s (3.2 s in): in the
    // gap picket must ping, and the connection stays the same from start to end.
    let rules = dir.write("all.toml", EVERYTHING);
    let config = dir.write(
        "picket.toml",
        &mqtt_config(port, "").replace("backoff = ", "keep_alive = 1\nbackoff = "),
    );
    let out = run(picket()
        .args([
            "run",
            "--scenario",
            "caracas",
            "--duration",
            "7m",
            "--speed",
            "120",
            "--rules",
        ])
        .arg(&rules)
        .arg("--config")
        .arg(&config));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (sent, dropped, failed, retries) = sink_counts(&stderr, "ha");
    assert!(sent >= 1, "{stderr}");
    assert_eq!((dropped, failed, retries), (0, 0, 0), "{stderr}");
    assert!(!stderr.contains("lost 127.0.0.1"), "{stderr}");
    assert!(said_goodbye(&lines), "{}", lines.text());
    assert!(
        broker
            .log
            .any(|l| l.contains("Received PINGREQ from picket-picket")),
        "{}",
        broker.log.text()
    );
    // One connection from start to end: online once.
    assert_eq!(
        messages(&lines)
            .iter()
            .filter(|(t, p)| t == "picket/status" && p == "online")
            .count(),
        1
    );
}

#[test]
fn a_broker_that_is_down_neither_stops_nor_slows_the_pipeline() {
    // No tool needed: nothing listens on the port.
    let dir = TempDir::new("mqtt-down");
    let port = free_port();
    let (stderr, alerts) = run_window(
        &dir,
        &mqtt_config(port, "drain_timeout = \"300ms\"").replace("backoff = ", "queue = 2\nbackoff = "),
    );
    let n = alerts.lines().count() as u64;
    assert!(n >= 5, "{stderr}");
    // Every alert reached the JSON lines sink; the MQTT sink dropped what did not fit its
    // queue and gave up the rest after retrying.
    assert_eq!(sink_counts(&stderr, "--jsonl"), (n, 0, 0, 0), "{stderr}");
    let (sent, dropped, failed, retries) = sink_counts(&stderr, "ha");
    assert_eq!(sent, 0, "{stderr}");
    assert_eq!(dropped + failed, n, "{stderr}");
    // The sink holds at most its queue (2), the alerts waiting for the broker (16, its
    // in-flight window) and the two being handed over; what it held is given up at the end
    // of the drain time, the rest was dropped.
    assert!((1..=2 + 16 + 2).contains(&failed), "{stderr}");
    assert!(retries >= 1, "{stderr}");
    assert!(stderr.contains("cannot publish to 127.0.0.1"), "{stderr}");
}

#[test]
fn alerts_held_while_the_broker_is_down_are_delivered_when_it_is_back() {
    let Some((mosquitto, sub)) = tools() else { return };
    let dir = TempDir::new("mqtt-back");
    // The input comes through stdin, so the test decides when the data flows.
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
    let half = data.len() / 2 + data[data.len() / 2..].iter().position(|&b| b == b'\n').unwrap() + 1;

    // The broker and the subscriber run from the start on one port; picket publishes to
    // another, where nothing listens until the test opens a relay to the broker: to picket,
    // the broker was down and came back, and the subscriber misses nothing.
    let broker_port = free_port();
    let _broker = broker(&mosquitto, &dir, broker_port);
    let (_sub, lines) = subscriber(&sub, broker_port);
    let port = free_port();
    let rules = dir.write("all.toml", EVERYTHING);
    let config = dir.write("picket.toml", &mqtt_config(port, ""));
    let jsonl = dir.path().join("alerts.jsonl");
    let mut child = picket()
        .args(["run", "--input", "-", "--rules"])
        .arg(&rules)
        .arg("--config")
        .arg(&config)
        .arg("--jsonl")
        .arg(&jsonl)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = Lines::follow(child.stderr.take().unwrap());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&data[..half]).unwrap();
    stdin.flush().unwrap();
    // The first alert meets the dead broker and is retried.
    assert!(
        wait_for(Duration::from_secs(20), || err
            .any(|l| l.contains("cannot publish to"))),
        "{}",
        err.text()
    );
    relay(port, broker_port);
    stdin.write_all(&data[half..]).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success(), "{}", err.all());
    assert!(said_goodbye(&lines), "{}", lines.text());
    let stderr = err.all();
    assert!(stderr.contains("connected to 127.0.0.1"), "{stderr}");
    let alerts = std::fs::read_to_string(&jsonl).unwrap();
    let n = alerts.lines().count() as u64;
    assert!(n >= 5, "{stderr}");
    let (sent, dropped, failed, retries) = sink_counts(&stderr, "ha");
    assert_eq!((sent, dropped, failed), (n, 0, 0), "{stderr}");
    assert!(retries >= 1, "{stderr}");
    let got = alert_payloads(&lines);
    assert_eq!(got, alerts.lines().map(str::to_string).collect::<BTreeSet<_>>());
}

/// Relays every connection to 127.0.0.1:`from` to 127.0.0.1:`to` (threads end with the
/// connections).
fn relay(from: u16, to: u16) {
    let listener = std::net::TcpListener::bind(("127.0.0.1", from)).expect("the relay port is free");
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(a) = conn else { continue };
            let Ok(b) = TcpStream::connect(("127.0.0.1", to)) else {
                continue;
            };
            for (mut r, mut w) in [(a.try_clone().unwrap(), b.try_clone().unwrap()), (b, a)] {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut r, &mut w);
                    let _ = w.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
}

#[test]
fn alerts_reach_the_broker_over_tls_and_an_untrusted_certificate_is_refused() {
    let Some((mosquitto, sub)) = tools() else { return };
    let dir = TempDir::new("mqtt-tls");
    // A self-signed certificate for 127.0.0.1 (ring, through rcgen).
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("a certificate");
    let cert = dir.write("broker.pem", &ck.cert.pem());
    let key = dir.write("broker.key", &ck.signing_key.serialize_pem());
    let port = free_port();
    let tls_port = free_port();
    let broker = broker_with(
        &mosquitto,
        &dir,
        port,
        &format!(
            "listener {tls_port} 127.0.0.1\ncertfile {}\nkeyfile {}\n",
            cert.display(),
            key.display()
        ),
    );
    assert!(
        wait_for(Duration::from_secs(10), || TcpStream::connect((
            "127.0.0.1",
            tls_port
        ))
        .is_ok()),
        "mosquitto did not listen on {tls_port}: {}",
        broker.log.text()
    );
    let (_sub, lines) = subscriber(&sub, port);
    let rules = dir.write("all.toml", EVERYTHING);
    let tls = format!("tls = true\nca_file = \"{}\"\nbackoff = ", cert.display());
    let (stderr, alerts) = run_window(&dir, &mqtt_config(tls_port, "").replace("backoff = ", &tls));
    let n = alerts.lines().count();
    assert!(n >= 5, "{stderr}");
    assert_eq!(sink_counts(&stderr, "ha"), (n as u64, 0, 0, 0), "{stderr}");
    assert!(said_goodbye(&lines), "{}", lines.text());
    let got = alert_payloads(&lines);
    assert_eq!(got, alerts.lines().map(str::to_string).collect::<BTreeSet<_>>());

    // Without the CA, Mozilla's roots do not vouch for the broker: nothing is sent.
    let config = dir.write(
        "untrusted.toml",
        &mqtt_config(tls_port, "drain_timeout = \"300ms\"").replace("backoff = ", "tls = true\nbackoff = "),
    );
    let out = run(picket()
        .args(WINDOW)
        .arg("--rules")
        .arg(&rules)
        .arg("--config")
        .arg(&config));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (sent, _, failed, _) = sink_counts(&stderr, "ha");
    assert_eq!(sent, 0, "{stderr}");
    assert!(failed >= 1, "{stderr}");
    assert!(stderr.contains("cannot publish to 127.0.0.1"), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
}
