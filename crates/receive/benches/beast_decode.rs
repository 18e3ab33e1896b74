//! Beast parse + CRC + full decode on the real mix of rs1090's long_flight.csv, one core,
//! frames per second (docs/BENCHMARKS.md).
//!
//! `cargo bench -p picket-receive --bench beast_decode`
//!
//! Outside the timed loop: the 172,432 stored Beast messages of long_flight.csv (kept
//! unescaped in the file) are escaped into a real Beast stream (every 0x1a after the
//! leading one doubled) and the stream is repeated to about a million frames. Timed, over
//! that stream fed in 64 KiB chunks as a file or socket reader would:
//! - `full`: BeastReader feed + next, then `Decoder::decode` (CRC check with 1-bit repair,
//!   address recovery, every field parsed) of each frame;
//! - `framing_crc_tc`: BeastReader feed + next, then CRC residual, downlink format,
//!   address (AA or recovered) and type code only;
//! - `decode_only`: `Decoder::decode` on the frames already parsed.
//!
//! Skipped, with the reason printed, when the test data folder is absent
//! (`<workspace>/../shared`, or `$PICKET_SHARED`).

use criterion::{black_box, Criterion, SamplingMode, Throughput};
use picket_modes::{DecodeOptions, Decoder, Frame};
use picket_receive::beast::BeastReader;
use picket_receive::{Reader, ReaderConfig, What};
use std::path::PathBuf;
use std::time::Duration;

/// Repetitions of the flight: 6 x 172,432 = 1,034,592 frames a pass.
const REPEAT: usize = 6;
const CHUNK: usize = 64 * 1024;

fn csv_path() -> PathBuf {
    std::env::var_os("PICKET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared"))
        .join("testdata/rs1090_crate/long_flight.csv")
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let d = |c: u8| (c as char).to_digit(16).map(|v| v as u8);
    Some(d(pair[0])? << 4 | d(pair[1])?)
}

/// The escaped Beast stream of one pass over the file, and its number of messages.
fn beast_stream(csv: &str) -> (Vec<u8>, usize) {
    let mut stream = Vec::with_capacity(csv.len());
    let mut count = 0;
    for line in csv.lines() {
        let Some((_, hex)) = line.trim().split_once(',') else {
            continue;
        };
        let bytes: Option<Vec<u8>> = hex.as_bytes().chunks(2).map(hex_byte).collect();
        let Some(bytes) = bytes.filter(|b| b.len() > 2 && b[0] == 0x1a) else {
            continue;
        };
        stream.extend_from_slice(&bytes[..2]);
        for &b in &bytes[2..] {
            stream.push(b);
            if b == 0x1a {
                stream.push(b);
            }
        }
        count += 1;
    }
    (stream, count)
}

/// Feeds the stream in chunks and hands every Mode S frame to `each`; returns the count.
#[inline(always)]
fn read_frames(stream: &[u8], mut each: impl FnMut(Frame)) -> u64 {
    let mut reader = BeastReader::new(ReaderConfig::default());
    let mut n = 0;
    let mut drain = |reader: &mut BeastReader| {
        while let Some(x) = reader.next() {
            if let Ok(item) = x {
                if let What::ModeS(frame) = item.what {
                    each(frame);
                    n += 1;
                }
            }
        }
    };
    for chunk in stream.chunks(CHUNK) {
        reader.feed(chunk);
        drain(&mut reader);
    }
    reader.finish();
    drain(&mut reader);
    n
}

fn main() {
    let path = csv_path();
    let csv = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("skipping: cannot read {}: {e}", path.display());
            return;
        }
    };
    let (one, per_pass) = beast_stream(&csv);
    let stream = one.repeat(REPEAT);
    let frames = (per_pass * REPEAT) as u64;
    // Check the setup once, outside the timing: every message is a frame.
    assert_eq!(read_frames(&stream, |_| ()), frames);
    let mut parsed = Vec::with_capacity(frames as usize);
    read_frames(&stream, |f| parsed.push(f));
    eprintln!(
        "{} messages in {}, {} frames ({} bytes) a pass",
        per_pass,
        path.display(),
        frames,
        stream.len()
    );

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    let mut g = c.benchmark_group("long_flight");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(frames));

    let mut decoder = Decoder::new(DecodeOptions::default());
    g.bench_function("full", |b| {
        b.iter(|| {
            let mut ok = 0u64;
            let n = read_frames(black_box(&stream), |f| {
                // black_box: the decoded value must be built, not just its Ok-ness.
                ok += black_box(decoder.decode(f)).is_ok() as u64;
            });
            black_box((n, ok))
        })
    });

    g.bench_function("framing_crc_tc", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            let n = read_frames(black_box(&stream), |f| {
                let residual = f.crc_residual();
                let df = f.df();
                let address = match df {
                    11 | 17 | 18 => f.aa().0,
                    _ => residual,
                };
                acc = acc
                    .wrapping_add(u64::from(address ^ residual) + u64::from(df) + u64::from(f.type_code()));
            });
            black_box((n, acc))
        })
    });

    let mut decoder = Decoder::new(DecodeOptions::default());
    g.bench_function("decode_only", |b| {
        b.iter(|| {
            let mut ok = 0u64;
            for &f in black_box(&parsed) {
                ok += black_box(decoder.decode(f)).is_ok() as u64;
            }
            black_box(ok)
        })
    });
    g.finish();
    c.final_summary();
}
