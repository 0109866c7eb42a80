//! Random plan sequences (fuzz/src/plan_sequences.rs with the fuzzer's
//! bytes, tests/plan.rs with a seeded PRNG): random sequences of
//! grad_plan_create / grad_plan_execute / grad_plan_destroy on up to three
//! live plans, made from the random calls of tests/common/ffi_case.rs (any
//! dtype, layout, axes, spacing, boundaries, edge order, accuracy order,
//! NONUNIFORM), with every argument array scribbled over and freed right
//! after create. Every create must give the direct call's status (`*plan`
//! NULL when it fails); every execute must write exactly the bytes the
//! direct call writes; executes with broken data or output pointers must
//! return the direct call's status and write nothing. Each plan is
//! destroyed exactly once (by the sequence or at the end).

use gradient::ffi::*;

use super::ffi_case::{check_outcome, mutations, same_value, FfiCase};
use super::gen::Source;

struct Live {
    case: FfiCase,
    plan: *mut grad_plan,
    /// Every buffer's bytes after the direct call.
    want: Vec<Vec<u8>>,
}

/// The buffers back to `bytes`.
fn restore(case: &mut FfiCase, bytes: &[Vec<u8>]) {
    for (s, b) in std::iter::once(&mut case.input)
        .chain(case.outs.iter_mut())
        .zip(bytes)
    {
        s.buf.bytes_mut().copy_from_slice(b);
    }
}

/// One random sequence of up to 12 operations drawn from `src`.
pub fn run(src: &mut impl Source) {
    let mut live: Vec<Live> = Vec::new();
    for _ in 0..12 {
        match src.below(5) {
            0 | 1 if live.len() < 3 => {
                let mut case = FfiCase::random(src);
                if src.chance(1, 3) {
                    case.options_null = false;
                    case.accuracy = *src.pick(&[0, 2, 4, 6, 8]);
                    case.call.edge_order = src.range(1, 8);
                }
                case.nonuniform = src.chance(1, 4);
                let before = case.snapshot();
                let direct = unsafe { case.args().invoke() };
                check_outcome(&direct).unwrap();
                let want = case.snapshot();
                restore(&mut case, &before);
                let (created, plan) = unsafe { case.args().create_plan() };
                check_outcome(&created).unwrap();
                if direct.status != GRAD_STATUS_OK {
                    // Refused by create, or (a pointer's fault) by execute.
                    if created.status == GRAD_STATUS_OK {
                        let o = unsafe { case.args().execute_plan(plan) };
                        assert_eq!(o.status, direct.status, "execute after a valid create");
                        assert!(case.snapshot() == before, "a refused execute wrote");
                        unsafe { grad_plan_destroy(plan) };
                    } else {
                        assert_eq!(created.status, direct.status, "create vs direct");
                        assert!(plan.is_null(), "*plan not NULL after a failed create");
                    }
                    continue;
                }
                assert_eq!(
                    created.status, GRAD_STATUS_OK,
                    "create refused a valid call"
                );
                live.push(Live { case, plan, want });
            }
            2 if !live.is_empty() => {
                // Execute (several times): the direct call's bytes.
                let k = src.below(live.len() as u64) as usize;
                let l = &mut live[k];
                for _ in 0..=src.below(3) {
                    let o = unsafe { l.case.args().execute_plan(l.plan) };
                    check_outcome(&o).unwrap();
                    assert_eq!(o.status, GRAD_STATUS_OK);
                    for (a, b) in l.case.snapshot().iter().zip(&l.want) {
                        assert!(same_value(l.case.dtype, a, b), "plan != direct call");
                    }
                }
            }
            3 if !live.is_empty() => {
                // Broken data or output pointers: refused, nothing written.
                let k = src.below(live.len() as u64) as usize;
                let l = &live[k];
                if super::reference::validate(&l.case.shape, &l.case.call).is_err() {
                    continue; // an edge order only accuracy orders allow
                }
                let all: Vec<_> = mutations(&l.case, src)
                    .into_iter()
                    .filter(|m| m.at_execute())
                    .collect();
                if all.is_empty() {
                    continue;
                }
                let m = src.pick(&all).clone();
                let before = l.case.snapshot();
                let mut args = l.case.args();
                m.apply_to(&mut args);
                let o = unsafe { args.execute_plan(l.plan) };
                check_outcome(&o).unwrap();
                assert_eq!(o.status, m.status, "execute with {}", m.what);
                assert!(
                    l.case.snapshot() == before,
                    "{}: a buffer was written",
                    m.what
                );
            }
            4 if !live.is_empty() => {
                let k = src.below(live.len() as u64) as usize;
                let l = live.swap_remove(k);
                unsafe { grad_plan_destroy(l.plan) };
            }
            _ => {}
        }
    }
    for l in live {
        unsafe { grad_plan_destroy(l.plan) };
    }
}
