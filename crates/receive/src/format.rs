//! The formats by name, their detection from the first bytes, a reader of any format and
//! a writer of any format.

use crate::avr::{write_avr, write_hex_line, AvrReader, AvrStyle};
use crate::beast::{write_beast, BeastReader};
use crate::csv::{write_csv, CsvReader, CSV_HEADER};
use crate::error::{ReadError, ReaderStats, WriteError};
use crate::jsonl::{write_json_line, JsonlReader};
use crate::reader::{Reader, ReaderConfig};
use crate::received::Received;
use crate::sbs::{write_sbs, SbsReader};
use std::fmt;
use std::str::FromStr;

/// A wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Beast binary (`beast`).
    Beast,
    /// AVR text, `*hex;` and `@timestamp hex;` (`avr`).
    Avr,
    /// Plain hex lines (`hex`).
    Hex,
    /// CSV of `time,hex` (`csv`).
    Csv,
    /// SBS/BaseStation text (`sbs`).
    Sbs,
    /// JSON lines (`jsonl`).
    Jsonl,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [
        Format::Beast,
        Format::Avr,
        Format::Hex,
        Format::Csv,
        Format::Sbs,
        Format::Jsonl,
    ];

    /// What each item of the format must hold, for the message of a
    /// [`crate::ReadErrorKind::MissingField`] error.
    pub const fn required_fields(self) -> &'static str {
        match self {
            Format::Jsonl => {
                "each line needs \"frame\" (a Mode S frame in hex) or \"hex\" (an aircraft address, for a state)"
            }
            Format::Sbs => "each MSG line needs the aircraft address (hex) in its 5th field",
            Format::Csv => "each row needs a frame in hex (a \"hex\" or \"frame\" column), and its time column when there is one",
            Format::Beast => "each message needs its type byte, timestamp, signal level and frame",
            Format::Avr | Format::Hex => "each line needs a frame in hex",
        }
    }

    /// The format's name, as `FromStr` reads it.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Beast => "beast",
            Format::Avr => "avr",
            Format::Hex => "hex",
            Format::Csv => "csv",
            Format::Sbs => "sbs",
            Format::Jsonl => "jsonl",
        }
    }

    /// True for formats that carry frames (not observations).
    pub const fn carries_frames(self) -> bool {
        !matches!(self, Format::Sbs)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown format {:?}: expected one of beast, avr, hex, csv, sbs, jsonl",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Reads a name: `beast`, `avr`, `hex`, `csv`, `sbs`, `jsonl` (also `raw` for AVR,
    /// `basestation` for SBS, `json` and `ndjson` for JSON lines), any case.
    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "beast" => Format::Beast,
            "avr" | "raw" => Format::Avr,
            "hex" => Format::Hex,
            "csv" | "tsv" => Format::Csv,
            "sbs" | "basestation" | "sbs1" => Format::Sbs,
            "jsonl" | "json" | "ndjson" => Format::Jsonl,
            _ => return Err(UnknownFormat(s.to_string())),
        })
    }
}

/// Guesses the format from the first bytes of an input (a few hundred are plenty).
/// `None` when nothing fits.
pub fn detect(first_bytes: &[u8]) -> Option<Format> {
    let b = first_bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first_bytes);
    if b.len() >= 2 && b[0] == crate::beast::ESC && matches!(b[1], b'1'..=b'4') {
        return Some(Format::Beast);
    }
    let control = b
        .iter()
        .filter(|&&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
        .count();
    if control * 20 > b.len() {
        // Binary: Beast if a message start shows up, else nothing known.
        let beast = b
            .windows(2)
            .any(|w| w[0] == crate::beast::ESC && matches!(w[1], b'2' | b'3'));
        return beast.then_some(Format::Beast);
    }
    let line = b
        .split(|&c| c == b'\n' || c == b'\r')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty() && l[0] != b'#')?;
    match line[0] {
        b'{' | b'[' => return Some(Format::Jsonl),
        b'*' | b'@' | b'<' | b'%' | b':' => return Some(Format::Avr),
        _ => {}
    }
    const SBS: [&[u8]; 6] = [b"MSG,", b"SEL,", b"ID,", b"AIR,", b"STA,", b"CLK,"];
    if SBS.iter().any(|p| line.starts_with(p)) {
        return Some(Format::Sbs);
    }
    let bare = line.strip_suffix(b";").unwrap_or(line);
    if matches!(bare.len(), 14 | 28) && bare.iter().all(u8::is_ascii_hexdigit) {
        return Some(Format::Hex);
    }
    crate::csv::looks_like_csv(line).then_some(Format::Csv)
}

/// A reader of any format, chosen at run time.
#[derive(Debug)]
pub enum AnyReader {
    /// Beast binary.
    Beast(BeastReader),
    /// AVR and plain hex lines.
    Avr(AvrReader),
    /// CSV.
    Csv(CsvReader),
    /// SBS/BaseStation.
    Sbs(SbsReader),
    /// JSON lines.
    Jsonl(JsonlReader),
}

impl AnyReader {
    /// A reader of `format` (plain hex lines are read by the AVR reader, which takes both).
    pub fn new(format: Format, config: ReaderConfig) -> AnyReader {
        match format {
            Format::Beast => AnyReader::Beast(BeastReader::new(config)),
            Format::Avr | Format::Hex => AnyReader::Avr(AvrReader::new(config)),
            Format::Csv => AnyReader::Csv(CsvReader::new(config)),
            Format::Sbs => AnyReader::Sbs(SbsReader::new(config)),
            Format::Jsonl => AnyReader::Jsonl(JsonlReader::new(config)),
        }
    }

    /// Room for at least `min` more bytes of input, to read into straight: reading into
    /// it and then [`AnyReader::commit`] takes the same input as [`Reader::feed`] of the
    /// same bytes, without their copy.
    pub fn spare(&mut self, min: usize) -> &mut [u8] {
        match self {
            AnyReader::Beast(r) => r.spare(min),
            AnyReader::Avr(r) => r.spare(min),
            AnyReader::Csv(r) => r.spare(min),
            AnyReader::Sbs(r) => r.spare(min),
            AnyReader::Jsonl(r) => r.spare(min),
        }
    }

    /// Takes the first `n` bytes written into [`AnyReader::spare`] as input, as
    /// [`Reader::feed`] does; with `arrival_utc`, as [`Reader::feed_at`] does.
    pub fn commit(&mut self, n: usize, arrival_utc: Option<f64>) {
        match self {
            AnyReader::Beast(r) => r.commit(n, arrival_utc),
            AnyReader::Avr(r) => r.commit(n, arrival_utc),
            AnyReader::Csv(r) => r.commit(n, arrival_utc),
            AnyReader::Sbs(r) => r.commit(n, arrival_utc),
            AnyReader::Jsonl(r) => r.commit(n, arrival_utc),
        }
    }

    /// Gives `each` every item (or error) the reader has now, until it needs more input:
    /// `while let Some(x) = self.next() { each(x) }` with the format chosen once for all of
    /// them (for Beast, the reader's fast path inlined into the loop).
    #[inline]
    pub fn for_each_ready(&mut self, mut each: impl FnMut(Result<Received, ReadError>)) {
        match self {
            AnyReader::Beast(r) => {
                while let Some(x) = r.next() {
                    each(x);
                }
            }
            other => {
                while let Some(x) = other.next_text() {
                    each(x);
                }
            }
        }
    }

    /// [`Reader::next`] of the text formats (out of line: they are not the hot path).
    #[inline(never)]
    fn next_text(&mut self) -> Option<Result<Received, ReadError>> {
        match self {
            AnyReader::Beast(r) => r.next(),
            AnyReader::Avr(r) => r.next(),
            AnyReader::Csv(r) => r.next(),
            AnyReader::Sbs(r) => r.next(),
            AnyReader::Jsonl(r) => r.next(),
        }
    }

    fn inner(&mut self) -> &mut dyn Reader {
        match self {
            AnyReader::Beast(r) => r,
            AnyReader::Avr(r) => r,
            AnyReader::Csv(r) => r,
            AnyReader::Sbs(r) => r,
            AnyReader::Jsonl(r) => r,
        }
    }
}

impl Reader for AnyReader {
    fn feed(&mut self, chunk: &[u8]) {
        self.inner().feed(chunk);
    }

    fn feed_at(&mut self, chunk: &[u8], arrival_utc: f64) {
        self.inner().feed_at(chunk, arrival_utc);
    }

    fn finish(&mut self) {
        self.inner().finish();
    }

    #[inline]
    fn next(&mut self) -> Option<Result<Received, ReadError>> {
        // Matched directly (not through `inner`) so the Beast path stays inlined. (Testing
        // Beast first and the rest out of line made `picket track` 6 instructions a frame
        // dearer: its item was copied once more on the way out.)
        match self {
            AnyReader::Beast(r) => r.next(),
            AnyReader::Avr(r) => r.next(),
            AnyReader::Csv(r) => r.next(),
            AnyReader::Sbs(r) => r.next(),
            AnyReader::Jsonl(r) => r.next(),
        }
    }

    fn stats(&self) -> &ReaderStats {
        match self {
            AnyReader::Beast(r) => r.stats(),
            AnyReader::Avr(r) => r.stats(),
            AnyReader::Csv(r) => r.stats(),
            AnyReader::Sbs(r) => r.stats(),
            AnyReader::Jsonl(r) => r.stats(),
        }
    }
}

/// A writer of any format, appending bytes to a `Vec<u8>`.
#[derive(Debug)]
pub struct FormatWriter {
    format: Format,
    avr: AvrStyle,
    text: String,
}

impl FormatWriter {
    /// A writer of `format` (AVR lines in the plain style; see [`FormatWriter::avr_style`]).
    pub fn new(format: Format) -> FormatWriter {
        FormatWriter {
            format,
            avr: AvrStyle::Plain,
            text: String::new(),
        }
    }

    /// The same writer with another AVR style.
    pub fn avr_style(self, avr: AvrStyle) -> FormatWriter {
        FormatWriter { avr, ..self }
    }

    /// The format written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// What goes before the first item: the CSV header, nothing for the other formats.
    pub fn header(&self) -> &'static str {
        match self.format {
            Format::Csv => CSV_HEADER,
            _ => "",
        }
    }

    /// Appends one item; an item the format cannot carry is an error and nothing is written.
    pub fn write(&mut self, out: &mut Vec<u8>, item: &Received) -> Result<(), WriteError> {
        self.text.clear();
        match self.format {
            Format::Beast => return write_beast(out, item),
            Format::Avr => write_avr(&mut self.text, item, self.avr)?,
            Format::Hex => write_hex_line(&mut self.text, item)?,
            Format::Csv => write_csv(&mut self.text, item)?,
            Format::Sbs => write_sbs(&mut self.text, item)?,
            Format::Jsonl => write_json_line(&mut self.text, item)?,
        }
        out.extend_from_slice(self.text.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string().to_uppercase().parse::<Format>(), Ok(f));
        }
        assert_eq!("basestation".parse::<Format>(), Ok(Format::Sbs));
        assert!("xml".parse::<Format>().unwrap_err().to_string().contains("xml"));
    }

    #[test]
    fn detects_each_format_from_its_first_bytes() {
        let cases: [(&[u8], Option<Format>); 14] = [
            (b"\x1a\x32\x00\x00\x15\xa8\x87\x7e\x0d\x20", Some(Format::Beast)),
            (
                b"\x00\x15\x1a\x1a\x07\x1a\x33\x00\x00\x15\xa8\x87\x7e\x0d\x20",
                Some(Format::Beast),
            ),
            (b"*8D406B902015A678D4D220AA4BDA;\n", Some(Format::Avr)),
            (b"@03BA2A7C1DD15D4CA7F9A0B84B;\n", Some(Format::Avr)),
            (
                b"8d406b902015a678d4d220aa4bda\n5d4ca7f9a0b84b\n",
                Some(Format::Hex),
            ),
            (
                b"\xEF\xBB\xBF1495353600,4D010D,A00015B7C26E1370AA00005DD34A\r\n",
                Some(Format::Csv),
            ),
            (
                b"1698140962.119813,1a32000023b1dda011210000bd6b441a\n",
                Some(Format::Csv),
            ),
            (
                b"2015-03-03T16:12:24.846557    5D4840D6F87407\n",
                Some(Format::Csv),
            ),
            (b"time,hex\n", Some(Format::Csv)),
            (b"MSG,3,1,1,4CA2D6,1,2015/03/03,12:34:57.000,", Some(Format::Sbs)),
            (
                b"{\"timestamp\":1720248189.525094,\"frame\":\"8f39",
                Some(Format::Jsonl),
            ),
            (b"\n\n{\n  \"now\": 1700513836.875,", Some(Format::Jsonl)),
            (b"hello world\n", None),
            (b"\x00\x01\x02\x03\x04\x05", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(detect(bytes), want, "{:?}", String::from_utf8_lossy(bytes));
        }
    }
}
