//! Limits of the C ABI and the safe API: element counts and address ranges
//! that overflow 64 bits, strides near i64::MAX, ndim = 64, axes of exactly
//! edge_order + 1 points, empty arrays, arrays of more than 2^31 elements
//! (validated on paper here; one real 8 GiB + 8 GiB run is `#[ignore]`d:
//! `cargo test --release --test limits -- --ignored --nocapture`).
//!
//! Calls that must fail are made with real (small) buffers filled with a
//! pattern, and every one of them is checked to leave the pattern intact:
//! the library validates everything before it touches memory, so an
//! enormous shape on a small buffer is safe as long as some argument is
//! refused.

mod common;

use std::ffi::c_void;
use std::ptr::{null, null_mut};

use common::reference::{self, first_difference, Prec, RCall, RSpacing};
use gradient::ffi::*;
use gradient::{gradient, GradientError, Spacing};
use ndarray::{ArrayD, IxDyn};

const PATTERN: u64 = 0x7ff4_dead_beef_0a5a;

fn unit() -> grad_spacing {
    grad_spacing {
        kind: GRAD_SPACING_UNIT,
        delta: 0.0,
        coords: null(),
        coords_len: 0,
    }
}

fn uniform(h: f64) -> grad_spacing {
    grad_spacing {
        kind: GRAD_SPACING_UNIFORM,
        delta: h,
        coords: null(),
        coords_len: 0,
    }
}

fn coords(x: &[f64]) -> grad_spacing {
    grad_spacing {
        kind: GRAD_SPACING_COORDINATES,
        delta: 0.0,
        coords: x.as_ptr(),
        coords_len: x.len() as i64,
    }
}

/// One grad_gradient call; `ndim` defaults to shape.len().
#[derive(Clone)]
struct Call<'a> {
    dtype: i32,
    f: *const c_void,
    ndim: Option<i32>,
    shape: &'a [i64],
    strides: Option<&'a [i64]>,
    axes: Option<&'a [i32]>,
    naxes: Option<i32>,
    spacing: &'a [grad_spacing],
    edge_order: i32,
    out: Vec<*mut c_void>,
    out_strides: Option<&'a [i64]>,
    options: Option<grad_options>,
}

impl<'a> Call<'a> {
    fn new(f: *const c_void, shape: &'a [i64], out: Vec<*mut c_void>) -> Self {
        Call {
            dtype: GRAD_DTYPE_F64,
            f,
            ndim: None,
            shape,
            strides: None,
            axes: None,
            naxes: None,
            spacing: &[],
            edge_order: 1,
            out,
            out_strides: None,
            options: None,
        }
    }

    fn run(&self) -> (grad_status, String, i32) {
        let mut err = grad_error {
            status: -1,
            axis: -2,
            message: [0; 256],
        };
        let ndim = self.ndim.unwrap_or(self.shape.len() as i32);
        let naxes = self
            .naxes
            .unwrap_or(self.axes.map_or(ndim, |a| a.len() as i32));
        let s = unsafe {
            grad_gradient(
                self.dtype,
                self.f,
                ndim,
                self.shape.as_ptr(),
                self.strides.map_or(null(), |s| s.as_ptr()),
                naxes,
                self.axes.map_or(null(), |a| a.as_ptr()),
                self.spacing.len() as i32,
                if self.spacing.is_empty() {
                    null()
                } else {
                    self.spacing.as_ptr()
                },
                self.edge_order,
                self.out.as_ptr(),
                self.out_strides.map_or(null(), |s| s.as_ptr()),
                self.options.as_ref().map_or(null(), |o| o as *const _),
                &mut err,
            )
        };
        assert_eq!(err.status, s);
        let msg: Vec<u8> = err
            .message
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        (s, String::from_utf8_lossy(&msg).into_owned(), err.axis)
    }
}

/// Small real buffers: an input and `n` outputs, all PATTERN.
struct Bufs {
    f: Vec<u64>,
    outs: Vec<Vec<u64>>,
}

impl Bufs {
    fn new(len: usize, n: usize) -> Bufs {
        Bufs {
            f: vec![PATTERN; len],
            outs: vec![vec![PATTERN; len]; n],
        }
    }
    fn f(&self) -> *const c_void {
        self.f.as_ptr() as *const c_void
    }
    fn out(&mut self) -> Vec<*mut c_void> {
        self.outs
            .iter_mut()
            .map(|o| o.as_mut_ptr() as *mut c_void)
            .collect()
    }
    fn untouched(&self) -> bool {
        self.f
            .iter()
            .chain(self.outs.iter().flatten())
            .all(|&w| w == PATTERN)
    }
}

/// `call` must fail with `status`, leaving `bufs` untouched.
fn refused(bufs: &Bufs, call: &Call<'_>, status: grad_status, what: &str) -> String {
    let (s, msg, _) = call.run();
    assert_eq!(s, status, "{what}: status {s} ({msg}), expected {status}");
    assert!(!msg.is_empty(), "{what}: empty message");
    assert!(bufs.untouched(), "{what}: a buffer was written");
    msg
}

#[test]
fn element_counts_that_overflow_are_invalid_shape() {
    let mut b = Bufs::new(16, 2);
    let out = b.out();
    let two64 = vec![2i64; 64];
    let cases: Vec<(Vec<i64>, i32, &str)> = vec![
        (vec![1 << 32, 1 << 32], GRAD_DTYPE_F64, "2^64 elements"),
        (vec![i64::MAX], GRAD_DTYPE_F64, "i64::MAX elements"),
        (vec![1 << 61], GRAD_DTYPE_F64, "2^61 doubles = 2^64 bytes"),
        (vec![1 << 60], GRAD_DTYPE_C128, "2^60 complex = 2^64 bytes"),
        (
            vec![1 << 61],
            GRAD_DTYPE_U8,
            "2^61 bytes in, 2^64 bytes out",
        ),
        (vec![1 << 62], GRAD_DTYPE_F32, "2^62 floats = 2^64 bytes"),
        (two64, GRAD_DTYPE_I8, "64 dimensions of 2"),
        (vec![3, i64::MAX / 2], GRAD_DTYPE_F64, "3 * (i64::MAX / 2)"),
        (
            vec![1 << 40, 1 << 40, 0],
            GRAD_DTYPE_F64,
            "empty, but 2^80 nonzero",
        ),
        (vec![5, -1], GRAD_DTYPE_F64, "negative extent"),
        (vec![i64::MIN], GRAD_DTYPE_F64, "i64::MIN extent"),
    ];
    for (shape, dtype, what) in &cases {
        let axes = [0i32];
        let mut c = Call::new(b.f(), shape, out.clone());
        c.dtype = *dtype;
        c.axes = Some(&axes);
        refused(&b, &c, GRAD_STATUS_INVALID_SHAPE, what);
        // and with every axis and a NULL strides array
        let c = Call::new(b.f(), shape, vec![out[0]; shape.len()]);
        refused(&b, &c, GRAD_STATUS_INVALID_SHAPE, what);
    }
    // isize::MAX bytes is the most a Rust view may span: 2^59 doubles
    // (2^62 bytes) pass validation on paper.
    let shape = [1i64 << 59];
    let axes = [0i32];
    let mut c = Call::new(b.f(), &shape, vec![null_mut()]);
    c.axes = Some(&axes);
    let msg = refused(
        &b,
        &c,
        GRAD_STATUS_NULL_POINTER,
        "2^59 doubles, out[0] NULL",
    );
    assert!(msg.contains("out[0]"), "{msg}");
}

#[test]
fn more_than_2_31_elements_pass_validation_on_paper() {
    // Nothing is read before every argument is valid, so these shapes can be
    // validated against small buffers: a NULL output (checked last, docs/reference.md
    // Part B) is the only error, which proves that the shape, strides, axes,
    // spacing, options and axis-length checks all accepted them.
    let b = Bufs::new(16, 1);
    let big = (1i64 << 31) + 3;
    let shapes: Vec<(Vec<i64>, Option<Vec<i64>>)> = vec![
        (vec![big], None),
        (vec![big], Some(vec![-1])),
        (vec![2, big], Some(vec![1, 2])),
        (vec![1 << 16, 1 << 16], None),
        (vec![3, 1 << 31, 2], None),
        (vec![1 << 40], None),
        (vec![(1 << 31) - 1, 3], Some(vec![-3, 1])),
    ];
    for dtype in [
        GRAD_DTYPE_F32,
        GRAD_DTYPE_F64,
        GRAD_DTYPE_C128,
        GRAD_DTYPE_I8,
    ] {
        for (shape, strides) in &shapes {
            let mut axes: Vec<i32> = (0..shape.len() as i32).collect();
            axes.reverse();
            let out = vec![null_mut(); axes.len()];
            let mut c = Call::new(b.f(), shape, out);
            c.dtype = dtype;
            c.strides = strides.as_deref();
            c.axes = Some(&axes);
            let sp = [uniform(0.5)];
            c.spacing = &sp;
            let (s, msg, axis) = c.run();
            assert_eq!(s, GRAD_STATUS_NULL_POINTER, "{shape:?} {strides:?}: {msg}");
            assert!(msg.starts_with("out[0] is NULL"), "{msg}");
            assert_eq!(axis, 0);
            assert!(b.untouched());
        }
    }
    // The same shape with a broken later argument reports that argument.
    let shape = [big];
    let mut c = Call::new(b.f(), &shape, vec![null_mut()]);
    c.dtype = GRAD_DTYPE_F32;
    c.edge_order = 3;
    refused(
        &b,
        &c,
        GRAD_STATUS_INVALID_EDGE_ORDER,
        "2^31+3, edge_order 3",
    );
    // Coordinates must have exactly shape[axis] values.
    let x = [0.0, 1.0, 2.0];
    let sp = [coords(&x)];
    let mut c = Call::new(b.f(), &shape, vec![null_mut()]);
    c.spacing = &sp;
    refused(
        &b,
        &c,
        GRAD_STATUS_INVALID_SPACING,
        "2^31+3 points, 3 coordinates",
    );
    // The safe API validates shapes the same way (no memory needed).
    let plan = gradient::Plan::new(&[big as usize, 3], &[], None, 2).unwrap();
    assert_eq!(plan.out_shape(), &[big as usize, 3]);
}

#[test]
fn strides_near_i64_max() {
    let mut b = Bufs::new(64, 2);
    let out = b.out();
    let addr = b.f.as_ptr() as i64;
    let cases: Vec<(Vec<i64>, Vec<i64>, &str)> = vec![
        (vec![2], vec![i64::MAX], "i64::MAX"),
        (vec![2], vec![i64::MIN], "i64::MIN"),
        (
            vec![2],
            vec![i64::MAX / 8],
            "(i64::MAX / 8) doubles: bytes overflow",
        ),
        (vec![3], vec![i64::MAX / 2], "2 * (i64::MAX / 2) * 8"),
        (
            vec![2, 2],
            vec![i64::MAX / 12, i64::MAX / 12],
            "the sum of two spans",
        ),
        (vec![2], vec![-(addr / 8) - 1], "below address 0"),
        (
            vec![1 << 20, 1 << 20],
            vec![1 << 42, 1 << 43],
            "2^20 * 2^43 + 2^20 * 2^42",
        ),
    ];
    for (shape, strides, what) in &cases {
        let mut c = Call::new(b.f(), shape, out[..shape.len()].to_vec());
        c.strides = Some(strides);
        let msg = refused(&b, &c, GRAD_STATUS_INVALID_STRIDES, what);
        assert!(msg.contains("address range"), "{what}: {msg}");
    }
    // Large but representable strides are accepted (the caller promises the
    // memory): a later error proves it.
    let shape = [2i64];
    let strides = [1i64 << 56];
    let mut c = Call::new(b.f(), &shape, out[..1].to_vec());
    c.strides = Some(&strides);
    c.edge_order = 0;
    refused(
        &b,
        &c,
        GRAD_STATUS_INVALID_EDGE_ORDER,
        "2^56 stride accepted",
    );
    // Output strides: overflow, zero on an extent > 1, overlapping elements.
    let shape = [3i64, 2];
    for (os, status, what) in [
        (
            vec![i64::MAX, 1, 2, 1],
            GRAD_STATUS_INVALID_STRIDES,
            "out i64::MAX",
        ),
        (
            vec![2, i64::MIN, 2, 1],
            GRAD_STATUS_INVALID_STRIDES,
            "out i64::MIN",
        ),
        (
            vec![0, 1, 2, 1],
            GRAD_STATUS_INVALID_STRIDES,
            "out stride 0",
        ),
        (
            vec![2, 1, 1, 1],
            GRAD_STATUS_INVALID_STRIDES,
            "out[1] elements overlap",
        ),
        (
            vec![2, 1, 2, 2],
            GRAD_STATUS_INVALID_STRIDES,
            "out[1] (1, 0) and (0, 1) coincide",
        ),
    ] {
        let mut c = Call::new(b.f(), &shape, out.clone());
        c.out_strides = Some(&os);
        refused(&b, &c, status, what);
    }
}

#[test]
fn huge_strides_on_extent_one_dimensions_are_harmless() {
    // An extent-1 dimension never steps: its stride does not matter, even
    // i64::MAX or i64::MIN + 1, for the input and for the outputs. (i64::MIN
    // itself: see the test below.)
    let f = [1.0, 2.0, 4.0, 7.0, 11.0];
    for (shape, strides, axes) in [
        ([1i64, 5], [i64::MAX, 1], [1i32]),
        ([5, 1], [1, i64::MIN + 1], [0]),
    ] {
        let mut out = vec![f64::from_bits(PATTERN); 5];
        let os = if shape[0] == 1 {
            [i64::MIN + 1, 1]
        } else {
            [1, i64::MAX]
        };
        let mut c = Call::new(
            f.as_ptr() as *const c_void,
            &shape,
            vec![out.as_mut_ptr() as *mut c_void],
        );
        c.strides = Some(&strides);
        c.axes = Some(&axes);
        c.out_strides = Some(&os);
        let (s, msg, _) = c.run();
        assert_eq!(s, GRAD_STATUS_OK, "{msg}");
        assert_eq!(out, [1.0, 1.5, 2.5, 3.5, 4.0]);
    }
    // A zero input stride on an extent > 1 is a broadcast input: valid.
    let f = [3.0, 5.0];
    let shape = [4i64, 2];
    let strides = [0i64, 1];
    let mut o0 = vec![f64::NAN; 8];
    let mut o1 = vec![f64::NAN; 8];
    let mut c = Call::new(
        f.as_ptr() as *const c_void,
        &shape,
        vec![
            o0.as_mut_ptr() as *mut c_void,
            o1.as_mut_ptr() as *mut c_void,
        ],
    );
    c.strides = Some(&strides);
    let (s, msg, _) = c.run();
    assert_eq!(s, GRAD_STATUS_OK, "{msg}");
    assert_eq!(o0, [0.0; 8]);
    assert_eq!(o1, [2.0; 8]);
}

/// Regression (was a bug, fixed in src/ffi/call.rs `normalise`): a stride of
/// exactly i64::MIN on an extent-1 dimension passes validation (an extent-1
/// dimension spans no bytes), and used to reach ndarray as the stride 2^63,
/// a negative isize: a panic (GRAD_STATUS_INTERNAL) in debug builds and a
/// view that broke `from_shape_ptr`'s contract in release builds. Strides of
/// extent-0 and extent-1 dimensions are now set to 0 before any view is
/// built. Same for an output stride.
#[test]
fn stride_i64_min_on_an_extent_one_dimension() {
    let f = [1.0, 2.0, 4.0, 7.0, 11.0];
    let shape = [1i64, 5];
    let axes = [1i32];
    for (is, os) in [([i64::MIN, 1], [5i64, 1]), ([5, 1], [i64::MIN, 1])] {
        let mut out = [f64::from_bits(PATTERN); 5];
        let mut c = Call::new(
            f.as_ptr() as *const c_void,
            &shape,
            vec![out.as_mut_ptr() as *mut c_void],
        );
        c.strides = Some(&is);
        c.out_strides = Some(&os);
        c.axes = Some(&axes);
        let (s, msg, _) = c.run();
        assert_eq!(
            s, GRAD_STATUS_OK,
            "strides {is:?}, out_strides {os:?}: {msg}"
        );
        assert_eq!(out, [1.0, 1.5, 2.5, 3.5, 4.0]);
    }
}

/// The reference and the C ABI on a 64-dimensional array.
#[test]
fn sixty_four_dimensions() {
    // 12 dimensions of 2 (4096 elements) among 64, differentiated together,
    // plus one of 3 with coordinates.
    let mut shape = vec![1usize; 64];
    let twos = [0usize, 3, 7, 12, 20, 21, 33, 40, 47, 55, 60, 63];
    for &d in &twos {
        shape[d] = 2;
    }
    shape[30] = 3;
    let len: usize = shape.iter().product();
    let values: Vec<f64> = (0..len)
        .map(|i| ((i * 7919) % 1000) as f64 * 0.25)
        .collect();
    let f = ArrayD::from_shape_vec(IxDyn(&shape), values.clone()).unwrap();
    let mut axes: Vec<isize> = twos.iter().map(|&d| d as isize).collect();
    axes.push(30 - 64);
    let x = vec![0.0, 0.5, 2.0];
    let mut spacing = vec![RSpacing::Unit; twos.len()];
    spacing[4] = RSpacing::Uniform(-0.25);
    spacing.push(RSpacing::Coords(x.clone()));
    let call = RCall {
        spacing: spacing.clone(),
        axes: Some(axes.clone()),
        edge_order: 1,
        boundaries: vec![],
    };
    let want = reference::gradient(&f.view(), &call, Prec::F64).unwrap();
    // safe API
    let sp: Vec<Spacing<'_>> = spacing.iter().map(common::to_spacing).collect();
    let got = gradient(&f, &sp, Some(&axes), 1).unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert!(first_difference(&g.view(), &w.view()).is_none());
    }
    // C ABI
    let shape64: Vec<i64> = shape.iter().map(|&n| n as i64).collect();
    let axes32: Vec<i32> = axes.iter().map(|&a| a as i32).collect();
    let mut csp = vec![unit(); twos.len()];
    csp[4] = uniform(-0.25);
    csp.push(coords(&x));
    let mut outs = vec![vec![0.0f64; len]; axes.len()];
    let mut c = Call::new(
        values.as_ptr() as *const c_void,
        &shape64,
        outs.iter_mut()
            .map(|o| o.as_mut_ptr() as *mut c_void)
            .collect(),
    );
    c.axes = Some(&axes32);
    c.spacing = &csp;
    let (s, msg, _) = c.run();
    assert_eq!(s, GRAD_STATUS_OK, "{msg}");
    for (o, w) in outs.iter().zip(&want) {
        assert!(o.iter().zip(w.iter()).all(|(a, b)| a == b));
    }
    // Every one of the 64 axes: all extent 1 is too short at axes[0]; 64
    // extents of 2 overflow; ndim 65 is refused before shape is read.
    let mut b = Bufs::new(8, 64);
    let ones = vec![1i64; 64];
    let out = b.out();
    let c = Call::new(b.f(), &ones, out.clone());
    let (s, _, axis) = c.run();
    assert_eq!((s, axis), (GRAD_STATUS_SHAPE_TOO_SMALL, 0));
    assert!(b.untouched());
    let mut c = Call::new(b.f(), &ones, out.clone());
    c.ndim = Some(65);
    refused(&b, &c, GRAD_STATUS_INVALID_NDIM, "ndim 65");
    for nd in [0, -1, i32::MIN, i32::MAX] {
        c.ndim = Some(nd);
        refused(&b, &c, GRAD_STATUS_INVALID_NDIM, "ndim");
    }
    // Safe API: 65 dimensions.
    let f65 = ArrayD::<f64>::zeros(IxDyn(&[1; 65]));
    assert_eq!(
        gradient(&f65, &[], Some(&[0]), 1).unwrap_err(),
        GradientError::InvalidNdim(65)
    );
}

#[test]
fn axes_of_exactly_edge_order_plus_one_points() {
    for e in [1i64, 2] {
        let n = e as usize + 1;
        for sp in [
            RSpacing::Unit,
            RSpacing::Uniform(-0.3),
            RSpacing::Coords((0..n).map(|i| i as f64 * 0.5).collect()),
            RSpacing::Coords((0..n).map(|i| (i * i) as f64 + 0.1).collect()),
            RSpacing::Coords((0..n).map(|i| -((i * i) as f64)).collect()),
        ] {
            for (shape, axis) in [
                (vec![n], 0isize),
                (vec![4, n], 1),
                (vec![n, 3], 0),
                (vec![n, 40], 0),
            ] {
                let len: usize = shape.iter().product();
                let values: Vec<f64> = (0..len).map(|i| ((i * 37) % 11) as f64 - 3.5).collect();
                let f = ArrayD::from_shape_vec(IxDyn(&shape), values.clone()).unwrap();
                let call = RCall {
                    spacing: vec![sp.clone()],
                    axes: Some(vec![axis]),
                    edge_order: e,
                    boundaries: vec![],
                };
                let want = reference::gradient(&f.view(), &call, Prec::F64).unwrap();
                let got =
                    gradient(&f, &[common::to_spacing(&sp)], Some(&[axis]), e as usize).unwrap();
                assert!(
                    first_difference(&got[0].view(), &want[0].view()).is_none(),
                    "{shape:?} {sp:?} e{e}"
                );
                // one point fewer is SHAPE_TOO_SMALL
                let mut short = shape.clone();
                short[axis as usize] -= 1;
                let fs = ArrayD::<f64>::zeros(IxDyn(&short));
                let sp2 = match &sp {
                    RSpacing::Coords(x) => RSpacing::Coords(x[..n - 1].to_vec()),
                    s => s.clone(),
                };
                let err = gradient(&fs, &[common::to_spacing(&sp2)], Some(&[axis]), e as usize)
                    .unwrap_err();
                assert!(
                    matches!(err, GradientError::ShapeTooSmall { index: 0, .. }),
                    "{err}"
                );
            }
        }
    }
    // Through the C ABI: 2 points with edge_order 1 and 2.
    let f = [3.0, 5.0];
    let shape = [2i64];
    let mut o = [f64::from_bits(PATTERN); 2];
    let mut c = Call::new(
        f.as_ptr() as *const c_void,
        &shape,
        vec![o.as_mut_ptr() as *mut c_void],
    );
    let (s, _, _) = c.run();
    assert_eq!((s, o), (GRAD_STATUS_OK, [2.0, 2.0]));
    let mut o2 = [f64::from_bits(PATTERN); 2];
    c.out = vec![o2.as_mut_ptr() as *mut c_void];
    c.edge_order = 2;
    let (s, msg, axis) = c.run();
    assert_eq!((s, axis), (GRAD_STATUS_SHAPE_TOO_SMALL, 0), "{msg}");
    assert!(o2.iter().all(|v| v.to_bits() == PATTERN));
}

#[test]
fn empty_arrays() {
    let mut b = Bufs::new(8, 2);
    let out = b.out();
    // Enough points on the differentiated axis: OK, nothing written.
    for (shape, axes) in [
        (vec![0i64, 3], vec![1i32]),
        (vec![3, 0, 4], vec![0, 2]),
        (vec![0, 0, 2], vec![-1]),
    ] {
        let mut c = Call::new(b.f(), &shape, out[..axes.len()].to_vec());
        c.axes = Some(&axes);
        let (s, msg, _) = c.run();
        assert_eq!(s, GRAD_STATUS_OK, "{shape:?}: {msg}");
        assert!(b.untouched());
        // Strides are irrelevant when nothing is addressed.
        let strides = vec![i64::MAX; shape.len()];
        c.strides = Some(&strides);
        let (s, msg, _) = c.run();
        assert_eq!(s, GRAD_STATUS_OK, "{shape:?}: {msg}");
        assert!(b.untouched());
    }
    // Too few points on a differentiated axis of an empty array.
    let shape = [0i64, 3];
    let axes = [0i32];
    let mut c = Call::new(b.f(), &shape, out[..1].to_vec());
    c.axes = Some(&axes);
    refused(&b, &c, GRAD_STATUS_SHAPE_TOO_SMALL, "[0, 3] axis 0");
    let shape = [0i64];
    let c = Call::new(b.f(), &shape, out[..1].to_vec());
    refused(&b, &c, GRAD_STATUS_SHAPE_TOO_SMALL, "[0]");
    // NULL is NULL even when empty; alignment is still checked.
    let shape = [0i64, 3];
    let axes = [1i32];
    let mut c = Call::new(null(), &shape, out[..1].to_vec());
    c.axes = Some(&axes);
    refused(&b, &c, GRAD_STATUS_NULL_POINTER, "f NULL, empty");
    c.f = (b.f() as *const u8).wrapping_add(1) as *const c_void;
    refused(&b, &c, GRAD_STATUS_MISALIGNED, "f misaligned, empty");
    // Safe API
    let f = ArrayD::<f64>::zeros(IxDyn(&[0, 3]));
    let g = gradient(&f, &[], Some(&[1]), 2).unwrap();
    assert_eq!(g[0].shape(), &[0, 3]);
}

/// One real call on 2^31 + 3 float32 elements (8 GiB in, 8 GiB out): run by
/// hand, in release mode, on a machine with ~17 GiB free:
///
///     cargo test --release --test limits -- --ignored --nocapture
#[test]
#[ignore = "needs ~17 GiB of memory and a minute: run by hand"]
fn two_to_the_31_plus_3_float32_elements() {
    use std::time::Instant;
    let n: usize = (1 << 31) + 3;
    let value = |i: usize| (i % 1000) as f32;
    let t = Instant::now();
    let f: Vec<f32> = (0..n).map(value).collect();
    let mut out: Vec<f32> = vec![f32::NAN; n];
    eprintln!(
        "allocated and filled 2 x {} GiB in {:.1?}",
        (n * 4) >> 30,
        t.elapsed()
    );
    let shape = [n as i64];
    let sp = [uniform(0.5)];
    let mut c = Call::new(
        f.as_ptr() as *const c_void,
        &shape,
        vec![out.as_mut_ptr() as *mut c_void],
    );
    c.dtype = GRAD_DTYPE_F32;
    c.spacing = &sp;
    c.edge_order = 2;
    let t = Instant::now();
    let (s, msg, _) = c.run();
    let took = t.elapsed();
    assert_eq!(s, GRAD_STATUS_OK, "{msg}");
    eprintln!("grad_gradient(GRAD_DTYPE_F32, shape [{n}], h = 0.5, edge_order 2): {took:.2?}");
    // docs/numerics.md for f32 data and a step: float32 arithmetic, coefficients
    // from double.
    let h = 0.5f64;
    let two_h = (2.0 * h) as f32;
    let expect = |i: usize| -> f32 {
        if i == 0 {
            ((-1.5 / h) as f32 * value(0) + (2.0 / h) as f32 * value(1))
                + (-0.5 / h) as f32 * value(2)
        } else if i == n - 1 {
            ((0.5 / h) as f32 * value(n - 3) + (-2.0 / h) as f32 * value(n - 2))
                + (1.5 / h) as f32 * value(n - 1)
        } else {
            (value(i + 1) - value(i - 1)) / two_h
        }
    };
    let t = Instant::now();
    let bad = (0..n)
        .filter(|&i| out[i].to_bits() != expect(i).to_bits())
        .count();
    eprintln!(
        "checked all {n} outputs in {:.1?}: {bad} differ",
        t.elapsed()
    );
    assert_eq!(bad, 0);
    // The points past 2^31 (where 32-bit index arithmetic would wrap).
    for i in [(1usize << 31) - 1, 1 << 31, (1 << 31) + 1, n - 1] {
        eprintln!("out[{i}] = {}", out[i]);
    }
    assert_eq!(out[n - 1], expect(n - 1));
}
