// Plans from C++: check a gradient once, run it every time step.
//
// grad_plan_create checks the call and copies its arguments; the plan is
// owned by a std::unique_ptr whose deleter calls grad_plan_destroy, so it is
// freed on every path out of scope (RAII). Build (after `make install`, or
// with -Iinclude -Ltarget/release):
//
//   c++ -std=c++17 examples/plan.cpp $(pkg-config --cflags --libs gradient) -o plan_cpp
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gradient.h"

struct PlanDeleter {
    void operator()(grad_plan *p) const noexcept { grad_plan_destroy(p); }
};
using PlanPtr = std::unique_ptr<grad_plan, PlanDeleter>;

// A plan for C-contiguous double arrays of `shape`, every axis, unit spacing.
static PlanPtr make_plan(const std::vector<int64_t> &shape, int32_t edge_order) {
    grad_plan *raw = nullptr;
    grad_error err;
    const int32_t ndim = static_cast<int32_t>(shape.size());
    grad_status s = grad_plan_create(&raw, GRAD_DTYPE_F64, ndim, shape.data(), nullptr, ndim,
                                     nullptr, 0, nullptr, edge_order, nullptr, nullptr, &err);
    if (s != GRAD_STATUS_OK) throw std::runtime_error(err.message);
    return PlanPtr(raw);
}

int main() {
    const std::vector<int64_t> shape{16, 16, 16};
    const size_t n = 16 * 16 * 16;
    PlanPtr plan = make_plan(shape, 2);  // the shape vector may go away now

    std::vector<double> f(n), gx(n), gy(n), gz(n), want(n);
    void *out[3] = {gx.data(), gy.data(), gz.data()};
    for (int step = 0; step < 100; ++step) {
        for (size_t i = 0; i < n; ++i) f[i] = std::sin(0.01 * static_cast<double>(i) + step);
        grad_error err;
        if (grad_plan_execute(plan.get(), f.data(), out, &err) != GRAD_STATUS_OK) {
            std::fprintf(stderr, "execute: %s\n", err.message);
            return 1;
        }
    }
    // The same numbers as the direct call.
    double *direct[3] = {want.data(), nullptr, nullptr};
    std::vector<double> w1(n), w2(n);
    direct[1] = w1.data();
    direct[2] = w2.data();
    if (grad_gradient_f64(f.data(), 3, shape.data(), nullptr, 3, nullptr, 0, nullptr, 2, direct,
                          nullptr, nullptr, nullptr) != GRAD_STATUS_OK ||
        want != gx || w1 != gy || w2 != gz) {
        std::fprintf(stderr, "plan and direct call differ\n");
        return 1;
    }
    std::printf("100 time steps of a 16^3 gradient through one plan (d/dz[0] = %.6f)\n", gz[0]);
    std::printf("1 passed, 0 failed\n");
    return 0;
}
