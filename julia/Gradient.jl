"""
    Gradient

numpy.gradient, bit for bit, for Julia arrays, from the gradient C library
(`libgradient`) through `ccall`.

```julia
include("Gradient.jl")            # e.g. from <prefix>/share/gradient/julia
using .Gradient

f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0]
gradient(f)                       # [1.0, 1.5, 2.5, 3.5, 4.5, 5.0]
A = rand(5, 7)
gx, gy = gradient(A, 0.5, [0.0, 1, 3, 4, 7, 8, 10]; edge_order=2)
g2 = gradient(A; dims=2)          # one dimension: one array
gradient(A; dims=1, boundaries=:periodic)
```

`gradient(f, spacing...; dims=1:ndims(f), edge_order=1, boundaries=nothing,
periods=nothing, threads=0)` follows numpy's rules with Julia's dimension
numbers: `spacing` is empty (unit), one number (every dimension) or one entry
per differentiated dimension (a number = a step, a vector = coordinates);
the result is one array when one dimension is differentiated, a tuple
otherwise; integer input gives `Float64`. `boundaries` is `:one_sided`,
`:periodic` or `:ghost` for every dimension, or one entry per differentiated
dimension, each a symbol or a `(lo, hi)` pair; a ghost side holds one halo
point that is only read, and the outputs then have one point fewer there.
`periods` gives the period of periodic dimensions with coordinates.

Calling convention. Julia arrays are column-major; the C ABI takes any
element strides. The wrapper passes `size(f)` as the shape and `strides(f)`
as the strides, both in Julia's dimension order, so C axis `k` is Julia
dimension `k + 1`, and `pointer(f)` (element `f[1, 1, ...]`) as the data.
Views with steps or reversed ranges are used without a copy; arrays that are
not strided (ranges, adjoints, lazy arrays) are collected first. Outputs are
ordinary `Array`s, passed with their own column-major strides. Library
errors are thrown as `GradientError` with the library's message; its axis
numbers are C's (Julia dimension minus one).

The library is found through the environment variable `GRADIENT_LIB` (a
path), next to this file, in the directory `make install` put it in, in the
source tree's `target/release`, or on the system's search path.
"""
module Gradient

using Libdl

export gradient, gradient!, GradientError, plan, execute!, destroy!

# `make install` replaces this with the directory it installed the library in.
const INSTALLED_LIBDIR = "@LIBDIR@"

# ---- the C ABI (include/gradient.h); Julia isbits structs have C layout

const GRAD_STATUS_OK = Int32(0)
const GRAD_STATUS_INVALID_NDIM = Int32(2)
const GRAD_STATUS_INVALID_AXIS = Int32(5)
const GRAD_STATUS_INVALID_SPACING = Int32(6)
const GRAD_STATUS_INVALID_OPTIONS = Int32(12)
const GRAD_SPACING_UNIT = Int32(0)
const GRAD_SPACING_UNIFORM = Int32(1)
const GRAD_SPACING_COORDINATES = Int32(2)
const GRAD_BOUNDARY_ONE_SIDED = Int32(0)
const GRAD_BOUNDARY_PERIODIC = Int32(1)
const GRAD_BOUNDARY_GHOST = Int32(2)

const STATUS_NAMES = Dict{Int32,String}(
    0 => "OK", 1 => "NULL_POINTER", 2 => "INVALID_NDIM", 3 => "INVALID_SHAPE",
    4 => "INVALID_STRIDES", 5 => "INVALID_AXIS", 6 => "INVALID_SPACING",
    7 => "INVALID_EDGE_ORDER", 8 => "SHAPE_TOO_SMALL", 9 => "MISALIGNED",
    10 => "OVERLAP", 11 => "INVALID_DTYPE", 12 => "INVALID_OPTIONS", 99 => "INTERNAL")

struct GradSpacing           # grad_spacing: 32 bytes
    kind::Int32
    delta::Float64
    coords::Ptr{Float64}
    coords_len::Int64
end

struct GradError             # grad_error: 264 bytes
    status::Int32
    axis::Int32
    message::NTuple{256,UInt8}
end

struct GradOptions           # grad_options: 32 bytes (24 before 0.2)
    size::UInt32
    threads::Int32
    boundaries::Ptr{Int32}
    periods::Ptr{Float64}
    accuracy::Int32           # since 0.2: 0 or 2 (numpy), 4, 6 or 8
    reserved::Int32           # since 0.2: must be 0
end

@assert sizeof(GradSpacing) == 32 && fieldoffset(GradSpacing, 2) == 8 &&
        fieldoffset(GradSpacing, 3) == 16 && fieldoffset(GradSpacing, 4) == 24
@assert sizeof(GradError) == 264 && fieldoffset(GradError, 3) == 8
@assert sizeof(GradOptions) == 32 && fieldoffset(GradOptions, 3) == 8 &&
        fieldoffset(GradOptions, 4) == 16 && fieldoffset(GradOptions, 5) == 24

# GRAD_DTYPE_* code and output element type of each supported input type
dtype_code(::Type{Float64}) = Int32(0)
dtype_code(::Type{Float32}) = Int32(1)
dtype_code(::Type{ComplexF64}) = Int32(2)   # layout of grad_complex128
dtype_code(::Type{ComplexF32}) = Int32(3)   # layout of grad_complex64
dtype_code(::Type{Int8}) = Int32(4)
dtype_code(::Type{Int16}) = Int32(5)
dtype_code(::Type{Int32}) = Int32(6)
dtype_code(::Type{Int64}) = Int32(7)
dtype_code(::Type{UInt8}) = Int32(8)
dtype_code(::Type{UInt16}) = Int32(9)
dtype_code(::Type{UInt32}) = Int32(10)
dtype_code(::Type{UInt64}) = Int32(11)
dtype_code(::Type{T}) where {T} = throw(ArgumentError(
    "gradient: element type $T is not supported (Float64, Float32, ComplexF64, ComplexF32, " *
    "Int8..Int64, UInt8..UInt64)"))

output_type(::Type{T}) where {T<:Union{Float64,Float32,ComplexF64,ComplexF32}} = T
output_type(::Type{T}) where {T<:Union{Int8,Int16,Int32,Int64,UInt8,UInt16,UInt32,UInt64}} = Float64
output_type(::Type{T}) where {T} = dtype_code(T)  # throws

"""
    GradientError(status, name, axis, message)

A call the library refused: `status` is the `GRAD_STATUS_*` code, `name` its
name (e.g. `"INVALID_AXIS"`), `axis` the index (1-based) into the
differentiated dimensions of the offending one, or `nothing`.
"""
struct GradientError <: Exception
    status::Int32
    name::String
    axis::Union{Nothing,Int}
    message::String
end
GradientError(status::Integer, message::AbstractString, axis=nothing) =
    GradientError(Int32(status), get(STATUS_NAMES, Int32(status), "UNKNOWN"), axis, String(message))
Base.showerror(io::IO, e::GradientError) =
    print(io, "GradientError: ", e.message, " (GRAD_STATUS_", e.name, " = ", e.status, ")")

# ---- loading

const LIB = Ref{Ptr{Cvoid}}(C_NULL)
const GRAD_GRADIENT = Ref{Ptr{Cvoid}}(C_NULL)
const GRAD_VERSION = Ref{Ptr{Cvoid}}(C_NULL)
const GRAD_PLAN_CREATE = Ref{Ptr{Cvoid}}(C_NULL)
const GRAD_PLAN_EXECUTE = Ref{Ptr{Cvoid}}(C_NULL)
const GRAD_PLAN_DESTROY = Ref{Ptr{Cvoid}}(C_NULL)

"""The path `libgradient` is loaded from (see the module documentation)."""
function library_path()
    p = get(ENV, "GRADIENT_LIB", "")
    isempty(p) || return p
    name = "libgradient." * Libdl.dlext
    dirs = String[@__DIR__]
    startswith(INSTALLED_LIBDIR, "@") || push!(dirs, INSTALLED_LIBDIR)
    push!(dirs, joinpath(dirname(@__DIR__), "target", "release"))
    for d in dirs
        isfile(joinpath(d, name)) && return joinpath(d, name)
    end
    return "libgradient"
end

function __init__()
    LIB[] = Libdl.dlopen(library_path())
    GRAD_GRADIENT[] = Libdl.dlsym(LIB[], :grad_gradient)
    GRAD_VERSION[] = Libdl.dlsym(LIB[], :grad_version)
    # since 0.2 (plans); C_NULL with an older library
    GRAD_PLAN_CREATE[] = Libdl.dlsym(LIB[], :grad_plan_create; throw_error=false)
    GRAD_PLAN_EXECUTE[] = Libdl.dlsym(LIB[], :grad_plan_execute; throw_error=false)
    GRAD_PLAN_DESTROY[] = Libdl.dlsym(LIB[], :grad_plan_destroy; throw_error=false)
    return nothing
end

"""The library's version as a `VersionNumber` (grad_version)."""
function version()
    v = ccall(GRAD_VERSION[], UInt32, ())
    return VersionNumber(v >> 16, (v >> 8) & 0xff, v & 0xff)
end

# ---- arguments

function boundary_code(s, k)
    name = lowercase(string(s))
    name == "one_sided" && return GRAD_BOUNDARY_ONE_SIDED
    name == "periodic" && return GRAD_BOUNDARY_PERIODIC
    name == "ghost" && return GRAD_BOUNDARY_GHOST
    throw(GradientError(GRAD_STATUS_INVALID_OPTIONS,
        "boundaries for dimension $k: $(repr(s)) is not one of :one_sided, :periodic, :ghost", k))
end

# [lo1, hi1, lo2, hi2, ...] for the differentiated dimensions, or nothing
function boundary_codes(boundaries, naxes)
    boundaries === nothing && return nothing
    per = (boundaries isa Union{Symbol,AbstractString}) ? fill(boundaries, naxes) : collect(boundaries)
    if naxes == 1 && length(per) == 2 && all(b -> b isa Union{Symbol,AbstractString}, per)
        per = [Tuple(per)]
    end
    length(per) == naxes || throw(GradientError(GRAD_STATUS_INVALID_OPTIONS,
        "boundaries has $(length(per)) entries for $naxes differentiated dimensions"))
    codes = Int32[]
    for (k, b) in enumerate(per)
        if b isa Union{Symbol,AbstractString}
            c = boundary_code(b, k)
            push!(codes, c, c)
        else
            length(b) == 2 || throw(GradientError(GRAD_STATUS_INVALID_OPTIONS,
                "boundaries entry $k must be a symbol or a (lo, hi) pair", k))
            push!(codes, boundary_code(b[1], k), boundary_code(b[2], k))
        end
    end
    return codes
end

function period_values(periods, naxes)
    periods === nothing && return nothing
    periods isa Real && return fill(Float64(periods), naxes)
    p = [x === nothing ? NaN : Float64(x) for x in periods]
    length(p) == naxes || throw(GradientError(GRAD_STATUS_INVALID_OPTIONS,
        "periods has $(length(p)) entries for $naxes differentiated dimensions"))
    return p
end

# numpy's varargs rules: (spacing entries, coordinate vectors to keep alive)
function spacing_entries(spacing, f, dims)
    naxes = length(dims)
    n = length(spacing)
    keep = Vector{Vector{Float64}}()
    n == 0 && return GradSpacing[], keep
    if n == 1 && spacing[1] isa Real
        return [GradSpacing(GRAD_SPACING_UNIFORM, Float64(spacing[1]), C_NULL, 0)], keep
    end
    n == naxes || throw(ArgumentError("invalid number of arguments: $n spacings for $naxes dimensions"))
    entries = GradSpacing[]
    for (k, s) in enumerate(spacing)
        if s isa Real
            push!(entries, GradSpacing(GRAD_SPACING_UNIFORM, Float64(s), C_NULL, 0))
        elseif s isa AbstractVector{<:Real}
            length(s) == size(f, dims[k]) || throw(DimensionMismatch(
                "coordinates for dimension $(dims[k]) have $(length(s)) values, size(f, $(dims[k])) = $(size(f, dims[k]))"))
            x = Vector{Float64}(s)   # a copy when s is not already a Vector{Float64}
            push!(keep, x)
            push!(entries, GradSpacing(GRAD_SPACING_COORDINATES, 0.0, pointer(x), length(x)))
        else
            throw(ArgumentError("spacing entry $k must be a number or a vector of real coordinates"))
        end
    end
    return entries, keep
end

# the outputs' size: f's minus the halo width (1, or accuracy ÷ 2) per ghost side
function output_size(f, dims, codes, accuracy=2)
    sz = collect(size(f))
    halo = max(1, accuracy ÷ 2)
    if codes !== nothing
        for (k, d) in enumerate(dims)
            sz[d] -= halo * ((codes[2k-1] == GRAD_BOUNDARY_GHOST) + (codes[2k] == GRAD_BOUNDARY_GHOST))
            sz[d] = max(sz[d], 0)
        end
    end
    return Tuple(sz)
end

normalize_dims(dims::Integer, N) = normalize_dims((dims,), N)
function normalize_dims(dims, N)
    N >= 1 || throw(GradientError(GRAD_STATUS_INVALID_NDIM, "a 0-dimensional array has no gradient"))
    ds = [Int(d) for d in dims]
    isempty(ds) && throw(GradientError(GRAD_STATUS_INVALID_AXIS, "dims is empty"))
    for (k, d) in enumerate(ds)
        1 <= d <= N || throw(GradientError(GRAD_STATUS_INVALID_AXIS,
            "dims[$k] = $d is not a dimension of an array with $N dimensions", k))
    end
    return ds
end

# ---- the call

"""
    gradient(f, spacing...; dims=1:ndims(f), edge_order=1, boundaries=nothing,
             periods=nothing, threads=0, accuracy=2)

numpy.gradient of `f`, bit for bit (see the module documentation). `accuracy`
4, 6 or 8 selects the higher-order stencils (edge_order 1 to accuracy; ghost
sides hold accuracy ÷ 2 halo points), see docs/accuracy.md.
"""
function gradient(f::AbstractArray{T,N}, spacing...; dims=1:ndims(f), edge_order::Integer=1,
                  boundaries=nothing, periods=nothing, threads::Integer=0,
                  accuracy::Integer=2) where {T,N}
    ds = normalize_dims(dims, N)
    codes = boundary_codes(boundaries, length(ds))
    osize = output_size(f, ds, codes, accuracy)
    outs = [Array{output_type(T)}(undef, osize) for _ in ds]
    gradient!(outs, f, spacing...; dims=ds, edge_order=edge_order, boundaries=boundaries,
              periods=periods, threads=threads, accuracy=accuracy)
    return length(ds) == 1 ? outs[1] : Tuple(outs)
end

"""
    gradient!(outs, f, spacing...; dims, edge_order, boundaries, periods, threads, accuracy)

`gradient` into the strided arrays `outs` (one per differentiated dimension,
of the output element type and size); returns `outs`. Nothing is written
when the library refuses the call.
"""
function gradient!(outs::AbstractVector, f::AbstractArray{T,N}, spacing...; dims=1:ndims(f),
                   edge_order::Integer=1, boundaries=nothing, periods=nothing,
                   threads::Integer=0, accuracy::Integer=2) where {T,N}
    f isa StridedArray || (f = collect(f))
    code = dtype_code(T)
    OT = output_type(T)
    ds = normalize_dims(dims, N)
    naxes = length(ds)
    entries, keep = spacing_entries(spacing, f, ds)
    codes = boundary_codes(boundaries, naxes)
    pvals = period_values(periods, naxes)
    osize = output_size(f, ds, codes, accuracy)
    length(outs) == naxes || throw(ArgumentError("outs has $(length(outs)) arrays for $naxes dimensions"))
    for (k, o) in enumerate(outs)
        (o isa StridedArray && eltype(o) == OT && size(o) == osize) || throw(ArgumentError(
            "outs[$k] must be a strided array of $OT with size $osize, got $(typeof(o)) of size $(size(o))"))
    end
    shape = Int64[size(f)...]
    strds = Int64[strides(f)...]                  # elements, column-major for an Array
    axes = Int32[d - 1 for d in ds]               # Julia dimension d = C axis d-1
    outptrs = Ptr{Cvoid}[pointer(o) for o in outs]
    ostrides = Int64[s for o in outs for s in strides(o)]
    bptr = codes === nothing ? Ptr{Int32}(C_NULL) : pointer(codes)
    pptr = pvals === nothing ? Ptr{Float64}(C_NULL) : pointer(pvals)
    options = Ref(GradOptions(UInt32(sizeof(GradOptions)), Int32(threads), bptr, pptr,
                              Int32(accuracy), Int32(0)))
    err = Ref(GradError(Int32(0), Int32(-1), ntuple(_ -> 0x00, 256)))
    status = GC.@preserve f outs keep codes pvals entries outptrs begin
        ccall(GRAD_GRADIENT[], Int32,
              (Int32, Ptr{Cvoid}, Int32, Ptr{Int64}, Ptr{Int64}, Int32, Ptr{Int32},
               Int32, Ptr{GradSpacing}, Int32, Ptr{Ptr{Cvoid}}, Ptr{Int64},
               Ref{GradOptions}, Ref{GradError}),
              code, pointer(f), Int32(N), shape, strds, Int32(naxes), axes,
              Int32(length(entries)), isempty(entries) ? Ptr{GradSpacing}(C_NULL) : pointer(entries),
              Int32(edge_order), outptrs, ostrides, options, err)
    end
    if status != GRAD_STATUS_OK
        e = err[]
        msg = String(UInt8[c for c in Iterators.takewhile(!=(0x00), e.message)])
        throw(GradientError(status, msg, e.axis < 0 ? nothing : Int(e.axis) + 1))
    end
    return outs
end

# ---- plans (libgradient 0.2)

function throw_error(status, err)
    e = err[]
    msg = String(UInt8[c for c in Iterators.takewhile(!=(0x00), e.message)])
    throw(GradientError(status, msg, e.axis < 0 ? nothing : Int(e.axis) + 1))
end

# An array's size without the array.
struct SizeOnly{N}
    dims::NTuple{N,Int}
end
Base.size(s::SizeOnly) = s.dims
Base.size(s::SizeOnly, d::Integer) = s.dims[d]

"""
    Plan{T,N}

A gradient of dense `Array{T,N}`s of one size, checked once by
`grad_plan_create` (which copies every argument) and run by `p(f)` or
`execute!(outs, p, f)`. A finalizer frees it (`destroy!(p)` frees it now).
One plan may be executed from several threads at once.
"""
mutable struct Plan{T,N}
    handle::Ptr{Cvoid}
    size::NTuple{N,Int}
    osize::NTuple{N,Int}
    naxes::Int
end

"""
    plan(T, size, spacing...; dims=1:length(size), edge_order=1, boundaries=nothing,
         periods=nothing, threads=0)

A [`Plan`](@ref) for `Array{T}`s of `size`; the arguments as for `gradient`.
"""
function plan(::Type{T}, sz::NTuple{N,Integer}, spacing...; dims=1:N, edge_order::Integer=1,
              boundaries=nothing, periods=nothing, threads::Integer=0) where {T,N}
    GRAD_PLAN_CREATE[] == C_NULL && error("plans need libgradient 0.2 or newer")
    code = dtype_code(T)
    ds = normalize_dims(dims, N)
    naxes = length(ds)
    dims_f = ntuple(d -> Int(sz[d]), N)
    like = SizeOnly(dims_f)                       # what spacing_entries and output_size read
    entries, keep = spacing_entries(spacing, like, ds)
    codes = boundary_codes(boundaries, naxes)
    pvals = period_values(periods, naxes)
    osize = Tuple(output_size(like, ds, codes))
    shape = Int64[dims_f...]
    strds = Int64[1; cumprod(Int64[dims_f[1:end-1]...])]
    ostr1 = Int64[1; cumprod(Int64[osize[1:end-1]...])]
    ostrides = Int64[s for _ in 1:naxes for s in ostr1]
    axes = Int32[d - 1 for d in ds]
    bptr = codes === nothing ? Ptr{Int32}(C_NULL) : pointer(codes)
    pptr = pvals === nothing ? Ptr{Float64}(C_NULL) : pointer(pvals)
    options = Ref(GradOptions(UInt32(sizeof(GradOptions)), Int32(threads), bptr, pptr))
    err = Ref(GradError(Int32(0), Int32(-1), ntuple(_ -> 0x00, 256)))
    handle = Ref{Ptr{Cvoid}}(C_NULL)
    status = GC.@preserve keep codes pvals entries begin
        ccall(GRAD_PLAN_CREATE[], Int32,
              (Ref{Ptr{Cvoid}}, Int32, Int32, Ptr{Int64}, Ptr{Int64}, Int32, Ptr{Int32},
               Int32, Ptr{GradSpacing}, Int32, Ptr{Int64}, Ref{GradOptions}, Ref{GradError}),
              handle, code, Int32(N), shape, strds, Int32(naxes), axes,
              Int32(length(entries)), isempty(entries) ? Ptr{GradSpacing}(C_NULL) : pointer(entries),
              Int32(edge_order), ostrides, options, err)
    end
    status == GRAD_STATUS_OK || throw_error(status, err)
    p = Plan{T,N}(handle[], dims_f, osize, naxes)
    finalizer(destroy!, p)
    return p
end

"""
    destroy!(p::Plan)

Free the plan now (the finalizer does it otherwise); later calls throw.
"""
function destroy!(p::Plan)
    if p.handle != C_NULL
        ccall(GRAD_PLAN_DESTROY[], Cvoid, (Ptr{Cvoid},), p.handle)
        p.handle = C_NULL
    end
    return nothing
end

"""
    execute!(outs, p::Plan{T,N}, f::Array{T,N})

Run the plan into `outs` (one dense `Array` of the output type and size per
differentiated dimension); returns `outs`. Nothing is written on failure.
"""
function execute!(outs::AbstractVector, p::Plan{T,N}, f::Array{T,N}) where {T,N}
    p.handle == C_NULL && throw(ArgumentError("the plan was destroyed"))
    size(f) == p.size || throw(DimensionMismatch("f has size $(size(f)), the plan $(p.size)"))
    length(outs) == p.naxes || throw(ArgumentError("outs has $(length(outs)) arrays for $(p.naxes) dimensions"))
    OT = output_type(T)
    for (k, o) in enumerate(outs)
        (o isa Array && eltype(o) == OT && size(o) == p.osize) || throw(ArgumentError(
            "outs[$k] must be an Array of $OT with size $(p.osize)"))
    end
    outptrs = Ptr{Cvoid}[pointer(o) for o in outs]
    err = Ref(GradError(Int32(0), Int32(-1), ntuple(_ -> 0x00, 256)))
    status = GC.@preserve p f outs outptrs begin
        ccall(GRAD_PLAN_EXECUTE[], Int32, (Ptr{Cvoid}, Ptr{Cvoid}, Ptr{Ptr{Cvoid}}, Ref{GradError}),
              p.handle, pointer(f), outptrs, err)
    end
    status == GRAD_STATUS_OK || throw_error(status, err)
    return outs
end

function (p::Plan{T,N})(f::Array{T,N}) where {T,N}
    outs = [Array{output_type(T)}(undef, p.osize) for _ in 1:p.naxes]
    execute!(outs, p, f)
    return p.naxes == 1 ? outs[1] : Tuple(outs)
end

end # module Gradient
