//! Any 64-bit number as a Comm-B MB field, with an optional reference state from the bytes
//! after it: `infer` never panics and every accepted register emits back exactly (see
//! picket_fuzz::modes_props); the JSON writer of picket decode takes it too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use picket_fuzz::modes_props::{commb_infer, reference_of, u64_of};
use picket_receive::decoded::write_comm_b;
use picket_receive::json::JsonObject;

fuzz_target!(|data: &[u8]| {
    commb_infer(data);
    let mut out = String::new();
    let reference = reference_of(data);
    write_comm_b(
        &mut JsonObject::new(&mut out),
        u64_of(data) & ((1 << 56) - 1),
        reference.as_ref(),
    );
});
