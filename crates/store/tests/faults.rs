//! Bad days: a second writer, a damaged file, a full disk, a reader beside the writer.

mod common;
use common::temp_dir;

use std::time::Duration;

use picket_engine::engine::{Engine, EngineConfig};
use picket_modes::Frame;
use picket_receive::{Clock, Received, What};
use picket_store::{ErrorKind, History, Recorder, StoreOptions};

/// `n` frames of one aircraft, 10 ms apart.
fn frames(n: usize, t0: f64) -> Vec<Received> {
    let hexes = [
        "8d4840d6202cc371c32ce0576098",
        "8d4840d658c382d690c8ac2863a7",
        "8d4840d658c386435cc412692ad6",
        "8d485020994409940838175b284f",
    ];
    (0..n)
        .map(|i| Received {
            time_utc: t0 + i as f64 * 0.01,
            clock: Clock::Ticks12Mhz(1_000_000 + i as u64 * 120_000),
            signal: Some(-20.0),
            receiver: 0,
            what: What::ModeS(Frame::from_hex(hexes[i % hexes.len()]).unwrap()),
        })
        .collect()
}

#[test]
fn a_second_writer_is_refused_and_readers_read_beside_the_writer() {
    let dir = temp_dir("lock");
    let engine = Engine::new(EngineConfig::default());
    let mut first = Recorder::open(&dir, StoreOptions::default()).unwrap();
    let second = Recorder::open(&dir, StoreOptions::default());
    let err = second.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Locked, "{err}");
    assert!(err.message.contains("another picket process"), "{err}");
    for r in frames(1000, 1_700_000_000.0).iter() {
        first.observe(Some(r), &[], &engine);
    }
    assert!(first.flush(Duration::from_secs(20)));
    // A reader opens while the writer holds the store, and sees what is committed.
    let h = History::open(&dir).unwrap();
    assert_eq!(h.extent().unwrap().items, 1000);
    drop(h);
    first.finish();
    // The lock went with the writer.
    let again = Recorder::open(&dir, StoreOptions::default()).unwrap();
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_file_is_reported_with_what_can_still_be_read() {
    let dir = temp_dir("corrupt");
    let engine = Engine::new(EngineConfig::default());
    let mut rec = Recorder::open(&dir, StoreOptions::default()).unwrap();
    // Four frames repeated go by reference (almost nothing stored): signal levels with
    // noise, as a simulated receiver gives, fill the pages the damage needs.
    let mut x = 12345u32;
    let mut items = frames(30_000, 1_700_000_000.0);
    for r in &mut items {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        r.signal = Some(-20.0 - (x >> 8) as f32 / 1e6);
    }
    for (i, r) in items.iter().enumerate() {
        rec.observe(Some(r), &[], &engine);
        if i % 5000 == 4999 {
            // Several blocks (one per commit).
            assert!(rec.flush(Duration::from_secs(20)));
        }
    }
    rec.finish();
    let db = dir.join("picket.db");
    let len = std::fs::metadata(&db).unwrap().len();
    assert!(len > 16 * 4096, "{len}");
    // Garbage over pages in the middle of the file.
    let mut bytes = std::fs::read(&db).unwrap();
    let mid = (bytes.len() / 2) & !4095;
    for b in &mut bytes[mid..mid + 8192] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    let err = History::open(&dir).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Corrupt, "{err}");
    assert!(err.message.contains("still readable"), "{err}");
    assert!(err.message.contains("frame_blocks"), "{err}");
    // A writer refuses it too (it would write into a broken file).
    let err = Recorder::open(&dir, StoreOptions::default()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Corrupt, "{err}");

    // Truncated: the first half only.
    std::fs::write(&db, &bytes[..mid]).unwrap();
    let err = History::open(&dir).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Corrupt, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_disk_stops_writing_with_an_error_and_a_counter_never_the_pipeline() {
    let dir = temp_dir("full");
    let engine = Engine::new(EngineConfig::default());
    // A database of at most 40 pages stands for a full disk (SQLITE_FULL).
    let mut rec = Recorder::open(
        &dir,
        StoreOptions {
            max_pages: Some(40),
            ..StoreOptions::default()
        },
    )
    .unwrap();
    // Frames of noise: they do not compress.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let items: Vec<Received> = (0..200_000)
        .map(|i| {
            let mut b = [0u8; 14];
            b[0] = 0x8d;
            for v in &mut b[1..] {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *v = x as u8;
            }
            Received {
                time_utc: 1_700_000_000.0 + f64::from(i) * 0.01,
                clock: Clock::None,
                signal: None,
                receiver: 0,
                what: What::ModeS(Frame::new(&b).unwrap()),
            }
        })
        .collect();
    for (i, r) in items.iter().enumerate() {
        rec.observe(Some(r), &[], &engine);
        if i % 20_000 == 19_999 {
            let _ = rec.flush(Duration::from_secs(20));
        }
    }
    // Every item was taken (the pipeline went on), and the counters add up.
    let c = rec.finish();
    assert_eq!(c.accepted, 200_000);
    assert!(c.failed >= 1, "{c:?}");
    assert!(c.error.as_deref().is_some_and(|e| e.contains("full")), "{c:?}");
    assert!(c.dropped > 0, "{c:?}");
    assert!(c.written < 200_000, "{c:?}");
    // Each item counted once: committed, or dropped (those of the failed transaction, of
    // the blocks the encoder's thread held, and every later one).
    assert_eq!(c.written + c.dropped, c.accepted, "{c:?}");
    // What was committed before is intact.
    let h = History::open(&dir).unwrap();
    let read = h.verify_blocks().unwrap();
    assert!(read.bad_blocks.is_empty(), "{read:?}");
    assert_eq!(read.items, c.written);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn retention_deletes_the_oldest_by_age_and_by_size_per_kind() {
    let dir = temp_dir("retention");
    let engine = Engine::new(EngineConfig::default());
    let mut rec = Recorder::open(
        &dir,
        StoreOptions {
            retention: picket_store::Retention {
                frames_max_age_s: Some(2.0 * 3600.0),
                frames_max_bytes: None,
                states_max_age_s: Some(3600.0),
                events_max_age_s: None,
                aircraft_max_age_s: None,
            },
            lossless: true,
            engine_states: false,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    // Six hours, 360 frames and 60 states an hour.
    let t0 = 1_700_006_400.0;
    for i in 0..2160u32 {
        let t = t0 + f64::from(i) * 10.0;
        rec.observe_states(vec![picket_store::StateRow {
            hex: "4840d6".into(),
            t,
            lat: 52.0,
            lon: 4.0,
            alt_baro: Some(1000),
            gs: None,
            track: None,
            baro_rate: None,
            on_ground: None,
            flight: None,
            squawk: None,
        }]);
        let mut r = frames(1, t).remove(0);
        r.time_utc = t;
        rec.observe(Some(&r), &[], &engine);
    }
    rec.finish();
    let h = History::open(&dir).unwrap();
    let (first, last) = h.frame_span().unwrap().unwrap();
    // Whole hours older than two hours before the newest item are gone.
    assert!(first >= last - 3.0 * 3600.0, "{first} {last}");
    assert!(last - first >= 2.0 * 3600.0 - 10.0, "{first} {last}");
    let states = h.states_of("4840d6", f64::MIN, f64::MAX).unwrap();
    assert!(states[0].t >= last - 3600.0, "{} {last}", states[0].t);
    drop(h);

    // By size: the oldest blocks go first until the raw items fit.
    let size_dir = temp_dir("retention-size");
    let mut rec = Recorder::open(
        &size_dir,
        StoreOptions {
            retention: picket_store::Retention {
                frames_max_bytes: Some(40_000),
                ..picket_store::Retention::KEEP_ALL
            },
            lossless: true,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    for (i, r) in frames(20_000, t0).iter_mut().enumerate() {
        // Five hours, every frame different enough to take room.
        r.time_utc = t0 + i as f64 * 0.9;
        r.clock = Clock::Ticks12Mhz(i as u64 * 7_777_777);
        rec.observe(Some(r), &[], &engine);
    }
    rec.finish();
    let h = History::open(&size_dir).unwrap();
    let x = h.extent().unwrap();
    assert!(x.frame_bytes <= 40_000 || x.blocks == 1, "{x:?}");
    assert!(x.blocks >= 1, "{x:?}");
    assert!(x.items < 20_000, "{x:?}");
    let (_, last) = h.frame_span().unwrap().unwrap();
    assert!(last >= t0 + 19_999.0 * 0.9 - 1.0);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&size_dir);
}
