#!/usr/bin/env bash
# Builds the library (release), compiles examples/demo.c against it and runs
# the demo: numpy.gradient from a C program. Works from any directory.
#
#   scripts/demo.sh
#
# Honours CARGO_TARGET_DIR and CC like cargo and make do.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

cargo build --release

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
    /*) ;;
    *) target_dir="$root/$target_dir" ;;
esac
lib_dir="$target_dir/release"
if [[ ! -f "$lib_dir/libgradient.so" && ! -f "$lib_dir/libgradient.dylib" ]]; then
    echo "demo.sh: no libgradient.so in $lib_dir after cargo build --release" >&2
    exit 1
fi

demo_dir="$target_dir/demo"
mkdir -p "$demo_dir"
"${CC:-cc}" -std=c11 -Wall -Wextra -Werror -Iinclude examples/demo.c \
    -L"$lib_dir" -lgradient -Wl,-rpath,"$lib_dir" -o "$demo_dir/demo"

"$demo_dir/demo"
