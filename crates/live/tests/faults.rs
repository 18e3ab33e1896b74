//! Faults on loopback with fake sources of our own: a source killed and restarted, garbage
//! between frames, a stalled source beside a live one, an output client that stops
//! reading. "Never blocks" is checked as progress counters that keep moving.

use picket_live::config::{Overrides, Settings};
use picket_live::driver::{self, Control, RunOptions};
use picket_live::stats::{LiveStats, ReceiverSnapshot};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A DF17 airborne identification (KLM1023), the classic test vector.
const DF17: [u8; 14] = [
    0x8D, 0x48, 0x40, 0xD6, 0x20, 0x2C, 0xC3, 0x71, 0xC3, 0x2C, 0xE0, 0x57, 0x60, 0x98,
];

/// `n` Beast messages of the vector, 12 MHz timestamps 0.1 s apart from `t0`.
fn beast_frames(n: usize, t0: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n as u64 {
        picket_receive::beast::write_message(&mut out, b'3', t0 + i * 1_200_000, 0x80, &DF17);
    }
    out
}

/// Waits for `cond` up to `secs` seconds.
fn wait_for(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    cond()
}

/// A run of the library in a thread.
struct Run {
    control: Control,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Run {
    fn start(overrides: Overrides) -> Run {
        let settings = Settings::resolve(
            None,
            Overrides {
                text: true,
                ..overrides
            },
        )
        .unwrap();
        let control = Control::default();
        let c = control.clone();
        let thread = std::thread::spawn(move || {
            driver::run(
                &settings,
                &RunOptions {
                    quiet: true,
                    text: false,
                    ..RunOptions::default()
                },
                &c,
            )
        });
        let run = Run {
            control,
            thread: Some(thread),
        };
        assert!(
            wait_for(20, || run.control.stats.get().is_some()),
            "the run started"
        );
        run
    }

    fn stats(&self) -> &LiveStats {
        self.control.stats.get().unwrap()
    }

    fn rx(&self, i: usize) -> ReceiverSnapshot {
        self.stats().receivers()[i].clone()
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        self.control.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let r = t.join().expect("the run thread ends");
            if !std::thread::panicking() {
                r.unwrap();
            }
        }
    }
}

fn connect(addrs: &[SocketAddr]) -> Overrides {
    Overrides {
        connect: addrs.iter().map(|a| format!("beast://{a}")).collect(),
        ..Overrides::default()
    }
}

#[test]
fn a_source_killed_and_restarted_is_reconnected_and_counting_goes_on() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let run = Run::start(connect(&[addr]));
    let (mut s, _) = listener.accept().unwrap();
    s.write_all(&beast_frames(500, 1_000)).unwrap();
    assert!(wait_for(20, || run.rx(0).messages == 500), "{:?}", run.rx(0));
    assert!(run.rx(0).connected);
    // Kill the source: connection and listener gone.
    drop(s);
    drop(listener);
    assert!(wait_for(20, || !run.rx(0).connected), "{:?}", run.rx(0));
    // Restart it on the same port.
    let mut listener = None;
    assert!(wait_for(20, || {
        listener = TcpListener::bind(addr).ok();
        listener.is_some()
    }));
    let (mut s, _) = listener.unwrap().accept().unwrap();
    s.write_all(&beast_frames(300, 5_000)).unwrap();
    assert!(wait_for(30, || run.rx(0).messages == 800), "{:?}", run.rx(0));
    let r = run.rx(0);
    assert_eq!(r.reconnects, 1, "{r:?}");
    assert!(r.connected && r.last_heard.is_some(), "{r:?}");
    assert_eq!(r.bad_frames, 0, "{r:?}");
}

#[test]
fn garbage_between_frames_is_skipped_and_counted() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let run = Run::start(connect(&[addr]));
    let (mut s, _) = listener.accept().unwrap();
    // xorshift noise without the Beast escape byte: each run is one resynchronisation.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut bytes = Vec::new();
    let runs = 200;
    for i in 0..runs {
        bytes.extend_from_slice(&beast_frames(1, 1_000 + i * 1_200_000));
        let len = 1 + (x % 40) as usize;
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = (x >> 24) as u8;
            bytes.push(if b == 0x1a { 0x1b } else { b });
        }
    }
    bytes.extend_from_slice(&beast_frames(1, 999_000_000));
    // In pieces of odd sizes, so frames and noise are cut anywhere.
    for piece in bytes.chunks(777) {
        s.write_all(piece).unwrap();
    }
    assert!(
        wait_for(20, || run.rx(0).messages == runs + 1
            && run.rx(0).bad_frames == runs),
        "{:?}",
        run.rx(0)
    );
}

#[test]
fn a_stalled_source_holds_nobody_up() {
    let stalled = TcpListener::bind("127.0.0.1:0").unwrap();
    let live = TcpListener::bind("127.0.0.1:0").unwrap();
    let run = Run::start(connect(&[
        stalled.local_addr().unwrap(),
        live.local_addr().unwrap(),
    ]));
    // The stalled source accepts and never sends.
    let (_quiet, _) = stalled.accept().unwrap();
    let (mut s, _) = live.accept().unwrap();
    assert!(wait_for(20, || run.rx(0).connected));
    for round in 1..=5u64 {
        s.write_all(&beast_frames(100, round * 1_000_000_000)).unwrap();
        assert!(
            wait_for(20, || run.rx(1).messages == round * 100),
            "round {round}: {:?}",
            run.rx(1)
        );
        assert_eq!(run.rx(0).messages, 0);
        assert!(run.rx(0).connected);
    }
}

#[test]
fn an_output_client_that_does_not_read_is_dropped_and_the_others_go_on() {
    let source = TcpListener::bind("127.0.0.1:0").unwrap();
    let run = Run::start(Overrides {
        beast_out: Some("127.0.0.1:0".into()),
        ..connect(&[source.local_addr().unwrap()])
    });
    let out_addr = run.stats().outputs()[0].addr.expect("the output is bound");
    // One client that never reads, one that does.
    let _deaf = TcpStream::connect(out_addr).unwrap();
    let mut reader = TcpStream::connect(out_addr).unwrap();
    assert!(wait_for(60, || run.stats().outputs()[0].clients == 2));
    let read_bytes = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let counter = Arc::clone(&read_bytes);
    let (read_tx, read_rx) = std::sync::mpsc::channel::<()>();
    let reading = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            counter.fetch_add(n as u64, Ordering::Relaxed);
            let _ = read_tx.send(());
        }
    });
    // The source sends until the test ends, each batch once the reading client has read
    // everything before it (the output forwards the frames as they came, byte for byte).
    // So the reading client is never more than one batch behind, however slowly this
    // machine runs it: only the client that does not read can fill its queue.
    let (mut s, _) = source.accept().unwrap();
    let stop = Arc::clone(&done);
    let read = Arc::clone(&read_bytes);
    let feeding = std::thread::spawn(move || {
        let chunk = beast_frames(2000, 1_000);
        let mut sent = 0u64;
        while !stop.load(Ordering::Relaxed) {
            if s.write_all(&chunk).is_err() {
                return;
            }
            sent += chunk.len() as u64;
            while read.load(Ordering::Relaxed) < sent && !stop.load(Ordering::Relaxed) {
                // A reader that is gone (dropped) ends the feed, and the test fails.
                if read_rx.recv_timeout(Duration::from_secs(120)).is_err() {
                    return;
                }
            }
        }
    });
    assert!(
        wait_for(300, || run.stats().outputs()[0].dropped_slow == 1),
        "{:?}",
        run.stats().outputs()
    );
    assert_eq!(run.stats().outputs()[0].clients, 1);
    // After the drop, the reading client and the input keep moving.
    for _ in 0..3 {
        let (b, m) = (read_bytes.load(Ordering::Relaxed), run.rx(0).messages);
        assert!(wait_for(60, || read_bytes.load(Ordering::Relaxed) > b
            && run.rx(0).messages > m));
    }
    assert_eq!(
        run.stats().outputs()[0].dropped_slow,
        1,
        "the reading client was kept"
    );
    done.store(true, Ordering::Relaxed);
    drop(run);
    feeding.join().unwrap();
    reading.join().unwrap();
}

#[test]
fn pushed_beast_input_is_read_on_the_listen_port() {
    let run = Run::start(Overrides {
        beast_in: Some("127.0.0.1:0".into()),
        avr_in: Some("127.0.0.1:0".into()),
        ..Overrides::default()
    });
    // AVR lines pushed to the AVR listener (receiver 1), garbage line included.
    let avr = run.rx(1).endpoint;
    assert!(avr.starts_with("listen avr "), "{avr}");
    let mut s = TcpStream::connect(avr.rsplit(' ').next().unwrap()).unwrap();
    s.write_all(b"*8D4840D6202CC371C32CE0576098;\nnot a frame\n@000000B71B008D4840D6202CC371C32CE0576098;\n")
        .unwrap();
    drop(s);
    assert!(
        wait_for(20, || run.rx(1).messages == 2 && run.rx(1).bad_frames == 1),
        "{:?}",
        run.rx(1)
    );
    let endpoint = run.rx(0).endpoint;
    let addr = endpoint.rsplit(' ').next().unwrap().to_string();
    assert!(endpoint.starts_with("listen beast "), "{endpoint}");
    // Two feeders one after the other: each connection is counted, the frames add up.
    for (n, round) in [(250u64, 1u64), (150, 2)] {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(&beast_frames(n as usize, round * 1_000_000_000))
            .unwrap();
        drop(s);
        let want = if round == 1 { 250 } else { 400 };
        assert!(wait_for(20, || run.rx(0).messages == want), "{:?}", run.rx(0));
        assert_eq!(run.rx(0).connections, round);
    }
}

#[test]
fn the_engine_ticks_on_the_wall_clock_when_the_feed_is_silent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let run = Run::start(connect(&[listener.local_addr().unwrap()]));
    let (mut s, _) = listener.accept().unwrap();
    s.write_all(&beast_frames(10, 1_000)).unwrap();
    assert!(wait_for(20, || run.rx(0).messages == 10));
    // No frame comes any more; the next ticks are due by the clock all the same (what
    // silence-based detectors need).
    let before = run.stats().engine.idle_ticks.load(Ordering::Relaxed);
    assert!(
        wait_for(20, || run.stats().engine.idle_ticks.load(Ordering::Relaxed)
            >= before + 2),
        "no tick without frames"
    );
    assert_eq!(run.stats().engine.items.load(Ordering::Relaxed), 10);
}
