//! Frame generation tests: every frame decodes, contents match the truth, rates and clocks are
//! what the standards and the receivers' definitions say, and output is deterministic.

use std::collections::HashMap;

use picket_modes::adsb::Me;
use picket_modes::cpr::{decode_global_airborne, CprParity, CprPosition};
use picket_modes::message::NoAddresses;
use picket_modes::{decode, DecodeOptions, Message};

use crate::frames::Heard;
use crate::scenario::Scenario;
use crate::sim::{Simulation, Window};
use crate::world::TruthState;

const HEAD: &str = r#"
start = "2019-03-23T14:00:00Z"
duration = "1h"

[[receiver]]
name = "near"
lat = 11.0
lon = -66.0
alt_ft = 100
range_nm = 250
loss_near = 0.0
loss_at_range = 0.0
clock = { offset_s = 5.0, drift_ppm = 20.0, jitter_ns = 0 }

[[receiver]]
name = "far"
lat = 12.5
lon = -64.0
alt_ft = 100
range_nm = 250
loss_near = 0.1
loss_at_range = 0.9
bit_error_rate = 1e-3
clock = { offset_s = 1000.0, drift_ppm = -5.0, jitter_ns = 50 }

[[aircraft]]
hex = "1514c0"
callsign = "RFF7076"
type = "IL62"
transponder = "adsb2"
lat = 11.3
lon = -65.8
alt_ft = 30000
speed_kt = 450
track = 270
[[aircraft.phase]]
kind = "turn"
heading = 180
direction = "left"
[[aircraft.phase]]
kind = "descend"
alt_ft = 20000
"#;

const MODES_ONLY: &str = r#"
[[aircraft]]
hex = "156f01"
type = "T160"
transponder = "modes_only"
squawk = "7700"
lat = 10.8
lon = -66.2
alt_ft = 25000
speed_kt = 400
track = 90
"#;

fn scenario(extra: &str) -> Scenario {
    Scenario::from_toml(&format!("{HEAD}{extra}"), "test").unwrap_or_else(|e| panic!("{e}"))
}

fn run(s: &Scenario, seed: u64, from: f64, len: f64) -> (Vec<Heard>, Vec<TruthState>) {
    let sim = Simulation::new(
        s,
        seed,
        Window {
            from_s: from,
            duration_s: Some(len),
        },
    );
    (sim.frames().collect(), sim.truth_states().collect())
}

/// The true state at a transmission time, from the truth's one-second samples.
fn truth_at(truth: &[TruthState], address: u32, t: f64) -> Option<&TruthState> {
    truth.iter().find(|s| s.address == address && s.t_s == t.floor())
}

#[test]
fn every_clean_frame_decodes_and_matches_the_truth() {
    let s = scenario(MODES_ONLY);
    let (heard, truth) = run(&s, 3, 0.0, 120.0);
    assert!(heard.len() > 500, "{}", heard.len());
    let opts = DecodeOptions::default();
    let mut even: HashMap<u32, (f64, CprPosition)> = HashMap::new();
    let mut odd: HashMap<u32, (f64, CprPosition)> = HashMap::new();
    let (mut positions, mut velocities, mut idents, mut commb) = (0, 0, 0, 0);
    for h in heard.iter().filter(|h| h.received.receiver == 0) {
        assert_eq!(h.bit_errors, 0);
        let frame = *h.received.what.frame().unwrap();
        // Address/parity replies need a known address: decode with the truth's.
        let d = decode(frame, &opts, &NoAddresses);
        let st = truth_at(&truth, h.address, h.sent_s).unwrap();
        let dt = h.sent_s - st.t_s;
        match frame.df() {
            17 => {
                let d = d.unwrap_or_else(|e| panic!("{frame}: {e}"));
                assert_eq!(d.address.0, h.address);
                match d.message.adsb().unwrap() {
                    Me::AirbornePosition(p) => {
                        let alt = p.baro_altitude_ft().unwrap() as f64;
                        assert!((alt - (st.alt_baro_ft + st.baro_rate_fpm * dt / 60.0)).abs() <= 13.0);
                        let slot = if p.cpr.parity == CprParity::Even {
                            &mut even
                        } else {
                            &mut odd
                        };
                        slot.insert(h.address, (h.sent_s, p.cpr));
                        if let (Some(e), Some(o)) = (even.get(&h.address), odd.get(&h.address)) {
                            if (e.0 - o.0).abs() < 10.0 {
                                let pos = decode_global_airborne(e.1, o.1, p.cpr.parity).unwrap();
                                let (truth_pos, _, _) = crate::frames::tests_extrapolate(st, dt);
                                let err =
                                    truth_pos.distance_m(picket_world::geo::LatLon::new(pos.lat, pos.lon));
                                // Airborne CPR resolution is about 5 m; the turn adds a little.
                                assert!(err < 15.0, "position off by {err} m");
                                positions += 1;
                            }
                        }
                    }
                    Me::AirborneVelocity(v) => {
                        assert!((v.ground_speed_kt().unwrap() - st.gs_kt).abs() < 1.5);
                        let fpm = v.vertical_rate_fpm().unwrap() as f64;
                        assert!(
                            (fpm - st.baro_rate_fpm).abs() <= 64.0,
                            "{fpm} vs {}",
                            st.baro_rate_fpm
                        );
                        let trk = v.track_deg().unwrap();
                        assert!(crate::geo::norm180(trk - st.track_deg).abs() < 4.0);
                        velocities += 1;
                    }
                    Me::Identification(i) => {
                        assert_eq!(i.callsign().as_str(), "RFF7076");
                        idents += 1;
                    }
                    Me::OperationalStatus(o) => assert_eq!(o.version, 2),
                    Me::TargetState(_) => {}
                    other => panic!("unexpected {other:?}"),
                }
            }
            11 => {
                let d = d.unwrap();
                assert_eq!(d.address.0, h.address);
            }
            4 | 5 | 20 | 21 => {
                // No address book: the parity hides the address, which must be the sender's.
                assert_eq!(frame.crc_residual(), h.address);
                let m = picket_modes::message::parse_fields(&frame, &opts).unwrap();
                if let Some(alt) = m.altitude_code().and_then(|a| a.feet()) {
                    assert!((alt as f64 - st.alt_baro_ft).abs() < 13.0 + st.baro_rate_fpm.abs() / 60.0);
                }
                if let Some(sq) = m.squawk() {
                    assert_eq!(sq, st.squawk);
                }
                if let Some(mb) = m.mb() {
                    let reference = picket_modes::commb::Reference {
                        alt_ft: Some(st.alt_baro_ft as i32),
                        gs_kt: Some(st.gs_kt),
                        track_deg: Some(st.track_deg),
                        tas_kt: Some(st.gs_kt),
                        ..Default::default()
                    };
                    let inf = picket_modes::commb::infer(mb, Some(&reference));
                    assert!(
                        !inf.candidates().is_empty(),
                        "{frame}: MB {mb:014x} matches no register"
                    );
                    commb += 1;
                }
                if h.address == 0x156f01 {
                    // Squawk 7700: the flight status says alert.
                    assert!(matches!(
                        m,
                        Message::AltitudeReply { .. }
                            | Message::IdentityReply { .. }
                            | Message::CommBAltitude { .. }
                            | Message::CommBIdentity { .. }
                    ));
                    assert_eq!(frame.bits(6, 8), 2);
                }
            }
            df => panic!("unexpected DF{df}"),
        }
    }
    assert!(
        positions > 200 && velocities > 200 && idents >= 20 && commb > 10,
        "{positions} {velocities} {idents} {commb}"
    );
    // The Mode S only aircraft sends no extended squitter.
    assert!(!heard
        .iter()
        .any(|h| h.address == 0x156f01 && matches!(h.received.what.frame().unwrap().df(), 17 | 18)));
}

#[test]
fn rates_follow_the_standard() {
    let s = scenario("");
    let (heard, _) = run(&s, 5, 0.0, 60.0);
    let mut count: HashMap<&str, usize> = HashMap::new();
    for h in heard.iter().filter(|h| h.received.receiver == 0) {
        let f = *h.received.what.frame().unwrap();
        let key = match f.df() {
            17 => match picket_modes::adsb::type_code(f.me()) {
                9..=18 => "position",
                19 => "velocity",
                1..=4 => "ident",
                29 => "target",
                31 => "status",
                _ => "other",
            },
            11 => "df11",
            _ => "reply",
        };
        *count.entry(key).or_default() += 1;
    }
    let c = |k: &str| count.get(k).copied().unwrap_or(0);
    assert_eq!(c("position"), 120);
    assert_eq!(c("velocity"), 120);
    assert_eq!(c("ident"), 12);
    assert_eq!(c("df11"), 60);
    assert!((20..=28).contains(&c("status")), "{count:?}");
    assert!((44..=52).contains(&c("target")), "{count:?}");
    assert!(c("reply") >= 6, "{count:?}");
}

#[test]
fn receivers_lose_corrupt_and_clock_frames() {
    let s = scenario("");
    let (heard, _) = run(&s, 9, 0.0, 120.0);
    let near: Vec<&Heard> = heard.iter().filter(|h| h.received.receiver == 0).collect();
    let far: Vec<&Heard> = heard.iter().filter(|h| h.received.receiver == 1).collect();
    assert!(far.len() < near.len() && !far.is_empty());
    assert!(far.iter().any(|h| h.bit_errors > 0));
    assert!(far
        .iter()
        .any(|h| h.received.what.frame().unwrap().crc_residual() != 0
            && h.received.what.frame().unwrap().df() == 17));
    // Time order, and clocks: the near receiver has no jitter and drifts 20 ppm.
    assert!(heard
        .windows(2)
        .all(|w| w[0].received.time_utc <= w[1].received.time_utc));
    let ticks = |h: &Heard| match h.received.clock {
        picket_receive::Clock::Ticks12Mhz(t) => t as f64,
        _ => panic!(),
    };
    let (a, b) = (near[0], near[near.len() - 1]);
    let dt_true = b.received.time_utc - a.received.time_utc;
    let dt_clock = (ticks(b) - ticks(a)) / 12e6;
    assert!(
        ((dt_clock / dt_true - 1.0) * 1e6 - 20.0).abs() < 0.1,
        "{}",
        (dt_clock / dt_true - 1.0) * 1e6
    );
    // Propagation delay: arrival minus transmission is the distance over c.
    for h in &near {
        let delay = h.received.time_utc - (s.start as f64 / 1e9 + h.sent_s);
        assert!(delay > 0.0 && delay < 0.002, "{delay}");
    }
    let signals: Vec<f32> = near.iter().map(|h| h.received.signal.unwrap()).collect();
    assert!(signals.iter().all(|&x| x < 0.0 && x > -80.0));
}

#[test]
fn same_seed_same_frames_and_windows_are_slices() {
    let s = scenario(MODES_ONLY);
    let (a, _) = run(&s, 11, 30.0, 20.0);
    let (b, _) = run(&s, 11, 30.0, 20.0);
    let (c, _) = run(&s, 12, 30.0, 20.0);
    assert_eq!(a, b);
    assert_ne!(a, c);
    let (long, _) = run(&s, 11, 20.0, 40.0);
    let slice: Vec<Heard> = long
        .into_iter()
        .filter(|h| h.sent_s >= 30.0 && h.sent_s < 50.0)
        .collect();
    assert_eq!(a, slice);
}

#[test]
fn builtin_window_writes_identical_beast_and_reads_back() {
    use picket_receive::{Format, FormatWriter, Reader, ReaderConfig};
    let s = Scenario::builtin("caracas").unwrap();
    let window = Window {
        from_s: 4000.0,
        duration_s: Some(10.0),
    };
    let encode = |seed: u64| {
        let sim = Simulation::new(&s, seed, window);
        let mut w = FormatWriter::new(Format::Beast);
        let mut out = Vec::new();
        let mut n = 0;
        for h in sim.frames() {
            w.write(&mut out, &h.received).unwrap();
            n += 1;
        }
        (out, n)
    };
    let (a, n) = encode(1);
    let (b, _) = encode(1);
    let (c, _) = encode(2);
    assert!(n > 300, "{n} frames in 10 s of caracas");
    assert_eq!(a, b, "same seed, same bytes");
    assert_ne!(a, c, "other seed, other bytes");
    let mut reader = picket_receive::beast::BeastReader::new(ReaderConfig::starting(s.start as f64 / 1e9));
    reader.feed(&a);
    reader.finish();
    let mut back = 0;
    while let Some(item) = reader.next() {
        item.unwrap();
        back += 1;
    }
    assert_eq!(back, n);
    // Every clean frame of the window decodes (replies: their parity hides the sender).
    let sim = Simulation::new(&s, 1, window);
    let aircraft: std::collections::HashSet<u32> = sim.aircraft().iter().map(|a| a.address).collect();
    for h in sim.frames().filter(|h| h.bit_errors == 0) {
        let f = *h.received.what.frame().unwrap();
        match f.df() {
            11 | 17 | 18 => {
                let d = decode(f, &DecodeOptions::default(), &NoAddresses).unwrap();
                assert!(aircraft.contains(&d.address.0));
            }
            _ => assert!(aircraft.contains(&f.crc_residual())),
        }
    }
}

/// IQ checked by a demodulator nobody here wrote: Debian's dump1090-mutability, when installed
/// (`apt-get install --no-install-recommends dump1090-mutability`). At 2.4 MS/s and high SNR it
/// must find at least 95 % of the DF11/17/18 frames put in the samples.
#[test]
fn dump1090_finds_the_frames_in_the_samples() {
    use crate::iq::{IqFormat, IqOptions, IqStream};
    let Some(bin) = ["/usr/bin/dump1090-mutability", "/usr/bin/dump1090"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("skipping: dump1090-mutability is not installed");
        return;
    };
    let s = Scenario::builtin("caracas").unwrap();
    let sim = Simulation::new(
        &s,
        4,
        Window {
            from_s: 3000.0,
            duration_s: Some(8.0),
        },
    );
    let opts = IqOptions {
        rate: 2.4e6,
        format: IqFormat::U8,
        snr_db: 30.0,
        noise_rms: 0.01,
        level_from_signal: false,
        receiver: 0,
    };
    let mut iq = IqStream::new(&sim, opts);
    let mut bytes = Vec::new();
    while iq.fill(&mut bytes, 1 << 20) > 0 {}
    let path = std::env::temp_dir().join(format!("picket-sim-iq-{}.u8", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new(bin)
        .args(["--ifile", path.to_str().unwrap(), "--iformat", "UC8", "--raw"])
        .output();
    let _ = std::fs::remove_file(&path);
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            eprintln!("skipping: cannot run {bin}: {e}");
            return;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let found: std::collections::HashSet<String> = text
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix('*')?
                .strip_suffix(';')
                .map(|h| h.to_ascii_lowercase())
        })
        .collect();
    let squitters: Vec<String> = iq
        .placed()
        .iter()
        .map(|h| *h.received.what.frame().unwrap())
        .filter(|f| matches!(f.df(), 11 | 17 | 18))
        .map(|f| f.to_string().to_ascii_lowercase())
        .collect();
    let hit = squitters.iter().filter(|h| found.contains(*h)).count();
    let share = hit as f64 / squitters.len().max(1) as f64;
    eprintln!(
        "dump1090 found {hit} of {} DF11/17/18 frames ({:.1} %)",
        squitters.len(),
        share * 100.0
    );
    assert!(squitters.len() > 200);
    assert!(share >= 0.95, "dump1090 found only {:.1} %", share * 100.0);
}

#[test]
fn surface_positions_and_non_transponder_devices() {
    use picket_modes::cpr::decode_local_surface;
    let extra = r#"
[[aircraft]]
hex = "0d8001"
callsign = "TEST1"
type = "A320"
transponder = "adsb1"
[[aircraft.phase]]
kind = "park"
lat = 10.6003
lon = -66.9890
duration = "60s"
[[aircraft.phase]]
kind = "taxi"
path = [[10.6025, -66.9930]]

[[aircraft]]
hex = "0d8002"
callsign = "DRONE1"
transponder = "non_transponder_df18"
lat = 11.1
lon = -66.1
alt_ft = 5000
speed_kt = 120
"#;
    let text = format!(
        "{}{extra}",
        HEAD.replace(
            "lat = 11.0\nlon = -66.0\nalt_ft = 100",
            "lat = 10.62\nlon = -66.99\nalt_ft = 300"
        )
    );
    let s = Scenario::from_toml(&text, "t").unwrap();
    let (heard, truth) = run(&s, 1, 0.0, 120.0);
    let rx = s.receivers[0].position;
    let mut parked = 0;
    let mut moving = 0;
    for h in heard
        .iter()
        .filter(|h| h.received.receiver == 0 && h.address == 0x0d8001)
    {
        let f = *h.received.what.frame().unwrap();
        assert!(matches!(f.df(), 11 | 17 | 4 | 5 | 20 | 21));
        if f.df() != 17 {
            continue;
        }
        let d = decode(f, &DecodeOptions::default(), &NoAddresses).unwrap();
        if let Some(Me::SurfacePosition(p)) = d.message.adsb() {
            let st = truth_at(&truth, h.address, h.sent_s).unwrap();
            let pos = decode_local_surface(
                p.cpr,
                picket_modes::cpr::LatLon {
                    lat: rx.lat,
                    lon: rx.lon,
                },
            )
            .unwrap();
            let (tp, _, _) = crate::frames::tests_extrapolate(st, h.sent_s - st.t_s);
            let err = tp.distance_m(picket_world::geo::LatLon::new(pos.lat, pos.lon));
            assert!(err < 5.0, "surface position off by {err} m");
            if h.sent_s < 59.0 {
                parked += 1;
                assert!(p.movement.is_stopped());
            } else if st.gs_kt > 5.0 {
                moving += 1;
                assert!((p.ground_speed_kt().unwrap() - st.gs_kt).abs() < 1.5);
            }
        }
    }
    // Stopped: one surface position every 5 s; moving: two a second.
    assert!((10..=13).contains(&parked), "{parked}");
    assert!(moving > 20, "{moving}");
    let drone: Vec<u8> = heard
        .iter()
        .filter(|h| h.address == 0x0d8002)
        .map(|h| h.received.what.frame().unwrap().df())
        .collect();
    assert!(!drone.is_empty() && drone.iter().all(|&df| df == 18), "{drone:?}");
}
