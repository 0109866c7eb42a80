//! Plans (grad_plan_create / execute / destroy) against the direct call,
//! through the real `extern "C"` entry points on the random calls of
//! tests/common/ffi_case.rs:
//!
//! * a plan made from a valid call's arguments, run on its data, writes
//!   exactly what the direct call writes (every dtype, layout, axes subset,
//!   spacing kind, boundary, edge order, accuracy order), though every
//!   argument array was scribbled over and freed right after create;
//! * broken arguments are refused by create (then `*plan` is NULL) or, for
//!   the data and output pointers, by execute, with the direct call's
//!   status, and nothing is written;
//! * 8 threads executing one plan into their own outputs match the serial
//!   result.
//!
//! Replay with `GRADIENT_PROP_SEED`, scale with `GRADIENT_PROP_CASES`.

mod common;

use std::ffi::c_void;
use std::ptr::{null, null_mut};

use common::ffi_case::{check_plan_refused, check_plan_valid, mutations, pick_mutations, FfiCase};
use common::gen::{cases, seed, Rng, Source};
use gradient::ffi::*;

#[test]
fn plan_execute_equals_the_direct_call_bit_for_bit() {
    let mut rng = Rng(seed(0x91a0_0001));
    let n = cases(1500);
    for i in 0..n {
        let case = FfiCase::random(&mut rng);
        if let Err(e) = check_plan_valid(&case) {
            panic!(
                "case {i}: {e}; dtype {} shape {:?} call {:?}",
                case.dtype, case.shape, case.call
            );
        }
    }
}

#[test]
fn plan_equals_the_direct_call_with_accuracy_orders_and_nonuniform() {
    // The generators' calls with accuracy 4, 6 or 8 and a random edge order
    // (often refused: then by both, with the same status), and COORDINATES
    // entries turned NONUNIFORM.
    let mut rng = Rng(seed(0x91a0_0002));
    let n = cases(1500);
    for i in 0..n {
        let mut case = FfiCase::random(&mut rng);
        case.options_null = false;
        case.accuracy = *rng.pick(&[0, 2, 4, 6, 8]);
        case.call.edge_order = rng.range(1, 8);
        case.nonuniform = rng.chance(1, 2);
        match check_plan_valid(&case) {
            Ok(()) => {}
            Err(e) => panic!(
                "case {i}: {e}; dtype {} shape {:?} call {:?} accuracy {}",
                case.dtype, case.shape, case.call, case.accuracy
            ),
        }
    }
}

#[test]
fn plan_refuses_what_the_direct_call_refuses_and_writes_nothing() {
    let mut rng = Rng(seed(0x91a0_0003));
    let n = cases(800);
    for i in 0..n {
        let case = FfiCase::random(&mut rng);
        let all = mutations(&case, &mut rng);
        for m in &all {
            if let Err(e) = check_plan_refused(&case, std::slice::from_ref(m)) {
                panic!("case {i}: {e}; dtype {} shape {:?}", case.dtype, case.shape);
            }
        }
        for _ in 0..3 {
            let (chosen, _) = pick_mutations(&all, &mut rng);
            if let Err(e) = check_plan_refused(&case, &chosen) {
                panic!("case {i}: {e}; dtype {} shape {:?}", case.dtype, case.shape);
            }
        }
    }
}

fn plan_2d(shape: &[i64; 2], x: &[f64], options: *const grad_options) -> *mut grad_plan {
    let sp = [
        grad_spacing {
            kind: GRAD_SPACING_UNIFORM,
            delta: 0.5,
            coords: null(),
            coords_len: 0,
        },
        grad_spacing {
            kind: GRAD_SPACING_COORDINATES,
            delta: 0.0,
            coords: x.as_ptr(),
            coords_len: x.len() as i64,
        },
    ];
    let mut plan = null_mut();
    let s = unsafe {
        grad_plan_create(
            &mut plan,
            GRAD_DTYPE_F64,
            2,
            shape.as_ptr(),
            null(),
            2,
            null(),
            2,
            sp.as_ptr(),
            2,
            null(),
            options,
            null_mut(),
        )
    };
    assert_eq!(s, GRAD_STATUS_OK);
    plan
}

#[test]
fn eight_threads_on_one_plan_match_the_serial_result() {
    let shape = [40i64, 33];
    let x: Vec<f64> = (0..33).map(|i| (i as f64).powf(1.3)).collect();
    let n = 40 * 33;
    for accuracy in [0, 6] {
        let opts = grad_options {
            size: std::mem::size_of::<grad_options>() as u32,
            threads: 1,
            boundaries: null(),
            periods: null(),
            accuracy,
            reserved: 0,
        };
        let plan = plan_2d(&shape, &x, &opts);
        struct Shared(*mut grad_plan);
        unsafe impl Sync for Shared {}
        let shared = &Shared(plan);
        let inputs: Vec<Vec<f64>> = (0..8)
            .map(|t| {
                (0..n)
                    .map(|i| ((i * (t + 3)) as f64 * 0.01).sin())
                    .collect()
            })
            .collect();
        let run = move |f: &[f64]| {
            let shared: &Shared = shared;
            let mut o = vec![vec![0.0f64; n]; 2];
            let ptrs: Vec<*mut c_void> = o.iter_mut().map(|v| v.as_mut_ptr().cast()).collect();
            let s = unsafe {
                grad_plan_execute(shared.0, f.as_ptr().cast(), ptrs.as_ptr(), null_mut())
            };
            assert_eq!(s, GRAD_STATUS_OK);
            o
        };
        let serial: Vec<_> = inputs.iter().map(|f| run(f)).collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let (inputs, run) = (&inputs, &run);
                    s.spawn(move || (0..50).map(|_| run(&inputs[t])).collect::<Vec<_>>())
                })
                .collect();
            for (t, h) in handles.into_iter().enumerate() {
                for got in h.join().unwrap() {
                    let same = got.iter().flatten().zip(serial[t].iter().flatten());
                    assert!(same.into_iter().all(|(a, b)| a.to_bits() == b.to_bits()));
                }
            }
        });
        unsafe { grad_plan_destroy(plan) };
    }
}

#[test]
fn create_failures_leave_the_plan_null_and_destroy_takes_null() {
    let shape = [4i64];
    let mut plan: *mut grad_plan = 8usize as *mut grad_plan;
    let s = unsafe {
        grad_plan_create(
            &mut plan,
            42,
            1,
            shape.as_ptr(),
            null(),
            1,
            null(),
            0,
            null(),
            1,
            null(),
            null(),
            null_mut(),
        )
    };
    assert_eq!((s, plan.is_null()), (GRAD_STATUS_INVALID_DTYPE, true));
    plan = 8usize as *mut grad_plan;
    let s = unsafe {
        grad_plan_create(
            &mut plan,
            GRAD_DTYPE_F32,
            1,
            shape.as_ptr(),
            null(),
            1,
            null(),
            0,
            null(),
            3,
            null(),
            null(),
            null_mut(),
        )
    };
    assert_eq!((s, plan.is_null()), (GRAD_STATUS_INVALID_EDGE_ORDER, true));
    // A NULL plan argument (after the dtype, before everything else).
    let s = unsafe {
        grad_plan_create(
            null_mut(),
            GRAD_DTYPE_F64,
            0,
            null(),
            null(),
            1,
            null(),
            0,
            null(),
            1,
            null(),
            null(),
            null_mut(),
        )
    };
    assert_eq!(s, GRAD_STATUS_NULL_POINTER);
    let f = [1.0f64; 4];
    let s = unsafe { grad_plan_execute(null(), f.as_ptr().cast(), null(), null_mut()) };
    assert_eq!(s, GRAD_STATUS_NULL_POINTER);
    unsafe { grad_plan_destroy(null_mut()) };
}

#[test]
fn random_create_execute_destroy_sequences() {
    // The fuzz target plan_sequences' harness, from the seeded PRNG.
    let mut rng = Rng(seed(0x91a0_0004));
    for _ in 0..cases(300) {
        common::plan_seq::run(&mut rng);
    }
}
