// Proves include/gradient.h compiles as C++17 and links from C++ (extern "C"),
// and that it is usable with the standard containers:
// std::vector<double> and std::vector<std::complex<double>> (grad_complex128
// is layout-compatible with std::complex<double>).
//
// Build and run by hand after `cargo build` (tests/c_harness.rs does the same
// under `cargo test`, linking target/debug/deps/libgradient.so):
//
//   c++ -std=c++17 -Wall -Wextra -Werror -Iinclude ctests/header_cxx.cpp
//       -Ltarget/debug -lgradient -Wl,-rpath,"$PWD/target/debug" -o header_cxx
//
// The last line printed is exactly "N passed, N failed".

#include "gradient.h"

#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <type_traits>
#include <vector>

static_assert(sizeof(grad_complex128) == sizeof(std::complex<double>),
              "grad_complex128 must be layout-compatible with std::complex<double>");
static_assert(alignof(grad_complex128) == alignof(std::complex<double>),
              "grad_complex128 must be layout-compatible with std::complex<double>");
static_assert(sizeof(grad_complex64) == sizeof(std::complex<float>),
              "grad_complex64 must be layout-compatible with std::complex<float>");
static_assert(std::is_standard_layout<grad_error>::value, "grad_error is a plain struct");
static_assert(std::is_trivially_copyable<grad_spacing>::value, "grad_spacing is a plain struct");
static_assert(std::is_same<grad_status, std::int32_t>::value, "grad_status is int32_t");

namespace {

long passed = 0;
long failed = 0;

void check(bool ok, int line, const char *what)
{
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::printf("FAIL %s:%d %s\n", __FILE__, line, what);
    }
}

#define CHECK(cond) check((cond), __LINE__, #cond)

// exact comparison, element by element
bool same(const std::vector<double> &got, const std::vector<double> &exp)
{
    if (got.size() != exp.size()) {
        return false;
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (!(got[i] == exp[i])) {
            std::printf("    [%zu] got %.17g, expected %.17g\n", i, got[i], exp[i]);
            return false;
        }
    }
    return true;
}

bool same(const std::vector<std::complex<double>> &got,
          const std::vector<std::complex<double>> &exp)
{
    if (got.size() != exp.size()) {
        return false;
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (!(got[i].real() == exp[i].real() && got[i].imag() == exp[i].imag())) {
            std::printf("    [%zu] got (%.17g, %.17g), expected (%.17g, %.17g)\n", i,
                        got[i].real(), got[i].imag(), exp[i].real(), exp[i].imag());
            return false;
        }
    }
    return true;
}

void test_f64()
{
    // docs/numerics.md, golden values: [1, 2, 4, 7, 11, 16] -> [1, 1.5, 2.5, 3.5, 4.5, 5]
    const std::vector<double> f{1, 2, 4, 7, 11, 16};
    std::vector<double> out(f.size(), -1.0);
    const std::int64_t shape[] = {static_cast<std::int64_t>(f.size())};
    double *outs[] = {out.data()};
    grad_error err{};
    grad_status rc = grad_gradient_f64(f.data(), 1, shape, nullptr, 1, nullptr, 0, nullptr, 1,
                                       outs, nullptr, nullptr, &err);
    CHECK(rc == GRAD_STATUS_OK);
    CHECK(same(out, {1.0, 1.5, 2.5, 3.5, 4.5, 5.0}));

    // coordinates, edge_order 2
    const std::vector<double> x{0., 1., 1.5, 3.5, 4., 6.};
    grad_spacing sp{};
    sp.kind = GRAD_SPACING_COORDINATES;
    sp.coords = x.data();
    sp.coords_len = static_cast<std::int64_t>(x.size());
    rc = grad_gradient_f64(f.data(), 1, shape, nullptr, 1, nullptr, 1, &sp, 2, outs, nullptr,
                           nullptr, &err);
    CHECK(rc == GRAD_STATUS_OK);
    CHECK(same(out, {-1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999,
                     -1.8999999999999968}));

    // 2-d, both axes, with options
    const std::vector<double> a{1, 2, 6, 3, 4, 5};
    std::vector<double> g0(6), g1(6);
    const std::int64_t shape2[] = {2, 3};
    double *outs2[] = {g0.data(), g1.data()};
    grad_options opt{};
    opt.size = sizeof(grad_options);
    opt.threads = 1;
    rc = grad_gradient_f64(a.data(), 2, shape2, nullptr, 2, nullptr, 0, nullptr, 1, outs2,
                           nullptr, &opt, nullptr);
    CHECK(rc == GRAD_STATUS_OK);
    CHECK(same(g0, {2, 2, -1, 2, 2, -1}));
    CHECK(same(g1, {1, 2.5, 4, 1, 1, 1}));

    // an error, reported through grad_error
    std::vector<double> untouched(f.size(), 42.0);
    double *outs3[] = {untouched.data()};
    rc = grad_gradient_f64(f.data(), 1, shape, nullptr, 1, nullptr, 0, nullptr, 3, outs3, nullptr,
                           nullptr, &err);
    CHECK(rc == GRAD_STATUS_INVALID_EDGE_ORDER);
    CHECK(err.status == GRAD_STATUS_INVALID_EDGE_ORDER);
    CHECK(std::memchr(err.message, '\0', sizeof err.message) != nullptr && err.message[0] != '\0');
    CHECK(same(untouched, std::vector<double>(f.size(), 42.0)));
}

void test_c128()
{
    using cd = std::complex<double>;
    const std::vector<cd> f{{1, 2}, {3, -1}, {4, 4}, {0.5, 0}, {-2, 3}, {0.1, -0.7}};
    std::vector<cd> out(f.size());
    const std::int64_t shape[] = {static_cast<std::int64_t>(f.size())};
    grad_complex128 *outs[] = {reinterpret_cast<grad_complex128 *>(out.data())};
    grad_error err{};
    grad_status rc =
        grad_gradient_c128(reinterpret_cast<const grad_complex128 *>(f.data()), 1, shape, nullptr,
                           1, nullptr, 0, nullptr, 1, outs, nullptr, nullptr, &err);
    CHECK(rc == GRAD_STATUS_OK);
    // numpy 2.4.6: np.gradient of the same complex128 array
    CHECK(same(out, {{2.0, -3.0}, {1.5, 1.0}, {-1.25, 0.5}, {-3.0, -0.5}, {-0.2, -0.35},
                     {2.1, -3.7}}));

    // h = 0.7, edge_order 2
    grad_spacing sp{};
    sp.kind = GRAD_SPACING_UNIFORM;
    sp.delta = 0.7;
    rc = grad_gradient_c128(reinterpret_cast<const grad_complex128 *>(f.data()), 1, shape,
                            nullptr, 1, nullptr, 1, &sp, 2, outs, nullptr, nullptr, &err);
    CHECK(rc == GRAD_STATUS_OK);
    CHECK(same(out, {{3.5714285714285716, -10.0},
                     {2.142857142857143, 1.4285714285714286},
                     {-1.7857142857142858, 0.7142857142857143},
                     {-4.285714285714286, -0.7142857142857143},
                     {-0.28571428571428575, -0.5},
                     {6.285714285714286, -10.071428571428571}}));

    // the generic entry point with GRAD_DTYPE_C128
    std::vector<cd> out2(f.size());
    void *vouts[] = {out2.data()};
    rc = grad_gradient(GRAD_DTYPE_C128, f.data(), 1, shape, nullptr, 1, nullptr, 1, &sp, 2, vouts,
                       nullptr, nullptr, nullptr);
    CHECK(rc == GRAD_STATUS_OK);
    CHECK(same(out2, out));
}

void test_misc()
{
    CHECK(grad_version() == ((0u << 16) | (1u << 8) | 0u));
    CHECK(grad_status_str(GRAD_STATUS_OK) != nullptr);
    CHECK(grad_status_str(GRAD_STATUS_INTERNAL) != nullptr);
    CHECK(grad_status_str(-12345) != nullptr);
    constexpr int max_ndim = GRAD_MAX_NDIM; // usable in constant expressions
    static_assert(max_ndim == 64, "GRAD_MAX_NDIM");
}

} // namespace

int main()
{
    test_f64();
    test_c128();
    test_misc();
    std::printf("%ld passed, %ld failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
