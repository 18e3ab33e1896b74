//! `picket run` with webhook sinks against a local HTTP server: the expected POST bodies
//! and headers arrive, failed deliveries are retried, and a dead or hanging server neither
//! stops nor slows the pipeline (its drops and failures are counted).

mod run_common;

use run_common::*;
use std::collections::BTreeSet;

#[test]
fn webhooks_receive_every_alert_with_templated_bodies_and_headers() {
    let server = HttpServer::start(|_| 200, false);
    let dir = TempDir::new("webhook");
    let config = format!(
        r#"
[tokens]
secret = "s3cret-token"

[[sink]]
type = "webhook"
name = "raw"
url = "{raw}"
headers = {{ Authorization = "Bearer {{{{token.secret}}}}", X-Kind = "{{{{kind}}}}" }}

[[sink]]
type = "webhook"
name = "chat"
preset = "discord"
url = "{chat}"
"#,
        raw = server.url("/raw"),
        chat = server.url("/chat?h={{hex}}"),
    );
    let (stderr, jsonl) = run_window(&dir, &config);
    let lines: Vec<&str> = jsonl.lines().collect();
    assert!(lines.len() >= 5, "the window gives several alerts: {stderr}");
    assert_eq!(
        sink_counts(&stderr, "raw"),
        (lines.len() as u64, 0, 0, 0),
        "{stderr}"
    );
    assert_eq!(
        sink_counts(&stderr, "chat"),
        (lines.len() as u64, 0, 0, 0),
        "{stderr}"
    );

    let reqs = server.received();
    // The generic body is the alert's JSON, byte for byte as the JSON lines sink writes it.
    let raw: Vec<_> = reqs.iter().filter(|r| r.path == "/raw").collect();
    let bodies: BTreeSet<&str> = raw.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, lines.iter().copied().collect::<BTreeSet<_>>());
    for r in &raw {
        assert_eq!(r.method, "POST");
        assert_eq!(r.header("authorization"), Some("Bearer s3cret-token"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(r.header("x-kind"), v["kind"].as_str());
    }
    // The Discord preset: {"content": summary}, the URL filled per alert.
    let chat: Vec<_> = reqs.iter().filter(|r| r.path.starts_with("/chat")).collect();
    assert_eq!(chat.len(), lines.len());
    // Who each alert is about: the summary starts with the callsign, else the address.
    // (An aircraft with two alerts may have had no callsign yet at the first.)
    let mut who: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let hex = v["hex"].as_str().unwrap().to_string();
        let name = v["aircraft"]["flight"].as_str().unwrap_or(&hex).to_string();
        who.entry(hex).or_default().push(name);
    }
    for r in &chat {
        assert_eq!(r.header("content-type"), Some("application/json"));
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let content = v["content"].as_str().unwrap();
        let hex = r.path.strip_prefix("/chat?h=").unwrap();
        assert!(
            who[hex].iter().any(|name| content.starts_with(name.as_str())),
            "{content} for {hex}"
        );
    }
}

#[test]
fn failed_deliveries_are_retried_with_backoff() {
    // The first three requests fail (503, 429, 500); every alert still arrives.
    let server = HttpServer::start(|n| [503, 429, 500].get(n).copied().unwrap_or(200), false);
    let dir = TempDir::new("webhook-retry");
    let config = format!(
        "[[sink]]\ntype = \"webhook\"\nname = \"flaky\"\nurl = \"{}\"\nbackoff = \"5ms\"\nbackoff_max = \"20ms\"\n",
        server.url("/hook")
    );
    let (stderr, jsonl) = run_window(&dir, &config);
    let n = jsonl.lines().count() as u64;
    assert_eq!(sink_counts(&stderr, "flaky"), (n, 0, 0, 3), "{stderr}");
    let reqs = server.received();
    assert_eq!(reqs.len() as u64, n + 3);
    // The first alert was sent four times, the same body each time.
    assert!(reqs[..4].iter().all(|r| r.body == reqs[0].body));
    let bodies: BTreeSet<&str> = reqs.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, jsonl.lines().collect::<BTreeSet<_>>());
}

#[test]
fn a_refusing_server_is_not_retried() {
    let server = HttpServer::start(|_| 404, false);
    let dir = TempDir::new("webhook-404");
    let config = format!(
        "[[sink]]\ntype = \"webhook\"\nname = \"gone\"\nurl = \"{}\"\nbackoff = \"5ms\"\n",
        server.url("/nowhere")
    );
    let (stderr, jsonl) = run_window(&dir, &config);
    let n = jsonl.lines().count() as u64;
    assert_eq!(sink_counts(&stderr, "gone"), (0, 0, n, 0), "{stderr}");
    assert_eq!(server.received().len() as u64, n);
    assert!(
        stderr.contains("the server refused an alert (HTTP 404"),
        "{stderr}"
    );
}

#[test]
fn a_dead_or_hanging_webhook_neither_stops_nor_slows_the_pipeline() {
    let dir = TempDir::new("webhook-down");
    // Reference: the same window with only the JSON lines sink.
    let (reference, ref_jsonl) = run_window(&dir, "");
    let n = ref_jsonl.lines().count() as u64;

    // Nothing listens on the dead port; the hanging server reads requests and never answers.
    let dead = free_port();
    let hanging = HttpServer::start(|_| 200, true);
    let config = format!(
        r#"
drain_timeout = "300ms"

[[sink]]
type = "webhook"
name = "dead"
url = "http://127.0.0.1:{dead}/hook"
queue = 2
backoff = "10ms"
backoff_max = "40ms"
retries = 1000

[[sink]]
type = "webhook"
name = "hanging"
url = "{}"
queue = 2
timeout = "60s"
"#,
        hanging.url("/slow")
    );
    let (stderr, jsonl) = run_window(&dir, &config);
    // Every frame went through the engine and every alert reached the JSON lines sink.
    assert_eq!(frames(&stderr), frames(&reference));
    assert!(jsonl == ref_jsonl, "the alerts differ from the reference run's");
    assert_eq!(sink_counts(&stderr, "--jsonl"), (n, 0, 0, 0));
    // The dead webhook delivered nothing: what did not fit its queue of 2 was dropped, the
    // rest given up at the end of the drain time, after retries.
    let (sent, dropped, failed, retries) = sink_counts(&stderr, "dead");
    assert_eq!(sent, 0, "{stderr}");
    assert_eq!(dropped + failed, n, "{stderr}");
    assert!(dropped >= n - 3, "{stderr}");
    assert!(retries >= 1, "{stderr}");
    // The hanging one holds its first alert; the queue took two more, the rest was dropped.
    let (sent, dropped, failed, _) = sink_counts(&stderr, "hanging");
    assert_eq!(sent, 0, "{stderr}");
    assert!(dropped >= n - 3, "{stderr}");
    let undelivered = n - dropped - failed;
    assert!(
        stderr.contains(&format!("{undelivered} undelivered (still busy at the end)")),
        "{stderr}"
    );
    assert!(!hanging.received().is_empty());
}

#[test]
fn rules_route_alerts_to_named_sinks_and_sinks_filter_by_kind() {
    let server = HttpServer::start(|_| 200, false);
    let dir = TempDir::new("webhook-route");
    let rule = |name: &str, sinks: &str| {
        format!("[[rule]]\nname = \"{name}\"\nwhen = \"true\"\nevents = [\"any\"]\nsinks = [{sinks}]\n")
    };
    let rules = dir.write(
        "rules.toml",
        &format!(
            "version = 1\n{}{}",
            rule("r1", "\"one\""),
            rule("r2", "\"log\", \"fs\", \"land\"")
        ),
    );
    let sink = |name: &str, extra: &str| {
        format!(
            "[[sink]]\ntype = \"webhook\"\nname = \"{name}\"\nurl = \"{}\"\n{extra}\n",
            server.url(&format!("/{name}"))
        )
    };
    let jsonl = dir.path().join("log.jsonl");
    let config = dir.write(
        "picket.toml",
        &format!(
            "[[sink]]\ntype = \"jsonl\"\nname = \"log\"\npath = \"{}\"\n{}{}{}",
            jsonl.display(),
            sink("one", ""),
            sink("fs", "kinds = [\"first_seen\"]"),
            sink("land", "kinds = [\"landing\"]"),
        ),
    );
    let out = run(picket()
        .args(WINDOW)
        .arg("--rules")
        .arg(&rules)
        .arg("--config")
        .arg(&config));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = std::fs::read_to_string(&jsonl).unwrap();
    let n = log.lines().count() as u64;
    assert!(n >= 5, "{stderr}");
    // The window's alerts are first sightings (and a take-off of a flight heard first as it
    // climbed out): each rule reports each once, each sink takes only its kinds.
    let of_kind = |k: &str| {
        log.lines()
            .filter(|l| l.contains(&format!("\"kind\":\"{k}\"")))
            .count() as u64
    };
    assert!(of_kind("first_seen") >= 5, "{log}");
    assert_eq!(of_kind("landing"), 0, "{log}");
    assert!(log.lines().all(|l| l.contains("\"rule\":\"r2\"")));
    assert_eq!(sink_counts(&stderr, "one"), (n, 0, 0, 0), "{stderr}");
    assert_eq!(
        sink_counts(&stderr, "fs"),
        (of_kind("first_seen"), 0, 0, 0),
        "{stderr}"
    );
    assert_eq!(sink_counts(&stderr, "land"), (0, 0, 0, 0), "{stderr}");
    let reqs = server.received();
    let rule_of = |r: &Request| serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["rule"].clone();
    assert!(reqs
        .iter()
        .filter(|r| r.path == "/one")
        .all(|r| rule_of(r) == "r1"));
    assert!(reqs
        .iter()
        .filter(|r| r.path == "/fs")
        .all(|r| rule_of(r) == "r2"));
    assert!(!reqs.iter().any(|r| r.path == "/land"));
}
