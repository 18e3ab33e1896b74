//! CSV of `time,hex`: the reader and the writers.
//!
//! The reader takes commas, tabs or runs of spaces as separators, a header or none, and
//! finds its columns:
//! - with a header, by name: `ts`/`timestamp`/`time`/`unix_ts`/`datetime` for the time and
//!   `hex`/`frame`/`msg`/`rawmsg`/`raw`/`message` for the frame;
//! - without, from the first line: the frame is the first field of 14 or 28 hex digits
//!   (or a whole Beast message in hex), the time the first other field that reads as one.
//!
//! Times are Unix seconds with fraction or ISO 8601 (UTC unless an offset is given; with
//! space separators a date and a time of day in two fields are joined). Fields may be
//! quoted; a UTF-8 byte order mark is skipped. A frame field may hold a whole Beast message
//! (`1a33<6-byte timestamp><signal><payload>`, as rs1090's long_flight.csv stores them,
//! unescaped): its payload, clock and signal are taken.

use crate::beast::{parse_message, rssi_of_signal_byte, TYPE_LONG, TYPE_MODE_AC, TYPE_SHORT};
use crate::error::{ReadErrorKind, WriteError};
use crate::hex::{decode, payload_of, push_lower, what_from_hex};
use crate::reader::{line_reader, LineCore, LineCtx, LineParser, Parsed, ReaderConfig};
use crate::received::{Received, What};
use crate::time::{date_and_time, parse_date, parse_time, parse_time_of_day};

/// The header line [`write_csv`] output goes under.
pub const CSV_HEADER: &str = "time,hex\n";

/// Incremental reader of `time,hex` CSV.
#[derive(Debug)]
pub struct CsvReader {
    core: LineCore,
    parser: CsvParser,
}

impl CsvReader {
    /// A reader with the given time base (for files without a time column), clock kind
    /// (for Beast messages in the frame column) and receiver id.
    pub fn new(config: ReaderConfig) -> CsvReader {
        CsvReader {
            core: LineCore::new(&config),
            parser: CsvParser { layout: None },
        }
    }
}

line_reader!(CsvReader);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Comma,
    Tab,
    Spaces,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    sep: Sep,
    time: Option<usize>,
    /// The time is a date in field `time` and a time of day in the next one.
    split_time: bool,
    hex: usize,
}

#[derive(Debug)]
struct CsvParser {
    layout: Option<Layout>,
}

/// The fields of a line, unquoted and trimmed.
struct Fields<'a> {
    rest: Option<&'a [u8]>,
    sep: Sep,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        let (field, tail) = match self.sep {
            Sep::Comma | Sep::Tab => {
                let c = if self.sep == Sep::Comma { b',' } else { b'\t' };
                match memchr::memchr(c, rest) {
                    Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                    None => (rest, None),
                }
            }
            Sep::Spaces => {
                let r = rest.trim_ascii_start();
                if r.is_empty() {
                    self.rest = None;
                    return None;
                }
                match r.iter().position(u8::is_ascii_whitespace) {
                    Some(i) => (&r[..i], Some(&r[i..])),
                    None => (r, None),
                }
            }
        };
        self.rest = tail;
        Some(unquote(field))
    }
}

fn fields(line: &[u8], sep: Sep) -> Fields<'_> {
    Fields {
        rest: Some(line),
        sep,
    }
}

fn unquote(f: &[u8]) -> &[u8] {
    let f = f.trim_ascii();
    match f {
        [b'"', inner @ .., b'"'] | [b'\'', inner @ .., b'\''] => inner.trim_ascii(),
        _ => f,
    }
}

const TIME_NAMES: [&str; 5] = ["ts", "timestamp", "time", "unix_ts", "datetime"];
const HEX_NAMES: [&str; 6] = ["hex", "frame", "msg", "rawmsg", "raw", "message"];

fn is_name(field: &[u8], names: &[&str]) -> bool {
    names.iter().any(|n| field.eq_ignore_ascii_case(n.as_bytes()))
}

/// Strips AVR decoration around hex: a leading `*` and a trailing `;`.
fn bare_hex(f: &[u8]) -> &[u8] {
    let f = f.strip_prefix(b"*").unwrap_or(f);
    f.strip_suffix(b";").unwrap_or(f)
}

/// True for hex that is a whole Beast message: `1a` then a frame type byte.
fn is_beast_hex(f: &[u8]) -> bool {
    f.len() >= 22 && f[..2].eq_ignore_ascii_case(b"1a") && matches!(&f[2..4], b"31" | b"32" | b"33")
}

/// How well a field looks like a frame: 2 a frame or Beast message, 1 a Mode A/C reply.
fn frame_score(f: &[u8]) -> u8 {
    let f = bare_hex(f);
    if !f.iter().all(u8::is_ascii_hexdigit) {
        return 0;
    }
    match f.len() {
        14 | 28 => 2,
        _ if is_beast_hex(f) => 2,
        4 => 1,
        _ => 0,
    }
}

impl CsvParser {
    /// Finds the columns from the first line: a header, or data to infer them from.
    /// Returns the layout and whether the line was a header.
    fn infer(line: &[u8]) -> Option<(Layout, bool)> {
        let sep = if line.contains(&b'\t') {
            Sep::Tab
        } else if line.contains(&b',') {
            Sep::Comma
        } else {
            Sep::Spaces
        };
        let hex_named = fields(line, sep).position(|f| is_name(f, &HEX_NAMES));
        if let Some(hex) = hex_named {
            let time = fields(line, sep).position(|f| is_name(f, &TIME_NAMES));
            return Some((
                Layout {
                    sep,
                    time,
                    split_time: false,
                    hex,
                },
                true,
            ));
        }
        let best = fields(line, sep)
            .map(frame_score)
            .enumerate()
            .max_by_key(|&(i, s)| (s, usize::MAX - i))?;
        if best.1 == 0 {
            return None;
        }
        let hex = best.0;
        let all: Vec<&[u8]> = fields(line, sep).collect();
        let mut layout = Layout {
            sep,
            time: None,
            split_time: false,
            hex,
        };
        for (i, f) in all.iter().enumerate() {
            if i == hex {
                continue;
            }
            if sep == Sep::Spaces && i + 1 != hex && parse_date(f).is_some() {
                if let Some(next) = all.get(i + 1) {
                    if parse_time_of_day(next.strip_suffix(b"Z").unwrap_or(next)).is_some() {
                        layout.time = Some(i);
                        layout.split_time = true;
                        break;
                    }
                }
            }
            if std::str::from_utf8(f).ok().and_then(parse_time).is_some() {
                layout.time = Some(i);
                break;
            }
        }
        Some((layout, false))
    }

    fn time_of(layout: &Layout, line: &[u8]) -> Option<Result<f64, ReadErrorKind>> {
        let col = layout.time?;
        let mut fs = fields(line, layout.sep).skip(col);
        let Some(f) = fs.next() else {
            return Some(Err(ReadErrorKind::MissingField));
        };
        let t = if layout.split_time {
            let tod = fs.next().unwrap_or(b"");
            let tod = tod.strip_suffix(b"Z").unwrap_or(tod);
            date_and_time(f, tod)
        } else {
            std::str::from_utf8(f).ok().and_then(parse_time)
        };
        Some(t.ok_or(ReadErrorKind::BadTime))
    }
}

impl LineParser for CsvParser {
    fn parse(&mut self, line: &[u8], ctx: &mut LineCtx<'_>) -> Parsed {
        let line = line.trim_ascii();
        if line.is_empty() || line[0] == b'#' {
            return Parsed::Blank;
        }
        let layout = match self.layout {
            Some(l) => l,
            None => match Self::infer(line) {
                Some((l, header)) => {
                    self.layout = Some(l);
                    if header {
                        return Parsed::Other;
                    }
                    l
                }
                None => return Parsed::Error(ReadErrorKind::MissingField),
            },
        };
        let Some(field) = fields(line, layout.sep).nth(layout.hex) else {
            return Parsed::Error(ReadErrorKind::MissingField);
        };
        if is_name(field, &HEX_NAMES) {
            // The header again (files joined end to end).
            return Parsed::Other;
        }
        let hex = bare_hex(field);
        let (what, raw, signal) = if is_beast_hex(hex) {
            // Up to 2 + 2 * 21 bytes when every byte after the type is escaped.
            let mut bytes = [0u8; 44];
            let n = match decode(hex, &mut bytes) {
                Ok(n) => n,
                Err(kind) => return Parsed::Error(kind),
            };
            match parse_message(&bytes[..n]) {
                Ok(m) => (m.what, m.timestamp, rssi_of_signal_byte(m.signal)),
                Err(kind) => return Parsed::Error(kind),
            }
        } else {
            match what_from_hex(hex) {
                Ok(w) => (w, 0, None),
                Err(kind) => return Parsed::Error(kind),
            }
        };
        if what == What::ModeAc([0, 0]) {
            return Parsed::Other;
        }
        let time_utc = match Self::time_of(&layout, line) {
            Some(Ok(t)) => ctx.stamper.absolute(t),
            Some(Err(kind)) => return Parsed::Error(kind),
            None if raw != 0 => ctx.stamper.counter(raw, ctx.arrival),
            None => ctx.stamper.fallback(ctx.arrival),
        };
        Parsed::Item(Received {
            time_utc,
            clock: ctx.stamper.timeline.clock(raw),
            signal,
            receiver: ctx.receiver,
            what,
        })
    }
}

/// True when a line reads as a CSV header or a CSV row with a frame field.
pub(crate) fn looks_like_csv(line: &[u8]) -> bool {
    CsvParser::infer(line).is_some()
}

/// Appends one `time,hex` line: the time in Unix seconds, printed shortest (it reads back
/// exactly), and the frame in lower-case hex.
pub fn write_csv(out: &mut String, item: &Received) -> Result<(), WriteError> {
    let payload = payload_of(&item.what).ok_or(WriteError::NotAFrame)?;
    crate::json::JsonNumber::write_to(item.time_utc, out);
    out.push(',');
    push_lower(out, payload);
    out.push('\n');
    Ok(())
}

/// Appends one `time,<Beast message in hex>` line (unescaped, as rs1090's long_flight.csv),
/// keeping the item's clock and signal level.
pub fn write_csv_beast(out: &mut String, item: &Received) -> Result<(), WriteError> {
    let payload = payload_of(&item.what).ok_or(WriteError::NotAFrame)?;
    let type_byte = match payload.len() {
        2 => TYPE_MODE_AC,
        7 => TYPE_SHORT,
        _ => TYPE_LONG,
    };
    // Stored unescaped, as in long_flight.csv.
    let mut bytes = [0u8; 23];
    bytes[0] = crate::beast::ESC;
    bytes[1] = type_byte;
    bytes[2..8].copy_from_slice(&item.clock.to_beast().to_be_bytes()[2..]);
    bytes[8] = crate::beast::signal_byte(item.signal);
    let n = 9 + payload.len();
    bytes[9..n].copy_from_slice(payload);
    crate::json::JsonNumber::write_to(item.time_utc, out);
    out.push(',');
    push_lower(out, &bytes[..n]);
    out.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::Reader;
    use crate::received::Clock;
    use crate::testutil::{read_all, Got};
    use picket_modes::Frame;

    fn read(text: &[u8]) -> (Vec<Got>, CsvReader) {
        let mut r = CsvReader::new(ReaderConfig::starting(1000.0));
        let v = read_all(&mut r, text);
        (v, r)
    }

    fn frame(hex: &str) -> What {
        What::ModeS(Frame::from_hex(hex).unwrap())
    }

    #[test]
    fn reads_headerless_files_as_pymodes_stores_them() {
        // First rows of pyModeS's sample_data_adsb.csv (ts,hex,icao,tc, no header).
        let (items, _) = read(b"1457996400,\"8D406B909945DE10000405999BE4\",\"406B90\",19\n");
        let r = items[0].as_ref().unwrap();
        assert_eq!(
            (r.time_utc, &r.what),
            (1457996400.0, &frame("8D406B909945DE10000405999BE4"))
        );
        // sample_data_commb_df20.csv: BOM, ts,icao,hex, CR LF.
        let (items, _) = read(b"\xEF\xBB\xBF1495353600,4D010D,A00015B7C26E1370AA00005DD34A\r\n");
        let r = items[0].as_ref().unwrap();
        assert_eq!(
            (r.time_utc, &r.what),
            (1495353600.0, &frame("A00015B7C26E1370AA00005DD34A"))
        );
        // data.txt: ISO time and hex separated by spaces.
        let (items, _) = read(b"2015-03-03T16:12:24.846557    5D4840D6F87407\n");
        let r = items[0].as_ref().unwrap();
        assert!((r.time_utc - 1425399144.846557).abs() < 1e-6);
        assert_eq!(r.what, frame("5D4840D6F87407"));
    }

    #[test]
    fn reads_beast_messages_in_hex() {
        // The first row of rs1090's long_flight.csv: the payload holds an unescaped 0x1a.
        let (items, r) = read(b"1698140962.119813,1a32000023b1dda011210000bd6b441a\n");
        let item = items[0].as_ref().unwrap();
        assert_eq!(item.time_utc, 1698140962.119813);
        assert_eq!(item.what, frame("210000bd6b441a"));
        assert_eq!(item.clock, Clock::Ticks12Mhz(0x23b1dda0));
        assert_eq!(item.signal, rssi_of_signal_byte(0x11));
        assert_eq!(r.stats().frames, 1);
        let mut s = String::new();
        write_csv_beast(&mut s, item).unwrap();
        assert_eq!(s, "1698140962.119813,1a32000023b1dda011210000bd6b441a\n");
    }

    #[test]
    fn finds_columns_by_header_in_any_separator() {
        let text = b"hex\tts\n8D406B902015A678D4D220AA4BDA\t2015-03-03 12:34:56.789\n\
                     *8D406B902015A678D4D220AA4BDA;\t2015-03-03T12:34:56Z\n";
        let (items, r) = read(text);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_ref().unwrap().time_utc, 1425386096.789);
        assert_eq!(items[1].as_ref().unwrap().time_utc, 1425386096.0);
        assert_eq!(r.stats().other, 1);
        let (items, r) = read(b"frame\n5D4840D6F87407\nframe\n5D4840D6F87407\n");
        assert_eq!((items.len(), r.stats().other), (2, 2));
        assert_eq!(items[0].as_ref().unwrap().time_utc, 1000.0);
        let (items, _) = read(b"2015-03-03 12:34:56.789 5D4840D6F87407\n");
        assert_eq!(items[0].as_ref().unwrap().time_utc, 1425386096.789);
    }

    #[test]
    fn bad_rows_are_errors_and_reading_goes_on() {
        let text = b"time,hex\nnot-a-time,5D4840D6F87407\n1,5D4840D6F8740\n2,5D4840D6F8740Z\n3\n\
                     4,8D4840D6F87407\n5,5D4840D6F87407\n";
        let (items, r) = read(text);
        let errs: Vec<_> = items.iter().filter_map(|x| x.as_ref().err().copied()).collect();
        assert_eq!(
            errs,
            vec![
                (2, ReadErrorKind::BadTime),
                (3, ReadErrorKind::BadLength),
                (4, ReadErrorKind::BadHex),
                (5, ReadErrorKind::MissingField),
                (6, ReadErrorKind::BadFrame),
            ]
        );
        assert_eq!(r.stats().frames, 1);
        let (items, _) = read(b"nothing to see\n5D4840D6F87407\n");
        assert_eq!(items[0], Err((1, ReadErrorKind::MissingField)));
        assert!(items[1].is_ok());
    }

    #[test]
    fn writes_time_and_hex() {
        let item = Received {
            time_utc: 1425386096.789,
            clock: Clock::None,
            signal: None,
            receiver: 0,
            what: frame("5D4840D6F87407"),
        };
        let mut s = String::from(CSV_HEADER);
        write_csv(&mut s, &item).unwrap();
        assert_eq!(s, "time,hex\n1425386096.789,5d4840d6f87407\n");
    }
}
