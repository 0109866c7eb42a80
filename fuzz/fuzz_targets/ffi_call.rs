//! Fuzz target: arbitrary arguments to the C ABI entry points.
//! The harness is `gradient_fuzz::ffi_call` (fuzz/src/ffi_call.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gradient_fuzz::ffi_call::run(data));
