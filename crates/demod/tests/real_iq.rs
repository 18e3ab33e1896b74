//! Real recordings in ../shared/testdata (skipped when absent unless
//! PICKET_REQUIRE_TESTDATA=1): antirez dump1090's modes1.bin (2.0 MS/s u8) and the
//! dump1090_rs captures (2.4 MS/s s16 LE, Q first).

use picket_demod::{DemodConfig, Demodulator, IqSpec, Kernel};
use picket_modes::AddressBook;
use picket_receive::{Reader, Received};
use std::path::PathBuf;

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("PICKET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")));
    if dir.join("testdata").is_dir() {
        return Some(dir.join("testdata"));
    }
    if std::env::var("PICKET_REQUIRE_TESTDATA").as_deref() == Ok("1") {
        panic!(
            "{} is absent and PICKET_REQUIRE_TESTDATA=1",
            dir.join("testdata").display()
        );
    }
    eprintln!(
        "skipping: {} is absent (set PICKET_SHARED)",
        dir.join("testdata").display()
    );
    None
}

fn demodulate(bytes: &[u8], spec: IqSpec, kernel: Kernel, chunk: usize) -> (Vec<Received>, Demodulator) {
    let mut config = DemodConfig::new(spec);
    config.kernel = kernel;
    let mut d = Demodulator::new(config);
    let mut out = Vec::new();
    for c in bytes.chunks(chunk) {
        d.feed(c);
        while let Some(r) = d.next() {
            out.push(r.unwrap());
        }
    }
    d.finish();
    while let Some(r) = d.next() {
        out.push(r.unwrap());
    }
    (out, d)
}

fn hex(r: &Received) -> String {
    r.what.frame().unwrap().to_string()
}

#[test]
fn modes1_gives_every_frame_antirez_dump1090_finds() {
    let Some(dir) = shared() else { return };
    let bytes = std::fs::read(dir.join("antirez_dump1090/modes1.bin")).unwrap();
    let expected: Vec<String> = std::fs::read_to_string(
        dir.join("antirez_dump1090/modes1.bin.frames.antirez-dump1090-efe64db.avr.txt"),
    )
    .unwrap()
    .lines()
    .map(|l| {
        l.trim()
            .trim_start_matches('*')
            .trim_end_matches(';')
            .to_lowercase()
    })
    .filter(|l| !l.is_empty())
    .collect();
    assert_eq!(expected.len(), 217);
    let spec: IqSpec = "iq-u8@2.0".parse().unwrap();
    let (got, d) = demodulate(&bytes, spec, Kernel::Vector, 1 << 16);
    let got_hex: Vec<String> = got.iter().map(hex).collect();
    eprintln!("found {} frames: {:?}", got.len(), d.demod_stats());
    // Every frame antirez finds, in order (a multiset check: each is matched once).
    let mut remaining: Vec<&str> = got_hex.iter().map(String::as_str).collect();
    let mut missing = Vec::new();
    for e in &expected {
        match remaining.iter().position(|g| g == e) {
            Some(i) => {
                remaining.remove(i);
            }
            None => missing.push(e.clone()),
        }
    }
    eprintln!("missing {} extra {}", missing.len(), remaining.len());
    // The extra frames are real: CRC-clean (after repair) DF11/17/18 of the one aircraft
    // in the recording, or address/parity replies carrying its address.
    for r in &got {
        let f = r.what.frame().unwrap();
        let address = if matches!(f.df(), 11 | 17 | 18) {
            // DF11 may carry an interrogator code in its parity.
            let limit = if f.df() == 11 { 0x80 } else { 1 };
            assert!(f.crc_residual() < limit, "{f}");
            f.aa().value()
        } else {
            f.crc_residual()
        };
        assert_eq!(address, 0x4d2023, "{f}");
    }
    assert!(missing.is_empty(), "missing {missing:?}");
    assert!(got.len() >= 217);
}

/// A real recording read in blocks of any size gives the same frames at the same times
/// (the noise floor moves per block of samples, never per input chunk).
#[test]
fn modes1_gives_the_same_frames_however_it_is_split() {
    let Some(dir) = shared() else { return };
    let bytes = std::fs::read(dir.join("antirez_dump1090/modes1.bin")).unwrap();
    let spec: IqSpec = "iq-u8@2.0".parse().unwrap();
    let (whole, _) = demodulate(&bytes, spec, Kernel::Vector, bytes.len());
    assert!(whole.len() >= 217, "{}", whole.len());
    // 64 KiB, 4097 samples, an odd byte count (samples split across chunks).
    for chunk in [1 << 16, 2 * 4097, 4097] {
        let (got, _) = demodulate(&bytes, spec, Kernel::Vector, chunk);
        assert!(got == whole, "chunks of {chunk} bytes");
    }
}

#[test]
fn dump1090_rs_captures_give_what_readsb_finds() {
    let Some(dir) = shared() else { return };
    let json = std::fs::read_to_string(dir.join("dump1090_rs/expected_frames.json")).unwrap();
    let files = ["test_1641427457780", "test_1641428106243", "test_1641428165033"];
    for name in files {
        let bytes = std::fs::read(dir.join(format!("dump1090_rs/test_iq/{name}.iq"))).unwrap();
        let spec: IqSpec = "iq-s16le-qi@2.4".parse().unwrap();
        let (got, d) = demodulate(&bytes, spec, Kernel::Vector, 4096 + 3);
        let got_hex: Vec<String> = got.iter().map(hex).collect();
        eprintln!("{name}: {got_hex:?} {:?}", d.demod_stats());
        // The frames readsb finds (its raw output, in order) are a subsequence of ours.
        let key = format!("\"test_iq/{name}.iq\": [");
        let readsb_part = &json[json.find("readsb_3.14").unwrap()..];
        let list = &readsb_part[readsb_part.find(&key).unwrap() + key.len()..];
        let list = &list[..list.find(']').unwrap()];
        let readsb: Vec<&str> = list.split(',').map(|x| x.trim().trim_matches('"')).collect();
        let mut it = got_hex.iter();
        for want in &readsb {
            assert!(
                it.any(|g| g == want),
                "{name}: {want} missing or out of order in {got_hex:?}"
            );
        }
        // Every distinct frame the upstream test expects (its padded 28-digit DF11 is a
        // 7-byte frame followed by stale buffer bytes: its first 14 digits).
        let up = &json[json.find("expected_frames_in_order").unwrap()..];
        let list = &up[up.find(&key).unwrap() + key.len()..];
        let list = &list[..list.find(']').unwrap()];
        for want in list.split(',').map(|x| x.trim().trim_matches('"')) {
            let want = if want.starts_with("5d") { &want[..14] } else { want };
            assert!(
                got_hex.iter().any(|g| g == want),
                "{name}: upstream's {want} missing"
            );
        }
        // Every extra frame checks by itself (CRC-clean DF11/17/18) or has a known address.
        for r in &got {
            let f = r.what.frame().unwrap();
            let ok = (matches!(f.df(), 11 | 17 | 18) && f.crc_residual() == 0)
                || d.known().is_known(picket_modes::Icao(f.crc_residual()));
            assert!(ok, "{name}: {f}");
        }
    }
}
