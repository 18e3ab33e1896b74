//! Measures the Beast framer: frames per second on one core.
//!
//! `cargo run --release -p picket-receive --example beast_speed [long_flight.csv]`
//!
//! Builds a Beast stream from rs1090's long_flight.csv (172,432 real frames; default path
//! `../shared/testdata/rs1090_crate/long_flight.csv` from the workspace root), then reads it
//! repeatedly, as a file reader would feed it (64 KiB chunks).

use picket_receive::beast::{write_beast, BeastReader};
use picket_receive::csv::CsvReader;
use picket_receive::{Reader, ReaderConfig, What};
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testdata/rs1090_crate/long_flight.csv"
        )
        .to_string()
    });
    let csv = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let mut r = CsvReader::new(ReaderConfig::default());
    r.feed(&csv);
    r.finish();
    let mut stream = Vec::new();
    while let Some(x) = r.next() {
        if let Ok(item) = x {
            let _ = write_beast(&mut stream, &item);
        }
    }
    let frames_per_pass = r.stats().frames;
    // Machines are shared: report the best and the median pass.
    let passes = 60;
    let mut times = Vec::with_capacity(passes);
    let mut check = 0u64;
    for _ in 0..passes {
        let start = Instant::now();
        let mut frames = 0u64;
        let mut b = BeastReader::new(ReaderConfig::default());
        for chunk in stream.chunks(64 * 1024) {
            b.feed(chunk);
            while let Some(Ok(item)) = b.next() {
                if let What::ModeS(f) = &item.what {
                    check = check.wrapping_add(u64::from(f.as_bytes()[0]));
                }
                frames += 1;
            }
        }
        b.finish();
        while b.next().is_some() {}
        times.push(start.elapsed().as_secs_f64());
        assert_eq!(frames, frames_per_pass);
    }
    times.sort_by(f64::total_cmp);
    let rate = |secs: f64| frames_per_pass as f64 / secs / 1e6;
    println!(
        "{frames_per_pass} frames, {} bytes a pass: best {:.1} M frames/s ({:.0} MB/s), median {:.1} M frames/s (check {check})",
        stream.len(),
        rate(times[0]),
        stream.len() as f64 / times[0] / 1e6,
        rate(times[passes / 2]),
    );
}
