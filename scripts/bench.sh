#!/usr/bin/env bash
# The benchmarks: numpy.gradient vs this library vs the floor (a C loop that
# reads the input once and writes every output once, benches/floor.c, built
# by bench.py with $CC) and a hand-written C gradient (medians of interleaved
# repetitions, reported as ratios), the size-sweep plot, the C per-call
# overhead benchmark, and a build and small run of the A/B harness
# (benches/ab.c, for comparing two builds of the library). Speed is
# measured here, never asserted in tests. Installs numpy/matplotlib if
# missing.
#
#   scripts/bench.sh            full run: writes benches/results.json,
#                               benches/results.md and docs/bench.png
#   scripts/bench.sh --quick    smoke run (about a minute once the library is
#                               built): small sizes, few reps; writes to
#                               target/bench/quick/ so committed results stay
#   scripts/bench.sh [--quick] ARGS...   extra ARGS go to benches/bench.py
#                               (e.g. --reps 15, --only 3d)
#
# Exits non-zero if any library output differs from numpy's (bit for bit).
# Honours CARGO_TARGET_DIR and CC like cargo and make do.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

# numpy's OpenBLAS starts a thread per core whose spinning can take the
# second core from a threads=2 run; numpy.gradient never calls BLAS.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

quick=0 quick_flag=""
if [[ "${1:-}" == "--quick" ]]; then
    quick=1 quick_flag=" --quick"
    shift
fi

step() { printf '\n=== %s\n' "$*"; }

step "build (release)"
cargo build --release --quiet
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
    /*) ;;
    *) target_dir="$root/$target_dir" ;;
esac
lib_dir="$target_dir/release"
export GRADIENT_LIB="$lib_dir/libgradient.so"
if [[ ! -f "$GRADIENT_LIB" ]]; then
    echo "bench.sh: no libgradient.so in $lib_dir after cargo build --release" >&2
    exit 1
fi

step "tools"
pip_install() {
    python3 -m pip install --quiet --disable-pip-version-check "$@" ||
        python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "$@"
}
if ! python3 -c 'import numpy' 2>/dev/null; then
    pip_install 'numpy>=2.0'
fi
if ! python3 -c 'import matplotlib' 2>/dev/null; then
    pip_install matplotlib
fi
python3 -c 'import numpy, matplotlib; print("numpy", numpy.__version__, "matplotlib", matplotlib.__version__)'

bench_dir="$target_dir/bench"
mkdir -p "$bench_dir"
if (( quick )); then
    out_dir="$bench_dir/quick"
    mkdir -p "$out_dir"
    json="$out_dir/results.json" md="$out_dir/results.md" png="$out_dir/bench.png"
    bench_args=(--quick --sweep)
    overhead_args=(100000 3)
else
    json="benches/results.json" md="benches/results.md" png="docs/bench.png"
    bench_args=(--sweep)
    overhead_args=(1000000 11)
fi

step "numpy vs library vs floor vs hand loop (benches/bench.py)"
GRADIENT_BENCH_VIA="scripts/bench.sh${quick_flag}${*:+ $*}" \
python3 benches/bench.py "${bench_args[@]}" --json "$json" --markdown "$md" "$@"

step "plot (benches/plot.py)"
python3 benches/plot.py "$json" -o "$png"

step "C per-call overhead (benches/overhead.c)"
"${CC:-cc}" -O3 -std=c11 -Wall -Wextra -Werror -Iinclude benches/overhead.c \
    -L"$lib_dir" -lgradient -Wl,-rpath,"$lib_dir" -lm -o "$bench_dir/overhead"
"$bench_dir/overhead" "${overhead_args[@]}" | tee "$bench_dir/overhead.txt"
if (( ! quick )); then
    cp "$bench_dir/overhead.txt" benches/overhead.txt
fi

step "A/B harness (benches/ab.c): builds, and runs one small case"
"${CC:-cc}" -O2 -std=c11 -Wall -Wextra -Werror -Iinclude benches/ab.c -ldl -lm \
    -o "$bench_dir/ab"
S=32 N=1 "$bench_dir/ab" "$lib_dir/libgradient.so"

step "done"
echo "results: $json $md $png"
