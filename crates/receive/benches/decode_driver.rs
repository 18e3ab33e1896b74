//! A fixed, small driver of the benchmark's paths for instruction counts under callgrind
//! (docs/BENCHMARKS.md): one pass over long_flight.csv, no timing, no repetitions.
//!
//! `cargo bench -p picket-receive --bench decode_driver --no-run`, then
//! `valgrind --tool=callgrind --toggle-collect='*measured*' <the printed executable> MODE`,
//! MODE one of `parse` (Beast framing), `framing` (+ CRC and type code), `full` (+ full
//! decode), `crc` and `decode` (CRC or full decode of frames framed beforehand). Only the
//! `measured` function is counted: divide by the 172,432 frames.

use picket_modes::{DecodeOptions, Decoder, Frame};
use picket_receive::beast::BeastReader;
use picket_receive::{Reader, ReaderConfig, Received, What};
use std::hint::black_box;
use std::path::PathBuf;

fn main() {
    let path = std::env::var_os("PICKET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared"))
        .join("testdata/rs1090_crate/long_flight.csv");
    let Ok(csv) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: cannot read {}", path.display());
        return;
    };
    // As in beast_decode.rs: escape the stored messages into a Beast stream.
    let mut stream = Vec::new();
    for line in csv.lines() {
        let Some((_, hex)) = line.trim().split_once(',') else {
            continue;
        };
        let Ok(bytes) = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
        else {
            continue;
        };
        if bytes.len() < 3 || bytes[0] != 0x1a {
            continue;
        }
        stream.extend_from_slice(&bytes[..2]);
        for &b in &bytes[2..] {
            stream.push(b);
            if b == 0x1a {
                stream.push(b);
            }
        }
    }
    let mode = std::env::args().nth(1).unwrap_or_else(|| "full".into());
    let frames = if matches!(mode.as_str(), "decode" | "crc") {
        let mut frames = Vec::new();
        read(&stream, |f| frames.push(f));
        frames
    } else {
        Vec::new()
    };
    let acc = measured(&mode, &stream, &frames);
    println!(
        "{mode}: {} bytes, {} frames parsed before, result {acc}",
        stream.len(),
        frames.len()
    );
}

/// Feeds the stream in 64 KiB chunks and hands every Mode S frame to `each`.
#[inline(always)]
fn read(stream: &[u8], mut each: impl FnMut(Frame)) {
    let mut reader = BeastReader::new(ReaderConfig::default());
    for chunk in stream.chunks(64 * 1024) {
        reader.feed(chunk);
        while let Some(x) = reader.next() {
            if let Ok(Received {
                what: What::ModeS(f), ..
            }) = x
            {
                each(f);
            }
        }
    }
}

/// The work to count: run under `--toggle-collect='*measured*'`.
#[inline(never)]
fn measured(mode: &str, stream: &[u8], frames: &[Frame]) -> u64 {
    let mut decoder = Decoder::new(DecodeOptions::default());
    let mut acc = 0u64;
    match mode {
        "parse" => read(stream, |f| acc += u64::from(black_box(f).df())),
        "framing" => read(stream, |f| {
            acc = acc.wrapping_add(u64::from(f.crc_residual()) + u64::from(f.type_code()))
        }),
        "full" => read(stream, |f| acc += black_box(decoder.decode(f)).is_ok() as u64),
        "decode" => {
            for &f in frames {
                acc += black_box(decoder.decode(f)).is_ok() as u64;
            }
        }
        "crc" => {
            for f in frames {
                acc = acc.wrapping_add(u64::from(black_box(f).crc_residual()));
            }
        }
        other => eprintln!("unknown mode {other}: parse, framing, full, decode or crc"),
    }
    acc
}
