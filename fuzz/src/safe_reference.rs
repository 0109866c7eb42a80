//! Fuzz the safe API against the plain reference (tests/common/reference.rs,
//! numpy's formulas (docs/numerics.md) evaluated element by element): the fuzzer's bytes drive the
//! generator of random small arrays, strided layouts, spacings, axes, edge
//! orders, boundaries and threads (tests/common/mod.rs, the one
//! tests/properties.rs runs from a seeded PRNG). f64, f32 and integer
//! inputs: bit-identical results (NaN for NaN), the same status for calls
//! the reference refuses, and caller-owned outputs untouched on error.

use crate::common::gen::{Bytes, Source};
use crate::common::reference::{self, first_difference, Prec};
use crate::common::{gen_case, status, store, Layout};
use gradient::{gradient_with, Plan};
use ndarray::{ArrayD, IxDyn};

fn compare(got: Result<Vec<ArrayD<f64>>, i32>, want: Result<Vec<ArrayD<f64>>, i32>, what: &str) {
    match (got, want) {
        (Ok(g), Ok(w)) => {
            assert_eq!(g.len(), w.len(), "{what}: output count");
            for (k, (g, w)) in g.iter().zip(&w).enumerate() {
                if let Some(d) = first_difference(&g.view(), &w.view()) {
                    panic!("{what}: output {k} {d}");
                }
            }
        }
        (Err(g), Err(w)) => assert_eq!(g, w, "{what}: status"),
        (g, w) => panic!(
            "{what}: library {:?} vs reference {:?}",
            g.map(|_| ()),
            w.map(|_| ())
        ),
    }
}

/// One fuzz input.
pub fn run(data: &[u8]) {
    let mut src = Bytes::new(data);
    let mut case = gen_case(&mut src);
    let layout = Layout::random(&mut src, case.shape.len());
    let kind = src.below(4);
    let (sp, axes, e, opts) = (
        case.spacing(),
        case.call.axes.clone(),
        case.edge_order(),
        case.options(),
    );
    let got = match kind {
        0 => {
            let base = store(&case.values, &case.shape, &layout, f64::NAN);
            gradient_with(&layout.view(&base), &sp, axes.as_deref(), e, &opts)
                .map_err(|e| status(&e))
        }
        1 => {
            let v: Vec<f32> = case.values.iter().map(|&x| x as f32).collect();
            let base = store(&v, &case.shape, &layout, f32::NAN);
            let r = gradient_with(&layout.view(&base), &sp, axes.as_deref(), e, &opts);
            r.map(|o| o.into_iter().map(|a| a.mapv(|x| x as f64)).collect())
                .map_err(|e| status(&e))
        }
        2 => {
            let v: Vec<i16> = case.values.iter().map(|&x| x as i16).collect();
            let base = store(&v, &case.shape, &layout, 0);
            gradient_with(&layout.view(&base), &sp, axes.as_deref(), e, &opts)
                .map_err(|e| status(&e))
        }
        _ => {
            // caller-owned outputs in a random layout, pattern-filled
            let plan = Plan::with_options(&case.shape, &sp, axes.as_deref(), e, &opts);
            let base = store(&case.values, &case.shape, &layout, f64::NAN);
            let f = layout.view(&base);
            let out_shape = plan
                .as_ref()
                .map_or(case.shape.clone(), |p| p.out_shape().to_vec());
            let n = plan.as_ref().map_or(1, |p| p.axes().len());
            let layouts: Vec<Layout> = (0..n)
                .map(|_| Layout::random(&mut src, out_shape.len()))
                .collect();
            let pattern = f64::from_bits(0x7ff4_dead_beef_0a5a);
            let mut bufs: Vec<ArrayD<f64>> = layouts
                .iter()
                .map(|l| ArrayD::from_elem(IxDyn(&l.alloc_shape(&out_shape)), pattern))
                .collect();
            let r = {
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
            match r {
                Ok(()) => Ok(bufs
                    .iter()
                    .zip(&layouts)
                    .map(|(b, l)| l.view(b).to_owned())
                    .collect()),
                Err(err) => {
                    for b in &bufs {
                        assert!(
                            b.iter().all(|v| v.to_bits() == pattern.to_bits()),
                            "an output was written on error ({err})"
                        );
                    }
                    Err(status(&err))
                }
            }
        }
    };
    drop(sp);
    let prec = match kind {
        1 => {
            case.values = case.values.iter().map(|&x| x as f32 as f64).collect();
            Prec::F32
        }
        2 => {
            case.values = case.values.iter().map(|&x| x as i16 as f64).collect();
            Prec::F64
        }
        _ => Prec::F64,
    };
    let want = reference::gradient(&case.array().view(), &case.call, prec);
    compare(
        got,
        want,
        &format!("kind {kind}, shape {:?}, call {:?}", case.shape, case.call),
    );
}
