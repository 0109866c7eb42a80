#!/usr/bin/env bash
# Compiles and runs every C snippet of Markdown files (default:
# docs/boundaries.md, docs/reference.md, docs/numerics.md and
# docs/accuracy.md) against
# include/gradient.h and the release library, with -std=c11 -Wall -Wextra
# -Werror.
#
#   docs/check-snippets.sh [FILE.md ...]
#
# A snippet with its own main() is compiled as it is; any other snippet is
# a fragment and is wrapped in main() after the usual includes. A fragment
# "returns" nonzero to fail. A snippet that includes <mpi.h> is built with
# mpicc and run with `mpirun -n 3`. A line "/* prints: TEXT */" in a snippet
# requires TEXT in its output. Expects target/release/libgradient.so (run
# `cargo build --release` first). Ends with "N passed, M failed".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
    /*) ;;
    *) target_dir="$root/$target_dir" ;;
esac
lib_dir="$target_dir/release"
[[ $# -gt 0 ]] || set -- docs/boundaries.md docs/reference.md docs/numerics.md docs/accuracy.md

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
for md in "$@"; do
    # Split the ```c blocks into snippet-N.c files.
    awk -v dir="$work" -v base="$(basename "$md" .md)" '
        /^```c[[:space:]]*$/ { n++; file = sprintf("%s/%s-%02d.c", dir, base, n); inside = 1; next }
        /^```/ && inside { inside = 0; close(file); next }
        inside { print > file }
    ' "$md"
done

for snippet in "$work"/*.c; do
    [[ -e "$snippet" ]] || { echo "check-snippets.sh: no C snippets found" >&2; exit 1; }
    name="$(basename "$snippet" .c)"
    src="$work/$name.main.c"
    if grep -q '\bmain *(' "$snippet"; then
        cp "$snippet" "$src"
    else
        {
            printf '#include "gradient.h"\n\n#include <math.h>\n#include <stdint.h>\n'
            printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n'
            printf 'int main(void)\n{\n#line 1 "%s"\n' "$name"
            cat "$snippet"
            printf '    return 0;\n}\n'
        } >"$src"
    fi
    run=("$work/$name")
    cc="${CC:-cc}"
    if grep -q '<mpi.h>' "$snippet"; then
        cc="${MPICC:-mpicc}"
        run=(timeout 60 mpirun -n 3 --allow-run-as-root --oversubscribe "$work/$name")
    fi
    lines=$(wc -l <"$snippet")
    if ! "$cc" -std=c11 -Wall -Wextra -Werror -I"$root/include" "$src" \
        -L"$lib_dir" -lgradient -Wl,-rpath,"$lib_dir" -lm -o "$work/$name" 2>"$work/$name.err"; then
        cat "$work/$name.err" >&2
        echo "FAIL  $name ($lines lines): does not compile"
        failed=$((failed + 1))
        continue
    fi
    if ! "${run[@]}" >"$work/$name.out" 2>&1; then
        cat "$work/$name.out" >&2
        echo "FAIL  $name ($lines lines): compiles, but exits nonzero"
        failed=$((failed + 1))
        continue
    fi
    missing=""
    while IFS= read -r want; do
        if ! grep -qF -- "$want" "$work/$name.out"; then
            missing="$want"
        fi
    done < <(sed -n 's|^ */\* prints: \(.*\) \*/ *$|\1|p' "$snippet")
    if [[ -n "$missing" ]]; then
        cat "$work/$name.out" >&2
        echo "FAIL  $name ($lines lines): output lacks \"$missing\""
        failed=$((failed + 1))
        continue
    fi
    echo "PASS  $name ($lines lines): compiles with -Wall -Wextra -Werror and runs$(
        [[ -s "$work/$name.out" ]] && printf ': %s' "$(tail -n 1 "$work/$name.out")")"
    passed=$((passed + 1))
done
echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
