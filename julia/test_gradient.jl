# test_gradient.jl: checks julia/Gradient.jl against numpy's values (docs/numerics.md, golden values).
#
#   julia julia/test_gradient.jl
#   GRADIENT_JL=<prefix>/share/gradient/julia/Gradient.jl julia julia/test_gradient.jl
#
# (the first uses julia/Gradient.jl and the library it finds: GRADIENT_LIB or
# target/release; the second an installed copy, which knows its libdir)
#
# Julia is not installed on the machines this project is developed on, so
# this file has not been run there; scripts/test-packaging.sh runs it when a
# `julia` is on PATH. ctests/test_julia_layout.c checks the same calling
# convention from C. Ends with "N passed, N failed".
include(get(ENV, "GRADIENT_JL", joinpath(@__DIR__, "Gradient.jl")))
using .Gradient

passed = 0
failed = 0
function check(ok::Bool, what)
    global passed, failed
    if ok
        passed += 1
        println("ok   ", what)
    else
        failed += 1
        println("FAIL ", what)
    end
end
same(a, b) = typeof(a) == typeof(b) && size(a) == size(b) && reinterpret(UInt8, vec(a)) == reinterpret(UInt8, vec(b))

f = [1.0, 2, 4, 7, 11, 16]
check(same(gradient(f), [1.0, 1.5, 2.5, 3.5, 4.5, 5.0]), "unit spacing")
check(same(gradient(f, 2.0), [0.5, 0.75, 1.25, 1.75, 2.25, 2.5]), "step 2")
x = [0.0, 1.0, 1.5, 3.5, 4.0, 6.0]
check(same(gradient(f, x; edge_order=2),
           [-1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, -1.8999999999999968]),
      "coordinates, edge_order 2")
A = [1.0 2 6; 3 4 5]
g1, g2 = gradient(A, 2.0, [1.0, 1.5, 3.5])
check(same(g1, [1.0 1 -0.5; 1 1 -0.5]) && same(g2, [2.0 2 2; 2 1.6999999999999993 0.5]),
      "2-d, step and coordinates (dims 1 and 2 = numpy axes 0 and 1)")
check(same(gradient(A; dims=2), gradient(A)[2]), "dims=2 returns one array")
check(same(gradient(UInt8[5, 4, 3, 2, 1]), fill(-1.0, 5)), "UInt8 input gives Float64")
check(same(gradient(view(A, :, 3:-1:1); dims=2), gradient(A[:, 3:-1:1]; dims=2)),
      "a reversed view (negative stride) = its copy")
check(same(gradient([0.0, 1, 0, -1]; boundaries=:periodic), [1.0, 0, -1, 0]), "periodic")
check(size(gradient(rand(6, 5); boundaries=[:ghost, (:ghost, :one_sided)])[1]) == (4, 4), "ghost sides: owned size")
z = ComplexF64[1 + 2im, 2 + 1im, 4, 7 - 3im, 11 + 5im, 16]
check(same(gradient(z, 0.7; edge_order=2),
           ComplexF64[0.7142857142857144 - 1.4285714285714284im, 2.142857142857143 - 1.4285714285714286im,
                      3.5714285714285716 - 2.857142857142857im, 5 + 3.5714285714285716im,
                      6.428571428571429 + 2.142857142857143im, 7.857142857142854 - 16.42857142857143im]),
      "ComplexF64, step 0.7, edge_order 2")
err = try
    gradient(f; edge_order=3)
    nothing
catch e
    e
end
check(err isa GradientError && err.name == "INVALID_EDGE_ORDER", "edge_order 3 throws GradientError")

# plans (libgradient 0.2): the same bits as gradient, a finalizer frees them
let x = cumsum(range(0.2, 1.0; length=7)), f = [sin(0.3i + 0.7j) for i in 1:5, j in 1:7]
    p = plan(Float64, (5, 7), 0.5, x; edge_order=2)
    g = p(f)
    w = gradient(f, 0.5, x; edge_order=2)
    check(g[1] == w[1] && g[2] == w[2], "plan == gradient")
    outs = [zeros(5, 7), zeros(5, 7)]
    execute!(outs, p, f)
    check(outs[1] == w[1] && outs[2] == w[2], "execute! == gradient")
    destroy!(p)
    destroy!(p)
    check(p.handle == C_NULL, "destroy! twice")
end
println(passed, " passed, ", failed, " failed")
exit(failed == 0 ? 0 : 1)
