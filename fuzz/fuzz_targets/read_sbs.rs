//! Any bytes, split into chunks the first byte chooses: the sbs reader never panics, always
//! terminates, yields the same results whatever the chunking, and what it read writes back
//! stably (see picket_fuzz::readers_props).
#![no_main]

use libfuzzer_sys::fuzz_target;
use picket_fuzz::readers_props::reader;
use picket_receive::Format;

fuzz_target!(|data: &[u8]| {
    reader(Format::Sbs, data);
});
