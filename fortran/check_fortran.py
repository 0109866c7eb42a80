#!/usr/bin/env python3
"""Runs the Fortran test program and checks it against numpy.gradient.

    python3 fortran/check_fortran.py ./test_gradient

The program (fortran/test_gradient.f90) prints each case: dtype, shape and
data in Fortran order, the differentiated dimensions, spacing, boundaries and
its outputs, all values as exact bit patterns. This recomputes every case
with numpy.gradient (periodic axes: numpy on the wrapped array; ghost sides:
numpy on the whole array, restricted to the owned region, as docs/numerics.md says)
and compares bit for bit. "ok"/"FAIL" lines of the program count too. Ends
with "N passed, N failed"; exit status 1 on any failure.
"""

import subprocess
import sys

import numpy as np

DTYPES = {
    "f64": (np.float64, np.uint64, False),
    "f32": (np.float32, np.uint32, False),
    "c128": (np.float64, np.uint64, True),
    "c64": (np.float32, np.uint32, True),
}


def values(words, dtype):
    real, bits, cplx = DTYPES[dtype]
    a = np.array([int(w, 16) for w in words], dtype=bits).view(real)
    return a.view(np.complex128 if real is np.float64 else np.complex64) if cplx else a


def f64s(words):
    return values(words, "f64")


def expected(case):
    shape = case["shape"]
    f = case["data"].reshape(shape, order="F")
    dims = case["axes"]  # Fortran dimensions, 1-based
    axes = tuple(d - 1 for d in dims)
    spacing = case["spacing"]
    bounds = case["boundary"]
    periods = case["period"]
    sl = [slice(None)] * f.ndim
    varargs = []
    for d in dims:
        a = d - 1
        s = spacing.get(d)
        lo, hi = bounds.get(d, (0, 0))
        if lo == 1 and hi == 1:  # periodic: numpy on the wrapped array
            f = np.concatenate([np.take(f, [-1], axis=a), f, np.take(f, [0], axis=a)], axis=a)
            if isinstance(s, np.ndarray):
                p = periods[d] if s[1] > s[0] else -periods[d]
                s = np.concatenate([[s[-1] - p], s, [s[0] + p]])
            sl[a] = slice(1, -1)
        else:
            sl[a] = slice(1 if lo == 2 else 0, -1 if hi == 2 else None)
        varargs.append(1.0 if s is None else s)
    if all(not isinstance(v, np.ndarray) and v == 1.0 for v in varargs):
        varargs = []
    g = np.gradient(f, *varargs, axis=axes, edge_order=case["edge_order"])
    if len(axes) == 1:
        g = (g,)
    return [x[tuple(sl)] for x in g]


def main():
    exe = sys.argv[1]
    p = subprocess.run([exe], capture_output=True, text=True)
    passed = failed = 0
    if p.returncode != 0:
        print("FAIL %s exited with %d\n%s" % (exe, p.returncode, p.stderr))
        failed += 1
    case = None
    done = False
    for line in p.stdout.splitlines():
        words = line.split()
        if not words:
            continue
        key = words[0]
        if key == "ok":
            passed += 1
            print(line)
        elif key == "FAIL":
            failed += 1
            print(line)
        elif key == "version":
            print(line)
        elif key == "done":
            done = True
        elif key == "case":
            case = {"name": line[5:], "spacing": {}, "boundary": {}, "period": {}, "grads": {}}
        elif key == "dtype":
            case["dtype"] = words[1]
        elif key == "shape":
            case["shape"] = tuple(int(w) for w in words[1:])
        elif key == "axes":
            case["axes"] = [int(w) for w in words[1:]]
        elif key == "edge_order":
            case["edge_order"] = int(words[1])
        elif key == "spacing":
            d = int(words[1])
            if words[2] == "step":
                case["spacing"][d] = float(f64s(words[3:4])[0])  # a Python float, as numpy's rule
            else:
                case["spacing"][d] = f64s(words[3:])
        elif key == "boundary":
            case["boundary"][int(words[1])] = (int(words[2]), int(words[3]))
        elif key == "period":
            case["period"][int(words[1])] = float(f64s(words[2:3])[0])
        elif key == "data":
            case["data"] = values(words[1:], case["dtype"])
        elif key == "grad":
            case["grads"][int(words[1])] = values(words[2:], case["dtype"])
        elif key == "end":
            try:
                want = expected(case)
            except Exception as e:  # noqa: BLE001
                print("FAIL %s: numpy raised %r" % (case["name"], e))
                failed += 1
                continue
            for k, w in enumerate(want, start=1):
                got = case["grads"].get(k)
                wflat = w.ravel(order="F")
                if got is not None and got.dtype == wflat.dtype and got.tobytes() == wflat.tobytes():
                    passed += 1
                    print("ok %s: output %d equals numpy bit for bit (%d values)"
                          % (case["name"], k, got.size))
                else:
                    failed += 1
                    print("FAIL %s: output %d differs from numpy\n  got  %s\n  want %s" % (
                        case["name"], k, None if got is None else got[:6].tolist(),
                        wflat[:6].tolist()))
        else:
            print("FAIL unexpected output line: %s" % line)
            failed += 1
    if not done:
        print("FAIL the program did not finish (no 'done' line)")
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
