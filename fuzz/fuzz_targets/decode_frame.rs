//! Any 7 or 14 bytes as a frame: decoding with 1-bit and 1+2-bit fixing never panics, and a
//! decoded message encodes back to a frame that decodes to the same message (see
//! picket_fuzz::modes_props); the JSON writer of picket decode takes every decoded frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use picket_fuzz::modes_props::{decode_frame, OPTIONS};
use picket_modes::message::NoAddresses;
use picket_modes::{decode, Frame};
use picket_receive::decoded::write_decoded;
use picket_receive::json::JsonObject;

fuzz_target!(|data: &[u8]| {
    decode_frame(data);
    for len in [7, 14] {
        let Some(Ok(frame)) = data.get(..len).map(Frame::new) else {
            continue;
        };
        for options in &OPTIONS {
            if let Ok(d) = decode(frame, options, &NoAddresses) {
                let mut out = String::new();
                write_decoded(&mut JsonObject::new(&mut out), &d);
            }
        }
    }
});
