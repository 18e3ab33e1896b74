//! The properties of the wire-format readers that the fuzz targets check.
//!
//! The same file is compiled into `crates/receive/tests/fuzz_properties.rs` (through
//! `#[path]`), so CI checks every property on deterministic pseudo-random inputs without
//! cargo fuzz.
//!
//! For any bytes, split into any chunks, a reader never panics, always terminates (it
//! yields at most a bounded number of results per byte and nothing after `finish` and the
//! last drain), counts every byte it was fed, and yields the same results (items and errors,
//! with their positions) whatever the chunking. What it read, written back in the same
//! format, reads again to as many items, and writing those gives the same bytes
//! (parse -> emit -> parse is stable).

#![allow(dead_code, unreachable_pub)]

use picket_receive::{AnyReader, Format, FormatWriter, ReadError, Reader, ReaderConfig, Received};

/// SplitMix64: the chunking is drawn from a seed the fuzzer controls.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// One result, comparable even when a time is NaN (compared through `Debug`).
pub type Outcome = Result<Received, ReadError>;

/// Feeds `chunks` (finishing after the last) and drains after each one. Panics if the
/// reader yields more than a bound proportional to its input (no progress), yields anything
/// after the final drain, or miscounts the bytes fed.
pub fn drive(format: Format, chunks: &[&[u8]]) -> Vec<Outcome> {
    let mut r = AnyReader::new(format, ReaderConfig::default());
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    let bound = 4 * total + 16;
    let mut out = Vec::new();
    let drain = |r: &mut AnyReader, out: &mut Vec<Outcome>| {
        while let Some(x) = r.next() {
            out.push(x);
            assert!(
                out.len() <= bound,
                "{format}: more than {bound} results from {total} bytes"
            );
        }
    };
    for c in chunks {
        r.feed(c);
        drain(&mut r, &mut out);
    }
    r.finish();
    drain(&mut r, &mut out);
    assert!(r.next().is_none(), "{format}: a result after the final drain");
    let stats = r.stats();
    assert_eq!(stats.bytes, total as u64, "{format}: bytes counted");
    let items = out.iter().filter(|x| x.is_ok()).count() as u64;
    assert_eq!(stats.items(), items, "{format}: items counted");
    out
}

/// `Debug` text of each result: equal results give equal text, NaN times included.
pub fn texts(results: &[Outcome]) -> Vec<String> {
    results.iter().map(|x| format!("{x:?}")).collect()
}

/// Splits `input` into chunks of 1 to `max` bytes drawn from `rng`.
pub fn random_chunks<'a>(input: &'a [u8], rng: &mut SplitMix, max: usize) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < input.len() {
        let n = 1 + rng.below(max as u64) as usize;
        let end = (i + n).min(input.len());
        out.push(&input[i..end]);
        i = end;
    }
    out
}

/// Writes the items (errors skipped) in `format`; returns the bytes and how many items the
/// writer took.
pub fn write_all(format: Format, results: &[Outcome]) -> (Vec<u8>, usize) {
    let mut w = FormatWriter::new(format);
    let mut out = w.header().as_bytes().to_vec();
    let mut written = 0;
    for item in results.iter().flatten() {
        if w.write(&mut out, item).is_ok() {
            written += 1;
        }
    }
    (out, written)
}

/// The reader properties for one format. The first byte of `data` seeds the chunking; the
/// rest is the input. Returns the number of items read.
pub fn reader(format: Format, data: &[u8]) -> usize {
    let (seed, input) = match data.split_first() {
        Some((&s, rest)) => (s, rest),
        None => (0, data),
    };
    let whole = drive(format, &[input]);
    let whole_text = texts(&whole);

    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(
        texts(&drive(format, &bytewise)),
        whole_text,
        "{format}: byte by byte"
    );

    let mut rng = SplitMix(u64::from(seed));
    let max = 1 + (seed as usize % 64);
    let chunks = random_chunks(input, &mut rng, max);
    assert_eq!(
        texts(&drive(format, &chunks)),
        whole_text,
        "{format}: chunks of 1..={max}"
    );

    // parse -> emit -> parse -> emit is stable.
    let (bytes, written) = write_all(format, &whole);
    let again = drive(format, &[&bytes]);
    let read_back = again.iter().filter(|x| x.is_ok()).count();
    // SBS writes one observation as one line per message type it has values for.
    let expected = if format == Format::Sbs {
        read_back.max(written)
    } else {
        written
    };
    assert_eq!(
        read_back,
        expected,
        "{format}: wrote {written} items, read back {read_back}: {:?} from {:?}",
        again.iter().filter(|x| x.is_err()).collect::<Vec<_>>(),
        String::from_utf8_lossy(&bytes)
    );
    let (bytes2, _) = write_all(format, &again);
    assert_eq!(
        String::from_utf8_lossy(&bytes2),
        String::from_utf8_lossy(&bytes),
        "{format}: written twice"
    );
    whole.iter().filter(|x| x.is_ok()).count()
}
