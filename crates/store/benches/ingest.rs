//! The store's write path on a recorded file (a plain binary, no bench framework):
//!
//! ```text
//! target/release/picket simulate crates/sim/scenarios/bench/busy.toml --duration 10m --out /tmp/busy.beast
//! cargo bench -p picket-store --bench ingest -- /tmp/busy.beast [encode|store|both|columns|experiment] [max items]
//! ```
//!
//! The file is read into memory first (not timed), then:
//! - `encode`: the block encoder alone (`BlockEncoder::push` + `finish` at the writer's
//!   level), in blocks of 800,000 items (about what the writer closes at each commit of a
//!   full-speed replay): bytes per frame and this thread's CPU time;
//! - `store`: every item through a [`Recorder`] that waits for the writer (a file replay's
//!   policy) into a fresh store in a temporary directory, with an empty engine (no states),
//!   as `picket run` hands them over (`observe_step` per item, then each batch of 1024
//!   moved by `observe_items`): wall time, the process's CPU and the writer thread's, and
//!   the counters.
//!
//! - `columns`: each column's bytes before and after deflate level 1 (the first 800,000);
//! - `experiment`: each column's order-0 entropy and its size and time under miniz_oxide's
//!   level 1, Huffman-only and RLE strategies (what chose the writer's Huffman codes).
//!
//! `PICKET_LEVEL` sets the blocks' compression (0: Huffman per column, the writer's
//! default; 1-9: deflate), `PICKET_COMMIT_MS` the writer's commit period (250 ms; under
//! callgrind, which runs about fifty times slower, 12500 keeps the blocks of a full-speed
//! run rather than many small ones merged at the end).
//!
//! For instruction counts: `valgrind --tool=callgrind --separate-threads=yes` on the built
//! bench binary with the same arguments.

use std::time::Instant;

use picket_engine::engine::{Engine, EngineConfig};
use picket_receive::beast::BeastReader;
use picket_receive::{Reader, ReaderConfig, Received};
use picket_store::codec::BlockEncoder;
use picket_store::{Recorder, StoreOptions};

/// CPU seconds of the thread named `name` in this process (from /proc).
fn thread_cpu_named(name: &str) -> Option<f64> {
    for e in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        if comm.trim() == name {
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let rest = &stat[stat.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            return Some(ticks / 100.0);
        }
    }
    None
}

fn process_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rfind(')').map_or("", |i| &stat[i + 2..]);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let g = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (g(11) + g(12)) / 100.0
}

fn deflate_with(input: &[u8], level: u8, strategy: i32) -> Vec<u8> {
    use miniz_oxide::deflate::core::{
        compress_to_output, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush,
    };
    let mut c = CompressorOxide::new(create_comp_flags_from_zip_params(i32::from(level), 0, strategy));
    let mut out = Vec::new();
    let _ = compress_to_output(&mut c, input, TDEFLFlush::Finish, |b| {
        out.extend_from_slice(b);
        true
    });
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: ingest FILE.beast [encode|store|both] [max items]");
        std::process::exit(2);
    };
    let what = args.get(1).map_or("both", String::as_str);
    let max: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(usize::MAX);
    // The block's compression (PICKET_LEVEL: 0 Huffman per column, 1-9 deflate).
    let level: u32 = std::env::var("PICKET_LEVEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(StoreOptions::default().level);
    // The writer's commit period (PICKET_COMMIT_MS; under callgrind, fifty times the real
    // 250 ms keeps the blocks of a full-speed run).
    let commit_every = std::env::var("PICKET_COMMIT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(
            StoreOptions::default().commit_every,
            std::time::Duration::from_millis,
        );
    println!("load average at start: {}", picket_bench::load_average());
    let bytes = std::fs::read(path).expect("the Beast file reads");
    let mut reader = BeastReader::new(ReaderConfig::default());
    reader.feed(&bytes);
    reader.finish();
    let mut items: Vec<Received> = Vec::new();
    while let Some(r) = reader.next() {
        if let Ok(r) = r {
            items.push(r);
            if items.len() >= max {
                break;
            }
        }
    }
    drop(bytes);
    let n = items.len();
    println!("{path}: {n} items");

    if what == "encode" || what == "both" {
        let c0 = picket_bench::thread_cpu_s().unwrap_or(f64::NAN);
        let w0 = Instant::now();
        let mut enc = BlockEncoder::new();
        let mut total = 0usize;
        for chunk in items.chunks(800_000) {
            for r in chunk {
                enc.push(r);
            }
            total += enc.finish(level).len();
        }
        let (w, c) = (
            w0.elapsed().as_secs_f64(),
            picket_bench::thread_cpu_s().unwrap_or(f64::NAN) - c0,
        );
        println!(
            "encode: {:.3} bytes/frame; {w:.3} s wall, {c:.3} s CPU ({:.2} M frames per CPU-second)",
            total as f64 / n as f64,
            n as f64 / c / 1e6
        );
    }

    if what == "columns" {
        let mut enc = BlockEncoder::new();
        let chunk = &items[..n.min(800_000)];
        for r in chunk {
            enc.push(r);
        }
        for (name, raw, z) in enc.column_sizes(1) {
            println!(
                "  {name}: {:.3} raw, {:.3} deflated bytes/frame",
                raw as f64 / chunk.len() as f64,
                z as f64 / chunk.len() as f64
            );
        }
    }

    if what == "experiment" {
        let mut enc = BlockEncoder::new();
        let chunk = &items[..n.min(800_000)];
        for r in chunk {
            enc.push(r);
        }
        let per = |b: usize| b as f64 / chunk.len() as f64;
        for (name, col) in enc.column_bytes() {
            if col.is_empty() {
                continue;
            }
            let mut hist = [0u64; 256];
            for &b in &col {
                hist[usize::from(b)] += 1;
            }
            let total = col.len() as f64;
            // Bits of the column at its bytes' order-0 entropy.
            let h: f64 = hist
                .iter()
                .filter(|&&c| c > 0)
                .map(|&c| -(c as f64 / total).log2() * c as f64)
                .sum();
            let mut line = format!(
                "  {name}: raw {:.3}, order-0 entropy {:.3}",
                per(col.len()),
                h / 8.0 / chunk.len() as f64
            );
            for (label, level, strategy) in [("L1", 1u8, 0i32), ("huff", 1, 2), ("rle", 1, 3)] {
                let reps = 5;
                let c0 = picket_bench::thread_cpu_s().unwrap_or(f64::NAN);
                let mut z = Vec::new();
                for _ in 0..reps {
                    z = deflate_with(&col, level, strategy);
                }
                let c = (picket_bench::thread_cpu_s().unwrap_or(f64::NAN) - c0) / reps as f64;
                line.push_str(&format!(
                    "; {label} {:.3} B {:.1} ns/B",
                    per(z.len()),
                    c * 1e9 / col.len() as f64
                ));
            }
            println!("{line}");
        }
    }

    if what == "store" || what == "both" {
        let dir = std::env::temp_dir().join(format!("picket-ingest-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let engine = Engine::new(EngineConfig::default());
        // The reader's batches of 1024 (made before the clock starts).
        let mut batches: Vec<Vec<Received>> = items.chunks(1024).map(<[Received]>::to_vec).collect();
        let (p0, w0) = (process_cpu_s(), Instant::now());
        let mut rec = Recorder::open(
            &dir,
            StoreOptions {
                lossless: true,
                engine_states: false,
                level,
                sealed_level: level,
                commit_every,
                ..StoreOptions::default()
            },
        )
        .expect("the store opens");
        // As `picket run`'s engine thread does: a step per item, then its batch moved.
        for batch in &mut batches {
            for r in batch.iter() {
                rec.observe_step(Some(r), &[], &engine);
            }
            rec.observe_items(batch);
        }
        rec.observe_step(None, &[], &engine);
        let writer = thread_cpu_named("picket-store");
        let report = rec.finish();
        let (w, p) = (w0.elapsed().as_secs_f64(), process_cpu_s() - p0);
        let db = std::fs::metadata(dir.join("picket.db")).map_or(0, |m| m.len());
        println!(
            "store: {w:.3} s wall, {p:.2} s CPU of the process, writer thread {} s CPU (before its last commit); \
             {} written, {} dropped, {} commits, {:.3} compressed bytes/frame, database {db} bytes",
            writer.map_or("?".into(), |c| format!("{c:.2}")),
            report.written,
            report.dropped,
            report.commits,
            report.block_bytes as f64 / n as f64,
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
