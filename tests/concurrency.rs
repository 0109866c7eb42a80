//! Concurrency: many threads calling the C ABI and the safe API at once,
//! on inputs of their own and on shared read-only inputs, with results
//! identical to serial calls; and callers that use `threads = 2` (the
//! library's own worker threads) from inside each of several threads.
//!
//! docs/reference.md: no global state, every function thread-safe and reentrant,
//! results independent of `threads`. The number of calls made is printed;
//! scale with `GRADIENT_PROP_CASES`.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::ffi_case::{same_value, FfiCase};
use common::gen::{cases, seed, Rng, Source};
use gradient::ffi::GRAD_STATUS_OK;
use gradient::{gradient_with, Options, Spacing};
use ndarray::{ArrayD, IxDyn};

/// The output elements of `case` after calling it (on a private copy of the
/// buffers), reading the input at `f` (the case's own input when None) with
/// `threads`.
fn run(case: &FfiCase, f: Option<*const u8>, threads: i32) -> Vec<Vec<u8>> {
    let mut own = case.clone();
    if threads != 1 {
        own.options_null = false;
    }
    own.threads = threads;
    let mut args = own.args();
    if let Some(p) = f {
        args.f = p;
    }
    let out = unsafe { args.invoke() };
    assert_eq!(
        out.status, GRAD_STATUS_OK,
        "shape {:?} call {:?}",
        case.shape, case.call
    );
    let osz = common::ffi_case::elem_sizes(case.dtype).1;
    own.outs
        .iter()
        .map(|o| {
            let b = o.buf.bytes();
            o.offsets(&case.out_shape)
                .iter()
                .flat_map(|&off| b[off..off + osz].to_vec())
                .collect()
        })
        .collect()
}

fn same_outputs(dtype: i32, a: &[Vec<u8>], b: &[Vec<u8>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.len() == y.len() && same_value(dtype, x, y))
}

/// Pointers cross threads here only to be read by the library.
#[derive(Clone, Copy)]
struct SharedPtr(*const u8);
unsafe impl Send for SharedPtr {}
unsafe impl Sync for SharedPtr {}

/// The library starts threads only for arrays of at least this many
/// elements (`MIN_PARALLEL_LEN` in src/api.rs); the big cases must reach it.
const BIG: usize = 1 << 18;

/// Random small cases plus a few large enough (>= BIG elements) for
/// `threads > 1` to really split the work.
fn workload(rng: &mut Rng) -> Vec<FfiCase> {
    let mut v: Vec<FfiCase> = (0..48).map(|_| FfiCase::random(rng)).collect();
    let mut big = 0;
    while big < 6 {
        let mut c = FfiCase::random(rng);
        if c.shape.len() < 2 || c.is_empty() {
            continue;
        }
        // Scale one non-differentiated-looking dimension up: rebuild with a
        // bigger shape through the generator until it is large.
        let len: usize = c.shape.iter().product();
        if len >= BIG {
            v.push(c);
            big += 1;
            continue;
        }
        let mut tries = 0;
        while tries < 50 {
            tries += 1;
            let mut shape = vec![rng.range(512, 600) as usize, rng.range(520, 700) as usize];
            if rng.chance(1, 3) {
                shape.swap(0, 1);
            }
            let call = common::gen_call(rng, &mut shape);
            if let Ok(r) = common::reference::validate(&shape, &call) {
                let (ie, oe) = common::ffi_case::elem_sizes(c.dtype);
                c.input = common::ffi_case::Strided::random(rng, &shape, ie, true);
                c.in_strides_null = false;
                c.outs = (0..r.axes.len())
                    .map(|_| common::ffi_case::Strided::random(rng, &r.out_shape, oe, false))
                    .collect();
                c.out_strides_null = false;
                c.out_shape = r.out_shape;
                c.shape = shape;
                c.call = call;
                c.options_null = false;
                let n = c.input.buf.len;
                c.input
                    .buf
                    .bytes_mut()
                    .iter_mut()
                    .take(n)
                    .enumerate()
                    .for_each(|(i, b)| {
                        *b = (i as u32).wrapping_mul(2654435761).to_le_bytes()[0] & 0x3f;
                    });
                v.push(c);
                big += 1;
                break;
            }
        }
    }
    v
}

#[test]
fn many_threads_on_own_and_shared_inputs_match_serial_calls() {
    let mut rng = Rng(seed(0xc0c0_0001));
    let work = workload(&mut rng);
    // serial, one thread
    let expected: Vec<Vec<Vec<u8>>> = work.iter().map(|c| run(c, None, 1)).collect();
    let inputs_before: Vec<Vec<u8>> = work.iter().map(|c| c.input.buf.bytes().to_vec()).collect();
    let shared: Vec<SharedPtr> = work.iter().map(|c| SharedPtr(c.input.ptr())).collect();
    let rounds = cases(3);
    let calls = AtomicU64::new(0);
    std::thread::scope(|s| {
        for t in 0..8usize {
            let (work, expected, shared, calls) = (&work, &expected, &shared, &calls);
            s.spawn(move || {
                for r in 0..rounds {
                    for i in 0..work.len() {
                        let k = (i * 7 + t * 13 + r) % work.len();
                        let case = &work[k];
                        // even threads: a private copy of the input; odd
                        // threads: everyone reads the same input memory
                        let f = (t % 2 == 1).then_some(shared[k].0);
                        let threads = if r % 3 == 2 { 2 } else { 1 };
                        let got = run(case, f, threads);
                        assert!(
                            same_outputs(case.dtype, &got, &expected[k]),
                            "thread {t} round {r} case {k}: differs from the serial call"
                        );
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    for (c, before) in work.iter().zip(&inputs_before) {
        assert_eq!(
            c.input.buf.bytes(),
            before.as_slice(),
            "a shared input was written"
        );
    }
    eprintln!(
        "{} concurrent C calls on 8 threads (private and shared read-only inputs) matched the serial results",
        calls.load(Ordering::Relaxed)
    );
}

#[test]
fn threads_2_from_inside_several_threads() {
    let mut rng = Rng(seed(0xc0c0_0002));
    let work: Vec<FfiCase> = workload(&mut rng)
        .into_iter()
        .filter(|c| c.shape.iter().product::<usize>() >= BIG)
        .collect();
    assert!(work.len() >= 4);
    let expected: Vec<Vec<Vec<u8>>> = work.iter().map(|c| run(c, None, 1)).collect();
    let shared: Vec<SharedPtr> = work.iter().map(|c| SharedPtr(c.input.ptr())).collect();
    let calls = AtomicU64::new(0);
    let rounds = cases(3);
    std::thread::scope(|s| {
        for t in 0..4usize {
            let (work, expected, shared, calls) = (&work, &expected, &shared, &calls);
            s.spawn(move || {
                for r in 0..rounds {
                    for (k, case) in work.iter().enumerate() {
                        let threads = [2, 2, 3, 8][(t + r + k) % 4];
                        let got = run(case, Some(shared[k].0), threads);
                        assert!(
                            same_outputs(case.dtype, &got, &expected[k]),
                            "thread {t} round {r} case {k} threads {threads}: differs from the serial call"
                        );
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    eprintln!(
        "{} C calls with options.threads in 2..8 from 4 threads at once matched the serial results",
        calls.load(Ordering::Relaxed)
    );
}

#[test]
fn safe_api_on_a_shared_array_from_many_threads() {
    let mut rng = Rng(seed(0xc0c0_0003));
    let shape = [96usize, 512];
    let values: Vec<f64> = (0..shape[0] * shape[1]).map(|_| rng.value()).collect();
    let f = Arc::new(ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap());
    let x: Vec<f64> = rng.coords(shape[1]);
    let sp = [Spacing::Uniform(0.3), Spacing::Coordinates(&x)];
    let serial = gradient_with(&*f, &sp, None, 2, &Options::default()).unwrap();
    let calls = AtomicU64::new(0);
    std::thread::scope(|s| {
        for t in 0..6usize {
            let (f, sp, serial, calls) = (&f, &sp, &serial, &calls);
            s.spawn(move || {
                for r in 0..cases(10) {
                    let threads = (t + r) % 4; // 0, 1: calling thread; 2, 3: workers
                    let g = gradient_with(&**f, sp, None, 2, &Options::default().threads(threads))
                        .unwrap();
                    for (a, b) in g.iter().zip(serial) {
                        assert!(
                            a.iter()
                                .zip(b.iter())
                                .all(|(p, q)| p.to_bits() == q.to_bits()
                                    || (p.is_nan() && q.is_nan()))
                        );
                    }
                    calls.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    eprintln!(
        "{} concurrent safe-API calls on one shared array matched the serial result",
        calls.load(Ordering::Relaxed)
    );
}
