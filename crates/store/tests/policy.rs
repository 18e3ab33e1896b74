//! The queue's two policies with a writer stalled on purpose (a closed [`Gate`]):
//! - live input (`lossless: false`): the pipeline never waits; what does not fit the queue
//!   is dropped and counted, and everything offered is either written or counted dropped;
//! - a file or scenario replay (`lossless: true`): the pipeline waits for the writer, and
//!   every item is written, none dropped.

mod common;
use common::{stalled_recorder, temp_dir};

use std::sync::mpsc;
use std::time::{Duration, Instant};

use picket_engine::engine::{Engine, EngineConfig};
use picket_modes::Frame;
use picket_receive::{Clock, Received, What};
use picket_store::writer::BATCH_ITEMS;
use picket_store::{History, Recorder};

/// `n` items, 10 µs apart (a batch fills before it spans the quarter second that would
/// offer it early), four receivers, most frames distinct (DF17 bodies that count up)
/// and each heard twice.
fn items(n: usize, t0: f64) -> Vec<Received> {
    (0..n)
        .map(|i| {
            let k = (i / 2) as u64;
            let mut b = [0u8; 14];
            b[0] = 0x8d;
            b[1..9].copy_from_slice(&k.to_be_bytes());
            Received {
                time_utc: t0 + i as f64 * 1e-5,
                clock: Clock::Ticks12Mhz(1_000_000 + i as u64 * 120),
                signal: Some(-20.0 - (i % 7) as f32),
                receiver: (i % 4) as u16,
                what: What::ModeS(Frame::new(&b).unwrap()),
            }
        })
        .collect()
}

/// Waits for `cond` up to `secs` seconds.
fn wait_for(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}

/// Feeds `all` to a recorder on another thread; the channel says when every `observe`
/// returned.
fn feed(mut rec: Recorder, all: Vec<Received>) -> (mpsc::Receiver<Recorder>, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let h = std::thread::spawn(move || {
        let engine = Engine::new(EngineConfig::default());
        for r in &all {
            rec.observe(Some(r), &[], &engine);
        }
        rec.observe(None, &[], &engine);
        let _ = tx.send(rec);
    });
    (rx, h)
}

#[test]
fn a_live_source_is_never_held_back_by_a_stalled_writer() {
    let dir = temp_dir("policy-live");
    let (rec, gate) = stalled_recorder(&dir, false);
    let counters = rec.counters().clone();
    // Ten times what the queue holds, while the writer does not take a single batch.
    let n = BATCH_ITEMS * 20;
    let (done, h) = feed(rec, items(n, 1_700_000_000.0));
    let rec = done
        .recv_timeout(Duration::from_secs(120))
        .expect("the pipeline was held back by the stalled writer");
    h.join().unwrap();
    let mid = counters.report();
    assert!(mid.dropped > 0, "{mid:?}");
    assert_eq!(mid.written, 0, "{mid:?}");
    gate.open();
    let end = rec.finish();
    assert_eq!(end.accepted, n as u64, "{end:?}");
    assert_eq!(end.written + end.dropped, n as u64, "{end:?}");
    assert!(end.written > 0, "{end:?}");
    let h = History::open(&dir).unwrap();
    assert_eq!(h.extent().unwrap().items, end.written);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_replay_waits_for_a_stalled_writer_and_keeps_every_item() {
    let dir = temp_dir("policy-file");
    let (rec, gate) = stalled_recorder(&dir, true);
    let counters = rec.counters().clone();
    let n = BATCH_ITEMS * 20;
    let all = items(n, 1_700_000_000.0);
    let (done, h) = feed(rec, all.clone());
    // The feeder gets as far as the queue and the batch in the writer's hands let it (at
    // most four batches offered), and no further while the gate is closed.
    assert!(wait_for(120, || counters.report().accepted >= 3 * BATCH_ITEMS as u64));
    let held = counters.report();
    assert!(held.accepted <= 4 * BATCH_ITEMS as u64, "{held:?}");
    assert!(done.try_recv().is_err(), "the replay did not wait for the writer");
    gate.open();
    let rec = done.recv_timeout(Duration::from_secs(120)).unwrap();
    h.join().unwrap();
    let end = rec.finish();
    assert_eq!(end.dropped, 0, "{end:?}");
    assert_eq!(end.written, n as u64, "{end:?}");
    // What was kept is what was given, item for item.
    let history = History::open(&dir).unwrap();
    let mut back = Vec::with_capacity(n);
    history.for_each_item(0.0, 2e9, |r| back.push(r.clone())).unwrap();
    assert_eq!(back.len(), n);
    assert!(back == all, "the items read back differ from those written");
    let _ = std::fs::remove_dir_all(&dir);
}
