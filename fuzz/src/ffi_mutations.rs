//! Fuzz the C ABI's check order: the fuzzer's bytes drive the generator of
//! tests/common/ffi_case.rs (the same one tests/ffi_contract.rs runs from a
//! seeded PRNG) to make a valid call of any dtype, entry point, layout,
//! boundaries and threads, with memory the harness owns exactly; the call
//! must return OK, write exactly the safe API's values into its output
//! elements and nothing else. Then one to four of its arguments are broken
//! (NULLs, ndim, shape, strides, alignment, axes, spacing count and
//! entries, edge_order, options, axis lengths, output NULLs, strides,
//! alignment, overlap): the call must return the status of the earliest
//! broken argument in the order of docs/reference.md and leave every byte unchanged.

use crate::common::ffi_case::{check_refused, check_valid, mutations, pick_mutations, FfiCase};
use crate::common::gen::Bytes;

/// One fuzz input.
pub fn run(data: &[u8]) {
    let mut src = Bytes::new(data);
    let case = FfiCase::random(&mut src);
    if let Err(e) = check_valid(&case) {
        panic!(
            "valid call: {e}; dtype {} shape {:?} call {:?}",
            case.dtype, case.shape, case.call
        );
    }
    let all = mutations(&case, &mut src);
    for _ in 0..3 {
        let (chosen, status) = pick_mutations(&all, &mut src);
        if let Err(e) = check_refused(&case, &chosen, status) {
            panic!(
                "{e}; dtype {} shape {:?} call {:?}",
                case.dtype, case.shape, case.call
            );
        }
    }
}
