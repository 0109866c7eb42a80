#!/usr/bin/env bash
# Reliability checks: the C side under valgrind and under gcc's
# AddressSanitizer + UndefinedBehaviorSanitizer, and every fuzz target
# (libFuzzer, the library built with AddressSanitizer and debug assertions)
# for a bounded time after replaying the committed regression inputs. (The
# panic boundary, proven with the test-only panic hook, runs in
# scripts/test.sh's `cargo test --features test-panic-hook`.)
#
#   scripts/test-reliability.sh
#
# Environment:
#   GRADIENT_FUZZ_SECONDS   seconds per fuzz target (default 45; the four
#                           targets run at the same time)
#   GRADIENT_FUZZ_ARGS      extra libFuzzer options
#   GRADIENT_FUZZ_BUILD     full (default) or quick: how scripts/fuzz.sh
#                           builds the targets (see there; scripts/test.sh
#                           sets quick)
#   CC, CXX                 C and C++ compilers (default gcc, g++: the
#                           sanitizer flags are gcc's)
#
# Installs what it needs (valgrind, gcc/g++ with libasan/libubsan) with
# apt-get when missing. The fuzz targets need nightly compiler flags; the
# stable toolchain is used with RUSTC_BOOTSTRAP=1, set only inside
# scripts/fuzz.sh (see there). The rest of the project never sets it.
#
# Ends with one line "N passed, N failed"; exits nonzero on any failure.
# The library's own test suite (`cargo test`) runs the property, C ABI
# contract, limits and concurrency tests; this script adds what needs
# external tools or long runs.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
fuzz_secs="${GRADIENT_FUZZ_SECONDS:-45}"
CC="${CC:-gcc}"
CXX="${CXX:-g++}"
# Cargo's output directory (CARGO_TARGET_DIR honoured, as cargo does).
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
    /*) ;;
    *) target_dir="$root/$target_dir" ;;
esac
work="$target_dir/reliability"
mkdir -p "$work"
t_start=$(date +%s)

passed=0
failed=0
failures=()

# step NAME COMMAND...: run, log to $work/NAME.log, count.
step() {
    local name="$1"
    shift
    local log="$work/${name//[^A-Za-z0-9_.-]/_}.log"
    local t0
    t0=$(date +%s)
    if "$@" > "$log" 2>&1; then
        passed=$((passed + 1))
        printf 'ok      %-46s %4ss\n' "$name" $(($(date +%s) - t0))
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf 'FAILED  %-46s %4ss  (log: %s)\n' "$name" $(($(date +%s) - t0)) "${log#"$root"/}"
        tail -n 40 "$log" | sed 's/^/    | /'
    fi
}

# ---------------------------------------------------------------------------
# Tools

need=()
command -v valgrind > /dev/null || need+=(valgrind)
command -v "$CC" > /dev/null || need+=(gcc)
command -v "$CXX" > /dev/null || need+=(g++)
if [[ ${#need[@]} -eq 0 ]] &&
    ! echo 'int main(void){return 0;}' |
    "$CC" -x c -fsanitize=address,undefined - -o "$work/sanity" 2> /dev/null; then
    need+=(gcc libasan8 libubsan1)
fi
if [[ ${#need[@]} -gt 0 ]]; then
    echo "installing: ${need[*]}"
    apt-get update -qq > "$work/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >> "$work/apt.log" 2>&1 ||
        { echo "apt-get install ${need[*]} failed (see $work/apt.log)"; }
fi

# ---------------------------------------------------------------------------
# The fuzz build takes longest (one crate at codegen-units=1 unless
# GRADIENT_FUZZ_BUILD=quick): start it now, on the other core, while the C
# checks run. (scripts/test.sh starts the
# same build at its beginning: this one then waits for it and finds the
# targets built.)

fuzz_build_log="$work/fuzz-build.log"
scripts/fuzz.sh build > "$fuzz_build_log" 2>&1 &
fuzz_build_pid=$!

# ---------------------------------------------------------------------------
# C programs against the debug library

build_lib() {
    cargo build --quiet && test -f "$target_dir/debug/libgradient.so"
}
step "cargo build (libgradient.so)" build_lib

lib="$target_dir/debug"
cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -ffp-contract=off -g -Iinclude)
cxxflags=(-std=c++17 -Wall -Wextra -Werror -g -Iinclude)
link=(-L"$lib" -lgradient -Wl,-rpath,"$lib")
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1)

compile_all() {
    "$CC" "${cflags[@]}" ctests/test_gradient.c "${link[@]}" -lm -o "$work/test_gradient" &&
        "$CXX" "${cxxflags[@]}" ctests/header_cxx.cpp "${link[@]}" -o "$work/header_cxx" &&
        "$CC" "${cflags[@]}" examples/demo.c "${link[@]}" -o "$work/demo" &&
        "$CXX" "${cxxflags[@]}" examples/plan.cpp "${link[@]}" -o "$work/plan_cpp" &&
        "$CXX" "${cxxflags[@]}" "${san[@]}" examples/plan.cpp "${link[@]}" -o "$work/plan_cpp.san" &&
        "$CC" "${cflags[@]}" "${san[@]}" ctests/test_gradient.c "${link[@]}" -lm -o "$work/test_gradient.san" &&
        "$CXX" "${cxxflags[@]}" "${san[@]}" ctests/header_cxx.cpp "${link[@]}" -o "$work/header_cxx.san" &&
        "$CC" "${cflags[@]}" "${san[@]}" examples/demo.c "${link[@]}" -o "$work/demo.san"
}
step "compile C harness, C++ header check, demo, C++ plan example" compile_all

# A test program must exit 0 and end with "N passed, 0 failed", N > 0.
harness_ok() {
    local out="$1"
    tail -n 1 "$out" | grep -Eq '^[1-9][0-9]* passed, 0 failed$'
}

# valgrind memcheck: any error, or a definite/indirect leak, fails.
vg() {
    local prog="$1" out="$work/$1.vg.out"
    valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --track-origins=yes "$work/$prog" > "$out" || { cat "$out"; return 1; }
    cat "$out"
    [[ "$prog" == demo ]] || harness_ok "$out"
}
step "valgrind memcheck: C harness" vg test_gradient
step "valgrind memcheck: C++ header program" vg header_cxx
step "valgrind memcheck: demo" vg demo
step "valgrind memcheck: C++ plan example" vg plan_cpp

# gcc ASan + UBSan on the C/C++ side (the Rust library is not instrumented:
# its own memory errors are the fuzz targets' and valgrind's job; ASan still
# checks every C buffer the library is handed, malloc'd with redzones).
asan() {
    local prog="$1" out="$work/$1.san.out"
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
        "$work/$prog.san" > "$out" || { cat "$out"; return 1; }
    cat "$out"
    [[ "$prog" == demo ]] || harness_ok "$out"
}
step "ASan+UBSan: C harness" asan test_gradient
step "ASan+UBSan: C++ header program" asan header_cxx
step "ASan+UBSan: demo" asan demo
step "ASan+UBSan: C++ plan example" asan plan_cpp

# ---------------------------------------------------------------------------
# Fuzzing

wait_build() {
    wait "$fuzz_build_pid"
    local rc=$?
    cat "$fuzz_build_log"
    return $rc
}
step "fuzz build (ASan, debug assertions)" wait_build

mapfile -t targets < <(scripts/fuzz.sh list)
for t in "${targets[@]}"; do
    step "fuzz replay regressions: $t" scripts/fuzz.sh replay "$t"
done

# All targets at once for GRADIENT_FUZZ_SECONDS each.
pids=()
for t in "${targets[@]}"; do
    scripts/fuzz.sh run "$t" "$fuzz_secs" > "$work/fuzz-$t.log" 2>&1 &
    pids+=($!)
done
fuzz_result() {
    local t="$1" pid="$2" log="$work/fuzz-$1.log"
    wait "$pid"
    local rc=$?
    grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)|DONE' "$log"
    if [[ $rc -ne 0 ]]; then
        grep -E -A30 'panicked|ERROR|SUMMARY' "$log" | head -60
        return 1
    fi
}
for i in "${!targets[@]}"; do
    step "fuzz ${targets[$i]} (${fuzz_secs}s)" fuzz_result "${targets[$i]}" "${pids[$i]}"
done
for t in "${targets[@]}"; do
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz-$t.log")
    echo "        $t: ${runs:-?} executions in ${fuzz_secs}s"
done

# ---------------------------------------------------------------------------
echo "reliability checks took $(($(date +%s) - t_start))s"
if [[ $failed -gt 0 ]]; then
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
