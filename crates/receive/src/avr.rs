//! AVR text frames and plain hex lines: the reader (one for both) and the writers.
//!
//! AVR lines, as dump1090 and readsb write and read them:
//! - `*<hex>;` or `:<hex>;`: a frame;
//! - `@<12 hex digits of the 12 MHz counter><hex>;` (`%` the same, CRC already checked):
//!   a frame with its MLAT timestamp;
//! - `<<12 hex digits of the counter><2 hex digits of the signal byte><hex>;`: with the
//!   signal level too (readsb).
//!
//! `<hex>` is 14 or 28 digits (4 for Mode A/C). A plain hex line is the bare digits, with
//! or without the `*` and `;`. Lines end with LF or CR LF; anything after the `;` is
//! ignored. An all-zero Mode A/C line (`*0000;`) is a heartbeat and is skipped.

use crate::beast::{rssi_of_signal_byte, signal_byte};
use crate::error::{ReadErrorKind, WriteError};
use crate::hex::{decode_u64, payload_of, push_lower, push_upper, push_upper_u64, what_from_hex};
use crate::reader::{line_reader, LineCore, LineCtx, LineParser, Parsed, ReaderConfig};
use crate::received::{Clock, Received, What};

/// Incremental reader of AVR lines and plain hex lines.
#[derive(Debug)]
pub struct AvrReader {
    core: LineCore,
    parser: AvrParser,
}

impl AvrReader {
    /// A reader with the given time base, clock kind and receiver id.
    pub fn new(config: ReaderConfig) -> AvrReader {
        AvrReader {
            core: LineCore::new(&config),
            parser: AvrParser,
        }
    }
}

line_reader!(AvrReader);

#[derive(Debug)]
struct AvrParser;

impl LineParser for AvrParser {
    fn parse(&mut self, line: &[u8], ctx: &mut LineCtx<'_>) -> Parsed {
        let t = line.trim_ascii();
        let Some(&first) = t.first() else {
            return Parsed::Blank;
        };
        let (timestamped, with_signal, body) = match first {
            b'*' | b':' => (false, false, &t[1..]),
            b'@' | b'%' => (true, false, &t[1..]),
            b'<' => (true, true, &t[1..]),
            b'#' => return Parsed::Blank,
            c if c.is_ascii_hexdigit() => (false, false, t),
            _ => return Parsed::Error(ReadErrorKind::Garbage),
        };
        let mut body = match memchr::memchr(b';', body) {
            Some(i) => &body[..i],
            None => body,
        };
        let mut raw = 0;
        if timestamped {
            if body.len() < 12 {
                return Parsed::Error(ReadErrorKind::BadLength);
            }
            let Some(ts) = decode_u64(&body[..12]) else {
                return Parsed::Error(ReadErrorKind::BadHex);
            };
            raw = ts;
            body = &body[12..];
        }
        let mut signal = None;
        if with_signal {
            if body.len() < 2 {
                return Parsed::Error(ReadErrorKind::BadLength);
            }
            let Some(s) = decode_u64(&body[..2]) else {
                return Parsed::Error(ReadErrorKind::BadHex);
            };
            signal = rssi_of_signal_byte(s as u8);
            body = &body[2..];
        }
        let what = match what_from_hex(body.trim_ascii()) {
            Ok(What::ModeAc([0, 0])) => return Parsed::Other,
            Ok(w) => w,
            Err(kind) => return Parsed::Error(kind),
        };
        Parsed::Item(Received {
            time_utc: ctx.stamper.counter(raw, ctx.arrival),
            clock: ctx.stamper.timeline.clock(raw),
            signal,
            receiver: ctx.receiver,
            what,
        })
    }
}

/// Which AVR line to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AvrStyle {
    /// `*<hex>;`
    #[default]
    Plain,
    /// `@<counter><hex>;` (`*<hex>;` when the item has no clock).
    Mlat,
    /// `<<counter><signal><hex>;` (readsb's AVR with signal level).
    MlatSignal,
}

/// Appends one AVR line (upper-case hex, as dump1090 writes it).
pub fn write_avr(out: &mut String, item: &Received, style: AvrStyle) -> Result<(), WriteError> {
    let payload = payload_of(&item.what).ok_or(WriteError::NotAFrame)?;
    let clock = item.clock.to_beast();
    match style {
        AvrStyle::Mlat if item.clock != Clock::None => {
            out.push('@');
            push_upper_u64(out, clock, 12);
        }
        AvrStyle::MlatSignal => {
            out.push('<');
            push_upper_u64(out, clock, 12);
            push_upper_u64(out, u64::from(signal_byte(item.signal)), 2);
        }
        _ => out.push('*'),
    }
    push_upper(out, payload);
    out.push_str(";\n");
    Ok(())
}

/// Appends one plain hex line: the frame in lower-case hex.
pub fn write_hex_line(out: &mut String, item: &Received) -> Result<(), WriteError> {
    let payload = payload_of(&item.what).ok_or(WriteError::NotAFrame)?;
    push_lower(out, payload);
    out.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::Reader;
    use crate::testutil::{read_all, Got};
    use picket_modes::Frame;

    fn read(text: &str) -> (Vec<Got>, AvrReader) {
        let mut r = AvrReader::new(ReaderConfig::starting(1000.0));
        let v = read_all(&mut r, text.as_bytes());
        (v, r)
    }

    #[test]
    fn reads_every_avr_variant_and_plain_hex() {
        // The '@' example is the one in readsb's source comments; the frames are pyModeS's.
        let text = "*8D406B902015A678D4D220AA4BDA;\r\n\
                    @03BA2A7C1DD15D4CA7F9A0B84B;\n\
                    <03BA2A7C1E00FF5D4CA7F9A0B84B;\n\
                    %03BA2A7C1E105D4CA7F9A0B84B;\n\
                    :5D4CA7F9A0B84B;\n\
                    8d406b902015a678d4d220aa4bda\n\
                    *8D406B902015A678D4D220AA4BDA;1234;0A;7AF3;\n\
                    *0000;\n\
                    *7700;\n\
                    \n";
        let (items, r) = read(text);
        let items: Vec<_> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(items.len(), 8);
        let ident = What::ModeS(Frame::from_hex("8D406B902015A678D4D220AA4BDA").unwrap());
        let df11 = What::ModeS(Frame::from_hex("5D4CA7F9A0B84B").unwrap());
        assert_eq!(items[0].what, ident);
        assert_eq!(items[0].clock, Clock::None);
        assert_eq!(items[0].time_utc, 1000.0);
        assert_eq!(items[1].what, df11);
        assert_eq!(items[1].clock, Clock::Ticks12Mhz(0x03BA2A7C1DD1));
        assert_eq!(items[1].time_utc, 1000.0);
        assert_eq!(items[2].clock, Clock::Ticks12Mhz(0x03BA2A7C1E00));
        assert_eq!(items[2].signal, Some(0.0));
        assert_eq!(items[2].time_utc, 1000.0 + (0x1E00 - 0x1DD1) as f64 / 12e6);
        assert_eq!(items[3].clock, Clock::Ticks12Mhz(0x03BA2A7C1E10));
        assert_eq!(items[4].what, df11);
        assert_eq!(items[5].what, ident);
        assert_eq!(items[6].what, ident);
        assert_eq!(items[7].what, What::ModeAc([0x77, 0x00]));
        assert_eq!(r.stats().frames, 7);
        assert_eq!(r.stats().mode_ac, 1);
        assert_eq!(r.stats().other, 1);
        assert_eq!(r.stats().lines, 10);
    }

    #[test]
    fn bad_lines_are_errors_with_their_line_numbers() {
        let text = "hello\n*8D406B902015A678D4D220AA4BD;\n*8D406B902015A678D4D220AA4BDG;\n\
                    @03BA2A;\n*8D406B902015A6;\n*8D406B902015A678D4D220AA4BDA;";
        let (items, r) = read(text);
        let errs: Vec<_> = items.iter().filter_map(|x| x.as_ref().err().copied()).collect();
        assert_eq!(
            errs,
            vec![
                (1, ReadErrorKind::Garbage),
                (2, ReadErrorKind::BadLength),
                (3, ReadErrorKind::BadHex),
                (4, ReadErrorKind::BadLength),
                (5, ReadErrorKind::BadFrame),
            ]
        );
        assert_eq!(r.stats().frames, 1);
        assert_eq!(r.stats().lines_dropped, 5);
    }

    #[test]
    fn writes_each_style() {
        let item = Received {
            time_utc: 0.0,
            clock: Clock::Ticks12Mhz(0x03BA2A7C1DD1),
            signal: Some(0.0),
            receiver: 0,
            what: What::ModeS(Frame::from_hex("5D4CA7F9A0B84B").unwrap()),
        };
        let mut s = String::new();
        write_avr(&mut s, &item, AvrStyle::Plain).unwrap();
        write_avr(&mut s, &item, AvrStyle::Mlat).unwrap();
        write_avr(&mut s, &item, AvrStyle::MlatSignal).unwrap();
        write_avr(
            &mut s,
            &Received {
                clock: Clock::None,
                ..item.clone()
            },
            AvrStyle::Mlat,
        )
        .unwrap();
        write_hex_line(&mut s, &item).unwrap();
        assert_eq!(
            s,
            "*5D4CA7F9A0B84B;\n@03BA2A7C1DD15D4CA7F9A0B84B;\n<03BA2A7C1DD1FF5D4CA7F9A0B84B;\n\
             *5D4CA7F9A0B84B;\n5d4ca7f9a0b84b\n"
        );
    }
}
