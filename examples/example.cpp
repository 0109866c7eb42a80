// example.cpp: numpy.gradient from C++17 with the standard containers.
//
//   c++ -std=c++17 example.cpp $(pkg-config --cflags --libs gradient) -o example_cpp
//   ./example_cpp
//
// (add -Wl,-rpath,$(pkg-config --variable=libdir gradient) when the library
// is not installed in a directory the dynamic loader searches)

#include <gradient.h>

#include <complex>
#include <cstdint>
#include <cstdio>
#include <vector>

int main()
{
    // a 2 x 3 array in C order: numpy.gradient(f, 2.0, [1.0, 1.5, 3.5])
    const std::vector<double> f{1, 2, 6, 3, 4, 5};
    const std::vector<std::int64_t> shape{2, 3};
    const std::vector<double> x{1.0, 1.5, 3.5};
    grad_spacing spacing[2] = {};
    spacing[0].kind = GRAD_SPACING_UNIFORM;
    spacing[0].delta = 2.0;
    spacing[1].kind = GRAD_SPACING_COORDINATES;
    spacing[1].coords = x.data();
    spacing[1].coords_len = 3;
    std::vector<double> d0(f.size()), d1(f.size());
    double *out[2] = {d0.data(), d1.data()};
    grad_error err{};
    grad_status s = grad_gradient_f64(f.data(), 2, shape.data(), nullptr, 2, nullptr, 2, spacing,
                                      1, out, nullptr, nullptr, &err);
    if (s != GRAD_STATUS_OK) {
        std::fprintf(stderr, "gradient failed: %s\n", err.message);
        return 1;
    }
    std::printf("d/daxis0:");
    for (double v : d0) {
        std::printf(" %.17g", v);
    }
    std::printf("\nd/daxis1:");
    for (double v : d1) {
        std::printf(" %.17g", v);
    }
    std::printf("\n");

    // std::complex<double> is layout-compatible with grad_complex128
    const std::vector<std::complex<double>> z{{1, 2}, {2, 1}, {4, 0}, {7, -3}};
    const std::int64_t n = 4;
    std::vector<std::complex<double>> dz(z.size());
    grad_complex128 *zout[1] = {reinterpret_cast<grad_complex128 *>(dz.data())};
    s = grad_gradient_c128(reinterpret_cast<const grad_complex128 *>(z.data()), 1, &n, nullptr, 1,
                           nullptr, 0, nullptr, 1, zout, nullptr, nullptr, &err);
    if (s != GRAD_STATUS_OK) {
        std::fprintf(stderr, "gradient failed: %s\n", err.message);
        return 1;
    }
    std::printf("complex:");
    for (const auto &v : dz) {
        std::printf(" (%.17g%+.17gj)", v.real(), v.imag());
    }
    std::printf("\n");

    // accuracy 4: the five-point central stencil inside, the edge-anchored
    // five-point windows near the ends (edge_order 4). A cubic comes out
    // exact up to the rounding of the one reciprocal 1/(12 h).
    std::vector<double> c(9), dc(9);
    for (std::size_t i = 0; i < c.size(); i++) {
        const double t = 0.5 * static_cast<double>(i);
        c[i] = t * t * t;
    }
    grad_options opts{};
    opts.size = sizeof opts;
    opts.accuracy = 4;
    grad_spacing h{};
    h.kind = GRAD_SPACING_UNIFORM;
    h.delta = 0.5;
    double *cout[1] = {dc.data()};
    const std::int64_t nc = static_cast<std::int64_t>(c.size());
    s = grad_gradient_f64(c.data(), 1, &nc, nullptr, 1, nullptr, 1, &h, 4, cout, nullptr, &opts,
                          &err);
    if (s != GRAD_STATUS_OK) {
        std::fprintf(stderr, "gradient failed: %s\n", err.message);
        return 1;
    }
    std::printf("accuracy 4, d(t^3)/dt = 3t^2:");
    for (double v : dc) {
        std::printf(" %.17g", v);
    }
    std::printf("\n");
    return 0;
}
