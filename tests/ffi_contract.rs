//! The C ABI's contract on random calls (SPEC Part B), through the real
//! `extern "C"` entry points with memory the test owns
//! (tests/common/ffi_case.rs):
//!
//! * a valid call of any dtype, entry point, layout (permuted, reversed,
//!   gaps, stride 0 inputs, explicit or NULL strides), boundaries and
//!   threads returns OK, writes exactly the safe API's values into its
//!   output elements and nothing else, and never writes the input;
//! * the same call with one to four arguments broken returns the status of
//!   the earliest broken argument in Part B's check order, fills a valid
//!   `grad_error` consistently (and leaves a misaligned one alone), and
//!   leaves every byte of every buffer unchanged.
//!
//! Replay with `GRADIENT_PROP_SEED`, scale with `GRADIENT_PROP_CASES`.

mod common;

use std::collections::BTreeMap;

use common::ffi_case::{check_refused, check_valid, mutations, pick_mutations, FfiCase};
use common::gen::{cases, seed, Rng};

#[test]
fn valid_calls_write_exactly_the_safe_api_results() {
    let mut rng = Rng(seed(0xc0de_0001));
    let n = cases(1500);
    let mut by_dtype = [0u32; 12];
    for i in 0..n {
        let case = FfiCase::random(&mut rng);
        by_dtype[case.dtype as usize] += 1;
        if let Err(e) = check_valid(&case) {
            panic!(
                "case {i}: {e}; dtype {} shape {:?} call {:?}",
                case.dtype, case.shape, case.call
            );
        }
    }
    eprintln!(
        "{n} valid C calls matched the safe API bit for bit, NaN for NaN (per dtype: {by_dtype:?})"
    );
}

#[test]
fn invalid_arguments_are_refused_in_order_and_nothing_is_written() {
    let mut rng = Rng(seed(0xc0de_0002));
    let n = cases(1500);
    let mut refused = 0u64;
    let mut by_status: BTreeMap<i32, u64> = BTreeMap::new();
    for i in 0..n {
        let case = FfiCase::random(&mut rng);
        let all = mutations(&case, &mut rng);
        // every mutation alone
        for m in &all {
            if let Err(e) = check_refused(&case, std::slice::from_ref(m), m.status) {
                panic!(
                    "case {i}: {e}; dtype {} shape {:?} call {:?}",
                    case.dtype, case.shape, case.call
                );
            }
            refused += 1;
            *by_status.entry(m.status).or_default() += 1;
        }
        // and a few combinations: the earliest stage wins
        for _ in 0..4 {
            let (chosen, status) = pick_mutations(&all, &mut rng);
            if let Err(e) = check_refused(&case, &chosen, status) {
                panic!(
                    "case {i}: {e}; dtype {} shape {:?} call {:?}",
                    case.dtype, case.shape, case.call
                );
            }
            refused += 1;
            *by_status.entry(status).or_default() += 1;
        }
    }
    eprintln!("{refused} invalid C calls were refused with the expected status, every buffer byte unchanged (by status: {by_status:?})");
}
