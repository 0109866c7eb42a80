#!/usr/bin/env python3
"""Run the whole Python differential suite of the `gradient` C ABI.

  python3 tests/python/run.py [--lib PATH] [--cases N] [--seed S] [--mutate]

Library: --lib, else env GRADIENT_LIB, else <repo>/target/release/libgradient.so
(build it first: cargo build --release).  Installs numpy>=2.0 with pip if it
is missing, and findiff (a reference for test_accuracy.py).  Runs
test_golden.py, test_errors.py, test_differential.py, test_boundaries.py and
test_accuracy.py,
each in its own process (a crash in the library is reported, not fatal), and
ends with one line "N passed, N failed" (each case counts once).  Exit code
1 if anything failed, 0 otherwise.  --mutate runs the self-check: every
expectation is corrupted, so every case must FAIL (exit code 1 is expected).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")


def ensure_numpy():
    code = "import numpy, sys; sys.exit(0 if int(numpy.__version__.split('.')[0]) >= 2 else 1)"
    if subprocess.call([sys.executable, "-c", code], stderr=subprocess.DEVNULL) == 0:
        return True
    print("numpy>=2.0 not found: installing it with pip", flush=True)
    rc = subprocess.call([sys.executable, "-m", "pip", "install", "numpy>=2.0"])
    if rc != 0:
        rc = subprocess.call([sys.executable, "-m", "pip", "install", "--user", "numpy>=2.0"])
    return rc == 0 and subprocess.call([sys.executable, "-c", code]) == 0


def ensure_findiff():
    """findiff from PyPI: test_accuracy.py compares with it."""
    code = "import findiff"
    if subprocess.call([sys.executable, "-c", code], stderr=subprocess.DEVNULL) == 0:
        return True
    print("findiff not found: installing it with pip", flush=True)
    base = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for extra in ([], ["--user"], ["--break-system-packages"]):
        if subprocess.call(base + extra + ["findiff"]) == 0:
            break
    return subprocess.call([sys.executable, "-c", code]) == 0


def run_script(name, args, env, timeout):
    """Run one test script; returns (passed, failed)."""
    trace = None
    cmd = [sys.executable, os.path.join(HERE, name)] + args
    if name in ("test_differential.py", "test_errors.py"):
        fd, trace = tempfile.mkstemp(prefix="gradient-trace-", suffix=".txt")
        os.close(fd)
        cmd += ["--trace", trace]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, text=True)
        out, rc = p.stdout, p.returncode
    except subprocess.TimeoutExpired as ex:
        out = ex.stdout.decode() if isinstance(ex.stdout, bytes) else (ex.stdout or "")
        rc = "timeout after %ds" % timeout
    dt = time.time() - t0
    passed = failed = None
    for line in out.splitlines():
        m = SUMMARY.match(line.strip())
        if m:
            passed, failed = int(m.group(1)), int(m.group(2))
            print("  [%s] %s" % (name, line.strip()))   # prefixed: not a summary line
        else:
            print("  " + line)
    if passed is None:
        passed = 0
        failed = 1
        why = ("killed by signal %d" % -rc) if isinstance(rc, int) and rc < 0 else "exit status %s" % rc
        print("  [%s] CRASHED or aborted (%s) without a summary" % (name, why))
        if trace and os.path.exists(trace):
            with open(trace) as tf:
                last = tf.read().strip()
            if last:
                print("  [%s] the case running when it stopped: %s" % (name, last))
    elif isinstance(rc, int) and rc not in (0, 1):
        failed += 1
        print("  [%s] unexpected exit status %s" % (name, rc))
    if trace:
        try:
            os.unlink(trace)
        except OSError:
            pass
    print("  [%s] %.1fs" % (name, dt), flush=True)
    return passed, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", help="path of libgradient.so (default: $GRADIENT_LIB or target/release)")
    ap.add_argument("--cases", type=int, default=None, help="random differential cases (default 20000)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--mutate", action="store_true", help="self-check: every case must fail")
    ap.add_argument("--timeout", type=int, default=300, help="per-script timeout in seconds")
    args = ap.parse_args()

    env = dict(os.environ)
    if args.lib:
        env["GRADIENT_LIB"] = os.path.abspath(args.lib)
    lib = env.get("GRADIENT_LIB") or os.path.join(REPO, "target", "release", "libgradient.so")
    env["GRADIENT_LIB"] = lib
    print("library: %s" % lib)

    if not ensure_numpy():
        print("cannot install numpy>=2.0")
        print("0 passed, 1 failed")
        return 1
    if not ensure_findiff():
        print("cannot install findiff (test_accuracy.py will report its comparison as failed)")
    if not os.path.exists(lib):
        print("library not found: %s (build it with `cargo build --release`, or set GRADIENT_LIB)" % lib)
        print("0 passed, 1 failed")
        return 1

    common = ["--mutate"] if args.mutate else []
    diff_args = list(common)
    if args.cases is not None:
        diff_args += ["--cases", str(args.cases)]
    if args.seed is not None:
        diff_args += ["--seed", str(args.seed)]
    t0 = time.time()
    total_p = total_f = 0
    scripts = [("test_golden.py", common), ("test_errors.py", common),
               ("test_differential.py", diff_args)]
    if not args.mutate:  # test_boundaries.py has no --mutate mode
        scripts.append(("test_boundaries.py", []))
    acc_args = list(common)
    if args.seed is not None:
        acc_args += ["--seed", str(args.seed)]
    scripts.append(("test_accuracy.py", acc_args))
    for name, extra in scripts:
        print("== %s" % name, flush=True)
        p, f = run_script(name, extra, env, args.timeout)
        total_p += p
        total_f += f
    print("total time %.1fs" % (time.time() - t0))
    print("%d passed, %d failed" % (total_p, total_f))
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main())
