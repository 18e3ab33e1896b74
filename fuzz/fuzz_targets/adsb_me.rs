//! Any 64-bit number as an ME field: `Me::parse` never panics and what parses emits back
//! exactly (see picket_fuzz::modes_props); the JSON writer of picket decode takes it too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use picket_fuzz::modes_props::{adsb_me, u64_of};
use picket_modes::adsb::Me;
use picket_receive::decoded::write_me;
use picket_receive::json::JsonObject;

fuzz_target!(|data: &[u8]| {
    adsb_me(data);
    // The accessors (physical units, version-dependent meanings) through the JSON writer.
    if let Ok(me) = Me::parse(u64_of(data) & ((1 << 56) - 1), None) {
        let mut out = String::new();
        for tisb in [false, true] {
            out.clear();
            write_me(&mut JsonObject::new(&mut out), &me, tisb);
        }
    }
});
