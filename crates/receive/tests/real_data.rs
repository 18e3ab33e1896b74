//! Every reader over the real recordings in ../shared/testdata (skipped, with the reason
//! printed, when the folder is absent).

mod common;

use common::{drive, testdata, Rng};
use picket_modes::Frame;
use picket_receive::beast::{write_message, BeastReader, ESC};
use picket_receive::csv::CsvReader;
use picket_receive::jsonl::JsonlReader;
use picket_receive::{detect, AnyReader, Clock, Format, ReadError, Reader, ReaderConfig, Received, What};

fn read_file<R: Reader>(r: &mut R, bytes: &[u8]) -> (Vec<Received>, Vec<ReadError>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    // 64 KiB chunks, as a file reader would feed them.
    let chunks: Vec<&[u8]> = bytes.chunks(64 * 1024).collect();
    for x in drive(r, &chunks) {
        match x {
            Ok(i) => items.push(i),
            Err(e) => errors.push(e),
        }
    }
    (items, errors)
}

#[test]
fn sample_dump1090_bin_reads_without_errors() {
    let Some(path) = testdata("traffic_samples/sample_dump1090.bin") else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(detect(&bytes), Some(Format::Beast));
    let (items, errors) = read_file(&mut BeastReader::new(ReaderConfig::default()), &bytes);
    assert!(errors.is_empty(), "{errors:?}");
    // Every byte belongs to a message; the second message's timestamp holds a doubled 0x1a.
    assert_eq!(items[1].clock, Clock::Ticks12Mhz(0x15be_1a0c));
    assert_eq!(
        items[1].what,
        What::ModeS(Frame::from_hex("02e18ca8f1d2ed").unwrap())
    );
    let mut r = BeastReader::new(ReaderConfig::default());
    let (again, _) = read_file(&mut r, &bytes);
    assert_eq!(r.stats().bytes_dropped, 0);
    assert_eq!(r.stats().frames as usize, items.len());
    assert_eq!(again, items);
    // One byte at a time gives the same.
    let mut one = BeastReader::new(ReaderConfig::default());
    let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
    let got: Vec<Received> = drive(&mut one, &bytewise)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, items);
    eprintln!(
        "sample_dump1090.bin: {} frames, {} bytes",
        items.len(),
        bytes.len()
    );
}

#[test]
fn long_flight_csv_reads_every_row_as_a_frame() {
    let Some(path) = testdata("rs1090_crate/long_flight.csv") else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(detect(&bytes), Some(Format::Csv));
    let mut r = CsvReader::new(ReaderConfig::default());
    let (items, errors) = read_file(&mut r, &bytes);
    assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(5)]);
    assert_eq!(items.len(), 172_432);
    assert_eq!(r.stats().frames, 172_432);
    assert!(items.iter().all(|i| matches!(i.clock, Clock::Ticks12Mhz(_))));
    // The same frames escaped into a Beast stream read back identically (clock and signal
    // too); 14 of them carry a 0x1a that must be doubled.
    let mut stream = Vec::new();
    let mut escaped = 0;
    for i in &items {
        let f = i.what.frame().unwrap();
        let before = stream.len();
        let t = if f.is_long() { b'3' } else { b'2' };
        write_message(
            &mut stream,
            t,
            i.clock.to_beast(),
            picket_receive::beast::signal_byte(i.signal),
            f.as_bytes(),
        );
        escaped += usize::from(stream[before + 2..].contains(&ESC));
    }
    assert!(escaped >= 14, "{escaped}");
    let mut b = BeastReader::new(ReaderConfig::starting(items[0].time_utc));
    let (beast, errors) = read_file(&mut b, &stream);
    assert!(errors.is_empty());
    assert_eq!(beast.len(), items.len());
    for (x, y) in beast.iter().zip(&items) {
        assert_eq!((&x.what, x.clock, x.signal), (&y.what, y.clock, y.signal));
    }
}

#[test]
fn full_flight_jsonl_reads_every_frame() {
    let Some(path) = testdata("traffic_samples/full_flight_short.jsonl") else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(detect(&bytes), Some(Format::Jsonl));
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    let mut r = JsonlReader::new(ReaderConfig::default());
    let (items, errors) = read_file(&mut r, &bytes);
    assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(5)]);
    assert_eq!(items.len(), lines);
    assert_eq!(r.stats().frames as usize, lines);
    // 21,018 DF0/4/5 frames come as 28 hex digits: cut to their 7 bytes.
    assert_eq!(r.stats().frames_trimmed, 21_018);
    assert_eq!(items[0].time_utc, 1720248189.525094);
    assert!(items.windows(2).all(|w| w[0].time_utc <= w[1].time_utc + 1.0));
}

fn gunzip(path: &std::path::Path) -> Vec<u8> {
    use std::io::Read;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

#[test]
fn opensky_trajectories_read_as_observations_in_both_pandas_orients() {
    // (file, rows): "records" orient (an array of objects) and "columns" orient.
    for (file, rows) in [
        ("traffic_samples/switzerland.json.gz", 139_098),
        ("traffic_samples/rega_zh.json.gz", 339),
        ("traffic_samples/noisy_takeoff.json.gz", 730),
        ("traffic_samples/noisy_spoofing.json.gz", 8_681),
    ] {
        let Some(path) = testdata(file) else { return };
        let bytes = gunzip(&path);
        assert_eq!(detect(&bytes), Some(Format::Jsonl), "{file}");
        let mut r = JsonlReader::new(ReaderConfig::default());
        let (items, errors) = read_file(&mut r, &bytes);
        assert!(errors.is_empty(), "{file}: {:?}", &errors[..errors.len().min(5)]);
        assert_eq!(items.len(), rows, "{file}");
        assert_eq!(r.stats().observations as usize, rows, "{file}");
        assert!(
            items.iter().all(|i| i.time_utc > 1.5e9 && i.time_utc < 1.8e9),
            "{file}: milliseconds"
        );
    }
    // The first state of REGA1, field by field (values from the file).
    let Some(path) = testdata("traffic_samples/rega_zh.json.gz") else {
        return;
    };
    let (items, _) = read_file(&mut JsonlReader::new(ReaderConfig::default()), &gunzip(&path));
    let o = items[0].what.observation().unwrap();
    assert_eq!(items[0].time_utc, 1_558_732_719.0);
    assert_eq!(o.hex.to_string(), "4b43ac");
    assert_eq!(o.flight.as_deref(), Some("REGA1"));
    assert_eq!(
        (o.alt_baro, o.alt_geom, o.baro_rate),
        (Some(1950), Some(2175), Some(768))
    );
    assert_eq!((o.lat, o.lon), (Some(47.3665008545), Some(8.5006713867)));
    assert_eq!((o.on_ground, o.squawk), (Some(false), Some(0o7100)));
    // Columns orient: row 0 of noisy_takeoff is on the ground at 1,525 ft; row 3 has no
    // altitude (null).
    let Some(path) = testdata("traffic_samples/noisy_takeoff.json.gz") else {
        return;
    };
    let (items, _) = read_file(&mut JsonlReader::new(ReaderConfig::default()), &gunzip(&path));
    let o = items[0].what.observation().unwrap();
    assert_eq!(
        (o.on_ground, o.alt_baro, o.flight.as_deref()),
        (Some(true), Some(1525), Some("AFR181L"))
    );
    assert_eq!(items[3].what.observation().unwrap().alt_baro, None);
}

#[test]
fn pymodes_csv_files_read_as_frames() {
    for (file, rows) in [
        ("pyModeS/sample_data_commb_df20.csv", 5000),
        ("pyModeS/sample_data_commb_df21.csv", 5000),
        ("pyModeS/sample_data_adsb.csv", 2000),
    ] {
        let Some(path) = testdata(file) else { return };
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(detect(&bytes), Some(Format::Csv), "{file}");
        let mut r = CsvReader::new(ReaderConfig::default());
        let (items, errors) = read_file(&mut r, &bytes);
        assert!(errors.is_empty(), "{file}: {:?}", &errors[..errors.len().min(5)]);
        assert_eq!(items.len(), rows, "{file}");
        assert!(items.iter().all(|i| i.time_utc > 1.4e9), "{file}");
    }
}

#[test]
fn pymodes_data_txt_reads_every_line_as_a_frame() {
    let Some(path) = testdata("pyModeS/data.txt") else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(detect(&bytes), Some(Format::Csv));
    let mut r = AnyReader::new(Format::Csv, ReaderConfig::default());
    let (items, errors) = read_file(&mut r, &bytes);
    let s = r.stats();
    eprintln!(
        "data.txt: {} lines, {} frames, {} errors: {:?}",
        s.lines,
        items.len(),
        errors.len(),
        s.errors_by_kind().collect::<Vec<_>>()
    );
    // 4,515 lines end with a newline and the last has none: 4,516 frames, all good.
    assert_eq!(s.lines, 4516);
    assert_eq!(items.len(), 4516);
    assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(5)]);
}

#[test]
fn readsb_json_documents_and_lines_read_as_observations() {
    let names = [
        "aircraft_1.json",
        "aircraft_2.json",
        "aircraft_3.json",
        "aircraft_4.json",
        "aircraft_5.json",
        "json_1.json",
        "json_2.json",
        "json_3.json",
    ];
    for name in names {
        let Some(path) = testdata(&format!("sdre-rust-adsb-parser/test_data/{name}")) else {
            return;
        };
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(detect(&bytes), Some(Format::Jsonl), "{name}");
        // Every aircraft object has one "hex" member (lastPosition objects have none).
        let text = String::from_utf8_lossy(&bytes);
        let want = text.matches("\"hex\"").count();
        let mut r = JsonlReader::new(ReaderConfig::default());
        let (items, errors) = read_file(&mut r, &bytes);
        assert!(errors.is_empty(), "{name}: {:?}", &errors[..errors.len().min(5)]);
        assert_eq!(items.len(), want, "{name}");
        assert!(items.iter().all(|i| i.what.observation().is_some()));
        if name.starts_with("aircraft") {
            // Snapshot times: now less seen, within the minute before `now`.
            assert!(
                items.iter().all(|i| i.time_utc > 1.7e9 && i.time_utc < 1.71e9),
                "{name}"
            );
        }
    }
}

#[test]
fn real_files_read_the_same_in_random_chunks() {
    let files = [
        ("traffic_samples/sample_dump1090.bin", Format::Beast),
        ("pyModeS/data.txt", Format::Csv),
        ("sdre-rust-adsb-parser/test_data/aircraft_4.json", Format::Jsonl),
        ("sdre-rust-adsb-parser/test_data/json_1.json", Format::Jsonl),
    ];
    let mut rng = Rng(7);
    for (file, format) in files {
        let Some(path) = testdata(file) else { return };
        let bytes = std::fs::read(path).unwrap();
        let whole = drive(&mut AnyReader::new(format, ReaderConfig::default()), &[&bytes]);
        for max in [1, 7, 300] {
            let chunks = rng.chunks(&bytes, max);
            let got = drive(&mut AnyReader::new(format, ReaderConfig::default()), &chunks);
            assert!(got == whole, "{file} in chunks of up to {max}");
        }
    }
}
