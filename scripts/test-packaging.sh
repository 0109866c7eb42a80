#!/usr/bin/env bash
# The packaging tests: gradient as a C library, the way its users get it.
#
#   scripts/test-packaging.sh          (or: make test-packaging)
#
# Installs with `make install` into a temporary prefix (and once more with
# DESTDIR), then checks the installed tree: the SONAME (readelf -d) and its
# symlinks, that only grad_* symbols are exported (nm -D), pkg-config's
# --cflags/--libs/--static --libs; builds and runs, against the installed
# library through pkg-config: the C example (dynamically and statically), the
# C test of julia/Gradient.jl's column-major calling convention, the C++17
# test and example, the Fortran module's test (compared with numpy bit for
# bit) and example, the Fortran array-section test (no copies:
# -Warray-temporaries -fcheck=array-temps), the Python module's tests and
# example, and the CMake package: examples/CMakeLists.txt with
# find_package(gradient CONFIG) (shared and static targets), its version
# check, and the pkg-config route; finally `make uninstall`.
#
# It installs what it needs when missing: pkg-config, gfortran, g++,
# binutils and cmake with apt-get (one `apt-get update` first), numpy with
# pip. GRADIENT_VERBOSE=1 shows every
# check's output (otherwise only failing ones); GRADIENT_KEEP_TMP=1 keeps the
# temporary directory.
#
# Every check counts once, and the sub-suites (Python, Fortran, C, C++) add
# their own counts. The last line is "N passed, N failed"; the exit status is
# nonzero if anything failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
start=$SECONDS

passed=0
failed=0
tmp="$(mktemp -d "${TMPDIR:-/tmp}/gradient-packaging.XXXXXX")"
cleanup() {
    if [[ "${GRADIENT_KEEP_TMP:-0}" == 1 ]]; then
        echo "kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

step() { printf '\n=== %s (%ds)\n' "$*" $((SECONDS - start)); }

# run NAME CMD...: one check; its output goes to a log shown on failure
n_logs=0
run() {
    local what="$1"
    shift
    n_logs=$((n_logs + 1))
    local log="$tmp/log.$n_logs"
    if "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $what"
        [[ "${GRADIENT_VERBOSE:-0}" == 1 ]] && sed 's/^/     | /' "$log"
        return 0
    fi
    failed=$((failed + 1))
    echo "FAIL $what"
    tail -n 40 "$log" | sed 's/^/     | /'
    return 1
}

# suite NAME CMD...: a program that ends with "N passed, N failed"; its counts
# are added (a crash or a missing summary counts as one failure)
suite() {
    local what="$1"
    shift
    n_logs=$((n_logs + 1))
    local log="$tmp/log.$n_logs" rc=0
    "$@" >"$log" 2>&1 || rc=$?
    local line p f
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)"
    if [[ -n "$line" ]]; then
        p="${line%% passed*}"
        f="${line#*passed, }"
        f="${f%% failed}"
    else
        p=0
        f=0
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [[ $rc -eq 0 && -n "$line" && "$f" -eq 0 ]]; then
        echo "ok   $what: $p passed"
        [[ "${GRADIENT_VERBOSE:-0}" == 1 ]] && sed 's/^/     | /' "$log"
        return 0
    fi
    if [[ -z "$line" || "$f" -eq 0 ]]; then
        failed=$((failed + 1)) # exited nonzero, or printed no summary
    fi
    echo "FAIL $what (exit status $rc, ${line:-no summary line})"
    grep -E '^FAIL' "$log" | head -n 20 | sed 's/^/     | /'
    tail -n 25 "$log" | sed 's/^/     | /'
    return 1
}

# ---------------------------------------------------------------- tools
step "tools"
missing=()
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v gfortran >/dev/null || missing+=(gfortran)
command -v c++ >/dev/null || missing+=(g++)
{ command -v readelf && command -v nm; } >/dev/null || missing+=(binutils)
command -v cmake >/dev/null || missing+=(cmake)
if ((${#missing[@]})); then
    echo "installing with apt-get: ${missing[*]}"
    sudo=()
    [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq >"$tmp/apt.log" 2>&1 &&
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >>"$tmp/apt.log" 2>&1 ||
        { echo "apt-get failed:"; tail -n 20 "$tmp/apt.log"; }
fi
if ! python3 -c 'import numpy, sys; sys.exit(int(numpy.__version__.split(".")[0]) < 2)' 2>/dev/null; then
    echo "installing numpy>=2.0 with pip"
    python3 -m pip install --quiet --disable-pip-version-check 'numpy>=2.0' ||
        python3 -m pip install --quiet --disable-pip-version-check --user 'numpy>=2.0'
fi
for tool in pkg-config gfortran cc c++ readelf nm python3 make cmake; do
    run "tool: $tool" command -v "$tool"
done
python3 -c 'import numpy; print("numpy", numpy.__version__)'

# the expected names, computed here independently of the Makefile
version="$(awk -F'"' '/^\[/ { p = ($0 == "[package]") } p && /^version *=/ { print $2; exit }' Cargo.toml)"
IFS=. read -r major minor patch <<<"${version%%[-+]*}"
if [[ $major == 0 && $minor == 0 ]]; then
    soversion="0.0.$patch"
elif [[ $major == 0 ]]; then
    soversion="0.$minor"
else
    soversion="$major"
fi
soname="libgradient.so.$soversion"
shlib="libgradient.so.$major.$minor.$patch"
echo "version $version: SONAME $soname, file $shlib"

# ---------------------------------------------------------------- install
step "make install (release build with SONAME)"
prefix="$tmp/prefix"
run "Fortran module is up to date with include/gradient.h" python3 fortran/generate.py --check
run "make install PREFIX=$prefix" make --no-print-directory install PREFIX="$prefix"
lib="$prefix/lib"
inc="$prefix/include"
share="$prefix/share/gradient"

step "installed tree"
run "include/gradient.h is the committed header" cmp include/gradient.h "$inc/gradient.h"
run "include/gradient.f90 is the Fortran module" cmp fortran/gradient.f90 "$inc/gradient.f90"
run "lib/$shlib is a regular file" test -f "$lib/$shlib" -a ! -L "$lib/$shlib"
run "lib/libgradient.a" test -f "$lib/libgradient.a"
run "lib/$soname -> $shlib" test "$(readlink "$lib/$soname")" = "$shlib"
run "lib/libgradient.so -> $shlib" test "$(readlink "$lib/libgradient.so")" = "$shlib"
run "lib/pkgconfig/gradient.pc" test -f "$lib/pkgconfig/gradient.pc"
run "share/gradient/python/gradient_ctypes.py knows the libdir" \
    grep -qxF "_INSTALLED_LIBDIR = \"$lib\"" "$share/python/gradient_ctypes.py"
run "share/gradient/julia/Gradient.jl knows the libdir" \
    grep -qxF "const INSTALLED_LIBDIR = \"$lib\"" "$share/julia/Gradient.jl"
run "lib/cmake/gradient/gradientConfig.cmake and gradientConfigVersion.cmake" \
    test -f "$lib/cmake/gradient/gradientConfig.cmake" -a -f "$lib/cmake/gradient/gradientConfigVersion.cmake"
docs_installed() {
    local f
    for f in README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE docs/*.md; do
        cmp "$f" "$prefix/share/doc/gradient/$f" || return 1
    done
}
run "share/doc/gradient: README, CHANGELOG, licences and docs/*.md" docs_installed

soname_of() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'; }
run "SONAME of $shlib is $soname (readelf -d)" test "$(soname_of "$lib/$shlib")" = "$soname"

exported() { nm -D --defined-only "$lib/$shlib" | awk 'NF == 3 { print $3 }' | sort; }
# the functions gradient.h declares: "grad_name(" outside comments
declared() { grep -vE '^ *(//|/\*|\*)' include/gradient.h | grep -oE '\bgrad_[a-z0-9_]+\(' | tr -d '(' | sort -u; }
only_grad() {
    local others
    others="$(exported | grep -v '^grad_')"
    [[ -z "$others" ]] || { echo "exported symbols that are not grad_*:"; echo "$others"; return 1; }
}
run "only grad_* symbols are exported (nm -D)" only_grad
declared >"$tmp/declared.txt"
exported >"$tmp/exported.txt"
# the archive's symbol index (what the linker reads)
nm --print-armap "$lib/libgradient.a" 2>/dev/null | sed -n 's/^\(grad_[a-z0-9_]*\) in .*/\1/p' | sort -u \
    >"$tmp/archive.txt"
run "exported symbols = the $(wc -l <"$tmp/declared.txt") functions of gradient.h" \
    diff "$tmp/exported.txt" "$tmp/declared.txt"
run "libgradient.a's index has every function of gradient.h" diff "$tmp/archive.txt" "$tmp/declared.txt"

# ---------------------------------------------------------------- pkg-config
step "pkg-config"
export PKG_CONFIG_PATH="$lib/pkgconfig"
native="$(cat "${CARGO_TARGET_DIR:-target}/release/gradient-native-static-libs.txt" 2>/dev/null)"
run "pkg-config --validate gradient" pkg-config --validate gradient
run "pkg-config --modversion = $version" test "$(pkg-config --modversion gradient)" = "$version"
run "pkg-config --cflags = -I$inc" test "$(pkg-config --cflags gradient | xargs)" = "-I$inc"
run "pkg-config --libs = -L$lib -lgradient" test "$(pkg-config --libs gradient | xargs)" = "-L$lib -lgradient"
run "pkg-config --static --libs adds rustc's native-static-libs ($native)" \
    test "$(pkg-config --static --libs gradient | xargs)" = "$(echo "-L$lib -lgradient $native" | xargs)"
run "pkg-config --variable=includedir" test "$(pkg-config --variable=includedir gradient)" = "$inc"

# ---------------------------------------------------------------- C
step "C: examples/demo.c, dynamic and static; Julia's calling convention"
b="$tmp/build"
mkdir -p "$b"
cflags=(-std=c11 -Wall -Wextra -Werror -pedantic)
rpath="-Wl,-rpath,$lib"
# shellcheck disable=SC2046
run "cc demo.c \$(pkg-config --cflags --libs gradient)" \
    cc "${cflags[@]}" examples/demo.c $(pkg-config --cflags --libs gradient) "$rpath" -o "$b/demo"
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
run "the dynamic demo records NEEDED $soname" bash -c '[[ " $(echo $2) " == *" $3 "* ]]' _ "$b/demo" "$(needed "$b/demo")" "$soname"
run "the dynamic demo runs" bash -c '"$1" > "$1.out"' _ "$b/demo"
# static: the archive by name (-l:libgradient.a), then Libs.private
static_libs="$(pkg-config --static --libs gradient | sed 's/-lgradient\b/-l:libgradient.a/')"
# shellcheck disable=SC2086
run "cc demo.c -l:libgradient.a \$(pkg-config --static --libs)" \
    cc "${cflags[@]}" examples/demo.c $(pkg-config --cflags gradient) $static_libs -o "$b/demo_static"
run "the static demo needs no libgradient.so" bash -c '! readelf -d "$1" | grep -q "libgradient"' _ "$b/demo_static"
run "the static demo runs and prints what the dynamic one does" \
    bash -c '"$1" > "$1.out" && cmp "$1.out" "$2.out"' _ "$b/demo_static" "$b/demo"
# shellcheck disable=SC2046
run "cc ctests/test_julia_layout.c" \
    cc "${cflags[@]}" ctests/test_julia_layout.c $(pkg-config --cflags --libs gradient) "$rpath" -lm \
    -o "$b/test_julia_layout"
suite "Julia's column-major calling convention (ctests/test_julia_layout.c)" "$b/test_julia_layout"

# ---------------------------------------------------------------- C++
step "C++17"
cxxflags=(-std=c++17 -Wall -Wextra -Werror -pedantic)
# shellcheck disable=SC2046
run "c++ ctests/test_cxx.cpp" \
    c++ "${cxxflags[@]}" ctests/test_cxx.cpp $(pkg-config --cflags --libs gradient) "$rpath" -pthread \
    -o "$b/test_cxx"
suite "C++ test (std::vector, std::complex, std::thread)" "$b/test_cxx"
# shellcheck disable=SC2046
run "c++ examples/example.cpp" \
    c++ "${cxxflags[@]}" examples/example.cpp $(pkg-config --cflags --libs gradient) "$rpath" \
    -o "$b/example_cpp"
run "the C++ example runs" "$b/example_cpp"
run "c++ examples/plan.cpp" \
    c++ "${cxxflags[@]}" examples/plan.cpp $(pkg-config --cflags --libs gradient) "$rpath" \
    -o "$b/plan_cpp"
run "the C++ plan example runs" "$b/plan_cpp"

# ---------------------------------------------------------------- Fortran
step "Fortran 2008"
fb="$tmp/fortran"
mkdir -p "$fb"
fflags=(-std=f2008 -Wall -Wno-compare-reals -fimplicit-none -J "$fb")
run "gfortran -c include/gradient.f90 (the installed module source)" \
    gfortran "${fflags[@]}" -Werror -pedantic -c "$inc/gradient.f90" -o "$fb/gradient.o"
# shellcheck disable=SC2046
run "gfortran fortran/test_gradient.f90" \
    gfortran "${fflags[@]}" fortran/test_gradient.f90 "$fb/gradient.o" $(pkg-config --libs gradient) "$rpath" \
    -o "$fb/test_gradient"
suite "Fortran test against numpy (fortran/check_fortran.py)" python3 fortran/check_fortran.py "$fb/test_gradient"
# shellcheck disable=SC2046
run "gfortran fortran/test_plan.f90" \
    gfortran "${fflags[@]}" fortran/test_plan.f90 "$fb/gradient.o" $(pkg-config --libs gradient) "$rpath" \
    -o "$fb/test_plan"
run "the Fortran plan type (fortran/test_plan.f90)" "$fb/test_plan"
# shellcheck disable=SC2046
run "gfortran examples/example.f90" \
    gfortran "${fflags[@]}" examples/example.f90 "$fb/gradient.o" $(pkg-config --libs gradient) "$rpath" \
    -o "$fb/example_f90"
run "the Fortran example runs" "$fb/example_f90"
# array sections without copies: the compiler reports every argument
# temporary (-Warray-temporaries) and the run every one created (-fcheck=array-temps)
no_copies_build() {
    gfortran "${fflags[@]}" -Warray-temporaries -fcheck=array-temps fortran/test_no_copies.f90 \
        "$fb/gradient.o" $(pkg-config --libs gradient) "$rpath" -o "$fb/test_no_copies" \
        2>"$fb/no_copies.warnings"
    cat "$fb/no_copies.warnings"
    ! grep -i "temporary" "$fb/no_copies.warnings"
}
run "gfortran -Warray-temporaries fortran/test_no_copies.f90: no argument temporary" no_copies_build
no_copies_run() {
    "$fb/test_no_copies" 2>"$fb/no_copies.stderr"
    local rc=$?
    cat "$fb/no_copies.stderr"
    ! grep -i "array temporary" "$fb/no_copies.stderr" && return $rc
}
suite "Fortran sections without copies, component-first layout (-fcheck=array-temps)" no_copies_run

# ---------------------------------------------------------------- Python
step "Python"
pydir="$share/python"
loads_installed() {
    env -u GRADIENT_LIB PYTHONPATH="$pydir" python3 -c \
        'import sys, gradient_ctypes as g; p = g.library_path(); print(p); sys.exit(p != sys.argv[1])' \
        "$lib/libgradient.so"
}
run "the installed module loads the installed library" loads_installed
suite "Python module tests against numpy (python/test_gradient_ctypes.py)" \
    env -u GRADIENT_LIB GRADIENT_CTYPES_DIR="$pydir" python3 python/test_gradient_ctypes.py
run "the Python example runs" env -u GRADIENT_LIB PYTHONPATH="$pydir" python3 examples/example.py

# ---------------------------------------------------------------- Julia
if command -v julia >/dev/null; then
    step "Julia"
    suite "julia/test_gradient.jl with the installed Gradient.jl" \
        env -u GRADIENT_LIB GRADIENT_JL="$share/julia/Gradient.jl" julia julia/test_gradient.jl
else
    echo "(julia is not installed: julia/Gradient.jl is covered by ctests/test_julia_layout.c only)"
fi

# ---------------------------------------------------------------- CMake
step "CMake package (find_package(gradient CONFIG))"
run "cmake configure examples/ with find_package(gradient 0.1 CONFIG REQUIRED)" \
    cmake -S examples -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix"
run "cmake --build" cmake --build "$tmp/cmake"
run "the CMake-built demo (gradient::gradient), demo_static and C++ example run" \
    bash -c '"$1/demo" && "$1/demo_static" && "$1/example_cpp" && "$1/plan_cpp"' _ "$tmp/cmake"
run "demo links $soname (gradient::gradient is the shared library)" \
    bash -c 'readelf -d "$1/demo" | grep -q "NEEDED.*\[$2\]"' _ "$tmp/cmake" "$soname"
run "demo_static needs no libgradient.so (gradient::gradient_static)" \
    bash -c '! readelf -d "$1/demo_static" | grep -q "NEEDED.*libgradient"' _ "$tmp/cmake"
# the version file: this ABI series only (0.M.x satisfies 0.M; 0.M+1 does not)
cmake_find() {
    local dir="$tmp/cmake-find-$1" want="$2"
    mkdir -p "$dir"
    printf 'cmake_minimum_required(VERSION 3.16)\nproject(v C)\nfind_package(gradient %s CONFIG REQUIRED)\nmessage(STATUS "found gradient ${gradient_VERSION}")\n' \
        "$want" >"$dir/CMakeLists.txt"
    cmake -S "$dir" -B "$dir/build" -DCMAKE_PREFIX_PATH="$prefix"
}
run "find_package(gradient $major.$minor) succeeds" cmake_find same "$major.$minor"
cmake_find_fails() { ! cmake_find "$@"; }
run "find_package(gradient $major.$((minor + 1))) fails (another ABI series)" \
    cmake_find_fails next "$major.$((minor + 1))"
run "the installed tree can move: the package finds itself relative to its location" bash -c '
    cp -a "$1" "$2/moved" &&
    cmake -S examples -B "$2/cmake-moved" -DCMAKE_PREFIX_PATH="$2/moved" &&
    grep -q "gradient_DIR:PATH=$2/moved/lib/cmake/gradient" "$2/cmake-moved/CMakeCache.txt" &&
    cmake --build "$2/cmake-moved" && "$2/cmake-moved/demo_static"' _ "$prefix" "$tmp"
step "CMake through pkg-config (pkg_check_modules)"
cmake_pkgconfig() {
    local dir="$tmp/cmake-pc"
    mkdir -p "$dir"
    cp examples/demo.c "$dir/"
    printf '%s\n' 'cmake_minimum_required(VERSION 3.16)' 'project(pc C)' \
        'find_package(PkgConfig REQUIRED)' \
        'pkg_check_modules(GRADIENT REQUIRED IMPORTED_TARGET gradient)' \
        'add_executable(demo demo.c)' 'target_link_libraries(demo PRIVATE PkgConfig::GRADIENT)' \
        >"$dir/CMakeLists.txt"
    cmake -S "$dir" -B "$dir/build" -DCMAKE_PREFIX_PATH="$prefix" && cmake --build "$dir/build" &&
        "$dir/build/demo"
}
run "pkg_check_modules(GRADIENT IMPORTED_TARGET gradient) builds and runs the demo" cmake_pkgconfig

# ---------------------------------------------------------------- staging, uninstall, make targets
step "DESTDIR, uninstall, make targets"
stage="$tmp/stage"
run "make install DESTDIR=... PREFIX=/opt/gradient" \
    make --no-print-directory install DESTDIR="$stage" PREFIX=/opt/gradient
run "DESTDIR: files staged under DESTDIR/opt/gradient" \
    test -f "$stage/opt/gradient/lib/$shlib" -a -L "$stage/opt/gradient/lib/$soname" \
    -a -f "$stage/opt/gradient/include/gradient.h"
run "DESTDIR: gradient.pc says prefix=/opt/gradient" grep -qx 'prefix=/opt/gradient' \
    "$stage/opt/gradient/lib/pkgconfig/gradient.pc"
run "DESTDIR: the Python module points at /opt/gradient/lib" \
    grep -qxF '_INSTALLED_LIBDIR = "/opt/gradient/lib"' "$stage/opt/gradient/share/gradient/python/gradient_ctypes.py"
run "make uninstall removes every installed file" bash -c \
    'make --no-print-directory uninstall PREFIX="$1" && test -z "$(find "$1" -type f -o -type l)"' _ "$prefix"
targets_ok() {
    make --no-print-directory -n test | grep -q 'scripts/test.sh' &&
        make --no-print-directory -n demo | grep -q 'scripts/demo.sh' &&
        make --no-print-directory -n bench | grep -q 'scripts/bench.sh'
}
run "make test / demo / bench run scripts/test.sh, demo.sh, bench.sh" targets_ok

printf '\ntest-packaging: %ds\n' $((SECONDS - start))
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
