//! Properties of every reader and writer, on random content from a fixed seed:
//! writer -> reader round trips, parse -> emit -> parse stability, independence from how the
//! input is chunked, and progress on garbage.

mod common;

use common::{drive, random_frame_item, random_observation, Rng};
use picket_receive::avr::AvrStyle;
use picket_receive::csv::write_csv_beast;
use picket_receive::sbs::write_sbs;
use picket_receive::{
    AnyReader, ClockKind, Emergency, Format, FormatWriter, Observation, ObservationSource, ReadError, Reader,
    ReaderConfig, Received, What,
};

const START: f64 = 1_700_000_000.0;

/// Random frame items with increasing times (arbitrary fractions).
fn frame_items(rng: &mut Rng, n: usize, gps: bool) -> Vec<Received> {
    let mut t = START;
    (0..n)
        .map(|_| {
            t += rng.unit() * 2.0;
            let mut item = random_frame_item(rng, t, gps);
            item.receiver = rng.below(4) as u16;
            item
        })
        .collect()
}

fn observation_items(rng: &mut Rng, n: usize) -> Vec<Received> {
    let mut t = START;
    (0..n)
        .map(|_| {
            t += rng.unit() * 2.0;
            let o = random_observation(rng, ObservationSource::JsonState);
            Received {
                time_utc: t,
                clock: picket_receive::Clock::None,
                signal: o.rssi,
                receiver: 0,
                what: What::Observation(Box::new(o)),
            }
        })
        .collect()
}

fn emit(format: Format, avr: AvrStyle, items: &[Received]) -> Vec<u8> {
    let mut w = FormatWriter::new(format).avr_style(avr);
    let mut out = w.header().as_bytes().to_vec();
    for i in items {
        w.write(&mut out, i).unwrap();
    }
    out
}

fn parse(format: Format, config: ReaderConfig, input: &[u8]) -> Vec<Received> {
    let mut r = AnyReader::new(format, config);
    let got = drive(&mut r, &[input]);
    got.into_iter()
        .map(|x| x.unwrap_or_else(|e| panic!("{format}: {e}")))
        .collect()
}

/// (format, AVR style, what survives besides the frame: time, clock, signal).
const FRAME_FORMATS: [(Format, AvrStyle, bool, bool, bool); 6] = [
    (Format::Beast, AvrStyle::Plain, false, true, true),
    (Format::Avr, AvrStyle::Plain, false, false, false),
    (Format::Avr, AvrStyle::Mlat, false, true, false),
    (Format::Avr, AvrStyle::MlatSignal, false, true, true),
    (Format::Hex, AvrStyle::Plain, false, false, false),
    (Format::Csv, AvrStyle::Plain, true, false, false),
];

#[test]
fn frames_round_trip_through_every_frame_format() {
    let mut rng = Rng(1);
    for gps in [false, true] {
        let items = frame_items(&mut rng, 400, gps);
        let clock = if gps {
            ClockKind::GpsTimeOfDay
        } else {
            ClockKind::Ticks12Mhz
        };
        let config = ReaderConfig::starting(START).with_clock(clock);
        for (format, avr, time, clk, sig) in FRAME_FORMATS {
            let back = parse(format, config, &emit(format, avr, &items));
            assert_eq!(back.len(), items.len(), "{format} {avr:?}");
            for (b, i) in back.iter().zip(&items) {
                assert_eq!(b.what, i.what, "{format} {avr:?}");
                if time {
                    assert_eq!(b.time_utc, i.time_utc, "{format}");
                }
                if clk {
                    assert_eq!(b.clock, i.clock, "{format} {avr:?}");
                }
                if sig {
                    assert_eq!(b.signal, i.signal, "{format} {avr:?}");
                }
            }
        }
        // JSON lines carry everything.
        let back = parse(
            Format::Jsonl,
            config,
            &emit(Format::Jsonl, AvrStyle::Plain, &items),
        );
        assert_eq!(back, items);
        // CSV with whole Beast messages carries time, clock and signal.
        let mut text = String::new();
        for i in &items {
            write_csv_beast(&mut text, i).unwrap();
        }
        let back = parse(Format::Csv, config, text.as_bytes());
        for (b, i) in back.iter().zip(&items) {
            assert_eq!(
                (b.time_utc, b.clock, b.signal, &b.what),
                (i.time_utc, i.clock, i.signal, &i.what)
            );
        }
    }
}

#[test]
fn observations_round_trip_through_json_lines() {
    let mut rng = Rng(2);
    let items = observation_items(&mut rng, 500);
    let back = parse(
        Format::Jsonl,
        ReaderConfig::default(),
        &emit(Format::Jsonl, AvrStyle::Plain, &items),
    );
    assert_eq!(back, items);
}

/// The values SBS carries, as it carries them (one vertical rate; an emergency flag named
/// from the squawk).
fn sbs_view(o: &Observation) -> Observation {
    let mut v = Observation::new(o.hex, ObservationSource::Sbs);
    v.non_icao = o.non_icao;
    v.flight = o.flight.clone();
    v.alt_baro = o.alt_baro;
    v.gs = o.gs;
    v.track = o.track;
    if o.lat.is_some() && o.lon.is_some() {
        v.lat = o.lat;
        v.lon = o.lon;
    }
    v.baro_rate = o.baro_rate.or(o.geom_rate);
    v.squawk = o.squawk;
    v.emergency = o.emergency.map(|e| match e {
        Emergency::None => Emergency::None,
        _ => o
            .squawk
            .and_then(Emergency::from_squawk)
            .unwrap_or(Emergency::General),
    });
    v.alert = o.alert;
    v.spi = o.spi;
    v.on_ground = o.on_ground;
    v
}

/// Merges the observations an SBS writer split over several lines.
fn merge(parts: &[Received]) -> Observation {
    let mut m = parts[0].what.observation().unwrap().clone();
    for p in &parts[1..] {
        let o = p.what.observation().unwrap();
        macro_rules! take {
            ($($f:ident),*) => {$( if m.$f.is_none() { m.$f = o.$f.clone(); } )*};
        }
        take!(flight, alt_baro, gs, track, lat, lon, baro_rate, squawk, emergency, alert, spi, on_ground);
    }
    m
}

#[test]
fn observations_round_trip_through_sbs() {
    let mut rng = Rng(3);
    for item in observation_items(&mut rng, 500) {
        let mut text = String::new();
        write_sbs(&mut text, &item).unwrap();
        let back = parse(Format::Sbs, ReaderConfig::default(), text.as_bytes());
        assert!(!back.is_empty());
        for b in &back {
            // SBS writes milliseconds.
            assert!(
                (b.time_utc - item.time_utc).abs() < 0.000_501,
                "{} {}",
                b.time_utc,
                item.time_utc
            );
        }
        let want = sbs_view(item.what.observation().unwrap());
        assert_eq!(merge(&back), want, "{text}");
    }
}

#[test]
fn parse_emit_parse_is_stable_for_every_format() {
    let mut rng = Rng(4);
    let frames = frame_items(&mut rng, 300, false);
    let observations = observation_items(&mut rng, 300);
    let config = ReaderConfig::starting(START);
    let mut cases: Vec<(Format, AvrStyle, &[Received])> = FRAME_FORMATS
        .iter()
        .map(|&(f, a, ..)| (f, a, &frames[..]))
        .collect();
    cases.push((Format::Jsonl, AvrStyle::Plain, &frames));
    cases.push((Format::Jsonl, AvrStyle::Plain, &observations));
    cases.push((Format::Sbs, AvrStyle::Plain, &observations));
    for (format, avr, items) in cases {
        let text1 = emit(format, avr, items);
        let items1 = parse(format, config, &text1);
        let text2 = emit(format, avr, &items1);
        let items2 = parse(format, config, &text2);
        assert_eq!(items1, items2, "{format} {avr:?}");
        assert_eq!(text2, emit(format, avr, &items2), "{format} {avr:?}");
    }
}

/// Garbage of the kinds a format's input might meet: random bytes, broken records, noise
/// lines.
fn garbage(rng: &mut Rng, format: Format) -> Vec<u8> {
    let n = 1 + rng.below(24) as usize;
    match rng.below(3) {
        0 => rng.bytes(
            n,
            &[
                0x1a, b'1', b'2', b'3', b'4', 0, 0xff, b'\n', b'{', b'"', b',', b'*', b';',
            ],
        ),
        1 if format == Format::Beast => {
            // A message cut short.
            let mut b = vec![0x1a, *rng.pick(b"1234")];
            b.extend(rng.bytes(n.min(12), &[0, 1, 0x1a, 0x8d, 0x20]));
            b
        }
        1 => {
            let mut b = rng.bytes(n, b"0123456789abcdefXYZ,:;*@{}\"[] \t");
            b.push(b'\n');
            b
        }
        _ => rng.bytes(n, &(0u8..=255).collect::<Vec<_>>()),
    }
}

/// The records of an emitted input, with garbage between some of them.
fn with_garbage(rng: &mut Rng, format: Format, avr: AvrStyle, items: &[Received]) -> Vec<u8> {
    let mut w = FormatWriter::new(format).avr_style(avr);
    let mut out = w.header().as_bytes().to_vec();
    for i in items {
        if rng.chance(15) {
            out.extend(garbage(rng, format));
        }
        w.write(&mut out, i).unwrap();
    }
    out
}

fn read_all(
    format: Format,
    chunks: &[&[u8]],
) -> (Vec<Result<Received, ReadError>>, picket_receive::ReaderStats) {
    let mut r = AnyReader::new(format, ReaderConfig::starting(START));
    let got = drive(&mut r, chunks);
    (got, r.stats().clone())
}

#[test]
fn chunking_does_not_change_what_is_read() {
    let mut rng = Rng(5);
    let mut errors = [0u64; 6];
    for round in 0..6 {
        let frames = frame_items(&mut rng, 60, round % 2 == 1);
        let observations = observation_items(&mut rng, 40);
        let mut cases: Vec<(Format, AvrStyle, &[Received])> = FRAME_FORMATS
            .iter()
            .map(|&(f, a, ..)| (f, a, &frames[..]))
            .collect();
        cases.push((Format::Jsonl, AvrStyle::Plain, &frames));
        cases.push((Format::Jsonl, AvrStyle::Plain, &observations));
        cases.push((Format::Sbs, AvrStyle::Plain, &observations));
        for (format, avr, items) in cases {
            let input = with_garbage(&mut rng, format, avr, items);
            let (whole, whole_stats) = read_all(format, &[&input]);
            errors[Format::ALL.iter().position(|&f| f == format).unwrap()] += whole_stats.error_total();
            assert!(
                whole.iter().filter(|x| x.is_ok()).count() >= items.len() / 2,
                "{format}"
            );
            for max in [1, 2, 5, 64] {
                let chunks = rng.chunks(&input, max);
                let (got, stats) = read_all(format, &chunks);
                assert!(got == whole, "{format} {avr:?} in chunks of up to {max}");
                assert_eq!(stats, whole_stats, "{format} {avr:?} in chunks of up to {max}");
            }
        }
    }
    // The garbage was met (and reported) in every format.
    assert!(errors.iter().all(|&n| n > 0), "{errors:?}");
}

#[test]
fn readers_make_progress_on_garbage_and_count_it() {
    let mut rng = Rng(6);
    let alphabets: [&[u8]; 4] = [
        &(0u8..=255).collect::<Vec<_>>(),
        &[0x1a, b'1', b'2', b'3', b'4', 0, 0xff, 0xe3],
        b"0123456789abcdefABCDEF*@<%:;,\t \r\n",
        b"{}[]\",:\\ \n0123456789.-abcdefhxnowframe",
    ];
    for _ in 0..150 {
        let alphabet = *rng.pick(&alphabets);
        let n = rng.below(3000) as usize;
        let input = rng.bytes(n, alphabet);
        for format in Format::ALL {
            let chunks = rng.chunks(&input, 97);
            let (got, stats) = read_all(format, &chunks);
            assert_eq!(stats.bytes, n as u64);
            let errors = got.iter().filter(|x| x.is_err()).count() as u64;
            assert_eq!(errors, stats.error_total(), "{format}");
            assert_eq!(got.len() as u64 - errors, stats.items(), "{format}");
            if format == Format::Beast && alphabet.len() == 256 && n > 100 {
                assert!(stats.bytes_dropped > 0);
            }
        }
    }
}

#[test]
fn mutated_inputs_never_break_a_reader() {
    let mut rng = Rng(7);
    let frames = frame_items(&mut rng, 40, false);
    let observations = observation_items(&mut rng, 30);
    for _ in 0..40 {
        for (format, items) in [
            (Format::Beast, &frames),
            (Format::Avr, &frames),
            (Format::Csv, &frames),
            (Format::Jsonl, &frames),
            (Format::Jsonl, &observations),
            (Format::Sbs, &observations),
        ] {
            let mut input = emit(format, AvrStyle::MlatSignal, items);
            // Flip, drop and duplicate bytes at random places.
            for _ in 0..1 + rng.below(20) {
                if input.is_empty() {
                    break;
                }
                let at = rng.below(input.len() as u64) as usize;
                match rng.below(3) {
                    0 => input[at] ^= 1 << rng.below(8),
                    1 => {
                        input.remove(at);
                    }
                    _ => input.insert(at, input[at]),
                }
            }
            let chunks = rng.chunks(&input, 200);
            let (got, stats) = read_all(format, &chunks);
            assert_eq!(stats.bytes, input.len() as u64);
            // Most records survive a few damaged bytes.
            assert!(
                got.iter().filter(|x| x.is_ok()).count() >= items.len() / 3,
                "{format}"
            );
        }
    }
}

/// Reads `chunks` as `drive` does, each chunk written straight into the reader's room
/// (`AnyReader::spare`, then `commit`) with an empty read now and then, and the items taken
/// with `AnyReader::for_each_ready`; `live` stamps chunk `i` as arriving at second `i`.
fn drive_spare(
    rng: &mut Rng,
    r: &mut AnyReader,
    chunks: &[&[u8]],
    live: bool,
) -> Vec<Result<Received, ReadError>> {
    let mut out = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        if rng.chance(10) {
            let _ = r.spare(1 + rng.below(8) as usize);
            r.commit(0, None);
        }
        let room = r.spare(c.len() + rng.below(32) as usize);
        assert!(room.len() >= c.len());
        room[..c.len()].copy_from_slice(c);
        r.commit(c.len(), live.then_some(i as f64));
        // What the receivers use: every ready item, the format chosen once.
        r.for_each_ready(|x| out.push(x));
    }
    r.finish();
    out.extend(std::iter::from_fn(|| r.next()));
    out
}

#[test]
fn reading_into_the_readers_room_is_feeding() {
    let mut rng = Rng(15);
    let mut compared = 0;
    for round in 0..4 {
        let frames = frame_items(&mut rng, 60, round % 2 == 1);
        let observations = observation_items(&mut rng, 40);
        let mut cases: Vec<(Format, AvrStyle, &[Received])> = FRAME_FORMATS
            .iter()
            .map(|&(f, a, ..)| (f, a, &frames[..]))
            .collect();
        cases.push((Format::Jsonl, AvrStyle::Plain, &observations));
        cases.push((Format::Sbs, AvrStyle::Plain, &observations));
        for (format, avr, items) in cases {
            let input = with_garbage(&mut rng, format, avr, items);
            for (max, live) in [(1, false), (7, true), (64, false), (4096, true)] {
                let chunks = rng.chunks(&input, max);
                let config = if live {
                    ReaderConfig::live()
                } else {
                    ReaderConfig::starting(START)
                };
                let mut fed = AnyReader::new(format, config);
                let mut want = Vec::new();
                for (i, c) in chunks.iter().enumerate() {
                    if live {
                        fed.feed_at(c, i as f64);
                    } else {
                        fed.feed(c);
                    }
                    want.extend(std::iter::from_fn(|| fed.next()));
                }
                fed.finish();
                want.extend(std::iter::from_fn(|| fed.next()));
                let mut read = AnyReader::new(format, config);
                let got = drive_spare(&mut rng, &mut read, &chunks, live);
                assert!(got == want, "{format} {avr:?} in chunks of up to {max}");
                assert_eq!(
                    read.stats(),
                    fed.stats(),
                    "{format} {avr:?} in chunks of up to {max}"
                );
                assert!(want.iter().filter(|x| x.is_ok()).count() >= items.len() / 2);
                compared += want.len();
            }
        }
    }
    assert!(compared > 1000, "{compared}");
}
