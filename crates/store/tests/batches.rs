//! The engine thread's way of recording (`observe_step` per item, then the batch's items
//! moved by `observe_items`): the store holds what the per-item `observe` gives, item for
//! item, with multilateration's fixes (made by the run after an item, or received inside a
//! batch) in the same places; and a live recorder fed this way still never waits.

mod common;
use common::{stalled_recorder, temp_dir};

use std::time::Duration;

use picket_engine::engine::{Engine, EngineConfig};
use picket_modes::{Frame, Icao};
use picket_receive::{Clock, Observation, ObservationSource, Received, What};
use picket_store::fixes::is_fix;
use picket_store::writer::BATCH_ITEMS;
use picket_store::{History, Recorder, StoreOptions};

/// Item `i`: a DF17 frame, several items sharing each time (so the fixes' anchors count).
fn frame_item(i: usize, t0: f64) -> Received {
    let mut b = [0u8; 14];
    b[0] = 0x8d;
    b[1..9].copy_from_slice(&((i / 3) as u64).to_be_bytes());
    Received {
        time_utc: t0 + (i / 4) as f64 * 1e-3,
        clock: Clock::Ticks12Mhz(1_000_000 + i as u64 * 12_000),
        signal: Some(-20.0 - (i % 5) as f32),
        receiver: (i % 3) as u16,
        what: What::ModeS(Frame::new(&b).unwrap()),
    }
}

fn fix(t: f64, address: u32) -> Received {
    let mut o = Observation::new(Icao(address), ObservationSource::Mlat);
    o.lat = Some(10.5);
    o.lon = Some(-66.9);
    Received {
        time_utc: t,
        clock: Clock::None,
        signal: None,
        receiver: 0,
        what: What::Observation(Box::new(o)),
    }
}

/// The run as the engine thread sees it: batches of received items (some with a received
/// fix inside), and fixes the run makes after some items.
struct Run {
    batches: Vec<Vec<Received>>,
    /// (batch, index in it): a fix made right after that item.
    made: Vec<(usize, usize, Received)>,
}

fn run(n_batches: usize, per: usize, t0: f64) -> Run {
    let mut batches = Vec::new();
    let mut made = Vec::new();
    let mut k = 0;
    for b in 0..n_batches {
        let mut batch = Vec::new();
        for i in 0..per {
            let r = frame_item(k, t0);
            k += 1;
            if i % 97 == 5 {
                made.push((b, i, fix(r.time_utc, 0x100000 + k as u32)));
            }
            batch.push(r);
            if b % 3 == 1 && i == per / 2 {
                let t = batch.last().map_or(t0, |r| r.time_utc);
                batch.push(fix(t, 0x200000 + k as u32));
            }
        }
        batches.push(batch);
    }
    Run { batches, made }
}

/// Everything in the order the engine took it.
fn stream(run: &Run) -> Vec<Received> {
    let mut all = Vec::new();
    for (b, batch) in run.batches.iter().enumerate() {
        for (i, r) in batch.iter().enumerate() {
            all.push(r.clone());
            all.extend(
                run.made
                    .iter()
                    .filter(|m| m.0 == b && m.1 == i)
                    .map(|m| m.2.clone()),
            );
        }
    }
    all
}

fn read_back(dir: &std::path::Path) -> Vec<Received> {
    let h = History::open(dir).unwrap();
    let mut back = Vec::new();
    h.for_each_item_and_fix(0.0, 2e9, |r| back.push(r.clone()))
        .unwrap();
    back
}

#[test]
fn batches_moved_whole_are_stored_as_items_copied_one_by_one() {
    let t0 = 1_700_000_000.0;
    let r = run(40, 1024, t0);
    let want = stream(&r);
    let engine = Engine::new(EngineConfig::default());
    let options = || StoreOptions {
        lossless: true,
        ..StoreOptions::default()
    };

    // One by one (`observe`, which copies each item).
    let one = temp_dir("batches-one");
    let mut rec = Recorder::open(&one, options()).unwrap();
    for item in &want {
        rec.observe(Some(item), &[], &engine);
    }
    rec.observe(None, &[], &engine);
    let a = rec.finish();

    // As the engine thread does: a step per item (and per fix made), then the batch moved.
    let moved = temp_dir("batches-moved");
    let mut rec = Recorder::open(&moved, options()).unwrap();
    let mut batches = r.batches.clone();
    for (b, batch) in batches.iter_mut().enumerate() {
        for (i, item) in batch.iter().enumerate() {
            rec.observe_step(Some(item), &[], &engine);
            for m in r.made.iter().filter(|m| m.0 == b && m.1 == i) {
                rec.observe_step(Some(&m.2), &[], &engine);
            }
        }
        let cap = batch.capacity();
        rec.observe_items(batch);
        // Emptied (the vector itself went to the store; an empty one of at least its
        // capacity came back for the next batch).
        assert!(batch.is_empty());
        assert!(batch.capacity() >= cap, "{} < {cap}", batch.capacity());
    }
    rec.observe_step(None, &[], &engine);
    let b = rec.finish();

    assert_eq!(a.dropped + b.dropped, 0, "{a:?} {b:?}");
    assert_eq!(a.written, b.written, "{a:?} {b:?}");
    assert_eq!(a.fixes_written, b.fixes_written, "{a:?} {b:?}");
    assert!(b.fixes_written >= 400, "{b:?}");
    let (back_one, back_moved) = (read_back(&one), read_back(&moved));
    assert_eq!(back_one.len(), want.len());
    assert!(back_one == want, "items copied one by one read back differently");
    assert!(back_moved == want, "items moved in batches read back differently");
    let _ = std::fs::remove_dir_all(&one);
    let _ = std::fs::remove_dir_all(&moved);
}

#[test]
fn a_live_recorder_fed_whole_batches_never_waits_for_a_stalled_writer() {
    let dir = temp_dir("batches-live");
    let (mut rec, gate) = stalled_recorder(&dir, false);
    let counters = rec.counters().clone();
    let engine = Engine::new(EngineConfig::default());
    // Twenty times what the queue holds, on this thread: if a call waited for the closed
    // gate, the test would never get past this loop.
    let mut batches = run(20 * BATCH_ITEMS / 1024, 1024, 1_700_000_000.0).batches;
    let n: usize = batches.iter().map(Vec::len).sum();
    let fixes_in_batches = batches.iter().flatten().filter(|r| is_fix(r)).count();
    assert!(fixes_in_batches > 0);
    for batch in &mut batches {
        for item in batch.iter() {
            rec.observe_step(Some(item), &[], &engine);
        }
        rec.observe_items(batch);
    }
    let mid = counters.report();
    assert!(mid.dropped > 0, "{mid:?}");
    assert_eq!(mid.written, 0, "{mid:?}");
    gate.open();
    rec.observe_step(None, &[], &engine);
    assert!(rec.flush(Duration::from_secs(120)));
    let end = rec.finish();
    // Every received item offered is written or counted dropped (the received fixes go to
    // their own table, when their batch was not dropped).
    let items = (n - fixes_in_batches) as u64;
    assert_eq!(end.accepted, items, "{end:?}");
    assert_eq!(
        end.written + end.dropped,
        items + fixes_in_batches as u64 - end.fixes_written,
        "{end:?}"
    );
    assert!(end.written > 0, "{end:?}");
    assert_eq!(History::open(&dir).unwrap().extent().unwrap().items, end.written);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn blocks_are_cut_at_every_commit_and_hour_and_read_back_whole() {
    // Items over three UTC hours in batches moved whole, with flushes (commits) in the
    // middle of hours: the encoder's thread cuts a block at each commit and each hour
    // change, every block holds one hour, and the items read back are those given.
    let dir = temp_dir("batches-cuts");
    let engine = Engine::new(EngineConfig::default());
    let mut rec = Recorder::open(
        &dir,
        StoreOptions {
            lossless: true,
            engine_states: false,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    let t0 = 1_700_000_000.0 - 1_700_000_000.0 % 3600.0 + 1800.0;
    let mut all = Vec::new();
    let mut flushes = 0;
    for b in 0..60 {
        // 500 items a quarter of a second apart: the 30,000 span about two hours.
        let mut batch: Vec<Received> = (0..500)
            .map(|i| frame_item(b * 500 + i, t0 + (b * 500 + i) as f64 * 0.25))
            .collect();
        all.extend(batch.iter().cloned());
        for item in &batch {
            rec.observe_step(Some(item), &[], &engine);
        }
        rec.observe_items(&mut batch);
        if b % 7 == 3 {
            assert!(rec.flush(std::time::Duration::from_secs(20)));
            flushes += 1;
        }
    }
    rec.observe_step(None, &[], &engine);
    let c = rec.finish();
    assert_eq!((c.accepted, c.written, c.dropped), (30_000, 30_000, 0), "{c:?}");
    let db = rusqlite::Connection::open(dir.join("picket.db")).unwrap();
    let blocks: Vec<(i64, f64, f64, i64)> = db
        .prepare("SELECT hour, t_first, t_last, items FROM frame_blocks ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let hour = |t: f64| (t / 3600.0).floor() as i64;
    for &(h, a, z, _) in &blocks {
        assert_eq!((hour(a), hour(z)), (h, h), "a block spans hours: {blocks:?}");
    }
    assert_eq!(blocks.iter().map(|b| b.3).sum::<i64>(), 30_000);
    // The run's end merges small blocks of finished hours, so only the open hour is sure
    // to keep its cuts; there are at least as many blocks as hours.
    let hours: std::collections::BTreeSet<i64> = blocks.iter().map(|b| b.0).collect();
    assert!(hours.len() >= 3 && flushes > 0, "{blocks:?}");
    assert!(
        read_back(&dir) == all,
        "the items read back differ from those given"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
