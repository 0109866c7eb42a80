// test_cxx.cpp: the installed library from C++17, found with pkg-config.
//
//   c++ -std=c++17 test_cxx.cpp $(pkg-config --cflags --libs gradient) -pthread
//
// Uses <gradient.h> with the standard containers: std::vector<double>
// buffers, std::complex<double> / std::complex<float> data passed as
// grad_complex128 / grad_complex64 (layout-compatible), a small exception-
// throwing wrapper of the kind a C++ user writes, and concurrent calls from
// std::thread (the library keeps no global state). Expected values are
// numpy 2.4.6's (docs/numerics.md, golden values and numpy.gradient on the same inputs). Ends with
// "N passed, N failed"; exit status 1 on any failure.

#include <gradient.h>

#include <array>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

static_assert(sizeof(grad_complex128) == sizeof(std::complex<double>) &&
                  alignof(grad_complex128) == alignof(std::complex<double>),
              "grad_complex128 is layout-compatible with std::complex<double>");
static_assert(sizeof(grad_complex64) == sizeof(std::complex<float>) &&
                  alignof(grad_complex64) == alignof(std::complex<float>),
              "grad_complex64 is layout-compatible with std::complex<float>");

namespace {

int passed = 0;
int failed = 0;

void expect(bool ok, const std::string &what)
{
    if (ok) {
        ++passed;
        std::printf("ok   %s\n", what.c_str());
    } else {
        ++failed;
        std::printf("FAIL %s\n", what.c_str());
    }
}

template <typename T> bool same_bits(const std::vector<T> &a, const std::vector<T> &b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// ---- the kind of wrapper a C++ user writes around the C ABI

struct gradient_error : std::runtime_error {
    grad_status status;
    int axis;
    gradient_error(grad_status s, int a, const char *message)
        : std::runtime_error(message), status(s), axis(a)
    {
    }
};

template <typename T> struct c_type;
template <> struct c_type<double> {
    using type = double;
    static constexpr std::int32_t dtype = GRAD_DTYPE_F64;
};
template <> struct c_type<float> {
    using type = float;
    static constexpr std::int32_t dtype = GRAD_DTYPE_F32;
};
template <> struct c_type<std::complex<double>> {
    using type = grad_complex128;
    static constexpr std::int32_t dtype = GRAD_DTYPE_C128;
};
template <> struct c_type<std::complex<float>> {
    using type = grad_complex64;
    static constexpr std::int32_t dtype = GRAD_DTYPE_C64;
};

// numpy.gradient of a C-order array over all its axes: one std::vector per axis.
template <typename T>
std::vector<std::vector<T>> gradient(const std::vector<T> &f, const std::vector<std::int64_t> &shape,
                                     const std::vector<grad_spacing> &spacing = {},
                                     std::int32_t edge_order = 1, std::int32_t threads = 0)
{
    const auto ndim = static_cast<std::int32_t>(shape.size());
    std::vector<std::vector<T>> out(shape.size(), std::vector<T>(f.size()));
    std::vector<void *> ptrs;
    for (auto &o : out) {
        ptrs.push_back(o.data());
    }
    grad_options options{};
    options.size = sizeof options;
    options.threads = threads;
    grad_error err{};
    // the std::complex<T> -> grad_complexN reinterpretation is what the
    // layout static_asserts above allow
    const grad_status s = grad_gradient(
        c_type<T>::dtype, reinterpret_cast<const typename c_type<T>::type *>(f.data()), ndim,
        shape.data(), nullptr, ndim, nullptr, static_cast<std::int32_t>(spacing.size()),
        spacing.empty() ? nullptr : spacing.data(), edge_order, ptrs.data(), nullptr, &options, &err);
    if (s != GRAD_STATUS_OK) {
        throw gradient_error(s, err.axis, err.message);
    }
    return out;
}

grad_spacing step(double h)
{
    grad_spacing s{};
    s.kind = GRAD_SPACING_UNIFORM;
    s.delta = h;
    return s;
}

grad_spacing coords(const std::vector<double> &x)
{
    grad_spacing s{};
    s.kind = GRAD_SPACING_COORDINATES;
    s.coords = x.data();
    s.coords_len = static_cast<std::int64_t>(x.size());
    return s;
}

// ---- tests

void test_real()
{
    const std::vector<double> f{1, 2, 4, 7, 11, 16};
    expect(same_bits(gradient(f, {6})[0], {1.0, 1.5, 2.5, 3.5, 4.5, 5.0}), "f64 unit (docs/numerics.md, golden values)");
    const std::vector<double> x{0., 1., 1.5, 3.5, 4., 6.};
    expect(same_bits(gradient(f, {6}, {coords(x)}, 2)[0],
                     {-1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999,
                      -1.8999999999999968}),
           "f64 coordinates, edge_order 2 (docs/numerics.md, golden values)");

    const std::vector<double> a{1, 2, 6, 3, 4, 5};
    const std::vector<double> x1{1., 1.5, 3.5};
    const auto g = gradient(a, {2, 3}, {step(2.0), coords(x1)});
    expect(same_bits(g[0], {1, 1, -0.5, 1, 1, -0.5}) &&
               same_bits(g[1], {2, 2, 2, 2, 1.6999999999999993, 0.5}),
           "2-d, step and coordinates (docs/numerics.md, golden values)");

    const std::vector<float> f32{3.086571f, 4.92576f, 3.440159f, -2.919539f, -4.1784f, 0.201589f,
                                 2.584053f};
    const std::vector<float> want32{11.671945571899414f, 0.5893135070800781f, -13.0754976272583f,
                                    -12.69759750366211f, 5.201879978179932f,  11.27075481414795f,
                                    4.612339019775391f};
    expect(same_bits(gradient(f32, {7}, {step(0.3)}, 2)[0], want32),
           "f32 step 0.3, edge_order 2 (docs/numerics.md, golden values)");
}

void test_complex()
{
    using c128 = std::complex<double>;
    using c64 = std::complex<float>;
    const std::vector<c128> z{{1, 2}, {2, 1}, {4, 0}, {7, -3}, {11, 5}, {16, 0}};
    const std::vector<c128> want{{0.7142857142857144, -1.4285714285714284},
                                 {2.142857142857143, -1.4285714285714286},
                                 {3.5714285714285716, -2.857142857142857},
                                 {5, 3.5714285714285716},
                                 {6.428571428571429, 2.142857142857143},
                                 {7.857142857142854, -16.42857142857143}};
    expect(same_bits(gradient(z, {6}, {step(0.7)}, 2)[0], want),
           "std::complex<double> as grad_complex128, step 0.7, edge_order 2 (numpy)");

    std::vector<c64> w;
    for (const auto &v : z) {
        w.emplace_back(static_cast<float>(v.real()), static_cast<float>(v.imag()));
    }
    const std::vector<double> x{0., 1., 1.5, 3.5, 4., 6.};
    const std::vector<c64> want64{{1.0f, -1.0f},
                                  {3.0f, -1.6666666269302368f},
                                  {3.5f, -1.899999976158142f},
                                  {6.699999809265137f, 12.5f},
                                  {6.900000095367432f, 12.300000190734863f},
                                  {2.5f, -2.5f}};
    expect(same_bits(gradient(w, {6}, {coords(x)})[0], want64),
           "std::complex<float> as grad_complex64, coordinates (numpy)");
}

void test_errors()
{
    const std::vector<double> f{1, 2, 4};
    try {
        gradient(f, {3}, {}, 3);
        expect(false, "edge_order 3 throws");
    } catch (const gradient_error &e) {
        expect(e.status == GRAD_STATUS_INVALID_EDGE_ORDER && std::string(e.what()).find("edge_order") !=
                                                               std::string::npos,
               std::string("edge_order 3 throws: ") + e.what());
    }
    try {
        gradient(f, {3}, {step(0.0)});
        expect(false, "step 0 throws");
    } catch (const gradient_error &e) {
        expect(e.status == GRAD_STATUS_INVALID_SPACING, std::string("step 0 throws: ") + e.what());
    }
    expect(std::string(grad_status_str(GRAD_STATUS_OVERLAP)).size() > 0, "grad_status_str");
    const std::uint32_t v = grad_version();
    std::printf("     library version %u.%u.%u\n", v >> 16, (v >> 8) & 0xffu, v & 0xffu);
    expect(v > 0, "grad_version");
}

void test_threads()
{
    // the same call from 4 std::threads at once, each also asking the library
    // for 2 worker threads: same bits as a single-threaded call
    const std::vector<std::int64_t> shape{60, 50, 8};
    std::vector<double> f(60 * 50 * 8);
    for (std::size_t i = 0; i < f.size(); ++i) {
        f[i] = static_cast<double>((i * 7919) % 1009) / 7.0;
    }
    const auto want = gradient(f, shape, {step(0.1)}, 2);
    std::array<std::vector<std::vector<double>>, 4> got;
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < got.size(); ++t) {
        pool.emplace_back([&, t] { got[t] = gradient(f, shape, {step(0.1)}, 2, 2); });
    }
    for (auto &th : pool) {
        th.join();
    }
    bool ok = true;
    for (const auto &g : got) {
        for (std::size_t k = 0; k < want.size(); ++k) {
            ok = ok && same_bits(g[k], want[k]);
        }
    }
    expect(ok, "concurrent calls from std::thread, threads = 2: same bits");
}

} // namespace

int main()
{
    test_real();
    test_complex();
    test_errors();
    test_threads();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
