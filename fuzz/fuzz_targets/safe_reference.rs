//! Fuzz target: the safe API against the plain reference of numpy's formulas (docs/numerics.md).
//! The harness is `gradient_fuzz::safe_reference` (fuzz/src/safe_reference.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gradient_fuzz::safe_reference::run(data));
