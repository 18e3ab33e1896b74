//! SBS/BaseStation text (port 30003): the reader (lines to observations) and the writer.
//!
//! A line is 22 comma-separated fields: message type (`MSG`, or `SEL`, `ID`, `AIR`, `STA`,
//! `CLK`, which are counted and skipped), transmission type 1–8, session, aircraft and
//! flight ids, the hex address, the date and time generated and logged, then callsign,
//! altitude (ft), ground speed (kt), track (deg), latitude, longitude, vertical rate
//! (ft/min), squawk, and the flags alert, emergency, SPI and on-ground (`-1` or `1` true,
//! `0` false, empty unknown). The dates and times are taken as UTC (`2015/03/03`,
//! `12:34:56.789`). Any field may be empty; the reader takes every field that is present,
//! whatever the transmission type.

use crate::error::{ReadErrorKind, WriteError};
use crate::hex::push_upper_u64;
use crate::observation::{
    parse_hex_address, parse_squawk, squawk_digits, Emergency, Observation, ObservationSource,
};
use crate::reader::{line_reader, LineCore, LineCtx, LineParser, Parsed, ReaderConfig};
use crate::received::{Clock, Received, What};
use crate::time::{date_and_time as parse_date_time, UtcParts};
use std::fmt::Write;

/// Incremental reader of SBS/BaseStation lines.
#[derive(Debug)]
pub struct SbsReader {
    core: LineCore,
    parser: SbsParser,
}

impl SbsReader {
    /// A reader with the given time base (for lines without a date) and receiver id.
    pub fn new(config: ReaderConfig) -> SbsReader {
        SbsReader {
            core: LineCore::new(&config),
            parser: SbsParser,
        }
    }
}

line_reader!(SbsReader);

#[derive(Debug)]
struct SbsParser;

/// Field indices (0-based).
mod field {
    pub(super) const TYPE: usize = 0;
    pub(super) const HEX: usize = 4;
    pub(super) const DATE_GEN: usize = 6;
    pub(super) const TIME_GEN: usize = 7;
    pub(super) const DATE_LOG: usize = 8;
    pub(super) const TIME_LOG: usize = 9;
    pub(super) const CALLSIGN: usize = 10;
    pub(super) const ALTITUDE: usize = 11;
    pub(super) const GS: usize = 12;
    pub(super) const TRACK: usize = 13;
    pub(super) const LAT: usize = 14;
    pub(super) const LON: usize = 15;
    pub(super) const VRATE: usize = 16;
    pub(super) const SQUAWK: usize = 17;
    pub(super) const ALERT: usize = 18;
    pub(super) const EMERGENCY: usize = 19;
    pub(super) const SPI: usize = 20;
    pub(super) const GROUND: usize = 21;
    pub(super) const COUNT: usize = 22;
}

fn flag(f: &str) -> Result<Option<bool>, ()> {
    match f {
        "" => Ok(None),
        "-1" | "1" => Ok(Some(true)),
        "0" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// Reads a date and time field pair as UTC.
fn date_time(date: &str, time: &str) -> Option<f64> {
    parse_date_time(date.as_bytes(), time.as_bytes())
}

/// Reads an optional field; a value that does not read is counted and left out.
fn opt<T: std::str::FromStr>(f: &str, ignored: &mut u64) -> Option<T> {
    if f.is_empty() {
        return None;
    }
    let v = f.parse().ok();
    if v.is_none() {
        *ignored += 1;
    }
    v
}

/// Reads an optional float field, leaving out values that are not finite.
fn opt_float<T: std::str::FromStr + Into<f64> + Copy>(f: &str, ignored: &mut u64) -> Option<T> {
    let v: Option<T> = opt(f, ignored);
    match v {
        Some(x) if !x.into().is_finite() => {
            *ignored += 1;
            None
        }
        v => v,
    }
}

impl LineParser for SbsParser {
    fn parse(&mut self, line: &[u8], ctx: &mut LineCtx<'_>) -> Parsed {
        let line = line.trim_ascii();
        if line.is_empty() {
            return Parsed::Blank;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            return Parsed::Error(ReadErrorKind::Garbage);
        };
        let mut f = [""; field::COUNT];
        let mut n = 0;
        for (slot, v) in f.iter_mut().zip(text.split(',')) {
            *slot = v.trim();
            n += 1;
        }
        match f[field::TYPE] {
            "MSG" => {}
            "SEL" | "ID" | "AIR" | "STA" | "CLK" => return Parsed::Other,
            _ => return Parsed::Error(ReadErrorKind::Garbage),
        }
        if n <= field::HEX || f[field::HEX].is_empty() {
            return Parsed::Error(ReadErrorKind::MissingField);
        }
        let Some((hex, non_icao)) = parse_hex_address(f[field::HEX]) else {
            return Parsed::Error(ReadErrorKind::BadField);
        };
        let generated = date_time(f[field::DATE_GEN], f[field::TIME_GEN]);
        let logged = date_time(f[field::DATE_LOG], f[field::TIME_LOG]);
        let has_date = [field::DATE_GEN, field::TIME_GEN, field::DATE_LOG, field::TIME_LOG]
            .iter()
            .any(|&i| !f[i].is_empty());
        let time_utc = match generated.or(logged) {
            Some(t) => ctx.stamper.absolute(t),
            None if has_date => return Parsed::Error(ReadErrorKind::BadTime),
            None => ctx.stamper.fallback(ctx.arrival),
        };
        let ign = &mut ctx.stats.fields_ignored;
        let mut o = Observation::new(hex, ObservationSource::Sbs);
        o.non_icao = non_icao;
        let callsign = f[field::CALLSIGN].trim();
        // Control characters are dropped, as write_sbs drops them (found by fuzzing).
        o.flight = Some(callsign.replace(char::is_control, "").trim().to_string()).filter(|c| !c.is_empty());
        o.alt_baro = opt(f[field::ALTITUDE], ign);
        o.gs = opt_float(f[field::GS], ign);
        o.track = opt_float(f[field::TRACK], ign);
        o.lat = opt_float(f[field::LAT], ign);
        o.lon = opt_float(f[field::LON], ign);
        o.baro_rate = opt(f[field::VRATE], ign);
        *ign += u64::from(o.drop_implausible());
        o.squawk = match f[field::SQUAWK] {
            "" => None,
            s => {
                let v = parse_squawk(s);
                if v.is_none() {
                    *ign += 1;
                }
                v
            }
        };
        let mut flags = [None; 4];
        for (slot, i) in flags
            .iter_mut()
            .zip([field::ALERT, field::EMERGENCY, field::SPI, field::GROUND])
        {
            *slot = flag(f[i]).unwrap_or_else(|()| {
                *ign += 1;
                None
            });
        }
        let [alert, emergency, spi, ground] = flags;
        o.alert = alert;
        o.spi = spi;
        o.on_ground = ground;
        // SBS has only a flag: name the emergency from the squawk when it says which.
        o.emergency = emergency.map(|e| match (e, o.squawk.and_then(Emergency::from_squawk)) {
            (false, _) => Emergency::None,
            (true, Some(named)) => named,
            (true, None) => Emergency::General,
        });
        Parsed::Item(Received {
            time_utc,
            clock: Clock::None,
            signal: None,
            receiver: ctx.receiver,
            what: What::Observation(Box::new(o)),
        })
    }
}

fn push_flag(out: &mut String, v: Option<bool>) {
    out.push(',');
    match v {
        Some(true) => out.push_str("-1"),
        Some(false) => out.push('0'),
        None => {}
    }
}

fn push_opt<T: std::fmt::Display>(out: &mut String, v: Option<T>) {
    out.push(',');
    if let Some(v) = v {
        let _ = write!(out, "{v}");
    }
}

/// The fields one SBS line carries.
#[derive(Clone, Copy, Default)]
struct Line {
    callsign: bool,
    alt: bool,
    gs_track: bool,
    position: bool,
    vrate: bool,
    squawk: bool,
    alert_spi: bool,
    emergency: bool,
}

/// Appends one observation as SBS lines (CR LF ended, as dump1090 writes them): as few
/// lines as carry its values, each of the transmission type that carries them: 1
/// identification, 2 surface position, 3 airborne position, 4 velocity, 6 squawk, 5
/// altitude, 8 on-ground only. SBS has one vertical rate (the barometric one, else the
/// geometric) and an emergency flag only.
pub fn write_sbs(out: &mut String, item: &Received) -> Result<(), WriteError> {
    let o = item.what.observation().ok_or(WriteError::NotAnObservation)?;
    let p = UtcParts::from_unix(item.time_utc);
    let mut stamp = String::with_capacity(24);
    let _ = write!(
        stamp,
        "{:04}/{:02}/{:02},{:02}:{:02}:{:02}.{:03}",
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.millis
    );
    let vrate = o.baro_rate.or(o.geom_rate);
    let has_position = o.lat.is_some() && o.lon.is_some();
    let surface = has_position && o.on_ground == Some(true);
    let mut lines: Vec<(u8, Line)> = Vec::with_capacity(4);
    if o.flight.is_some() {
        lines.push((
            1,
            Line {
                callsign: true,
                ..Line::default()
            },
        ));
    }
    let mut alt_done = false;
    let mut gs_done = false;
    let mut flags_done = false;
    let mut emergency_done = false;
    if has_position {
        if surface {
            lines.push((
                2,
                Line {
                    alt: true,
                    gs_track: true,
                    position: true,
                    ..Line::default()
                },
            ));
            gs_done = true;
        } else {
            lines.push((
                3,
                Line {
                    alt: true,
                    position: true,
                    alert_spi: true,
                    emergency: true,
                    ..Line::default()
                },
            ));
            flags_done = true;
            emergency_done = true;
        }
        alt_done = true;
    }
    if (!gs_done && (o.gs.is_some() || o.track.is_some())) || vrate.is_some() {
        lines.push((
            4,
            Line {
                gs_track: !gs_done,
                vrate: true,
                ..Line::default()
            },
        ));
    }
    if o.squawk.is_some() || (o.emergency.is_some() && !emergency_done) {
        lines.push((
            6,
            Line {
                alt: true,
                squawk: true,
                alert_spi: true,
                emergency: true,
                ..Line::default()
            },
        ));
        alt_done = true;
        flags_done = true;
    }
    if (!alt_done && o.alt_baro.is_some()) || (!flags_done && (o.alert.is_some() || o.spi.is_some())) {
        lines.push((
            5,
            Line {
                alt: true,
                alert_spi: true,
                ..Line::default()
            },
        ));
    }
    if lines.is_empty() {
        lines.push((8, Line::default()));
    }
    for (kind, l) in lines {
        let _ = write!(out, "MSG,{kind},1,1,");
        if o.non_icao {
            out.push('~');
        }
        push_upper_u64(out, u64::from(o.hex.0 & 0xFF_FFFF), 6);
        out.push_str(",1,");
        out.push_str(&stamp);
        out.push(',');
        out.push_str(&stamp);
        out.push(',');
        if l.callsign {
            if let Some(c) = &o.flight {
                // Commas would break the line.
                out.extend(c.chars().filter(|&ch| ch != ',' && !ch.is_control()));
            }
        }
        push_opt(out, o.alt_baro.filter(|_| l.alt));
        push_opt(out, o.gs.filter(|_| l.gs_track));
        push_opt(out, o.track.filter(|_| l.gs_track));
        push_opt(out, o.lat.filter(|_| l.position));
        push_opt(out, o.lon.filter(|_| l.position));
        push_opt(out, vrate.filter(|_| l.vrate));
        out.push(',');
        if let Some(s) = o.squawk.filter(|_| l.squawk) {
            out.extend(squawk_digits(s).iter().map(|&b| b as char));
        }
        push_flag(out, o.alert.filter(|_| l.alert_spi));
        push_flag(
            out,
            o.emergency.filter(|_| l.emergency).map(|e| e != Emergency::None),
        );
        push_flag(out, o.spi.filter(|_| l.alert_spi));
        push_flag(out, o.on_ground);
        out.push_str("\r\n");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::Reader;
    use crate::testutil::{read_all, Got};
    use picket_modes::Icao;

    fn read(text: &str) -> (Vec<Got>, SbsReader) {
        let mut r = SbsReader::new(ReaderConfig::starting(1000.0));
        let v = read_all(&mut r, text.as_bytes());
        (v, r)
    }

    fn obs(r: &Got) -> &Observation {
        r.as_ref().unwrap().what.observation().unwrap()
    }

    #[test]
    fn reads_each_transmission_type() {
        // Lines in the shape dump1090 writes (values made up).
        let text = "MSG,1,1,1,4CA2D6,1,2015/03/03,12:34:56.789,2015/03/03,12:34:56.790,RYR1AB  ,,,,,,,,,,,0\r\n\
                    MSG,3,1,1,4CA2D6,1,2015/03/03,12:34:57.000,2015/03/03,12:34:57.000,,36000,,,52.12345,-1.5,,,0,0,0,0\r\n\
                    MSG,4,1,1,4CA2D6,1,2015/03/03,12:34:58.000,2015/03/03,12:34:58.000,,,451.5,87.3,,,-640,,,,,\r\n\
                    MSG,6,1,1,4CA2D6,1,2015/03/03,12:34:59.000,2015/03/03,12:34:59.000,,36000,,,,,,7500,0,-1,0,0\r\n\
                    STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM\r\n\
                    MSG,8,1,1,~0E86C5,1,,,,,,,,,,,,,,,,-1\r\n";
        let (items, r) = read(text);
        assert_eq!(items.len(), 5);
        let a = obs(&items[0]);
        assert_eq!(a.hex, Icao(0x4ca2d6));
        assert_eq!(a.source, ObservationSource::Sbs);
        assert_eq!(a.flight.as_deref(), Some("RYR1AB"));
        assert_eq!(a.on_ground, Some(false));
        assert_eq!(items[0].as_ref().unwrap().time_utc, 1425386096.789);
        let b = obs(&items[1]);
        assert_eq!(
            (b.alt_baro, b.lat, b.lon),
            (Some(36000), Some(52.12345), Some(-1.5))
        );
        assert_eq!(
            (b.alert, b.emergency, b.spi),
            (Some(false), Some(Emergency::None), Some(false))
        );
        let c = obs(&items[2]);
        assert_eq!(
            (c.gs, c.track, c.baro_rate),
            (Some(451.5), Some(87.3), Some(-640))
        );
        assert_eq!(c.alt_baro, None);
        let d = obs(&items[3]);
        assert_eq!((d.squawk, d.emergency), (Some(0o7500), Some(Emergency::Unlawful)));
        let e = obs(&items[4]);
        assert!(e.non_icao);
        assert_eq!(e.on_ground, Some(true));
        // No date: the time of the line before.
        assert_eq!(items[4].as_ref().unwrap().time_utc, 1425386099.0);
        assert_eq!(r.stats().observations, 5);
        assert_eq!(r.stats().other, 1);
    }

    #[test]
    fn bad_lines_and_bad_fields() {
        let text = "hello\nMSG,3,1,1,,1\nMSG,3,1,1,XYZ,1\nMSG,3,1,1,4CA2D6,1,2015/13/03,12:00:00.000,,\n\
                    MSG,3,1,1,4CA2D6,1,,,,,,high,,,,,,7800,,,,\n";
        let (items, r) = read(text);
        let errs: Vec<_> = items.iter().filter_map(|x| x.as_ref().err().copied()).collect();
        assert_eq!(
            errs,
            vec![
                (1, ReadErrorKind::Garbage),
                (2, ReadErrorKind::MissingField),
                (3, ReadErrorKind::BadField),
                (4, ReadErrorKind::BadTime),
            ]
        );
        assert!(obs(&items[4]).is_empty());
        assert_eq!(r.stats().fields_ignored, 2);
    }

    #[test]
    fn implausible_values_and_dates_are_refused_and_counted() {
        let text =
            "MSG,4,1,1,4CA2D6,1,2015/03/03,12:34:58.000,2015/03/03,12:34:58.000,,,-5,99999,,,-640,,,,,\n\
                    MSG,3,1,1,4CA2D6,1,2015/03/03,12:34:57.000,,,,36000,,,1000,-1.5,,,0,0,0,0\n\
                    MSG,3,1,1,4CA2D6,1,2150/03/03,12:34:57.000,,,,36000,,,52.1,-1.5,,,0,0,0,0\n";
        let (items, r) = read(text);
        let a = obs(&items[0]);
        assert_eq!((a.gs, a.track, a.baro_rate), (None, None, Some(-640)));
        let b = obs(&items[1]);
        assert_eq!((b.lat, b.lon, b.alt_baro), (None, Some(-1.5), Some(36000)));
        assert_eq!(r.stats().fields_ignored, 3);
        assert_eq!(
            items[2].as_ref().err().copied(),
            Some((3, ReadErrorKind::BadTime))
        );
    }

    #[test]
    fn writes_lines_that_read_back() {
        let mut o = Observation::new(Icao(0x4ca2d6), ObservationSource::Sbs);
        o.flight = Some("RYR1AB".into());
        o.alt_baro = Some(36000);
        o.lat = Some(52.12345);
        o.lon = Some(-1.5);
        o.gs = Some(451.5);
        o.track = Some(87.3);
        o.baro_rate = Some(-640);
        o.squawk = Some(0o7700);
        o.emergency = Some(Emergency::General);
        o.on_ground = Some(false);
        let item = Received {
            time_utc: 1425386096.789,
            clock: Clock::None,
            signal: None,
            receiver: 0,
            what: What::Observation(Box::new(o)),
        };
        let mut s = String::new();
        write_sbs(&mut s, &item).unwrap();
        assert_eq!(
            s,
            "MSG,1,1,1,4CA2D6,1,2015/03/03,12:34:56.789,2015/03/03,12:34:56.789,RYR1AB,,,,,,,,,,,0\r\n\
             MSG,3,1,1,4CA2D6,1,2015/03/03,12:34:56.789,2015/03/03,12:34:56.789,,36000,,,52.12345,-1.5,,,,-1,,0\r\n\
             MSG,4,1,1,4CA2D6,1,2015/03/03,12:34:56.789,2015/03/03,12:34:56.789,,,451.5,87.3,,,-640,,,,,0\r\n\
             MSG,6,1,1,4CA2D6,1,2015/03/03,12:34:56.789,2015/03/03,12:34:56.789,,36000,,,,,,7700,,-1,,0\r\n"
        );
        let (items, _) = read(&s);
        assert_eq!(items.len(), 4);
        assert_eq!(obs(&items[3]).emergency, Some(Emergency::General));
    }
}
