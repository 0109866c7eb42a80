//! The C ABI's contract on random calls (docs/reference.md), through the real
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

/// Argument arrays that live inside an output buffer: shape, strides, axes,
/// spacing entries and coordinates are all read (and copied) before the
/// first store, so outputs computed over them get the values the arrays
/// held at the call.
#[test]
fn argument_arrays_inside_an_output_are_read_before_any_store() {
    use gradient::ffi::*;
    use std::ptr::null;
    // f is 2 x 4; one output (axis 1) of 8 doubles at the start of `buf`;
    // the argument arrays sit in buf[0..8], where the output goes.
    let f = [1.0f64, 2.0, 4.0, 7.0, 0.0, 1.0, 0.0, 1.0];
    let mut buf = vec![0u64; 32];
    let base = buf.as_mut_ptr();
    unsafe {
        let shape = base as *mut i64; // buf[0..2]
        shape.write(2);
        shape.add(1).write(4);
        let strides = base.add(2) as *mut i64; // buf[2..4]
        strides.write(4);
        strides.add(1).write(1);
        let axes = base.add(4) as *mut i32; // buf[4]
        axes.write(-1);
        let coords = base.add(5) as *mut f64; // buf[5..8] + one more below
        let x = [0.0, 1.0, 3.0, 6.0];
        // coords needs 4 values: buf[5..9]
        for (i, v) in x.iter().enumerate() {
            coords.add(i).write(*v);
        }
        let spacing = [grad_spacing {
            kind: GRAD_SPACING_COORDINATES,
            delta: 0.0,
            coords: coords as *const f64,
            coords_len: 4,
        }];
        let outs = [base as *mut f64];
        let s = grad_gradient_f64(
            f.as_ptr(),
            2,
            shape,
            strides,
            1,
            axes,
            1,
            spacing.as_ptr(),
            1,
            outs.as_ptr(),
            null(),
            null(),
            std::ptr::null_mut(),
        );
        assert_eq!(s, GRAD_STATUS_OK);
        let got: Vec<f64> = (0..8).map(|i| (base.add(i) as *const f64).read()).collect();
        // the safe API with the argument values as they were at the call
        let fa = ndarray::Array2::from_shape_vec((2, 4), f.to_vec()).unwrap();
        let want = gradient::gradient(&fa, &[gradient::Spacing::Coordinates(&x)], Some(&[-1]), 1)
            .unwrap()[0]
            .iter()
            .copied()
            .collect::<Vec<f64>>();
        assert_eq!(got, want);
    }
}

/// Regression (was a bug, fixed in src/ffi/call.rs): the array of output
/// pointers was kept as a slice of the caller's memory while outputs were
/// written. If the pointer array lies inside an earlier output, a lazy read
/// of `out[k]` would send output k to whatever address the computed values
/// spell: here a decoy buffer. `out` is now copied with the other argument
/// arrays before the first store.
#[test]
fn the_out_pointer_array_inside_an_output() {
    use gradient::ffi::*;
    use std::ptr::null;
    let mut buf = vec![0.0f64; 16]; // output 0: 2 x 6 = buf[0..12]
    let mut out1 = vec![f64::NAN; 12]; // where output 1 should go
    let mut decoy = vec![f64::NAN; 12]; // where it must not go
    let out_arr = unsafe { buf.as_mut_ptr().add(8) } as *mut *mut f64; // buf[8..10]
                                                                       // output 0 (axis 0, two rows, edge_order 1) is f[1, j] - f[0, j]; its
                                                                       // element 9 = (1, 3) is where out[1] lives: make it the decoy's address
                                                                       // (a subnormal double: the subtraction and the division by 1 are exact)
    let decoy_bits = f64::from_bits(decoy.as_mut_ptr() as u64);
    let mut f = [0.0f64; 12];
    f[6 + 3] = decoy_bits;
    // and element 8 = (1, 2) keeps out[0] (read before it is overwritten)
    f[6 + 2] = f64::from_bits(buf.as_mut_ptr() as u64);
    let shape = [2i64, 6];
    unsafe {
        out_arr.write(buf.as_mut_ptr());
        out_arr.add(1).write(out1.as_mut_ptr());
        let s = grad_gradient_f64(
            f.as_ptr(),
            2,
            shape.as_ptr(),
            null(),
            2,
            null(),
            0,
            null(),
            1,
            out_arr as *const *mut f64,
            null(),
            null(),
            std::ptr::null_mut(),
        );
        assert_eq!(s, GRAD_STATUS_OK);
    }
    assert!(
        decoy.iter().all(|v| v.is_nan()),
        "output 1 was written to the decoy address computed by output 0"
    );
    assert!(
        out1.iter().all(|v| !v.is_nan()),
        "output 1 was not written where out[1] said"
    );
}
