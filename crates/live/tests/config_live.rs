//! The live settings of picket.toml and the command line: receivers, outputs, binds.

use picket_live::config::{Overrides, Settings, Source};
use picket_live::connect::Protocol;
use picket_live::serve::{check_bind, encode};
use picket_receive::{Clock, Format, Received, What};
use std::path::PathBuf;

fn file(name: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("picket-live-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn receivers_and_outputs_come_from_the_file() {
    let p = file(
        "recv.toml",
        r#"
poll = "2s"
mlat = false

[[receiver]]
name = "north"
connect = "beast://10.0.0.2:30005"
lat = 10.5
lon = -66.9
alt = 35.5

[[receiver]]
name = "island"
connect = "sbs://10.0.0.3:30003"

[[receiver]]
name = "web"
connect = "http://10.0.0.4/tar1090/data/aircraft.json"

[output]
beast = "127.0.0.1:30005"
sbs = "127.0.0.1:30003"
beast_in = "127.0.0.1:30004"
"#,
    );
    let s = Settings::resolve(Some(&p), Overrides::default()).unwrap();
    let Source::Live { receivers } = &s.source else {
        panic!("{:?}", s.source)
    };
    assert_eq!(receivers.len(), 3);
    assert_eq!(receivers[0].name, "north");
    assert_eq!(receivers[0].endpoint.protocol, Protocol::Beast);
    assert!((receivers[0].position.unwrap().lat - 10.5).abs() < 1e-9);
    assert_eq!(receivers[0].alt_m, Some(35.5));
    assert_eq!(s.mlat, Some(false));
    assert_eq!(receivers[1].endpoint.protocol, Protocol::Sbs);
    assert_eq!(receivers[1].alt_m, None);
    assert!(receivers[1].position.is_none());
    assert_eq!(receivers[2].endpoint.protocol, Protocol::AircraftJson);
    assert_eq!(s.outputs.beast.as_deref(), Some("127.0.0.1:30005"));
    assert_eq!(s.outputs.sbs.as_deref(), Some("127.0.0.1:30003"));
    assert_eq!(
        s.outputs.listen,
        vec![(Protocol::Beast, "127.0.0.1:30004".to_string())]
    );
    assert_eq!(s.poll_interval.as_secs(), 2);
    std::fs::remove_file(p).ok();
}

#[test]
fn a_single_receiver_table_is_still_the_position_of_a_file_input() {
    let p = file(
        "one.toml",
        "[receiver]\nlat = 10.6\nlon = -66.9\n\n[input]\nfiles = \"x.beast\"\n",
    );
    let s = Settings::resolve(Some(&p), Overrides::default()).unwrap();
    assert!(matches!(s.source, Source::Files(_)));
    assert!((s.receiver.unwrap().lat - 10.6).abs() < 1e-9);
    std::fs::remove_file(p).ok();
}

#[test]
fn a_bad_receiver_says_where() {
    let p = file(
        "bad.toml",
        "\n[[receiver]]\nname = \"x\"\nconnect = \"beast://nohost\"\n",
    );
    let e = format!(
        "{:#}",
        Settings::resolve(Some(&p), Overrides::default()).unwrap_err()
    );
    assert!(e.contains(":2:") && e.contains("HOST:PORT"), "{e}");
    let p2 = file("bad2.toml", "[[receiver]]\nconect = \"beast://h:1\"\n");
    let e = format!(
        "{:#}",
        Settings::resolve(Some(&p2), Overrides::default()).unwrap_err()
    );
    assert!(e.contains("conect"), "{e}");
    std::fs::remove_file(p).ok();
    std::fs::remove_file(p2).ok();
}

#[test]
fn connect_flags_replace_the_file_and_take_start_for_a_replay() {
    let o = Overrides {
        connect: vec!["a=beast://127.0.0.1:1".into(), "avr://127.0.0.1:2@10,-66".into()],
        start: Some("2019-03-25T12:00:00Z".into()),
        ..Overrides::default()
    };
    let s = Settings::resolve(None, o).unwrap();
    let Source::Live { receivers } = &s.source else {
        panic!()
    };
    assert_eq!(receivers[0].name, "a");
    assert_eq!(receivers[1].name, "rx1");
    assert_eq!(receivers[0].start, Some(1_553_515_200.0));
}

#[test]
fn binds_are_loopback_unless_remote_is_allowed() {
    assert!(check_bind("127.0.0.1:0", false).is_ok());
    assert!(check_bind("[::1]:0", false).is_ok());
    let e = check_bind("0.0.0.0:30005", false).unwrap_err().to_string();
    assert!(e.contains("--allow-remote"), "{e}");
    assert!(check_bind("0.0.0.0:0", true).is_ok());
    let o = Overrides {
        connect: vec!["beast://127.0.0.1:1".into()],
        beast_out: Some("0.0.0.0:30005".into()),
        ..Overrides::default()
    };
    // The settings keep the address; the bind check refuses it when the run starts.
    let s = Settings::resolve(None, o).unwrap();
    assert!(!s.outputs.allow_remote);
}

#[test]
fn frames_of_several_receivers_are_forwarded_without_their_clocks() {
    let frame = picket_modes::Frame::new(&[
        0x8D, 0x48, 0x40, 0xD6, 0x20, 0x2C, 0xC3, 0x71, 0xC3, 0x2C, 0xE0, 0x57, 0x60, 0x98,
    ])
    .unwrap();
    let item = |receiver, ticks| Received {
        time_utc: 1e9,
        clock: Clock::Ticks12Mhz(ticks),
        signal: Some(-10.0),
        receiver,
        what: What::ModeS(frame),
    };
    let items = [item(0, 12_000_000), item(1, 99_000_000)];
    // One receiver: its own clock goes out.
    let mut one = Vec::new();
    encode(&items[..1], Format::Beast, false, &mut one);
    assert_eq!(&one[2..8], &[0, 0, 0, 0xB7, 0x1B, 0x00]);
    let mut avr = Vec::new();
    encode(&items[..1], Format::Avr, false, &mut avr);
    assert!(
        avr.starts_with(b"@000000B71B00"),
        "{}",
        String::from_utf8_lossy(&avr)
    );
    // Several: zeroed (Beast: no timestamp; AVR: the plain form).
    let mut merged = Vec::new();
    encode(&items, Format::Beast, true, &mut merged);
    assert_eq!(merged.len(), 2 * one.len());
    assert_eq!(&merged[2..8], &[0; 6]);
    let mut avr = Vec::new();
    encode(&items, Format::Avr, true, &mut avr);
    let text = String::from_utf8(avr).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().all(|l| l.starts_with("*8D4840D6")), "{text}");
}

#[test]
fn pushed_input_does_not_mix_with_a_replay() {
    let o = Overrides {
        scenario: Some("caracas".into()),
        beast_in: Some("127.0.0.1:0".into()),
        ..Overrides::default()
    };
    let e = Settings::resolve(None, o).unwrap_err().to_string();
    assert!(e.contains("pushed input"), "{e}");
}
