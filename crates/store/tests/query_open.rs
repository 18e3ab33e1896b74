//! Opening for queries without reading the whole file: an intact store answers as after the
//! full check; a damaged one still opens, and the check then says what is damaged and what
//! can still be read.

mod common;
use common::temp_dir;

use std::time::Duration;

use picket_engine::engine::{Engine, EngineConfig};
use picket_modes::Frame;
use picket_receive::{Clock, Received, What};
use picket_store::{ErrorKind, History, Recorder, StoreOptions};

/// A store of `n` frames of one aircraft, 10 ms apart, with noisy signal levels (they fill
/// pages), committed in several blocks.
fn store_of(dir: &std::path::Path, n: usize) {
    let hexes = [
        "8d4840d6202cc371c32ce0576098",
        "8d4840d658c382d690c8ac2863a7",
        "8d4840d658c386435cc412692ad6",
        "8d485020994409940838175b284f",
    ];
    let engine = Engine::new(EngineConfig::default());
    let mut rec = Recorder::open(dir, StoreOptions::default()).unwrap();
    let mut x = 12345u32;
    for i in 0..n {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let r = Received {
            time_utc: 1_700_000_000.0 + i as f64 * 0.01,
            clock: Clock::Ticks12Mhz(1_000_000 + i as u64 * 120_000),
            signal: Some(-20.0 - (x >> 8) as f32 / 1e6),
            receiver: 0,
            what: What::ModeS(Frame::from_hex(hexes[i % hexes.len()]).unwrap()),
        };
        rec.observe(Some(&r), &[], &engine);
        if i % 5000 == 4999 {
            assert!(rec.flush(Duration::from_secs(20)));
        }
    }
    rec.finish();
}

#[test]
fn an_intact_store_opened_unchecked_answers_as_the_checked_one() {
    let dir = temp_dir("unchecked-intact");
    store_of(&dir, 20_000);
    let checked = History::open(&dir).unwrap();
    let quick = History::open_unchecked(&dir).unwrap();
    assert!(quick.damage().is_none());
    let (a, b) = (checked.extent().unwrap(), quick.extent().unwrap());
    assert_eq!(a.items, 20_000);
    assert_eq!((a.items, a.blocks, a.states), (b.items, b.blocks, b.states));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_store_opens_unchecked_and_the_check_reports_it() {
    let dir = temp_dir("unchecked-damaged");
    store_of(&dir, 30_000);
    let db = dir.join("picket.db");
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 16 * 4096, "{}", bytes.len());
    let mid = (bytes.len() / 2) & !4095;
    for b in &mut bytes[mid..mid + 8192] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    // The full check refuses it at open; the quick open reads only the header and schema.
    assert_eq!(History::open(&dir).unwrap_err().kind, ErrorKind::Corrupt);
    let quick = History::open_unchecked(&dir).unwrap();
    let damage = quick.damage().expect("the check finds the damage");
    assert_eq!(damage.kind, ErrorKind::Corrupt, "{damage}");
    assert!(damage.message.contains("still readable"), "{damage}");
    // Reading every raw block reaches the damaged pages.
    let all = quick.verify_blocks();
    assert!(
        all.as_ref().is_err() || !all.as_ref().unwrap().bad_blocks.is_empty(),
        "{all:?}"
    );

    // Garbage over the header: not even the quick open accepts it.
    for b in &mut bytes[..4096] {
        *b = 0x5A;
    }
    std::fs::write(&db, &bytes).unwrap();
    let err = History::open_unchecked(&dir).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Corrupt, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
