//! `picket track` end to end: the table, the JSON states with enrichment, databases,
//! scenarios.

use std::process::{Command, Output};

fn picket(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_picket"))
        .args(args)
        .output()
        .expect("picket runs")
}

fn sample() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample.beast").to_string()
}

#[test]
fn the_sample_gives_three_aircraft_in_a_table() {
    let out = picket(&["track", &sample()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("3 aircraft at"), "{text}");
    for needle in ["1514c0", "RFF7076", "ae1f40", "RCH211", "0ac51b", "AVA019"] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

#[test]
fn json_states_carry_enrichment_and_the_classifying_layer() {
    let out = picket(&["track", "--json", &sample()]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let il62 = lines.iter().find(|v| v["hex"] == "1514c0").unwrap();
    assert_eq!(il62["flight"], "RFF7076");
    assert_eq!(il62["registration"], "RA-86496"); // the built-in scenario aircraft set
    assert_eq!(il62["type"], "IL62");
    assert_eq!(il62["country"], "RU");
    assert_eq!(il62["military"], true);
    assert_eq!(il62["classification"]["layer"], "aircraft_db");
    assert!(il62["lat"].as_f64().is_some() && il62["alt_baro"] == 33000);
    let tanker = lines.iter().find(|v| v["hex"] == "ae1f40").unwrap();
    assert_eq!(tanker["military"], true);
    assert_eq!(tanker["classification"]["layer"], "address_block");
    assert_eq!(tanker["country"], "US");
    let airliner = lines.iter().find(|v| v["hex"] == "0ac51b").unwrap();
    assert_eq!(airliner["military"], false);
}

#[test]
fn a_tar1090_database_file_adds_registration_type_and_operator() {
    let db = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../engine/tests/data/tar1090_example.csv"
    );
    let out = picket(&["simulate", "caracas", "--duration", "20s", "--format", "jsonl"]);
    assert!(out.status.success());
    let dir = std::env::temp_dir().join(format!("picket-track-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.jsonl");
    std::fs::write(&input, &out.stdout).unwrap();
    let out = picket(&["track", "--json", "--aircraft-db", db, input.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() >= 2, "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_scenario_is_tracked_directly() {
    let out = picket(&["track", "--json", "--scenario", "caracas", "--duration", "60s"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let states: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(states.len() >= 5, "{} aircraft", states.len());
    assert!(
        states.iter().all(|s| s["time"].as_f64().unwrap() > 1.55e9),
        "scenario dates are real UTC"
    );
}

#[test]
fn every_prints_the_table_periodically() {
    let out = picket(&["track", "--every", "30", &sample()]);
    let text = String::from_utf8(out.stdout).unwrap();
    // 120 s of data: tables at 30, 60, 90 s and the final one.
    assert_eq!(text.matches(" aircraft at ").count(), 4, "{text}");
}
