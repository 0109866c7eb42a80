//! Fuzz target: random plan create / execute / destroy sequences against the
//! direct call. The harness is `gradient_fuzz::plan_sequences`
//! (fuzz/src/plan_sequences.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gradient_fuzz::plan_sequences::run(data));
