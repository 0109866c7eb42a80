#!/usr/bin/env bash
# The whole test suite: what README.md calls "run every test", and what
# .ci/run runs on a clean clone. It installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's wall time, listed at the end (also when a step fails).
timings=()
step_name=""
step_t0=$SECONDS
end_step() {
    if [[ -n "$step_name" ]]; then
        timings+=("$(printf '%5ds  %.70s' $((SECONDS - step_t0)) "$step_name")")
    fi
    step_name=""
}
step() {
    end_step
    step_name="$*"
    step_t0=$SECONDS
    printf '\n=== %s\n' "$*"
}
report() {
    # a failed run leaves no build behind
    if [[ -n "${early_fuzz_pid:-}" ]]; then
        kill -- -"$early_fuzz_pid" 2> /dev/null || true
    fi
    end_step
    printf '\n=== time per step (whole suite %ds)\n' "$SECONDS"
    printf '%s\n' "${timings[@]}"
}
trap report EXIT

# Cargo's output directory (CARGO_TARGET_DIR honoured, as cargo does).
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
    /*) ;;
    *) target_dir="$PWD/$target_dir" ;;
esac
mkdir -p "$target_dir"

step "tools"
if ! python3 -c 'import numpy' 2>/dev/null; then
    # A Debian system Python refuses plain pip installs (PEP 668).
    python3 -m pip install --quiet --disable-pip-version-check 'numpy>=2.0' ||
        python3 -m pip install --quiet --disable-pip-version-check --break-system-packages 'numpy>=2.0'
fi
python3 -c 'import numpy; print("numpy", numpy.__version__)'

# The fuzz targets' build (ASan, coverage instrumentation; at opt-level 1,
# GRADIENT_FUZZ_BUILD=quick, about 14 CPU minutes: the fuzzing here is a
# bounded smoke run) starts now, in the background at the lowest priority,
# on the cycles the steps below leave idle (one core during the release
# builds, the Python and C test runs, the installs). The reliability step's
# own `scripts/fuzz.sh build` then waits for it on cargo's lock and finds
# the targets built; if this early build fails (say, a compiler the
# reliability step installs is missing), that step builds again and
# reports the error.
export GRADIENT_FUZZ_BUILD="${GRADIENT_FUZZ_BUILD:-quick}"
# Job control gives it a process group of its own (for the kill in
# report), in this session: a new session (setsid) would be a scheduler
# autogroup of its own, sharing the CPU equally whatever its nice value.
early_fuzz_log="$target_dir/fuzz-build-early.log"
set -m
nice -n 19 ./scripts/fuzz.sh build > "$early_fuzz_log" 2>&1 &
early_fuzz_pid=$!
set +m
echo "fuzz targets building in the background (log: ${early_fuzz_log#"$PWD"/})"

step "format, lints, rustdoc"
cargo fmt --check
cargo clippy --all-targets --features test-panic-hook --quiet -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet

# One build for every Rust test: the test-only feature test-panic-hook adds
# tests/panic_boundary.rs, whose kernel hook panics on an extent of 12345
# and changes nothing else (the builds that the C, Python, sanitizer, fuzz
# and packaging steps test are built without it).
step "cargo test (unit, doc, header, C harness, panic boundary under the test-only hook)"
cargo test --features test-panic-hook

step "unit tests again, SIMD loops off (GRADIENT_NO_SIMD=1): the portable loops alone"
GRADIENT_NO_SIMD=1 cargo test --features test-panic-hook --lib --quiet

step "MPI: halo exchange over 4 ranks, bit-identical to one call (installs OpenMPI)"
./scripts/test-mpi.sh

step "numpy differential suite (release library, via ctypes)"
cargo build --release --quiet
GRADIENT_LIB="$target_dir/release/libgradient.so" python3 tests/python/run.py
step "numpy differential suite again, SIMD loops off (GRADIENT_NO_SIMD=1): what a machine without AVX2 runs"
GRADIENT_NO_SIMD=1 GRADIENT_LIB="$target_dir/release/libgradient.so" python3 tests/python/run.py
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    # This machine runs the AVX-512 loops; the AVX2 ones meet numpy too.
    step "numpy differential suite again, AVX-512 loops off (GRADIENT_NO_AVX512=1)"
    GRADIENT_NO_AVX512=1 GRADIENT_LIB="$target_dir/release/libgradient.so" python3 tests/python/run.py
fi

# Before the wheel build, which rebuilds the release library with other
# rustc arguments: bench.sh's `cargo build --release` is then a no-op.
step "benchmark smoke run (scripts/bench.sh --quick; figures are not assertions)"
./scripts/bench.sh --quick > "$target_dir/bench-quick.log" 2>&1 || { tail -30 "$target_dir/bench-quick.log"; exit 1; }
tail -3 "$target_dir/bench-quick.log"

step "Python package ndgradient: wheel built into a fresh venv, drop-in, dask and LocalCluster tests"
./scripts/test-python.sh

step "reliability: valgrind, ASan+UBSan, fuzzing (bounded: GRADIENT_FUZZ_SECONDS, default 45 s a target)"
./scripts/test-reliability.sh

# Last: make's SONAME build compiles the crate again (other link arguments)
# into the target/release that the steps above use.
step "packaging: make install, SONAME, pkg-config, C/C++/Fortran/Python/Julia-layout"
./scripts/test-packaging.sh
