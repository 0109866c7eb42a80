//! Small calls allocate nothing (issue 3: "a call on a 10-element array
//! must cost well under a microsecond from C (no allocation, no formatting
//! unless an error happens)"). A counting global allocator sees every
//! allocation the library makes on this thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ptr::{null, null_mut};

use gradient::ffi::*;

struct Counting;

thread_local! {
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        COUNT.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        COUNT.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        COUNT.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = COUNT.with(Cell::get);
    f();
    COUNT.with(Cell::get) - before
}

/// `grad_gradient_f64` on C-ordered `f` of `shape` along every axis into
/// `outs`, returning the status and the allocations the call made.
fn counted_call(
    f: &[f64],
    shape: &[i64],
    spacing: &[grad_spacing],
    edge_order: i32,
    outs: &[*mut f64],
) -> (grad_status, usize) {
    let ndim = shape.len() as i32;
    let mut s = -1;
    let n = allocations(|| {
        s = unsafe {
            grad_gradient_f64(
                f.as_ptr(),
                ndim,
                shape.as_ptr(),
                null(),
                ndim,
                null(),
                spacing.len() as i32,
                if spacing.is_empty() {
                    null()
                } else {
                    spacing.as_ptr()
                },
                edge_order,
                outs.as_ptr(),
                null(),
                null(),
                null_mut(),
            )
        };
    });
    (s, n)
}

#[test]
fn counting_allocator_counts() {
    // the test must be able to fail
    assert!(allocations(|| drop(std::hint::black_box(vec![1u8; 3]))) >= 1);
}

#[test]
fn one_dimensional_calls_allocate_nothing() {
    let f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0, 22.0, 29.0, 37.0, 46.0];
    let x = [0.0, 0.5, 1.5, 2.0, 3.0, 4.5, 5.0, 6.0, 6.5, 8.0];
    let shape = [10i64];
    for (kind, delta, edge_order) in [
        (GRAD_SPACING_UNIT, 0.0, 1),
        (GRAD_SPACING_UNIFORM, 0.3, 1),
        (GRAD_SPACING_UNIFORM, 0.3, 2),
        (GRAD_SPACING_COORDINATES, 0.0, 1),
        (GRAD_SPACING_COORDINATES, 0.0, 2),
    ] {
        let mut out = [0.0f64; 10];
        let outs = [out.as_mut_ptr()];
        let sp = [grad_spacing {
            kind,
            delta,
            coords: x.as_ptr(),
            coords_len: 10,
        }];
        let (s, n) = counted_call(&f, &shape, &sp, edge_order, &outs);
        assert_eq!(s, GRAD_STATUS_OK);
        assert!(out.iter().all(|v| v.is_finite() && *v != 0.0));
        // Coordinates too: a lone lane borrows them and computes its
        // coefficients point by point.
        assert_eq!(
            n, 0,
            "kind {kind}, edge_order {edge_order}: {n} allocations"
        );
    }
}

#[test]
fn small_multidimensional_calls_allocate_nothing() {
    // Up to 4 dimensions (what ndarray and this library keep inline).
    for shape in [vec![3i64, 4, 5], vec![2, 3, 2, 5]] {
        let ndim = shape.len();
        let len: i64 = shape.iter().product();
        let f: Vec<f64> = (0..len).map(|i| ((i * i) % 17) as f64).collect();
        let mut o = vec![vec![0.0f64; len as usize]; ndim];
        let outs: Vec<*mut f64> = o.iter_mut().map(|v| v.as_mut_ptr()).collect();
        let (s, n) = counted_call(&f, &shape, &[], 1, &outs);
        assert_eq!(s, GRAD_STATUS_OK);
        assert_eq!(n, 0, "shape {shape:?}: {n} allocations");
    }
}

/// A plan of `shape` along every axis, with `spacing` and `accuracy`.
fn make_plan(
    shape: &[i64],
    spacing: &[grad_spacing],
    edge_order: i32,
    accuracy: i32,
) -> *mut grad_plan {
    let opts = grad_options {
        size: std::mem::size_of::<grad_options>() as u32,
        threads: 1,
        boundaries: null(),
        periods: null(),
        accuracy,
        reserved: 0,
    };
    let mut plan = null_mut();
    let ndim = shape.len() as i32;
    let s = unsafe {
        grad_plan_create(
            &mut plan,
            GRAD_DTYPE_F64,
            ndim,
            shape.as_ptr(),
            null(),
            ndim,
            null(),
            spacing.len() as i32,
            if spacing.is_empty() {
                null()
            } else {
                spacing.as_ptr()
            },
            edge_order,
            null(),
            &opts,
            null_mut(),
        )
    };
    assert_eq!(s, GRAD_STATUS_OK);
    plan
}

#[test]
fn plan_execute_allocates_nothing() {
    // 1-d with every spacing kind, accuracy orders with coordinates (their
    // weight tables are built at create), and 2-d to 4-d blocks.
    let x: Vec<f64> = (0..16).map(|i| (i as f64).powf(1.2)).collect();
    let coords = |n: usize| grad_spacing {
        kind: GRAD_SPACING_COORDINATES,
        delta: 0.0,
        coords: x.as_ptr(),
        coords_len: n as i64,
    };
    let unif = grad_spacing {
        kind: GRAD_SPACING_UNIFORM,
        delta: 0.3,
        coords: null(),
        coords_len: 0,
    };
    let cases: Vec<(Vec<i64>, Vec<grad_spacing>, i32, i32)> = vec![
        (vec![10], vec![], 1, 0),
        (vec![10], vec![unif], 2, 0),
        (vec![10], vec![coords(10)], 1, 0),
        (vec![10], vec![coords(10)], 2, 0),
        (vec![12], vec![coords(12)], 4, 4),
        (vec![12], vec![coords(12)], 8, 8),
        (vec![4, 4], vec![], 1, 0),
        (vec![8, 12], vec![unif, coords(12)], 2, 0),
        (vec![9, 12], vec![coords(9), coords(12)], 3, 6),
        (vec![16, 16, 16], vec![], 1, 0),
        (vec![16, 16, 16], vec![unif, coords(16), unif], 2, 0),
        (vec![2, 3, 4, 5], vec![], 1, 0),
        // Larger than two tiles: the one-thread tiled path.
        (vec![80, 70, 60], vec![], 1, 0),
        (vec![70, 16, 600], vec![unif, coords(16), unif], 2, 0),
    ];
    for (shape, sp, q, p) in cases {
        let plan = make_plan(&shape, &sp, q, p);
        let len: i64 = shape.iter().product();
        let f: Vec<f64> = (0..len).map(|i| ((i * i) % 17) as f64).collect();
        let mut o = vec![vec![0.0f64; len as usize]; shape.len()];
        let outs: Vec<*mut std::ffi::c_void> =
            o.iter_mut().map(|v| v.as_mut_ptr().cast()).collect();
        let mut s = -1;
        let n = allocations(|| {
            s = unsafe { grad_plan_execute(plan, f.as_ptr().cast(), outs.as_ptr(), null_mut()) };
        });
        assert_eq!(s, GRAD_STATUS_OK);
        assert_eq!(n, 0, "shape {shape:?}, accuracy {p}: {n} allocations");
        unsafe { grad_plan_destroy(plan) };
    }
}
