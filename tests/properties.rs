//! Property tests of the safe API against the plain reference in
//! tests/common/reference.rs (numpy's formulas (docs/numerics.md) evaluated element by element).
//!
//! A seeded generator (tests/common/gen.rs, splitmix64, no dependency)
//! makes random shapes, strided layouts (permuted, reversed, with gaps,
//! broadcast), spacings, axes, edge orders, boundaries and threads. The
//! seed is printed; replay a failure with `GRADIENT_PROP_SEED=<seed>`, and
//! run more cases with `GRADIENT_PROP_CASES=<n>`.
//!
//! What is checked:
//! * f64 results are bit-identical to the reference; f32 and integer inputs
//!   follow docs/numerics.md's precision rules exactly; a call the reference refuses is refused with
//!   the same status, and a call it accepts is accepted;
//! * caller-owned outputs of any layout get exactly the reference values,
//!   and nothing else is touched; a failed call leaves every output byte as
//!   it was;
//! * layout metamorphics: transposed and permuted views give permuted
//!   results, reversal along a dimension that is not differentiated gives
//!   reversed results, all bit for bit; reversal along the differentiated
//!   axis negates the result exactly where the arithmetic of docs/numerics.md allows it
//!   (see `reversal_along_the_differentiated_axis`);
//! * results do not depend on `threads`.

mod common;

use common::gen::{cases, seed, Rng, Source};
use common::reference::{self, first_difference, same, Prec, RBoundary, RCall, RSpacing};
use common::{gen_case, status, store, Case, Layout};
use gradient::{gradient, gradient_with, Options, Plan, Spacing};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

fn describe(case: &Case) -> String {
    format!(
        "shape {:?}, call {:?}, threads {}",
        case.shape, case.call, case.threads
    )
}

/// The library's results (as f64) against the reference's.
fn compare(
    what: &str,
    case: &Case,
    got: Result<Vec<ArrayD<f64>>, i32>,
    want: Result<Vec<ArrayD<f64>>, i32>,
) {
    match (got, want) {
        (Ok(g), Ok(w)) => {
            assert_eq!(g.len(), w.len(), "{what}: output count; {}", describe(case));
            for (k, (g, w)) in g.iter().zip(&w).enumerate() {
                if let Some(d) = first_difference(&g.view(), &w.view()) {
                    panic!(
                        "{what}: output {k} differs from the reference {d}; {}",
                        describe(case)
                    );
                }
            }
        }
        (Err(g), Err(w)) => assert_eq!(g, w, "{what}: status; {}", describe(case)),
        (Ok(_), Err(w)) => panic!(
            "{what}: the library accepted a call the reference refuses with status {w}; {}",
            describe(case)
        ),
        (Err(g), Ok(_)) => panic!(
            "{what}: the library refused (status {g}) a call the reference accepts; {}",
            describe(case)
        ),
    }
}

fn as_f64<T: Copy>(v: Vec<ArrayD<T>>, conv: impl Fn(T) -> f64 + Copy) -> Vec<ArrayD<f64>> {
    v.into_iter().map(|a| a.mapv(conv)).collect()
}

#[test]
fn reference_matches_spec_goldens() {
    // docs/numerics.md, golden values (numpy 2.4.6): the reference itself is checked against numpy.
    let run = |f: &[f64], sp: Vec<RSpacing>, e: i64, prec: Prec| -> Vec<f64> {
        let a = ArrayD::from_shape_vec(IxDyn(&[f.len()]), f.to_vec()).unwrap();
        let call = RCall {
            spacing: sp,
            axes: None,
            edge_order: e,
            boundaries: vec![],
        };
        reference::gradient(&a.view(), &call, prec).unwrap()[0]
            .iter()
            .copied()
            .collect()
    };
    let f6 = [1., 2., 4., 7., 11., 16.];
    assert_eq!(
        run(&f6, vec![], 1, Prec::F64),
        [1.0, 1.5, 2.5, 3.5, 4.5, 5.0]
    );
    assert_eq!(
        run(&f6, vec![RSpacing::Uniform(2.0)], 1, Prec::F64),
        [0.5, 0.75, 1.25, 1.75, 2.25, 2.5]
    );
    let x6 = vec![0., 1., 1.5, 3.5, 4., 6.];
    assert_eq!(
        run(&f6, vec![RSpacing::Coords(x6.clone())], 1, Prec::F64),
        [
            1.0,
            2.9999999999999996,
            3.5,
            6.700000000000001,
            6.899999999999999,
            2.5
        ]
    );
    assert_eq!(
        run(&f6, vec![RSpacing::Coords(x6)], 2, Prec::F64),
        [
            -1.0,
            2.9999999999999996,
            3.5,
            6.700000000000001,
            6.899999999999999,
            -1.8999999999999968
        ]
    );
    assert_eq!(
        run(&[5., 7., 4., 8.], vec![], 1, Prec::F64),
        [2.0, -0.5, 0.5, 4.0]
    );
    let f7 = [
        3.086571, 4.92576, 3.440159, -2.919539, -4.1784, 0.201589, 2.584053,
    ];
    let h = vec![RSpacing::Uniform(0.7)];
    assert_eq!(
        run(&f7, h.clone(), 1, Prec::F64),
        [
            2.6274128571428577,
            0.25256285714285703,
            -5.603785000000001,
            -5.441827857142857,
            2.229377142857143,
            4.830323571428572,
            3.4035200000000003
        ]
    );
    assert_eq!(
        run(&f7, h, 2, Prec::F64),
        [
            5.002262857142858,
            0.25256285714285703,
            -5.603785000000001,
            -5.441827857142857,
            2.229377142857143,
            4.830323571428572,
            1.9767164285714287
        ]
    );
    let x7 = vec![
        0.230824, 0.640471, 0.86009, 1.498849, 2.165657, 2.321042, 2.936774,
    ];
    assert_eq!(
        run(&f7, vec![RSpacing::Coords(x7.clone())], 1, Prec::F64),
        [
            4.489692344872537,
            -2.8366597230432458,
            -7.581102132327416,
            -6.008784499327689,
            22.50398557854497,
            23.28761326055923,
            3.869319768990403
        ]
    );
    assert_eq!(
        run(&f7, vec![RSpacing::Coords(x7.clone())], 2, Prec::F64),
        [
            11.816044412788319,
            -2.8366597230432458,
            -7.581102132327416,
            -6.008784499327689,
            22.50398557854497,
            23.28761326055923,
            -15.548973722578424
        ]
    );
    let xt: Vec<f64> = (0..7).map(|i| 0.1 * i as f64).collect();
    assert_eq!(
        run(&f7, vec![RSpacing::Coords(xt)], 1, Prec::F64),
        [
            18.39189,
            1.7679399999999976,
            -39.226494999999986,
            -38.09279499999998,
            15.605640000000005,
            33.812265,
            23.82463999999998
        ]
    );
    let f7s: Vec<f64> = f7.iter().map(|&v| v as f32 as f64).collect();
    assert_eq!(
        run(&f7s, vec![RSpacing::Uniform(0.3)], 2, Prec::F32),
        [
            11.671945571899414,
            0.5893135070800781,
            -13.0754976272583,
            -12.69759750366211,
            5.201879978179932,
            11.27075481414795,
            4.612339019775391
        ]
    );
    assert_eq!(
        run(&f7s, vec![RSpacing::Coords(x7)], 2, Prec::F32),
        [
            11.81604290008545,
            -2.8366589546203613,
            -7.581100940704346,
            -6.008784770965576,
            22.503986358642578,
            23.287612915039062,
            -15.54897403717041
        ]
    );
    assert_eq!(run(&[5., 4., 3., 2., 1.], vec![], 1, Prec::F64), [-1.0; 5]);
    // 2-d, docs/numerics.md, golden values
    let a = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1., 2., 6., 3., 4., 5.]).unwrap();
    let call = RCall {
        spacing: vec![RSpacing::Uniform(2.0), RSpacing::Coords(vec![1., 1.5, 3.5])],
        axes: None,
        edge_order: 1,
        boundaries: vec![],
    };
    let g = reference::gradient(&a.view(), &call, Prec::F64).unwrap();
    assert_eq!(
        g[0].iter().copied().collect::<Vec<_>>(),
        [1., 1., -0.5, 1., 1., -0.5]
    );
    assert_eq!(
        g[1].iter().copied().collect::<Vec<_>>(),
        [2., 2., 2., 2., 1.6999999999999993, 0.5]
    );
}

#[test]
fn safe_api_equals_reference_f64() {
    let mut rng = Rng(seed(0x5eed_0001));
    let n = cases(2000);
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..n {
        let case = gen_case(&mut rng);
        let layout = Layout::random(&mut rng, case.shape.len());
        let base = store(&case.values, &case.shape, &layout, f64::NAN);
        let view = layout.view(&base);
        let got = gradient_with(
            &view,
            &case.spacing(),
            case.call.axes.as_deref(),
            case.edge_order(),
            &case.options(),
        )
        .map_err(|e| status(&e));
        let want = reference::gradient(&case.array().view(), &case.call, Prec::F64);
        match want {
            Ok(_) => ok += 1,
            Err(_) => refused += 1,
        }
        compare("f64", &case, got, want);
    }
    eprintln!("{n} random f64 calls: {ok} valid ones matched the reference bit for bit, {refused} invalid ones were refused with the reference's status");
    assert!(ok > n / 2, "the generator makes too few valid calls");
}

#[test]
fn safe_api_equals_reference_f32_and_integers() {
    let mut rng = Rng(seed(0x5eed_0002));
    for i in 0..cases(1000) {
        let mut case = gen_case(&mut rng);
        let layout = Layout::random(&mut rng, case.shape.len());
        let sp = case.spacing();
        let axes = case.call.axes.clone();
        let (axes, e, opts) = (axes.as_deref(), case.edge_order(), case.options());
        match i % 5 {
            0 | 1 => {
                let v: Vec<f32> = case.values.iter().map(|&x| x as f32).collect();
                let base = store(&v, &case.shape, &layout, f32::NAN);
                let got = gradient_with(&layout.view(&base), &sp, axes, e, &opts)
                    .map(|o| as_f64(o, |x: f32| x as f64))
                    .map_err(|e| status(&e));
                drop(sp);
                case.values = v.iter().map(|&x| x as f64).collect();
                let want = reference::gradient(&case.array().view(), &case.call, Prec::F32);
                compare("f32", &case, got, want);
            }
            2 => {
                let v: Vec<i32> = case
                    .values
                    .iter()
                    .map(|_| match rng.below(4) {
                        0 => *rng.pick(&[i32::MIN, i32::MAX, -1, 0]),
                        _ => rng.range(-1000, 1000) as i32,
                    })
                    .collect();
                let base = store(&v, &case.shape, &layout, 0);
                let got =
                    gradient_with(&layout.view(&base), &sp, axes, e, &opts).map_err(|e| status(&e));
                drop(sp);
                case.values = v.iter().map(|&x| x as f64).collect();
                let want = reference::gradient(&case.array().view(), &case.call, Prec::F64);
                compare("i32", &case, got, want);
            }
            3 => {
                let v: Vec<u8> = case.values.iter().map(|_| rng.below(256) as u8).collect();
                let base = store(&v, &case.shape, &layout, 0);
                let got =
                    gradient_with(&layout.view(&base), &sp, axes, e, &opts).map_err(|e| status(&e));
                drop(sp);
                case.values = v.iter().map(|&x| x as f64).collect();
                let want = reference::gradient(&case.array().view(), &case.call, Prec::F64);
                compare("u8", &case, got, want);
            }
            _ => {
                // i64 beyond 2^53: converted to f64 (rounded) before any
                // arithmetic, no wrap-around in the differences.
                let v: Vec<i64> = case
                    .values
                    .iter()
                    .map(|_| match rng.below(3) {
                        0 => *rng.pick(&[i64::MIN, i64::MAX, (1 << 53) + 1, -(1 << 60) - 7]),
                        _ => rng.next_u64() as i64,
                    })
                    .collect();
                let base = store(&v, &case.shape, &layout, 0);
                let got =
                    gradient_with(&layout.view(&base), &sp, axes, e, &opts).map_err(|e| status(&e));
                drop(sp);
                case.values = v.iter().map(|&x| x as f64).collect();
                let want = reference::gradient(&case.array().view(), &case.call, Prec::F64);
                compare("i64", &case, got, want);
            }
        }
    }
}

#[test]
fn broadcast_inputs_with_zero_strides() {
    // A stride-0 input (numpy's broadcast_to) is a valid input layout.
    let mut rng = Rng(seed(0x5eed_0003));
    for _ in 0..cases(500) {
        let mut case = gen_case(&mut rng);
        let ndim = case.shape.len();
        let d = rng.below(ndim as u64) as usize;
        let mut small_shape = case.shape.clone();
        small_shape[d] = 1;
        let small_len: usize = small_shape.iter().product();
        let small = ArrayD::from_shape_vec(
            IxDyn(&small_shape),
            case.values[..small_len.min(case.values.len())].to_vec(),
        );
        let Ok(small) = small else { continue };
        let view = small.broadcast(IxDyn(&case.shape)).unwrap();
        assert!(case.shape[d] <= 1 || view.strides()[d] == 0);
        case.values = view.iter().copied().collect();
        let got = gradient_with(
            &view,
            &case.spacing(),
            case.call.axes.as_deref(),
            case.edge_order(),
            &case.options(),
        )
        .map_err(|e| status(&e));
        let want = reference::gradient(&case.array().view(), &case.call, Prec::F64);
        compare("broadcast f64", &case, got, want);
    }
}

/// A NaN with a payload no computation produces: the "untouched" marker.
const PATTERN: u64 = 0x7ff4_dead_beef_0a5a;

#[test]
fn caller_owned_outputs_of_any_layout_and_nothing_written_on_error() {
    let mut rng = Rng(seed(0x5eed_0004));
    let (mut written, mut untouched) = (0, 0);
    for _ in 0..cases(1500) {
        let case = gen_case(&mut rng);
        let layout = Layout::random(&mut rng, case.shape.len());
        let base = store(&case.values, &case.shape, &layout, f64::NAN);
        let f = layout.view(&base);
        let want = reference::gradient(&case.array().view(), &case.call, Prec::F64);
        let sp = case.spacing();
        let plan = Plan::with_options(
            &case.shape,
            &sp,
            case.call.axes.as_deref(),
            case.edge_order(),
            &case.options(),
        );
        // Outputs: the plan's shape, or (when it is refused) the input's.
        let out_shape = plan
            .as_ref()
            .map_or(case.shape.clone(), |p| p.out_shape().to_vec());
        let naxes = match &want {
            Ok(w) => w.len(),
            Err(_) => case
                .call
                .axes
                .as_ref()
                .map_or(case.shape.len(), |a| a.len()),
        };
        // Sometimes one output too many or too few, or of the wrong shape.
        let wrong = rng.below(20);
        let nout = match wrong {
            0 => naxes + 1,
            1 if naxes > 0 => naxes - 1,
            _ => naxes,
        };
        let layouts: Vec<Layout> = (0..nout)
            .map(|_| Layout::random(&mut rng, out_shape.len()))
            .collect();
        let mut shapes = vec![out_shape.clone(); nout];
        if wrong == 2 && nout > 0 {
            shapes[0][0] += 1;
        }
        let mut bufs: Vec<ArrayD<f64>> = layouts
            .iter()
            .zip(&shapes)
            .map(|(l, s)| ArrayD::from_elem(IxDyn(&l.alloc_shape(s)), f64::from_bits(PATTERN)))
            .collect();
        let result = {
            let mut views: Vec<_> = bufs
                .iter_mut()
                .zip(&layouts)
                .map(|(b, l)| l.view_mut(b))
                .collect();
            match &plan {
                Ok(p) => p.run(&f, &mut views),
                Err(e) => Err(e.clone()),
            }
        };
        assert_eq!(
            plan.is_ok(),
            want.is_ok(),
            "plan vs reference; {}",
            describe(&case)
        );
        let expect_ok = want.is_ok() && nout == naxes && !(wrong == 2 && nout > 0);
        match result {
            Ok(()) => {
                assert!(expect_ok, "run accepted a bad call; {}", describe(&case));
                let want = want.unwrap();
                for (k, ((b, l), w)) in bufs.iter().zip(&layouts).zip(&want).enumerate() {
                    let got = l.view(b).to_owned();
                    if let Some(d) = first_difference(&got.view(), &w.view()) {
                        panic!("output {k} ({l:?}) {d}; {}", describe(&case));
                    }
                    // Every gap element of the allocation is untouched.
                    let touched = b.iter().filter(|v| v.to_bits() != PATTERN).count();
                    assert!(touched <= w.len(), "output {k} wrote outside its elements");
                }
                written += 1;
            }
            Err(e) => {
                assert!(
                    !expect_ok,
                    "run refused a good call: {e}; {}",
                    describe(&case)
                );
                for b in &bufs {
                    assert!(
                        b.iter().all(|v| v.to_bits() == PATTERN),
                        "a failed call ({e}) wrote to an output; {}",
                        describe(&case)
                    );
                }
                untouched += 1;
            }
        }
    }
    eprintln!("gradient into caller outputs: {written} calls wrote the reference values, {untouched} refused calls left every output byte unchanged");
}

#[test]
fn nothing_written_through_gradient_into_on_error() {
    let f = ndarray::arr2(&[[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]]);
    type Args<'a> = (&'a [Spacing<'a>], Option<&'a [isize]>, usize);
    let bad: [Args<'_>; 6] = [
        (&[], Some(&[2]), 1),
        (&[], Some(&[0, 0]), 1),
        (&[Spacing::Uniform(0.0)], None, 1),
        (&[Spacing::Coordinates(&[0.0, 1.0, 2.0])], None, 1),
        (&[], None, 3),
        (&[], None, 2), // axis 0 has 2 points: too short for edge_order 2
    ];
    for (sp, axes, e) in bad {
        let mut a = ndarray::Array2::from_elem((2, 3), f64::from_bits(PATTERN));
        let mut b = ndarray::Array2::from_elem((2, 3), f64::from_bits(PATTERN));
        let r = gradient::gradient_into(&f, sp, axes, e, &mut [a.view_mut(), b.view_mut()]);
        assert!(r.is_err());
        assert!(a.iter().chain(b.iter()).all(|v| v.to_bits() == PATTERN));
    }
}

/// Only valid cases, for the metamorphic tests.
fn valid_case(rng: &mut Rng) -> (Case, Vec<ArrayD<f64>>) {
    loop {
        let case = gen_case(rng);
        if case.shape.contains(&0) {
            continue;
        }
        if let Ok(w) = reference::gradient(&case.array().view(), &case.call, Prec::F64) {
            if !w.is_empty() {
                return (case, w);
            }
        }
    }
}

fn run_on(view: &ArrayViewD<'_, f64>, call: &RCall, threads: usize) -> Vec<ArrayD<f64>> {
    let sp: Vec<Spacing<'_>> = call.spacing.iter().map(common::to_spacing).collect();
    let opts = Options::default()
        .threads(threads)
        .boundaries(call.boundaries.iter().map(common::to_boundary).collect());
    gradient_with(
        view,
        &sp,
        call.axes.as_deref(),
        call.edge_order as usize,
        &opts,
    )
    .unwrap_or_else(|e| panic!("{e}; call {call:?}"))
}

fn normalized_axes(call: &RCall, ndim: usize) -> Vec<usize> {
    match &call.axes {
        None => (0..ndim).collect(),
        Some(l) => l
            .iter()
            .map(|&a| if a < 0 { a + ndim as isize } else { a } as usize)
            .collect(),
    }
}

#[test]
fn permuted_and_transposed_views_give_permuted_results() {
    let mut rng = Rng(seed(0x5eed_0005));
    for _ in 0..cases(1000) {
        let (case, want) = valid_case(&mut rng);
        let ndim = case.shape.len();
        let a = case.array();
        let mut perm: Vec<usize> = (0..ndim).collect();
        if rng.chance(1, 2) {
            perm.reverse(); // the transpose
        } else {
            for i in (1..ndim).rev() {
                perm.swap(i, rng.below(i as u64 + 1) as usize);
            }
        }
        let mut inv = vec![0; ndim];
        for (i, &p) in perm.iter().enumerate() {
            inv[p] = i;
        }
        // view dimension i is original dimension perm[i]; original axis a is
        // view axis inv[a]
        let view = a.view().permuted_axes(IxDyn(&perm));
        let mut call = case.call.clone();
        call.axes = Some(
            normalized_axes(&case.call, ndim)
                .iter()
                .map(|&ax| inv[ax] as isize)
                .collect(),
        );
        let got = run_on(&view, &call, case.threads);
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            let w = w.view().permuted_axes(IxDyn(&perm));
            if let Some(d) = first_difference(&g.view(), &w) {
                panic!("perm {perm:?}, output {k}: {d}; {}", describe(&case));
            }
        }
    }
}

#[test]
fn reversal_along_a_dimension_that_is_not_differentiated() {
    let mut rng = Rng(seed(0x5eed_0006));
    let mut checked = 0;
    for _ in 0..cases(1000) {
        let (case, want) = valid_case(&mut rng);
        let ndim = case.shape.len();
        let axes = normalized_axes(&case.call, ndim);
        let d = rng.below(ndim as u64) as usize;
        let a = case.array();
        let mut view = a.view();
        view.invert_axis(Axis(d));
        // If d is differentiated by another output, its spacing and ghost
        // sides are reversed with it (coordinates reversed, lo/hi swapped).
        let mut call = case.call.clone();
        if let Some(k) = axes.iter().position(|&x| x == d) {
            if call.spacing.len() == axes.len() {
                if let RSpacing::Coords(x) = &mut call.spacing[k] {
                    x.reverse();
                }
            }
            if let Some(RBoundary::Sides(lo, hi)) = call.boundaries.get_mut(k) {
                std::mem::swap(lo, hi);
            }
        }
        if call.spacing.len() == 1 && axes.len() == 1 && axes[0] == d {
            continue; // only output is along d: see the next test
        }
        let got = run_on(&view, &call, case.threads);
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            if axes[k] == d {
                continue;
            }
            let mut w = w.view();
            w.invert_axis(Axis(d));
            if let Some(diff) = first_difference(&g.view(), &w) {
                panic!(
                    "reversed dimension {d}, output {k}: {diff}; {}",
                    describe(&case)
                );
            }
            checked += 1;
        }
    }
    eprintln!("{checked} outputs of reversed views were the reversed outputs, bit for bit");
}

/// Reversal along the differentiated axis, on one axis of well-scaled data.
///
/// What the arithmetic of docs/numerics.md makes exact (IEEE negation, `a - b == -(b - a)`
/// and products of negated factors are exact; sums keep their order):
/// * negating the step, or every coordinate, negates every output value;
/// * reversing `f` negates and reverses the result of a uniform step (up
///   to the sign of zero: `x - x` is +0 either way) at
///   every interior point, at edge_order 1 ends and everywhere on a
///   periodic axis;
/// * reversing `f` and the coordinates reverses the result for evenly
///   spaced coordinates (interior, edge_order 1 ends), and at edge_order 1
///   ends for any coordinates.
///
/// What is not exact: edge_order 2 ends (`(a*f0 + b*f1) + c*f2` becomes
/// `(c*f2 + b*f1) + a*f0`, summed in the other order) and the non-uniform
/// interior for the same reason; those agree to rounding only.
#[test]
fn reversal_along_the_differentiated_axis() {
    let mut rng = Rng(seed(0x5eed_0007));
    let (mut exact_points, mut rounding_points, mut rounding_differ) = (0u64, 0u64, 0u64);
    for _ in 0..cases(3000) {
        let n = rng.range(2, 12) as usize;
        let e = if n >= 3 && rng.chance(1, 2) { 2 } else { 1 };
        let f: Vec<f64> = (0..n).map(|_| (rng.unit() - 0.5) * 200.0).collect();
        let periodic = rng.chance(1, 5);
        let sp = match rng.below(3) {
            0 => RSpacing::Uniform(rng.step()),
            1 => RSpacing::Unit,
            _ => {
                let mut x = rng.coords(n);
                // keep the steps well scaled for the rounding-only comparison
                if x.windows(2).any(|w| (w[1] - w[0]).abs() > 1e3) {
                    x = (0..n)
                        .map(|i| i as f64 * 0.3 + (i * i) as f64 * 0.01)
                        .collect();
                }
                RSpacing::Coords(x)
            }
        };
        let boundaries = if periodic {
            let period = match &sp {
                RSpacing::Coords(x) => Some((x[n - 1] - x[0]).abs() + 0.5),
                _ => None,
            };
            vec![RBoundary::Periodic(period)]
        } else {
            vec![]
        };
        let call = RCall {
            spacing: vec![sp.clone()],
            axes: None,
            edge_order: e,
            boundaries,
        };
        let fa = ndarray::ArrayD::from_shape_vec(IxDyn(&[n]), f.clone()).unwrap();
        let base = run_on(&fa.view(), &call, 1)[0].clone();

        // Negated step or coordinates: exactly negated, everywhere.
        let mut neg = call.clone();
        neg.spacing[0] = match &sp {
            RSpacing::Unit => RSpacing::Uniform(-1.0),
            RSpacing::Uniform(h) => RSpacing::Uniform(-h),
            RSpacing::Coords(x) => RSpacing::Coords(x.iter().map(|v| -v).collect()),
        };
        let g = run_on(&fa.view(), &neg, 1)[0].clone();
        for i in 0..n {
            assert!(
                same(g[i], -base[i]),
                "negated spacing, point {i}: {} vs {}; {call:?}",
                g[i],
                -base[i]
            );
        }

        // Reversed f (and reversed coordinates).
        let mut rev = call.clone();
        let (negates, coord_step) = match &sp {
            RSpacing::Coords(x) => {
                let mut d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
                if let [RBoundary::Periodic(Some(p))] = call.boundaries[..] {
                    // the padded coordinates decide (docs/numerics.md, boundaries: PERIODIC)
                    let p = if x[1] < x[0] { -p } else { p };
                    d.insert(0, x[0] - (x[n - 1] - p));
                    d.push((x[0] + p) - x[n - 1]);
                }
                rev.spacing[0] = RSpacing::Coords(x.iter().rev().copied().collect());
                (false, d.iter().all(|&v| v == d[0]))
            }
            _ => (true, true),
        };
        let mut fv = fa.view();
        fv.invert_axis(Axis(0));
        let g = run_on(&fv, &rev, 1)[0].clone();
        let mut scale = f.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if let RSpacing::Coords(x) = &sp {
            let dmin = x
                .windows(2)
                .fold(f64::INFINITY, |m, w| m.min((w[1] - w[0]).abs()));
            scale /= dmin;
        } else if let RSpacing::Uniform(h) = sp {
            scale /= h.abs();
        }
        for i in 0..n {
            let w = if negates {
                -base[n - 1 - i]
            } else {
                base[n - 1 - i]
            };
            let end = i == 0 || i == n - 1;
            let exact = if periodic {
                coord_step
            } else if end {
                e == 1
            } else {
                coord_step
            };
            if exact {
                // equal bits, except that a zero difference is +0 both ways
                assert!(
                    same(g[i], w) || (g[i] == 0.0 && w == 0.0),
                    "reversed, point {i} of {n}: {} vs {w}; {call:?}",
                    g[i]
                );
                exact_points += 1;
            } else {
                rounding_points += 1;
                if !same(g[i], w) {
                    rounding_differ += 1;
                }
                assert!(
                    (g[i] - w).abs() <= 1e-12 * scale,
                    "reversed, point {i} of {n}: {} vs {w} beyond rounding; {call:?}",
                    g[i]
                );
            }
        }
    }
    eprintln!(
        "reversal: {exact_points} points exact as predicted; {rounding_points} points equal up to rounding only \
         (edge_order 2 ends, non-uniform interior), of which {rounding_differ} differ in the last bits"
    );
    assert!(
        rounding_differ > 0,
        "the rounding-only cases never differed: the claim above is too weak"
    );
}

#[test]
fn threads_do_not_change_results() {
    let mut rng = Rng(seed(0x5eed_0008));
    // each at least 2^18 elements: below that the library keeps to one
    // thread (MIN_PARALLEL_LEN in src/api.rs) and the test would prove nothing
    let shapes: [&[usize]; 5] = [
        &[512, 520],
        &[520, 512],
        &[8, 64, 520],
        &[22000, 12],
        &[5, 40, 19, 70],
    ];
    for (i, shape) in shapes.iter().enumerate() {
        for rep in 0..4 {
            let mut s = shape.to_vec();
            let mut call = common::gen_call(&mut rng, &mut s);
            call.edge_order = 1 + (rep % 2) as i64;
            let len: usize = s.iter().product();
            let values: Vec<f64> = (0..len).map(|_| rng.value()).collect();
            let a = ArrayD::from_shape_vec(IxDyn(&s), values).unwrap();
            let layout = Layout::random(&mut rng, s.len());
            let base = store(a.as_slice().unwrap(), &s, &layout, f64::NAN);
            let view = layout.view(&base);
            let Ok(want) = reference::gradient(&a.view(), &call, Prec::F64) else {
                continue;
            };
            let one = run_on(&view, &call, 1);
            for (k, (g, w)) in one.iter().zip(&want).enumerate() {
                assert!(
                    first_difference(&g.view(), &w.view()).is_none(),
                    "shape {i} output {k}"
                );
            }
            for t in [2, 3, 4, 8] {
                let many = run_on(&view, &call, t);
                assert_eq!(many.len(), one.len());
                for (k, (g, w)) in many.iter().zip(&one).enumerate() {
                    if let Some(d) = first_difference(&g.view(), &w.view()) {
                        panic!("threads {t}, shape {s:?}, output {k}: {d}; {call:?}");
                    }
                }
            }
        }
    }
    // And the plain entry point.
    let f = ArrayD::from_shape_fn(IxDyn(&[300, 200]), |i| (i[0] as f64).sin() * i[1] as f64);
    assert_eq!(
        gradient(&f, &[], None, 2).unwrap(),
        run_on(
            &f.view(),
            &RCall {
                spacing: vec![],
                axes: None,
                edge_order: 2,
                boundaries: vec![],
            },
            2
        )
    );
}
