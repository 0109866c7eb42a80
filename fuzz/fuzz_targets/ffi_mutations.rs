//! Fuzz target: valid C calls, then broken arguments (check order, nothing written).
//! The harness is `gradient_fuzz::ffi_mutations` (fuzz/src/ffi_mutations.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gradient_fuzz::ffi_mutations::run(data));
