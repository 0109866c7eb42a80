#!/usr/bin/env python3
"""Golden values of docs/numerics.md, checked exactly (bit for bit) against the library
through the generic entry point and, for float dtypes, the typed one.  Each
vector is also checked against the installed numpy, so a disagreement
between the documented values and numpy is reported as such.

Usage: test_golden.py [--mutate]     Last line: "N passed, N failed".
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gradient_ffi as G  # noqa: E402

F7 = [3.086571, 4.92576, 3.440159, -2.919539, -4.1784, 0.201589, 2.584053]
X7 = [0.230824, 0.640471, 0.86009, 1.498849, 2.165657, 2.321042, 2.936774]
XT = [0.1 * i for i in range(7)]
X6 = [0., 1., 1.5, 3.5, 4., 6.]
F6 = [1, 2, 4, 7, 11, 16]
M = [[1, 2, 6], [3, 4, 5]]


def golden():
    """(name, f, spacing, axes, edge_order, [expected output per axis])"""
    u, c = G.uniform, lambda x: G.coords(np.array(x, dtype=np.float64))
    v = []
    for dt in (np.int64, np.float64):
        tag = np.dtype(dt).name
        v += [
            ("f6 unit (%s)" % tag, np.array(F6, dt), [], None, 1, [[1.0, 1.5, 2.5, 3.5, 4.5, 5.0]]),
            ("f6 h=2 (%s)" % tag, np.array(F6, dt), [u(2.0)], None, 1, [[0.5, 0.75, 1.25, 1.75, 2.25, 2.5]]),
            ("f6 x e1 (%s)" % tag, np.array(F6, dt), [c(X6)], None, 1,
             [[1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, 2.5]]),
            ("f6 x e2 (%s)" % tag, np.array(F6, dt), [c(X6)], None, 2,
             [[-1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, -1.8999999999999968]]),
            ("2x3 unit (%s)" % tag, np.array(M, dt), [], None, 1,
             [[[2, 2, -1], [2, 2, -1]], [[1, 2.5, 4], [1, 1, 1]]]),
            ("2x3 spacing (2., x) (%s)" % tag, np.array(M, dt), [u(2.0), c([1., 1.5, 3.5])], None, 1,
             [[[1, 1, -0.5], [1, 1, -0.5]], [[2, 2, 2], [2, 1.6999999999999993, 0.5]]]),
            ("f4 unit (%s)" % tag, np.array([5, 7, 4, 8], dt), [], None, 1, [[2.0, -0.5, 0.5, 4.0]]),
        ]
    f7 = np.array(F7)
    v += [
        ("f7 h=0.7 e1", f7, [u(0.7)], None, 1,
         [[2.6274128571428577, 0.25256285714285703, -5.603785000000001, -5.441827857142857,
           2.229377142857143, 4.830323571428572, 3.4035200000000003]]),
        ("f7 h=0.7 e2", f7, [u(0.7)], None, 2,
         [[5.002262857142858, 0.25256285714285703, -5.603785000000001, -5.441827857142857,
           2.229377142857143, 4.830323571428572, 1.9767164285714287]]),
        ("f7 x e1", f7, [c(X7)], None, 1,
         [[4.489692344872537, -2.8366597230432458, -7.581102132327416, -6.008784499327689,
           22.50398557854497, 23.28761326055923, 3.869319768990403]]),
        ("f7 x e2", f7, [c(X7)], None, 2,
         [[11.816044412788319, -2.8366597230432458, -7.581102132327416, -6.008784499327689,
           22.50398557854497, 23.28761326055923, -15.548973722578424]]),
        ("f7 xt e1", f7, [c(XT)], None, 1,
         [[18.39189, 1.7679399999999976, -39.226494999999986, -38.09279499999998,
           15.605640000000005, 33.812265, 23.82463999999998]]),
        ("f7 f32 h=0.3 e2", f7.astype(np.float32), [u(0.3)], None, 2,
         [[11.671945571899414, 0.5893135070800781, -13.0754976272583, -12.69759750366211,
           5.201879978179932, 11.27075481414795, 4.612339019775391]]),
        ("f7 f32 x e2", f7.astype(np.float32), [c(X7)], None, 2,
         [[11.81604290008545, -2.8366589546203613, -7.581100940704346, -6.008784770965576,
           22.503986358642578, 23.287612915039062, -15.54897403717041]]),
        ("uint8 [5,4,3,2,1]", np.array([5, 4, 3, 2, 1], np.uint8), [], None, 1, [[-1.0] * 5]),
    ]
    return v


def hexes(a):
    return [float(x).hex() for x in np.ravel(np.asarray(a, dtype=np.float64))]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--mutate", action="store_true", help="self-check: every case must fail")
    args = ap.parse_args(argv)
    G.load()
    passed = failed = 0
    for name, f, spacing, axes, edge, expected in golden():
        code = G.dtype_code(f.dtype)
        odt = G.out_dtype(code)
        exp = [np.array(e, dtype=np.float64) for e in expected]
        if args.mutate:
            exp[0] = exp[0].copy()
            exp[0].flat[0] = np.nextafter(exp[0].flat[0], np.inf)
        problems = []
        # the expected values must be exactly representable in the output type
        for e in exp:
            if hexes(e.astype(odt)) != hexes(e):
                problems.append("golden value not representable in %s" % odt)
        # numpy itself (sanity check of the documented values)
        ref = G.numpy_reference(f, spacing, axes, edge)
        for k, (r, e) in enumerate(zip(ref, exp)):
            if hexes(r) != hexes(e):
                problems.append("numpy %s disagrees with the golden values of docs/numerics.md for output %d: numpy %s vs documented %s"
                                % (np.__version__, k, hexes(r), hexes(e)))
        entries = ["generic"] + (["typed"] if G.DTYPES[code][2] else [])
        for entry in entries:
            for layout in ("C", "strided"):
                st, err, outs = G.call(f, spacing, axes, edge, out_layout=layout, dtype_entry=entry)
                if st != 0:
                    problems.append("[%s] status %d: %s" % (entry, st, err.text))
                    continue
                for k, (o, e) in enumerate(zip(outs, exp)):
                    if o.dtype != odt:
                        problems.append("[%s] output dtype %s" % (entry, o.dtype))
                    if hexes(o) != hexes(e):
                        problems.append("[%s, out %s] output %d: lib %s vs expected %s"
                                        % (entry, layout, k, hexes(o), hexes(e)))
        if problems:
            failed += 1
            for p in problems:
                print("FAIL golden %s: %s" % (name, p))
        else:
            passed += 1
    print("golden: %d vectors" % (passed + failed))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
