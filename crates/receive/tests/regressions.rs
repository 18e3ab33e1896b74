//! Regression tests for bugs the fuzz targets found (fuzz/, docs/BENCHMARKS.md), one test
//! per bug, named for what broke; each input is the fuzzer's minimised one.

#[path = "../../../fuzz/src/readers_props.rs"]
mod props;

use picket_receive::{At, Format, ReadError, ReadErrorKind};

/// read_beast, found after 30k runs: in garbage, an escaped pair `1a 1a` followed by a type
/// byte was read as data when the pair arrived in one chunk, but as a message start when a
/// chunk ended between the two 0x1a (the framer resumed at the second one).
#[test]
fn beast_escaped_pair_in_garbage_does_not_depend_on_chunking() {
    let input: &[u8] = &[0x57, 0x1a, 0x1a, 0x33];
    let garbage = [ReadError::new(At::Byte(0), ReadErrorKind::Garbage)];
    let whole = props::drive(Format::Beast, &[input]);
    assert_eq!(whole, garbage.iter().copied().map(Err).collect::<Vec<_>>());
    for split in 1..input.len() {
        let (a, b) = input.split_at(split);
        assert_eq!(props::drive(Format::Beast, &[a, b]), whole, "split at {split}");
    }
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(props::drive(Format::Beast, &bytewise), whole);
    // The whole property on the fuzzer's input (first byte: the chunking seed).
    props::reader(Format::Beast, &[0xfe, 0x57, 0x1a, 0x1a, 0x33]);
}

/// read_sbs: a callsign field of control characters only (here a NUL) was read as a
/// callsign, which write_sbs then dropped, so the observation came back without one and
/// was written as another message type (MSG,1 the first time, MSG,8 the second).
#[test]
fn sbs_control_characters_in_the_callsign_are_dropped_when_read() {
    let input = b"\xb6MSG,,,,1A23A3,,,,,,\x00";
    let items = props::drive(Format::Sbs, &[&input[1..]]);
    let o = items[0].as_ref().unwrap().what.observation().unwrap();
    assert_eq!(o.flight, None);
    let items = props::drive(Format::Sbs, &[b"MSG,1,,,1A23A3,,,,,,\x01 RCH285\x7f\n"]);
    let o = items[0].as_ref().unwrap().what.observation().unwrap();
    assert_eq!(o.flight.as_deref(), Some("RCH285"));
    props::reader(Format::Sbs, input);
}

/// read_jsonl, after 72,800 runs: a readsb `t` (type designator) that is not designator-like
/// (here `}`) was read as the type, written back as picket's `type`, and there dropped by
/// the check that tells a designator from readsb's own `type` (the kind of address).
#[test]
fn jsonl_type_that_is_no_designator_is_not_read_from_t() {
    let input = b"\x0a{\"hex\":\"1de729\",\"t\":\"}\"}";
    let items = props::drive(Format::Jsonl, &[&input[1..]]);
    let o = items[0].as_ref().unwrap().what.observation().unwrap();
    assert_eq!(o.type_code, None);
    let items = props::drive(Format::Jsonl, &[b"{\"hex\":\"1de729\",\"t\":\"B789\"}\n"]);
    let o = items[0].as_ref().unwrap().what.observation().unwrap();
    assert_eq!(o.type_code.as_deref(), Some("B789"));
    props::reader(Format::Jsonl, input);
}
