//! `picket mlat` end to end: the simulator writes each receiver's Beast recording with its
//! own clock, `picket mlat` reads them (one `--input` per receiver) and places the bombers
//! that send no ADS-B position; the tracker's states say the positions are `mlat`.

use std::path::Path;
use std::process::{Command, Output};

fn picket(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_picket"))
        .args(args)
        .output()
        .expect("picket runs")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("picket-mlat-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The receivers of `arctic_mlat` as `--input` values (alt in metres).
const RECEIVERS: [(&str, f64, f64, f64); 7] = [
    ("utqiagvik", 71.29, -156.77, 50.0),
    ("wainwright", 70.64, -160.03, 30.0),
    ("icy-cape", 70.33, -161.87, 20.0),
    ("point-lay", 69.74, -163.01, 25.0),
    ("atqasuk", 70.47, -157.43, 90.0),
    ("nuiqsut", 70.22, -150.99, 40.0),
    ("point-hope", 68.35, -166.80, 20.0),
];

#[test]
fn bombers_are_placed_from_seven_recordings() {
    let dir = temp_dir("seven");
    let mut args: Vec<String> = vec!["mlat".into(), "--start".into(), "2019-08-08T18:56:40Z".into()];
    for (i, (name, lat, lon, alt_ft)) in RECEIVERS.iter().enumerate() {
        let path = dir.join(format!("{name}.bin"));
        let mut sim = vec![
            "simulate",
            "arctic_mlat",
            "--from",
            "3400",
            "--duration",
            "90s",
            "--out",
            path.to_str().unwrap(),
        ];
        let rx = i.to_string();
        sim.extend(["--receiver", rx.as_str()]);
        let truth = dir.join("truth.jsonl");
        if i == 0 {
            sim.extend(["--truth", truth.to_str().unwrap()]);
        }
        let out = picket(&sim);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        args.push("--input".into());
        args.push(format!(
            "name={name},lat={lat},lon={lon},alt={},path={}",
            alt_ft * 0.3048,
            path.display()
        ));
    }
    let fixes = dir.join("fixes.jsonl");
    let states = dir.join("states.jsonl");
    args.extend(["--out".into(), fixes.display().to_string()]);
    args.extend(["--states".into(), states.display().to_string()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = picket(&argv);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("receiver utqiagvik: ok"), "{stderr}");
    let truth = read_truth(&dir.join("truth.jsonl"));
    let mut errors = Vec::new();
    for line in std::fs::read_to_string(&fixes).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["position_source"], "mlat");
        let hex = v["hex"].as_str().unwrap().to_string();
        let t = v["time"].as_f64().unwrap().round() as i64;
        if let Some(&(lat, lon)) = truth.get(&(hex, t)) {
            let (flat, flon) = (v["lat"].as_f64().unwrap(), v["lon"].as_f64().unwrap());
            let dn = (flat - lat) * 111_200.0;
            let de = (flon - lon) * 111_200.0 * lat.to_radians().cos();
            errors.push(dn.hypot(de));
        }
    }
    errors.sort_by(f64::total_cmp);
    assert!(errors.len() >= 150, "{} fixes of the bombers", errors.len());
    // Against the truth of the nearest whole second: the bombers move 230 m a second.
    let median = errors[errors.len() / 2];
    assert!(median < 400.0, "median {median:.0} m");
    let states = std::fs::read_to_string(&states).unwrap();
    for hex in ["156f01", "156f02"] {
        let line = states
            .lines()
            .find(|l| l.contains(&format!(r#""hex":"{hex}""#)))
            .unwrap_or_else(|| panic!("no state of {hex}"));
        assert!(line.contains(r#""position_source":"mlat""#), "{line}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// (hex, second) → (lat, lon) of the bombers.
fn read_truth(path: &Path) -> std::collections::HashMap<(String, i64), (f64, f64)> {
    let mut m = std::collections::HashMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (Some(hex), Some(lat), Some(lon)) = (v["hex"].as_str(), v["lat"].as_f64(), v["lon"].as_f64())
        else {
            continue;
        };
        if hex.starts_with("156f0") {
            m.insert(
                (hex.to_string(), v["time"].as_f64().unwrap().round() as i64),
                (lat, lon),
            );
        }
    }
    m
}

#[test]
fn a_bad_input_says_what_is_wrong() {
    let out = picket(&[
        "mlat",
        "--input",
        "name=a,lat=north,lon=1,path=x",
        "--input",
        "name=b,lat=1,lon=1,path=y",
        "--input",
        "name=c,lat=1,lon=2,path=z",
    ]);
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains(r#"lat="north" is not a number"#), "{e}");
    let out = picket(&["mlat", "--input", "name=a,lat=1,lon=1,path=x"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least three"));
}
