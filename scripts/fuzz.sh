#!/usr/bin/env bash
# Build and run the fuzz targets in fuzz/ (libFuzzer via libfuzzer-sys).
#
#   scripts/fuzz.sh build                 build every target
#   scripts/fuzz.sh run TARGET [SECONDS]  fuzz TARGET (default GRADIENT_FUZZ_SECONDS or 45 s)
#   scripts/fuzz.sh replay TARGET         run TARGET once on every committed regression input
#   scripts/fuzz.sh list                  the targets
#
# The targets are built the way `cargo fuzz build` builds them (its
# RUSTFLAGS: SanitizerCoverage, AddressSanitizer, debug assertions, --cfg
# fuzzing), with plain cargo, so cargo-fuzz need not be installed. Those
# flags are nightly-only (-Zsanitizer); on the stable toolchain this script
# (and only this script) sets RUSTC_BOOTSTRAP=1 to allow them. Where
# cargo-fuzz is installed, `cd fuzz && cargo fuzz run ffi_call` does the same.
#
# Corpora grow in fuzz/corpus/TARGET (not committed); crashes land in
# fuzz/artifacts/TARGET. Inputs that found bugs are committed in
# fuzz/regressions/TARGET and replayed by scripts/test-reliability.sh.
# libFuzzer options can be added with GRADIENT_FUZZ_ARGS (e.g. -jobs=2).
#
# GRADIENT_FUZZ_BUILD=quick builds at opt-level 1 with parallel codegen units
# instead of cargo-fuzz's opt-level 3 and one codegen unit (the default,
# full): on an AMD EPYC with 2 cores, 7.3 min and 845 CPU seconds from
# scratch (`scripts/fuzz.sh build` under /usr/bin/time), using both cores,
# where full kept one core busy for about 20 min; its targets ran 0.34 to
# 0.86 times as many inputs (the four run at once for 45 s, as
# scripts/test-reliability.sh runs them).
# scripts/test.sh uses it for its bounded fuzzing; full is for long runs.
#
# The fuzz workspace builds into a directory of its own, fuzz/target, or
# $CARGO_TARGET_DIR/fuzz when CARGO_TARGET_DIR is set: never the main
# crate's, so a fuzz build running in the background (scripts/test.sh starts
# one) never holds the lock that the other builds wait for.
set -euo pipefail
self="$(realpath "${BASH_SOURCE[0]}")"
if [[ -n "${CARGO_TARGET_DIR:-}" ]]; then
    # relative to the caller's directory, as cargo reads it
    CARGO_TARGET_DIR="$(realpath -m "$CARGO_TARGET_DIR")/fuzz"
    export CARGO_TARGET_DIR
fi
cd "$(dirname "$self")/../fuzz"

triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="${CARGO_TARGET_DIR:-target}/$triple/release"
targets=(ffi_call ffi_mutations safe_reference plan_sequences)

build() {
    local flags=(
        -Cpasses=sancov-module
        -Cllvm-args=-sanitizer-coverage-level=4
        -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
        -Cllvm-args=-sanitizer-coverage-pc-table
        -Cllvm-args=-sanitizer-coverage-trace-compares
        -Cllvm-args=-simplifycfg-branch-fold-threshold=0
        -Cllvm-args=-sanitizer-coverage-stack-depth
        --cfg fuzzing
        -Clink-dead-code
        -Zsanitizer=address
        -Cdebug-assertions
    )
    local config=(--config profile.release.debug=true)
    case "${GRADIENT_FUZZ_BUILD:-full}" in
        full) flags+=(-Ccodegen-units=1) ;;
        quick) config+=(--config profile.release.opt-level=1) ;;
        *) echo "GRADIENT_FUZZ_BUILD must be full or quick, not ${GRADIENT_FUZZ_BUILD}" >&2; exit 2 ;;
    esac
    # shellcheck disable=SC2086
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="${flags[*]}" CARGO_FUZZ=1 \
        cargo build --release --target "$triple" "${config[@]}" \
        --bins ${GRADIENT_FUZZ_CARGO_ARGS:-}
}

case "${1:-}" in
    build) build ;;
    list) printf '%s\n' "${targets[@]}" ;;
    run)
        t="${2:?usage: scripts/fuzz.sh run TARGET [SECONDS]}"
        secs="${3:-${GRADIENT_FUZZ_SECONDS:-45}}"
        mkdir -p "corpus/$t" "artifacts/$t"
        seeds=()
        [[ -d "regressions/$t" ]] && seeds+=("regressions/$t")
        # shellcheck disable=SC2086
        ASAN_OPTIONS="${ASAN_OPTIONS:-detect_odr_violation=0}" \
            "$bin_dir/$t" -max_total_time="$secs" -print_final_stats=1 \
            -artifact_prefix="artifacts/$t/" ${GRADIENT_FUZZ_ARGS:-} \
            "corpus/$t" "${seeds[@]}"
        ;;
    replay)
        t="${2:?usage: scripts/fuzz.sh replay TARGET}"
        if [[ -d "regressions/$t" ]] && compgen -G "regressions/$t/*" > /dev/null; then
            ASAN_OPTIONS="${ASAN_OPTIONS:-detect_odr_violation=0}" \
                "$bin_dir/$t" -runs=1 "regressions/$t"/*
        else
            echo "no regression inputs for $t"
        fi
        ;;
    *) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$self"; exit 2 ;;
esac
