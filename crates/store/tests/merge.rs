//! A finished hour's small blocks are merged in groups of at most `merge_items` items, so
//! merging a busy hour never holds the whole hour in memory; the items read back are those
//! written, in order.

mod common;
use common::temp_dir;

use picket_engine::engine::{Engine, EngineConfig};
use picket_modes::Frame;
use picket_receive::{Clock, Received, What};
use picket_store::{History, Recorder, StoreOptions};

/// `n` distinct DF17 frames a tenth of a second apart from `t0`.
fn items(n: usize, t0: f64) -> Vec<Received> {
    (0..n)
        .map(|i| {
            let mut b = [0u8; 14];
            b[0] = 0x8d;
            b[1..9].copy_from_slice(&(i as u64).to_be_bytes());
            Received {
                time_utc: t0 + i as f64 * 0.1,
                clock: Clock::None,
                signal: None,
                receiver: 0,
                what: What::ModeS(Frame::new(&b).unwrap()),
            }
        })
        .collect()
}

#[test]
fn a_finished_hours_blocks_merge_in_bounded_groups() {
    let dir = temp_dir("merge-groups");
    let options = || StoreOptions {
        lossless: true,
        engine_states: false,
        merge_items: 1000,
        ..StoreOptions::default()
    };
    // Ten runs of 300 items each, all in one UTC hour: each run leaves at least one block,
    // and each run's end merges the hour's blocks.
    let t0 = 1_700_000_000.0 - 1_700_000_000.0 % 3600.0;
    let all = items(3000, t0);
    let engine = Engine::new(EngineConfig::default());
    for run in all.chunks(300) {
        let mut rec = Recorder::open(&dir, options()).unwrap();
        for r in run {
            rec.observe(Some(r), &[], &engine);
        }
        rec.observe(None, &[], &engine);
        let report = rec.finish();
        assert_eq!(report.dropped, 0, "{report:?}");
    }
    let db = rusqlite::Connection::open(dir.join("picket.db")).unwrap();
    let sizes: Vec<i64> = db
        .prepare("SELECT items FROM frame_blocks ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(sizes.iter().sum::<i64>(), 3000, "{sizes:?}");
    // Merged: fewer blocks than runs; bounded: none over 1,000 items.
    assert!(sizes.len() < 10, "not merged: {sizes:?}");
    assert!(
        sizes.iter().all(|&n| n <= 1000),
        "a merged block over the bound: {sizes:?}"
    );
    let history = History::open(&dir).unwrap();
    let mut back = Vec::new();
    history.for_each_item(0.0, 2e9, |r| back.push(r.clone())).unwrap();
    assert!(back == all, "the items read back differ from those written");
    let _ = std::fs::remove_dir_all(&dir);
}
