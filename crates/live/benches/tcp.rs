//! Live input benchmarks (a plain binary, no bench framework).
//!
//! ```text
//! cargo bench -p picket-live --bench tcp -- decode FILE.beast [REPEATS]
//! cargo bench -p picket-live --bench tcp -- batch FILE.beast [REPEATS]
//! cargo bench -p picket-live --bench tcp -- serve FILE.beast HOST:PORT
//! ```
//!
//! - `decode`: one loopback TCP connection carries the Beast file REPEATS times (a sender
//!   thread writes it); the receiving thread reads it as picket's receivers do (a tokio
//!   `TcpStream` on a current-thread runtime, 64 KiB reads, the Beast framer) and decodes
//!   every frame (`Decoder::decode`). Printed: frames per second of wall time and per
//!   second of the receiving thread's CPU time.
//! - `batch`: the same connection, read as `picket run --connect` reads it now: each read's
//!   items into a pooled `connect::Batch`, decoded there (`Batch::predecode`), the batch
//!   given back to the pool (what the receiver task does before the engine's channel).
//! - `serve`: serves the file once to each client that connects, as fast as it reads (the
//!   source for timing `picket run --connect`; see docs/BENCHMARKS.md).

use picket_modes::message::{DecodeOptions, Decoder};
use picket_receive::{AnyReader, Format, Reader, ReaderConfig, What};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Instant;
use tokio::io::AsyncReadExt;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.first().map(String::as_str) {
        Some("decode") => decode(&args[1], args.get(2).map_or(10, |r| r.parse().unwrap()), false),
        Some("batch") => decode(&args[1], args.get(2).map_or(10, |r| r.parse().unwrap()), true),
        Some("serve") => serve(&args[1], &args[2]),
        _ => eprintln!(
            "usage: tcp decode FILE.beast [REPEATS] | tcp batch FILE.beast [REPEATS] | tcp serve FILE.beast HOST:PORT"
        ),
    }
}

fn decode(path: &str, repeats: usize, batches: bool) {
    let data = std::fs::read(path).expect("the Beast file");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sender = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        for _ in 0..repeats {
            s.write_all(&data).unwrap();
        }
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (frames, decoded, wall, cpu) = rt.block_on(async {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut reader = AnyReader::new(Format::Beast, ReaderConfig::live());
        let mut decoder = Decoder::default();
        let pool = picket_live::connect::Pool::default();
        let options = DecodeOptions::default();
        let mut buf = vec![0u8; 64 * 1024];
        let (mut frames, mut decoded) = (0u64, 0u64);
        let cpu0 = picket_bench::thread_cpu_s().unwrap_or(0.0);
        let t0 = Instant::now();
        loop {
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            reader.feed_at(&buf[..n], 0.0);
            if batches {
                let mut batch = pool.take();
                while let Some(item) = reader.next() {
                    if let Ok(r) = item {
                        batch.items.push(r);
                    }
                }
                batch.predecode(&options);
                frames += batch.items.len() as u64;
                decoded += batch
                    .decoded
                    .iter()
                    .filter(|d| d.is_some_and(|p| p.0.is_ok()))
                    .count() as u64;
                pool.give(batch);
                continue;
            }
            while let Some(item) = reader.next() {
                if let Ok(r) = item {
                    if let What::ModeS(f) = r.what {
                        frames += 1;
                        decoded += u64::from(decoder.decode(f).is_ok());
                    }
                }
            }
        }
        (
            frames,
            decoded,
            t0.elapsed().as_secs_f64(),
            picket_bench::thread_cpu_s().unwrap_or(0.0) - cpu0,
        )
    });
    sender.join().unwrap();
    println!(
        "tcp {}: {frames} frames ({decoded} decoded) in {wall:.3} s wall, {cpu:.2} s CPU of the reading thread: {:.2} M frames/s wall, {:.2} M frames per CPU-second",
        if batches { "batch" } else { "decode" },
        frames as f64 / wall / 1e6,
        frames as f64 / cpu.max(0.01) / 1e6
    );
}

fn serve(path: &str, addr: &str) {
    let data = std::fs::read(path).expect("the Beast file");
    let listener = TcpListener::bind(addr).unwrap();
    eprintln!(
        "serving {path} ({} bytes) on {}",
        data.len(),
        listener.local_addr().unwrap()
    );
    for s in listener.incoming() {
        let Ok(mut s): Result<TcpStream, _> = s else {
            continue;
        };
        let _ = s.write_all(&data);
    }
}
