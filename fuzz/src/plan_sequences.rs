//! Fuzz plans: the fuzzer's bytes drive random create / execute / destroy
//! sequences on up to three live plans against the direct call; the
//! harness is tests/common/plan_seq.rs (tests/plan.rs runs it from a seeded
//! PRNG).

use crate::common::gen::Bytes;

/// One fuzz input.
pub fn run(data: &[u8]) {
    crate::common::plan_seq::run(&mut Bytes::new(data));
}
