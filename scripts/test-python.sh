#!/usr/bin/env bash
# The Python package `ndgradient`, as a user gets it: a fresh venv, the wheel
# built by pip (setuptools-rust compiles the Rust library in release mode),
# installed into the venv, and the tests run from a temporary directory
# outside the source tree, so `import ndgradient` is the installed package
# with its bundled library (GRADIENT_LIB unset).
#
#   scripts/test-python.sh            # everything (called by scripts/test.sh)
#   NDGRADIENT_VENV=dir scripts/test-python.sh   # reuse / keep a venv there
#
# Needs python3 (3.9+) with venv, cargo, and network access to PyPI (for
# setuptools-rust, numpy, dask[array], distributed, pytest). The wheel must be
# tagged py3-none-<platform>; the dask cases and a LocalCluster run with two
# worker processes are part of the tests. Speed is not asserted anywhere: the
# benchmark's quick mode only runs it (benches/dask_bench.py --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

venv=${NDGRADIENT_VENV:-$root/target/python-venv}
work=$(mktemp -d "${TMPDIR:-/tmp}/ndgradient-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() { printf '\n--- %s\n' "$*"; }

step "venv ($venv) and test dependencies"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
py=$venv/bin/python
pip() { "$py" -m pip --disable-pip-version-check --quiet "$@"; }
pip install --upgrade pip 'setuptools>=70.1' wheel
# distributed first: it pins the dask release it was made with, and the
# index can hold a newer dask than any distributed (dask 2026.11.0 with
# distributed at most 2026.8.0); asked for both at once, pip took the newest
# dask and went back to distributed 2021.4.1, which does not import with it.
pip install 'distributed>=2023.1'
pip install 'numpy>=2.0' 'dask[array]>=2023.1' pytest
"$py" -c 'import dask, distributed; print("dask", dask.__version__, "distributed", distributed.__version__)'

step "pip wheel (release build of the Rust library by setuptools-rust)"
rm -rf build python/ndgradient.egg-info
pip wheel --no-deps --wheel-dir "$work/wheels" "$root"
wheel=$(ls "$work"/wheels/ndgradient-*.whl)
echo "built $(basename "$wheel")"
case "$(basename "$wheel")" in
    *-py3-none-*.whl) ;;
    *) echo "FAIL: the wheel is not tagged py3-none-<platform>"; exit 1 ;;
esac
"$py" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["ndgradient/__init__.py", "ndgradient/py.typed", "ndgradient/_version.py",
        "ndgradient/dask.py"]
lib = [n for n in names if n.startswith("ndgradient/libgradient")]
missing = [n for n in need if n not in names]
if missing or not lib:
    sys.exit("FAIL: the wheel lacks %s" % (missing or "the shared library"))
print("wheel holds", ", ".join(sorted(lib + need)))
PY

step "install the wheel (with its [dask] extra) into the venv"
pip install --force-reinstall --no-deps "$wheel"
pip install "$wheel[dask]"
rm -rf build python/ndgradient.egg-info

step "tests from outside the source tree ($work)"
cp -r "$root/python/tests" "$work/tests"
cd "$work/tests"
SRC=$root/python/ env -u GRADIENT_LIB -u PYTHONPATH "$py" - <<'PY'
import ndgradient, os, sys
print("ndgradient", ndgradient.__version__, "library", ndgradient.version(), "at",
      ndgradient.library_path(), ndgradient.features())
if ndgradient.__file__.startswith(os.environ["SRC"]) or "site-packages" not in ndgradient.__file__:
    sys.exit("FAIL: ndgradient was imported from %s, not the installed wheel" % ndgradient.__file__)
PY
env -u GRADIENT_LIB -u PYTHONPATH "$py" -m pytest -q -p no:cacheprovider -rs .

step "the version matches Cargo.toml"
want=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
got=$(env -u GRADIENT_LIB "$py" -c 'import ndgradient; print(ndgradient.__version__)')
[ "$want" = "$got" ] || { echo "FAIL: ndgradient.__version__ $got, Cargo.toml $want"; exit 1; }
echo "ndgradient.__version__ = $got"

step "dask benchmark, quick mode (figures are printed, never asserted)"
"$py" "$root/benches/dask_bench.py" --quick
