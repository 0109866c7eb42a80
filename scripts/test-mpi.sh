#!/usr/bin/env bash
# MPI test: a 3-d field decomposed over 4 ranks, halos exchanged with
# MPI_Sendrecv, each block differentiated with GHOST boundaries at the cuts,
# and the gathered result compared bit for bit with one call on the whole
# field (examples/mpi/halo_gradient.c says what is checked).
#
#   scripts/test-mpi.sh
#
# Installs Debian's OpenMPI (apt-get) if mpicc or mpirun is missing, builds
# the library in release (cargo does nothing when it is up to date), builds
# the program with mpicc and runs it with `mpirun -n 4`, then compiles and
# runs the C snippets of docs/boundaries.md, reference.md, numerics.md and
# accuracy.md (docs/check-snippets.sh).
# Ends with one line "N passed, M failed" (every check of both) and exits
# nonzero on any failure. Works from any directory; honours CARGO_TARGET_DIR
# and MPI_RANKS (default 4).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
ranks="${MPI_RANKS:-4}"

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
    /*) ;;
    *) target_dir="$root/$target_dir" ;;
esac
lib_dir="$target_dir/release"
out_dir="$target_dir/mpi"
mkdir -p "$out_dir"

# OpenMPI, installed in the background while cargo builds.
apt_pid=""
apt_log="$out_dir/apt.log"
if ! command -v mpicc >/dev/null 2>&1 || ! command -v mpirun >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "test-mpi.sh: mpicc/mpirun not found and no apt-get: install OpenMPI by hand" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    sudo=""
    if [[ "$(id -u)" != 0 ]]; then
        sudo="sudo"
    fi
    echo "test-mpi.sh: installing OpenMPI (apt-get install openmpi-bin libopenmpi-dev; log in $apt_log)"
    (
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update
        $sudo apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev
    ) >"$apt_log" 2>&1 &
    apt_pid=$!
fi

if ! cargo build --release; then
    echo "test-mpi.sh: cargo build --release failed" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

if [[ -n "$apt_pid" ]]; then
    if ! wait "$apt_pid"; then
        tail -n 30 "$apt_log" >&2
        echo "test-mpi.sh: installing OpenMPI failed (log: $apt_log)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
fi
if [[ ! -f "$lib_dir/libgradient.so" ]]; then
    echo "test-mpi.sh: no libgradient.so in $lib_dir after cargo build --release" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# The same command as examples/mpi/Makefile (make itself is not needed).
if ! mpicc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude examples/mpi/halo_gradient.c \
    -L"$lib_dir" -lgradient -Wl,-rpath,"$lib_dir" -lm -o "$out_dir/halo_gradient"; then
    echo "test-mpi.sh: examples/mpi/halo_gradient.c does not compile" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# Shared-memory transport without cross-memory attach: containers often deny
# process_vm_readv, which OpenMPI's vader BTL would otherwise use.
export OMPI_MCA_btl_vader_single_copy_mechanism="${OMPI_MCA_btl_vader_single_copy_mechanism:-none}"

log="$out_dir/halo_gradient.log"
start=$(date +%s%N)
set +e
timeout 120 mpirun -n "$ranks" --allow-run-as-root --oversubscribe "$out_dir/halo_gradient" 2>&1 |
    tee "$log"
rc=${PIPESTATUS[0]}
set -e
end=$(date +%s%N)

passed=$(grep -c '^PASS ' "$log" || true)
failed=$(grep -c '^FAIL ' "$log" || true)
# The program's own verdict must agree with its exit status and be there.
if ! grep -q '^halo_gradient: PASS: ' "$log" && [[ "$failed" == 0 ]]; then
    echo "test-mpi.sh: the program did not finish (mpirun exit status $rc)" >&2
    failed=$((failed + 1))
elif [[ "$rc" != 0 && "$failed" == 0 ]]; then
    echo "test-mpi.sh: mpirun exited with status $rc although every check passed" >&2
    failed=$((failed + 1))
fi
ms=$(((end - start) / 1000000))
printf 'test-mpi.sh: %d ranks, mpirun took %d.%03d s\n' "$ranks" $((ms / 1000)) $((ms % 1000))

# The C snippets of docs/boundaries.md, reference.md, numerics.md and accuracy.md (one
# of them is an MPI program):
# each must compile with -Wall -Wextra -Werror and run.
snippets_log="$out_dir/snippets.log"
set +e
docs/check-snippets.sh 2>&1 | tee "$snippets_log" | grep -Ev '^[0-9]+ passed, [0-9]+ failed$'
snippets_rc=${PIPESTATUS[0]}
set -e
s_passed=$(grep -c '^PASS ' "$snippets_log" || true)
s_failed=$(grep -c '^FAIL ' "$snippets_log" || true)
if [[ "$snippets_rc" != 0 && "$s_failed" == 0 ]]; then
    s_failed=1
fi

passed=$((passed + s_passed))
failed=$((failed + s_failed))
echo "$passed passed, $failed failed"
[[ "$failed" == 0 && "$rc" == 0 ]]
