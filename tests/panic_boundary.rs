//! The panic boundary, proven with a real panic inside the kernel.
//!
//! Built only with the test-only cargo feature `test-panic-hook`, which makes
//! the kernel (`run` in src/kernel/mod.rs, which also runs on the worker
//! threads of `options.threads > 1`) panic on any input slab with an extent
//! of 12345. Run with:
//!
//!     cargo test --features test-panic-hook --test panic_boundary
//!
//! (scripts/test.sh runs its whole `cargo test` with the feature.) Every
//! entry point must return GRAD_STATUS_INTERNAL with a filled grad_error,
//! the panic must not unwind into the caller (an unwind across `extern "C"`
//! aborts the process, so the test process surviving is itself the proof),
//! and the library must keep working afterwards.
#![cfg(feature = "test-panic-hook")]

use std::ffi::c_void;
use std::ptr::{null, null_mut};

use gradient::ffi::*;

const MAGIC: i64 = 12345;

fn message(e: &grad_error) -> String {
    let bytes: Vec<u8> = e
        .message
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn blank_error() -> grad_error {
    grad_error {
        status: -7,
        axis: 42,
        message: [1; 256],
    }
}

fn options(threads: i32) -> grad_options {
    grad_options {
        size: std::mem::size_of::<grad_options>() as u32,
        threads,
        boundaries: null(),
        periods: null(),
        accuracy: 0,
        reserved: 0,
    }
}

/// grad_gradient_f64 on a C-contiguous array of `shape`, along `axis`.
fn call_f64(shape: &[i64], axis: i32, threads: i32) -> (grad_status, grad_error) {
    let len: i64 = shape.iter().product();
    let f: Vec<f64> = (0..len).map(|i| (i % 97) as f64).collect();
    let mut out = vec![0.0f64; len as usize];
    let outs = [out.as_mut_ptr()];
    let axes = [axis];
    let opts = options(threads);
    let mut err = blank_error();
    let s = unsafe {
        grad_gradient_f64(
            f.as_ptr(),
            shape.len() as i32,
            shape.as_ptr(),
            null(),
            1,
            axes.as_ptr(),
            0,
            null(),
            1,
            outs.as_ptr(),
            null(),
            &opts,
            &mut err,
        )
    };
    (s, err)
}

fn assert_internal(s: grad_status, err: &grad_error, what: &str, needle: &str) {
    assert_eq!(s, GRAD_STATUS_INTERNAL, "{what}: status");
    assert_eq!(err.status, GRAD_STATUS_INTERNAL, "{what}: err.status");
    assert_eq!(err.axis, -1, "{what}: err.axis");
    let m = message(err);
    assert!(
        m.starts_with("internal error (a bug in gradient") && m.contains(needle),
        "{what}: message {m:?} lacks {needle:?}"
    );
}

/// The library still computes correct results after a caught panic.
fn still_works() {
    let f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
    let shape = [6i64];
    let mut out = [0.0f64; 6];
    let outs = [out.as_mut_ptr()];
    let s = unsafe {
        grad_gradient_f64(
            f.as_ptr(),
            1,
            shape.as_ptr(),
            null(),
            1,
            null(),
            0,
            null(),
            1,
            outs.as_ptr(),
            null(),
            null(),
            null_mut(),
        )
    };
    assert_eq!(s, GRAD_STATUS_OK);
    assert_eq!(out, [1.0, 1.5, 2.5, 3.5, 4.5, 5.0]);
}

#[test]
fn a_panic_on_the_calling_thread_is_internal() {
    let (s, err) = call_f64(&[MAGIC], 0, 1);
    assert_internal(s, &err, "1-d, one thread", "test-panic-hook");
    let (s, err) = call_f64(&[3, MAGIC], 0, 1);
    assert_internal(s, &err, "2-d along axis 0", "test-panic-hook");
    // err == NULL: the status alone.
    let f = vec![0.0f64; MAGIC as usize];
    let mut out = vec![0.0f64; MAGIC as usize];
    let outs = [out.as_mut_ptr()];
    let shape = [MAGIC];
    let s = unsafe {
        grad_gradient_f64(
            f.as_ptr(),
            1,
            shape.as_ptr(),
            null(),
            1,
            null(),
            0,
            null(),
            1,
            outs.as_ptr(),
            null(),
            null(),
            null_mut(),
        )
    };
    assert_eq!(s, GRAD_STATUS_INTERNAL);
    still_works();
}

// Which thread meets a slab of extent 12345 follows from how a call is cut.
// These calls are C-contiguous, so they take the dense path (execute_dense in
// src/api.rs): threads start only for arrays of 2^18 elements or more
// (MIN_PARALLEL_LEN); with threads = 2 the worker takes the first floor(m / 2)
// rows of the outermost dimension and the calling thread the rest; each
// thread walks its rows in tiles of 256 KiB of input (TILE_BYTES: 32768 rows
// of a 1-d f64 array, 16384 of an (m, 2) one), and the hook looks at a
// tile's row count. So, for 1-d arrays of n points:
//   n = 286835: worker run 143417 = 4 x 32768 + 12345 (worker only; the
//     caller's run 143418 ends in a tile of 12346);
//   n = 286833: the caller's run 143417 ends in 12345 (caller only; the
//     worker's 143416 in 12344);
//   n = 286834: both.
// Each shape is also run with threads = 1 (tiles of 32768 from row 0, none
// of 12345 rows), which must succeed: if the constants change, these
// tests fail rather than pass without a panic on the intended thread.
const WORKER_ONLY: [i64; 1] = [286835];
const CALLER_ONLY: [i64; 1] = [286833];
const BOTH: [i64; 1] = [286834];
/// (m, 2) along axis 0: the worker's run 77881 = 4 x 16384 + 12345.
const WORKER_ONLY_2D: [i64; 2] = [155763, 2];

fn assert_ok_with_one_thread(shape: &[i64], axis: i32) {
    let (s, err) = call_f64(shape, axis, 1);
    assert_eq!(
        s,
        GRAD_STATUS_OK,
        "shape {shape:?} with threads = 1 must not meet the hook ({}); the tiling \
         changed: recompute the shapes above",
        message(&err)
    );
}

/// Only the worker panics. The scope re-raises it on the calling thread
/// after joining ("a scoped thread panicked"), and the boundary catches that.
#[test]
fn a_panic_on_a_worker_thread_is_internal() {
    assert_ok_with_one_thread(&WORKER_ONLY, 0);
    let (s, err) = call_f64(&WORKER_ONLY, 0, 2);
    assert_internal(s, &err, "worker thread only", "a scoped thread panicked");
    assert_ok_with_one_thread(&WORKER_ONLY_2D, 0);
    let (s, err) = call_f64(&WORKER_ONLY_2D, 0, 2);
    assert_internal(s, &err, "worker, (m, 2) array", "a scoped thread panicked");
    still_works();
}

/// The other way round: the calling thread's slab panics while the worker
/// runs; the scope joins the worker first.
#[test]
fn a_panic_on_the_calling_thread_while_a_worker_runs_is_internal() {
    assert_ok_with_one_thread(&CALLER_ONLY, 0);
    let (s, err) = call_f64(&CALLER_ONLY, 0, 2);
    assert_internal(s, &err, "calling thread, worker running", "test-panic-hook");
    assert_ok_with_one_thread(&BOTH, 0);
    let (s, err) = call_f64(&BOTH, 0, 2);
    assert_internal(s, &err, "both threads", "");
    still_works();
}

#[test]
fn every_entry_point_reports_internal() {
    let n = MAGIC as usize;
    let shape = [MAGIC];
    // u128 elements: 16 bytes, 16-aligned, big enough for every dtype
    let f = vec![0u128; n];
    let mut out_buf = vec![0u128; n];
    let fp = f.as_ptr() as *const c_void;
    let outs = [out_buf.as_mut_ptr() as *mut c_void];
    for threads in [1, 2] {
        let opts = options(threads);
        for dtype in 0..=11 {
            let mut err = blank_error();
            let s = unsafe {
                grad_gradient(
                    dtype,
                    fp,
                    1,
                    shape.as_ptr(),
                    null(),
                    1,
                    null(),
                    0,
                    null(),
                    1,
                    outs.as_ptr(),
                    null(),
                    &opts,
                    &mut err,
                )
            };
            assert_internal(
                s,
                &err,
                &format!("grad_gradient dtype {dtype}"),
                "test-panic-hook",
            );
        }
        let mut err = blank_error();
        let s = unsafe {
            grad_gradient_f32(
                fp.cast(),
                1,
                shape.as_ptr(),
                null(),
                1,
                null(),
                0,
                null(),
                2,
                outs.as_ptr().cast(),
                null(),
                &opts,
                &mut err,
            )
        };
        assert_internal(s, &err, "grad_gradient_f32", "test-panic-hook");
        let mut err = blank_error();
        let s = unsafe {
            grad_gradient_c64(
                fp.cast(),
                1,
                shape.as_ptr(),
                null(),
                1,
                null(),
                0,
                null(),
                1,
                outs.as_ptr().cast(),
                null(),
                &opts,
                &mut err,
            )
        };
        assert_internal(s, &err, "grad_gradient_c64", "test-panic-hook");
        let mut err = blank_error();
        let s = unsafe {
            grad_gradient_c128(
                fp.cast(),
                1,
                shape.as_ptr(),
                null(),
                1,
                null(),
                0,
                null(),
                1,
                outs.as_ptr().cast(),
                null(),
                &opts,
                &mut err,
            )
        };
        assert_internal(s, &err, "grad_gradient_c128", "test-panic-hook");
    }
    still_works();
}

/// Panics caught on several caller threads at once, over and over, with
/// threads = 2 inside each: every call reports INTERNAL, the process lives,
/// and good calls interleaved with them stay correct.
#[test]
fn panics_on_many_threads_at_once() {
    let rounds = 20;
    std::thread::scope(|s| {
        for t in 0..4 {
            s.spawn(move || {
                for r in 0..rounds {
                    let shape: &[i64] = match (t + r) % 3 {
                        0 => &[MAGIC],
                        1 => &WORKER_ONLY,
                        _ => &CALLER_ONLY,
                    };
                    let (st, err) = call_f64(shape, 0, 2);
                    assert_internal(st, &err, "concurrent", "");
                    still_works();
                }
            });
        }
    });
    still_works();
}
