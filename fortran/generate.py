#!/usr/bin/env python3
"""Writes fortran/gradient.f90, the Fortran 2008 module `gradient`.

    python3 fortran/generate.py           # rewrite fortran/gradient.f90
    python3 fortran/generate.py --check   # exit 1 if it is stale

The GRAD_* parameters come from include/gradient.h (itself generated from
the Rust source by cbindgen), so the module cannot drift from the C header;
the rest (the bind(C) types and interfaces, which the stable ABI of
docs/reference.md freezes,
and the array procedures for ranks 1..MAX_RANK of four types) is templated
here. scripts/test-packaging.sh runs --check.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(ROOT, "include", "gradient.h")
OUTPUT = os.path.join(ROOT, "fortran", "gradient.f90")
MAX_RANK = 4

# (suffix, Fortran type, GRAD_DTYPE_*, raw C function)
TYPES = [
    ("f64", "real(c_double)", "GRAD_DTYPE_F64"),
    ("f32", "real(c_float)", "GRAD_DTYPE_F32"),
    ("c128", "complex(c_double_complex)", "GRAD_DTYPE_C128"),
    ("c64", "complex(c_float_complex)", "GRAD_DTYPE_C64"),
]

RAW_ARGS = ("f, ndim, shape, strides, naxes, axes, nspacing, spacing, &\n"
            "        edge_order, out, out_strides, options, err")


def constants():
    """[(comment lines, name, value)] for every #define GRAD_* in the header,
    each with the text of the /* */ (or /** */) comment just above it."""
    out = []
    comment = []
    block = None
    with open(HEADER) as fh:
        for line in fh:
            line = line.strip()
            if block is not None:
                if line.endswith("*/"):
                    text = line[:-2].strip().lstrip("*").strip()
                    if text:
                        block.append(text)
                    comment, block = block, None
                else:
                    block.append(line.lstrip("*").strip())
                continue
            if line.startswith("/*"):
                text = line[2:].lstrip("*").strip()
                if text.endswith("*/"):
                    comment = [text[:-2].strip()]
                else:
                    block = [text] if text else []
                continue
            m = re.match(r"#define\s+(GRAD_[A-Z0-9_]+)\s+(-?\d+)\s*$", line)
            if m:
                out.append((comment, m.group(1), int(m.group(2))))
            comment = []
    if not out:
        sys.exit("generate.py: no #define GRAD_* found in %s" % HEADER)
    return out


def wrap(text, indent):
    """Fortran free-form continuation for a long line."""
    width = 100
    words = text.split(" ")
    lines, cur = [], indent
    for w in words:
        if len(cur) + len(w) + 3 > width and cur.strip():
            lines.append(cur.rstrip() + " &")
            cur = indent + "    " + w + " "
        else:
            cur += w + " "
    lines.append(cur.rstrip())
    return "\n".join(lines)


def raw_interface(name, ctype_comment):
    return """\
    !> {comment}
    function {name}({args}) &
        bind(C, name="{name}") result(status)
      import :: c_ptr, c_int32_t
      type(c_ptr), value :: f
      integer(c_int32_t), value :: ndim
      type(c_ptr), value :: shape, strides
      integer(c_int32_t), value :: naxes
      type(c_ptr), value :: axes
      integer(c_int32_t), value :: nspacing
      type(c_ptr), value :: spacing
      integer(c_int32_t), value :: edge_order
      type(c_ptr), value :: out, out_strides, options, err
      integer(c_int32_t) :: status
    end function {name}
""".format(name=name, args=RAW_ARGS, comment=ctype_comment)


def colons(n):
    return ",".join([":"] * n)


def ones(n):
    return ",".join(["1"] * n)


def idx(rank, d=None, k=None, first=False):
    """An element reference: 1 in every dimension, 2 in dimension d, k in the
    component dimension (first or last) if given."""
    items = ["2" if i == d else "1" for i in range(1, rank + 1)]
    if k is not None:
        items = [k] + items if first else items + [k]
    return ",".join(items)


def wrapper(suffix, ftype, dtype, rank):
    name = "gradient_%s_%dd" % (suffix, rank)
    xs = ", ".join("x%d" % d for d in range(1, rank + 1))
    fstr = "\n".join(
        "      if (size(f, %d) > 1) fstr(%d) = addr_diff(fp, c_loc(f(%s)))" % (d, d, idx(rank, d))
        for d in range(1, rank + 1))
    if rank == 1:
        grads_decl = "grads(:)"
        gcode = """\
    gshape(1) = size(grads, kind=c_int64_t)
    gshape(2) = 1
    ! one component: the layouts coincide
    if (present(component_first)) cdim = 2
    allocate(gp(1))
    gp = c_null_ptr
    if (size(grads) > 0) then
      gp(1) = c_loc(grads(1))
      if (size(grads) > 1) gstr(1) = addr_diff(gp(1), c_loc(grads(2)))
    end if"""
    else:
        grads_decl = "grads(%s)" % colons(rank + 1)
        gdims = "\n".join(
            "        if (size(grads, %d) > 1) gstr(%d) = addr_diff(g0, c_loc(grads(%s)))"
            % (d, d, ",".join("2" if i == d else "1" for i in range(1, rank + 2)))
            for d in range(1, rank + 2))
        gcode = """\
    gshape = shape(grads, kind=c_int64_t)
    cdim = {rank1}
    if (present(component_first)) then
      if (component_first) cdim = 1
    end if
    allocate(gp(gshape(cdim)))
    gp = c_null_ptr
    if (size(grads) > 0) then
      g0 = c_loc(grads({ones1}))
{gdims}
      do k = 1, size(gp)
        if (cdim == 1) then
          gp(k) = c_loc(grads({kfirst}))
        else
          gp(k) = c_loc(grads({klast}))
        end if
      end do
    end if""".format(rank1=rank + 1, ones1=ones(rank + 1), gdims=gdims,
                     kfirst=idx(rank, k="k", first=True), klast=idx(rank, k="k"))
    xcode = "\n".join(
        """\
    if (present(x{d})) then
      xlen({d}) = size(x{d}, kind=c_int64_t)
      if (size(x{d}) > 0) xp({d}) = c_loc(x{d}(1))
    end if""".format(d=d) for d in range(1, rank + 1))
    head = wrap("subroutine %s(f, grads, dx, steps, %s, axes, edge_order, boundaries, periods, "
                "threads, accuracy, component_first, status, errmsg)" % (name, xs), "  ")
    head = "  " + head.lstrip()
    return """\
{head}
    {ftype}, intent(in), target :: f({fcolons})
    {ftype}, intent(inout), target :: {grads_decl}
    real(c_double), intent(in), optional :: dx
    real(c_double), intent(in), optional :: steps(:)
    real(c_double), intent(in), optional, target, contiguous :: {xs_decl}
    integer, intent(in), optional :: axes(:)
    integer, intent(in), optional :: edge_order
    integer, intent(in), optional :: boundaries(:,:)
    real(c_double), intent(in), optional :: periods(:)
    integer, intent(in), optional :: threads
    integer, intent(in), optional :: accuracy
    logical, intent(in), optional :: component_first
    integer, intent(out), optional :: status
    character(len=*), intent(out), optional :: errmsg
    type(c_ptr) :: fp, g0, xp({rank})
    type(c_ptr), allocatable :: gp(:)
    integer(c_int64_t) :: xlen({rank}), gshape({rank1}), fstr({rank}), gstr({rank1})
    integer :: {kdecl}cdim
    {ftype} :: one
    fp = c_null_ptr
    g0 = c_null_ptr
    fstr = 0
    gstr = 0
    cdim = {rank1}
    if (size(f) > 0) then
      fp = c_loc(f({fones}))
{fstr}
    end if
    xp = c_null_ptr
    xlen = -1
{xcode}
{gcode}
    call grad_core({dtype}, c_sizeof(one), fp, shape(f, kind=c_int64_t), fstr, gp, gshape, gstr, &
        cdim, xp, xlen, dx, steps, axes, edge_order, boundaries, periods, threads, accuracy, &
        status, errmsg)
  end subroutine {name}
""".format(head=head, ftype=ftype, fcolons=colons(rank), grads_decl=grads_decl,
           xs_decl=", ".join("x%d(:)" % d for d in range(1, rank + 1)), rank=rank,
           rank1=rank + 1, fones=ones(rank), xcode=xcode, gcode=gcode, fstr=fstr,
           dtype=dtype, name=name, kdecl="" if rank == 1 else "k, ")


def module():
    out = []
    w = out.append
    w("""\
! gradient.f90: the Fortran 2008 module `gradient` for the gradient library
! (numpy.gradient, bit-identical, behind a C ABI).
!
! GENERATED by fortran/generate.py from include/gradient.h: do not edit by
! hand. Regenerate with `python3 fortran/generate.py`.
!
! Compile this file with your own compiler (a .mod file is compiler-specific)
! and link the library, e.g. with pkg-config:
!
!   gfortran -c $(pkg-config --variable=includedir gradient)/gradient.f90
!   gfortran prog.f90 gradient.o $(pkg-config --libs gradient)
!
! Two layers:
!
! * the C ABI as it is: parameters for every GRAD_* constant, the bind(C)
!   types grad_spacing, grad_error, grad_options, grad_complex64,
!   grad_complex128, and interfaces for grad_gradient_f64/_f32/_c64/_c128,
!   grad_gradient, grad_status_str and grad_version with exactly the C names
!   (every pointer argument type(c_ptr), value; every integer
!   integer(c_int32_t), value). Strides are in elements; for a Fortran array
!   pass its extents in Fortran order with column-major strides
!   (1, n1, n1*n2, ...): C axis k is Fortran dimension k+1.
!
! * array procedures, generic over ranks 1..{maxr}:
!
!     call gradient_f64(f, grads [, dx] [, steps] [, x1, x2, ...] [, axes]
!                       [, edge_order] [, boundaries] [, periods] [, threads]
!                       [, accuracy] [, component_first] [, status] [, errmsg])
!
!   and gradient_f32, gradient_c128 (complex(c_double_complex)),
!   gradient_c64 (complex(c_float_complex)). f and grads may be arrays or
!   array sections of any strides, reversed ones included (u(0:nx+1, :, :),
!   g(:, 1:n:2, :)): they are passed with their real strides, never copied.
!   grads has one more dimension than f: grads(..., k) is the derivative
!   along dimension axes(k) (default: every dimension in order), or, with
!   component_first=.true., grads(k, ...) (the interleaved layout
!   g(3, nx, ny, nz)); for rank-1 f, grads is rank 1. Its other extents are
!   f's, minus the halo width per GRAD_BOUNDARY_GHOST side (1, or accuracy/2). Coordinates xd are
!   contiguous (a non-contiguous section of them is copied by the compiler). Spacing, per Fortran dimension d: coordinates
!   xd(:) (size(f, d) values) if present, else steps(d) if present, else dx
!   if present, else 1. edge_order is 1 (default) or 2. boundaries(2, rank)
!   holds GRAD_BOUNDARY_* codes for the low and high end of each dimension;
!   periods(rank) the period of each periodic dimension with coordinates;
!   threads how many threads the library may use; accuracy the order of the
!   interior stencil: 2 (numpy's, the default), 4, 6 or 8, with edge_order 1
!   to accuracy (see docs/accuracy.md). Without status, a failure
!   prints the library's message and stops the program (error stop); with
!   status (and errmsg) it returns GRAD_STATUS_* (0 = success) and the
!   message, and grads is left untouched.
!
!   The results are numpy.gradient's, bit for bit: gradient_f64(f, g,
!   dx=h) is numpy.gradient(a, h) on the same array (a = f's values with
!   numpy axis k = Fortran dimension k+1).
module gradient
  use, intrinsic :: iso_c_binding, only: c_int32_t, c_int64_t, c_double, c_float, &
      c_double_complex, c_float_complex, c_char, c_ptr, c_null_ptr, c_null_char, &
      c_loc, c_f_pointer, c_associated, c_sizeof, c_size_t, c_intptr_t
  use, intrinsic :: iso_fortran_env, only: error_unit
  implicit none
  private
""".format(maxr=MAX_RANK))
    consts = constants()
    w("  ! ---- GRAD_* constants of include/gradient.h")
    for comment, name, value in consts:
        for c in comment:
            w("  !> " + c if c else "  !>")
        w("  integer(c_int32_t), parameter, public :: %s = %d" % (name, value))
    w("""
  ! ---- the C ABI's structs (bind(C): same layout as in gradient.h)

  !> The spacing of one axis (or of every axis when it is the only entry).
  type, bind(C), public :: grad_spacing
    integer(c_int32_t) :: kind = GRAD_SPACING_UNIT  !< GRAD_SPACING_*
    real(c_double) :: delta = 1.0_c_double          !< UNIFORM: the step
    type(c_ptr) :: coords = c_null_ptr              !< COORDINATES: coords_len values
    integer(c_int64_t) :: coords_len = 0            !< COORDINATES: must equal shape[axis]
  end type grad_spacing

  !> Details of a failed call; optional, caller-allocated.
  type, bind(C), public :: grad_error
    integer(c_int32_t) :: status = 0                !< same as the return value
    integer(c_int32_t) :: axis = -1                 !< index into axes[] of the offending axis, or -1
    character(kind=c_char) :: message(256) = c_null_char  !< NUL-terminated
  end type grad_error

  !> Options beyond numpy's behaviour; pass c_null_ptr for numpy's.
  !> size must be c_sizeof(the options variable) (uint32_t in C).
  type, bind(C), public :: grad_options
    integer(c_int32_t) :: size = 0                  !< sizeof(grad_options)
    integer(c_int32_t) :: threads = 0               !< <= 1: the calling thread only
    type(c_ptr) :: boundaries = c_null_ptr          !< NULL, or 2*naxes GRAD_BOUNDARY_* codes
    type(c_ptr) :: periods = c_null_ptr             !< NULL, or naxes periods
    integer(c_int32_t) :: accuracy = 0              !< since 0.2: 0 or 2 (numpy), 4, 6 or 8
    integer(c_int32_t) :: reserved = 0              !< since 0.2: must be 0
  end type grad_options

  !> Layout-compatible with complex(c_float_complex).
  type, bind(C), public :: grad_complex64
    real(c_float) :: re, im
  end type grad_complex64

  !> Layout-compatible with complex(c_double_complex).
  type, bind(C), public :: grad_complex128
    real(c_double) :: re, im
  end type grad_complex128

  ! ---- the C functions, with their C names
  public :: grad_gradient_f64, grad_gradient_f32, grad_gradient_c64, grad_gradient_c128
  public :: grad_gradient, grad_status_str, grad_version
  public :: grad_plan_create, grad_plan_execute, grad_plan_destroy

  interface""")
    w(raw_interface("grad_gradient_f64", "double data and outputs"))
    w(raw_interface("grad_gradient_f32", "float data and outputs"))
    w(raw_interface("grad_gradient_c64", "grad_complex64 (complex(c_float_complex)) data and outputs"))
    w(raw_interface("grad_gradient_c128", "grad_complex128 (complex(c_double_complex)) data and outputs"))
    w("""\
    !> Data of any GRAD_DTYPE_* (outputs double for the integer dtypes).
    function grad_gradient(dtype, {args}) &
        bind(C, name="grad_gradient") result(status)
      import :: c_ptr, c_int32_t
      integer(c_int32_t), value :: dtype
      type(c_ptr), value :: f
      integer(c_int32_t), value :: ndim
      type(c_ptr), value :: shape, strides
      integer(c_int32_t), value :: naxes
      type(c_ptr), value :: axes
      integer(c_int32_t), value :: nspacing
      type(c_ptr), value :: spacing
      integer(c_int32_t), value :: edge_order
      type(c_ptr), value :: out, out_strides, options, err
      integer(c_int32_t) :: status
    end function grad_gradient

    !> A static NUL-terminated description of a status code; never NULL.
    function grad_status_str(status) bind(C, name="grad_status_str") result(text)
      import :: c_ptr, c_int32_t
      integer(c_int32_t), value :: status
      type(c_ptr) :: text
    end function grad_status_str

    !> (major << 16) | (minor << 8) | patch (uint32_t in C).
    function grad_version() bind(C, name="grad_version") result(version)
      import :: c_int32_t
      integer(c_int32_t) :: version
    end function grad_version

    !> Since 0.2: check a call once (no data, no outputs) into a new plan;
    !> plan is c_null_ptr on failure.
    function grad_plan_create(plan, dtype, ndim, shape, strides, naxes, axes, nspacing, &
        spacing, edge_order, out_strides, options, err) &
        bind(C, name="grad_plan_create") result(status)
      import :: c_ptr, c_int32_t
      type(c_ptr), intent(out) :: plan
      integer(c_int32_t), value :: dtype, ndim
      type(c_ptr), value :: shape, strides
      integer(c_int32_t), value :: naxes
      type(c_ptr), value :: axes
      integer(c_int32_t), value :: nspacing
      type(c_ptr), value :: spacing
      integer(c_int32_t), value :: edge_order
      type(c_ptr), value :: out_strides, options, err
      integer(c_int32_t) :: status
    end function grad_plan_create

    !> Since 0.2: run a plan on data f into the naxes outputs out(1:naxes).
    function grad_plan_execute(plan, f, out, err) &
        bind(C, name="grad_plan_execute") result(status)
      import :: c_ptr, c_int32_t
      type(c_ptr), value :: plan, f, out, err
      integer(c_int32_t) :: status
    end function grad_plan_execute

    !> Since 0.2: free a plan (c_null_ptr is fine).
    subroutine grad_plan_destroy(plan) bind(C, name="grad_plan_destroy")
      import :: c_ptr
      type(c_ptr), value :: plan
    end subroutine grad_plan_destroy
  end interface

  !> Since 0.2: a plan for real(c_double) arrays in Fortran order,
  !> differentiated along every dimension: create once, execute every time
  !> step, destroy (or let it go out of scope: a final procedure frees it).
  !> execute(f, g) takes f of the planned shape and g of that shape with
  !> one more dimension of extent rank: g(..., k) = d f / d x_k.
  type, public :: gradient_plan
    type(c_ptr), private :: handle = c_null_ptr
    integer, private :: rank = 0
    integer(c_int64_t), private :: n = 0
  contains
    procedure :: create => gradient_plan_create
    procedure :: execute => gradient_plan_execute
    procedure :: destroy => gradient_plan_destroy
    final :: gradient_plan_final
  end type gradient_plan
""".format(args=RAW_ARGS))
    w("  ! ---- array procedures")
    for suffix, _ftype, _dtype in TYPES:
        names = ", ".join("gradient_%s_%dd" % (suffix, r) for r in range(1, MAX_RANK + 1))
        w("  public :: gradient_%s" % suffix)
        w("  interface gradient_%s" % suffix)
        w("    module procedure %s" % names)
        w("  end interface gradient_%s" % suffix)
    w("""\
  public :: gradient_status_text, gradient_error_message, gradient_version_text

  ! distinct dummy elements for zero-size arrays (c_loc needs a nonzero size;
  ! the library reads and writes nothing then)
  real(c_double), target, save :: zero_size(2 * GRAD_MAX_NDIM + 8)

contains

  !> The library's description of a status code, as a Fortran string.
  function gradient_status_text(status) result(text)
    integer, intent(in) :: status
    character(len=:), allocatable :: text
    character(kind=c_char), pointer :: chars(:)
    integer :: n
    call c_f_pointer(grad_status_str(int(status, c_int32_t)), chars, [4096])
    n = 0
    do while (chars(n + 1) /= c_null_char)
      n = n + 1
    end do
    allocate(character(len=n) :: text)
    do n = 1, len(text)
      text(n:n) = chars(n)
    end do
  end function gradient_status_text

  !> grad_error%message as a Fortran string.
  function gradient_error_message(err) result(text)
    type(grad_error), intent(in) :: err
    character(len=:), allocatable :: text
    integer :: n
    n = 0
    do while (n < size(err%message))
      if (err%message(n + 1) == c_null_char) exit
      n = n + 1
    end do
    allocate(character(len=n) :: text)
    do n = 1, len(text)
      text(n:n) = err%message(n)
    end do
  end function gradient_error_message

  !> The library's version as "major.minor.patch".
  function gradient_version_text() result(text)
    character(len=:), allocatable :: text
    character(len=32) :: buf
    integer :: v
    v = int(grad_version())
    write(buf, '(i0,".",i0,".",i0)') v / 65536, mod(v / 256, 256), mod(v, 256)
    text = trim(buf)
  end function gradient_version_text

  !> Reports a failure: into status/errmsg if present, else on stderr and stop.
  subroutine fail(code, message, status, errmsg)
    integer, intent(in) :: code
    character(len=*), intent(in) :: message
    integer, intent(out), optional :: status
    character(len=*), intent(out), optional :: errmsg
    if (present(errmsg)) errmsg = message
    if (present(status)) then
      status = code
      return
    end if
    write(error_unit, '("gradient: ",a," (",a,", status ",i0,")")') message, &
        gradient_status_text(code), code
    error stop
  end subroutine fail

  !> The shared body of every array procedure: column-major extents and
  !> strides, per-dimension spacing and boundaries, one grad_gradient call.
  subroutine grad_core(dtype, esize, fp, fshape, fstr, gp, gshape, gstr, cdim, xp, xlen, dx, &
      steps, axes, edge_order, boundaries, periods, threads, accuracy, status, errmsg)
    integer(c_int32_t), intent(in) :: dtype
    integer(c_size_t), intent(in) :: esize
    type(c_ptr), intent(in) :: fp
    integer(c_int64_t), intent(in) :: fshape(:), fstr(:)
    type(c_ptr), intent(in) :: gp(:)
    integer(c_int64_t), intent(in) :: gshape(:), gstr(:)
    integer, intent(in) :: cdim
    type(c_ptr), intent(in) :: xp(:)
    integer(c_int64_t), intent(in) :: xlen(:)
    real(c_double), intent(in), optional :: dx
    real(c_double), intent(in), optional :: steps(:)
    integer, intent(in), optional :: axes(:)
    integer, intent(in), optional :: edge_order
    integer, intent(in), optional :: boundaries(:,:)
    real(c_double), intent(in), optional :: periods(:)
    integer, intent(in), optional :: threads
    integer, intent(in), optional :: accuracy
    integer, intent(out), optional :: status
    character(len=*), intent(out), optional :: errmsg

    integer(c_int64_t), target :: shape_c(size(fshape)), strides_c(size(fshape))
    integer(c_int64_t) :: oshape(size(fshape)), gsp(size(fshape)), gspst(size(fshape)), es
    integer(c_int32_t), allocatable, target :: axes_c(:), codes(:)
    integer(c_int64_t), allocatable, target :: out_strides(:)
    real(c_double), allocatable, target :: period_c(:)
    type(grad_spacing), allocatable, target :: spacing(:)
    type(c_ptr), allocatable, target :: out(:)
    type(grad_options), target :: options
    type(grad_error), target :: err
    type(c_ptr) :: f, options_p
    integer :: rank, naxes, k, d, i, eo, nspacing, halo
    integer(c_int32_t) :: st

    if (present(errmsg)) errmsg = ""
    if (present(status)) status = GRAD_STATUS_OK
    rank = size(fshape)
    if (present(axes)) then
      naxes = size(axes)
      if (naxes < 1) then
        call fail(GRAD_STATUS_INVALID_AXIS, "axes is empty: give at least one dimension", &
            status, errmsg)
        return
      end if
      allocate(axes_c(naxes))
      do k = 1, naxes
        if (axes(k) < 1 .or. axes(k) > rank) then
          call fail(GRAD_STATUS_INVALID_AXIS, "axes(" // itoa(k) // ") = " // itoa(axes(k)) // &
              " is not a dimension of f (1.." // itoa(rank) // ")", status, errmsg)
          return
        end if
        axes_c(k) = int(axes(k) - 1, c_int32_t)
      end do
    else
      naxes = rank
      allocate(axes_c(naxes))
      axes_c = [(int(k - 1, c_int32_t), k = 1, rank)]
    end if
    if (present(steps)) then
      if (size(steps) /= rank) then
        call fail(GRAD_STATUS_INVALID_SPACING, "steps has " // itoa(size(steps)) // &
            " values for an array of rank " // itoa(rank) // ": give one per dimension", &
            status, errmsg)
        return
      end if
    end if
    if (present(boundaries)) then
      if (size(boundaries, 1) /= 2 .or. size(boundaries, 2) /= rank) then
        call fail(GRAD_STATUS_INVALID_OPTIONS, "boundaries has shape (" // &
            itoa(size(boundaries, 1)) // "," // itoa(size(boundaries, 2)) // &
            "): it must be (2, " // itoa(rank) // "), low and high end of each dimension", &
            status, errmsg)
        return
      end if
    end if
    if (present(periods)) then
      if (size(periods) /= rank) then
        call fail(GRAD_STATUS_INVALID_OPTIONS, "periods has " // itoa(size(periods)) // &
            " values for an array of rank " // itoa(rank) // ": give one per dimension", &
            status, errmsg)
        return
      end if
    end if

    ! the outputs' extents: f's minus the halo width (1, or accuracy / 2 at
    ! accuracy 4, 6 or 8) per ghost side of a differentiated dimension
    halo = 1
    if (present(accuracy)) halo = max(1, accuracy / 2)
    oshape = fshape
    allocate(codes(2 * naxes))
    codes = GRAD_BOUNDARY_ONE_SIDED
    do k = 1, naxes
      d = axes_c(k) + 1
      if (present(boundaries)) then
        codes(2 * k - 1) = int(boundaries(1, d), c_int32_t)
        codes(2 * k) = int(boundaries(2, d), c_int32_t)
      end if
    end do
    do d = 1, rank
      do k = 1, naxes
        if (axes_c(k) + 1 /= d) cycle
        do i = 2 * k - 1, 2 * k
          if (codes(i) == GRAD_BOUNDARY_GHOST) oshape(d) = oshape(d) - halo
        end do
      end do
      oshape(d) = max(oshape(d), 0_c_int64_t)
    end do
    ! grads: the spatial extents and strides, the component dimension apart
    if (cdim == 1) then
      gsp = gshape(2:rank + 1)
      gspst = gstr(2:rank + 1)
    else
      gsp = gshape(1:rank)
      gspst = gstr(1:rank)
    end if
    if (size(gshape) /= rank + 1 .or. size(gp) /= naxes .or. &
        any(gsp /= oshape) .or. gshape(cdim) /= naxes) then
      if (cdim /= 1 .and. rank > 1 .and. size(gshape) == rank + 1) then
        if (gshape(1) == naxes .and. all(gshape(2:rank + 1) == oshape)) then
          call fail(GRAD_STATUS_INVALID_SHAPE, "grads has shape " // shape_text(gshape) // &
              ": for the component-first layout pass component_first=.true.", status, errmsg)
          return
        end if
      end if
      if (cdim == 1) then
        call fail(GRAD_STATUS_INVALID_SHAPE, "grads has shape " // shape_text(gshape) // &
            ", the outputs need " // shape_text([int(naxes, c_int64_t), oshape]) // &
            " (component_first: one slice per differentiated dimension, then f's extents minus " // &
            "ghost sides)", status, errmsg)
      else
        call fail(GRAD_STATUS_INVALID_SHAPE, "grads has shape " // shape_text(gshape) // &
            ", the outputs need " // shape_text([oshape, int(naxes, c_int64_t)]) // &
            " (f's extents minus ghost sides, then one slice per differentiated dimension)", &
            status, errmsg)
      end if
      return
    end if

    ! the arrays' own strides (sections are passed as they are, not copied),
    ! from bytes to elements: C axis k is Fortran dimension k+1
    es = int(esize, c_int64_t)
    if (any(mod(fstr, es) /= 0) .or. any(mod(gstr, es) /= 0)) then
      call fail(GRAD_STATUS_INVALID_STRIDES, "f or grads is a section whose stride is not a " // &
          "whole number of elements (a component of an array of derived type?)", status, errmsg)
      return
    end if
    shape_c = fshape
    strides_c = fstr / es
    allocate(out_strides(rank * naxes), out(naxes))
    do k = 1, naxes
      i = (k - 1) * rank
      out_strides(i + 1:i + rank) = gspst / es
      out(k) = gp(k)
      if (.not. c_associated(out(k))) out(k) = c_loc(zero_size(2 + k))
    end do
    f = fp
    if (.not. c_associated(f)) f = c_loc(zero_size(1))

    ! spacing: one entry per differentiated dimension (none when all are unit)
    allocate(spacing(naxes))
    nspacing = 0
    do k = 1, naxes
      d = axes_c(k) + 1
      if (xlen(d) >= 0) then
        spacing(k)%kind = GRAD_SPACING_COORDINATES
        spacing(k)%coords = xp(d)
        if (.not. c_associated(xp(d))) spacing(k)%coords = c_loc(zero_size(size(zero_size)))
        spacing(k)%coords_len = xlen(d)
        nspacing = naxes
      else if (present(steps)) then
        spacing(k)%kind = GRAD_SPACING_UNIFORM
        spacing(k)%delta = steps(d)
        nspacing = naxes
      else if (present(dx)) then
        spacing(k)%kind = GRAD_SPACING_UNIFORM
        spacing(k)%delta = dx
        nspacing = naxes
      end if
    end do

    options_p = c_null_ptr
    if (present(boundaries) .or. present(periods) .or. present(threads) .or. &
        present(accuracy)) then
      options%size = int(c_sizeof(options), c_int32_t)
      if (present(threads)) options%threads = int(threads, c_int32_t)
      if (present(accuracy)) options%accuracy = int(accuracy, c_int32_t)
      if (present(boundaries)) options%boundaries = c_loc(codes)
      if (present(periods)) then
        allocate(period_c(naxes))
        do k = 1, naxes
          period_c(k) = periods(axes_c(k) + 1)
        end do
        options%periods = c_loc(period_c)
      end if
      options_p = c_loc(options)
    end if
    eo = 1
    if (present(edge_order)) eo = edge_order

    st = grad_gradient(dtype, f, int(rank, c_int32_t), c_loc(shape_c), c_loc(strides_c), &
        int(naxes, c_int32_t), c_loc(axes_c), int(nspacing, c_int32_t), c_loc(spacing), &
        int(eo, c_int32_t), c_loc(out), c_loc(out_strides), options_p, c_loc(err))
    if (st /= GRAD_STATUS_OK) then
      call fail(int(st), gradient_error_message(err), status, errmsg)
    end if
  end subroutine grad_core

  !> A plan for real(c_double) arrays of shape `shp` (Fortran order), every
  !> dimension, steps `dx` per dimension (default 1), edge_order (1 or 2,
  !> default 1). status (optional; stops with the message otherwise).
  subroutine gradient_plan_create(self, shp, dx, edge_order, status, errmsg)
    class(gradient_plan), intent(inout) :: self
    integer, intent(in) :: shp(:)
    real(c_double), intent(in), optional :: dx(:)
    integer, intent(in), optional :: edge_order
    integer, intent(out), optional :: status
    character(len=*), intent(out), optional :: errmsg
    integer(c_int64_t), target :: shape_c(GRAD_MAX_NDIM), strides_c(GRAD_MAX_NDIM)
    integer(c_int64_t), target, allocatable :: out_strides(:)
    type(grad_spacing), target, allocatable :: spacing(:)
    type(grad_error), target :: err
    integer(c_int32_t) :: st, eo, nsp
    integer :: rank, d, k
    type(c_ptr) :: sp
    call self%destroy()
    rank = size(shp)
    eo = 1
    if (present(edge_order)) eo = int(edge_order, c_int32_t)
    do d = 1, rank
      ! Fortran order: the first dimension is contiguous (strides say so).
      shape_c(d) = shp(d)
      if (d == 1) then
        strides_c(d) = 1
      else
        strides_c(d) = strides_c(d - 1) * max(shape_c(d - 1), 1_c_int64_t)
      end if
    end do
    allocate(out_strides(rank * rank))
    do k = 0, rank - 1
      out_strides(k * rank + 1:k * rank + rank) = strides_c(1:rank)
    end do
    nsp = 0
    sp = c_null_ptr
    if (present(dx)) then
      allocate(spacing(rank))
      do d = 1, rank
        spacing(d)%kind = GRAD_SPACING_UNIFORM
        spacing(d)%delta = dx(d)
      end do
      nsp = int(rank, c_int32_t)
      sp = c_loc(spacing)
    end if
    st = grad_plan_create(self%handle, GRAD_DTYPE_F64, int(rank, c_int32_t), c_loc(shape_c), &
        c_loc(strides_c), int(rank, c_int32_t), c_null_ptr, nsp, sp, eo, &
        c_loc(out_strides), c_null_ptr, c_loc(err))
    if (st /= GRAD_STATUS_OK) then
      self%handle = c_null_ptr
      call fail(int(st), gradient_error_message(err), status, errmsg)
      return
    end if
    self%rank = rank
    self%n = product(shape_c(1:rank))
    if (present(status)) status = 0
  end subroutine gradient_plan_create

  !> g(..., k) = the derivative of f along dimension k (f and g contiguous:
  !> f of the planned shape, g of that shape times rank).
  subroutine gradient_plan_execute(self, f, g, status, errmsg)
    class(gradient_plan), intent(in) :: self
    real(c_double), intent(in), target :: f(*)
    real(c_double), intent(inout), target :: g(*)
    integer, intent(out), optional :: status
    character(len=*), intent(out), optional :: errmsg
    type(c_ptr), target :: out(GRAD_MAX_NDIM)
    type(grad_error), target :: err
    integer(c_int32_t) :: st
    integer :: k
    do k = 1, self%rank
      out(k) = c_loc(g((k - 1) * self%n + 1))
    end do
    st = grad_plan_execute(self%handle, c_loc(f(1)), c_loc(out), c_loc(err))
    if (st /= GRAD_STATUS_OK) then
      call fail(int(st), gradient_error_message(err), status, errmsg)
      return
    end if
    if (present(status)) status = 0
  end subroutine gradient_plan_execute

  !> Free the plan (again is fine).
  subroutine gradient_plan_destroy(self)
    class(gradient_plan), intent(inout) :: self
    call grad_plan_destroy(self%handle)
    self%handle = c_null_ptr
    self%rank = 0
  end subroutine gradient_plan_destroy

  subroutine gradient_plan_final(self)
    type(gradient_plan), intent(inout) :: self
    call grad_plan_destroy(self%handle)
    self%handle = c_null_ptr
  end subroutine gradient_plan_final

  !> The distance in bytes from a to b.
  function addr_diff(a, b) result(d)
    type(c_ptr), intent(in) :: a, b
    integer(c_int64_t) :: d
    d = int(transfer(b, 0_c_intptr_t) - transfer(a, 0_c_intptr_t), c_int64_t)
  end function addr_diff

  pure function itoa(i) result(text)
    integer, intent(in) :: i
    character(len=:), allocatable :: text
    character(len=24) :: buf
    write(buf, '(i0)') i
    text = trim(buf)
  end function itoa

  function shape_text(s) result(text)
    integer(c_int64_t), intent(in) :: s(:)
    character(len=:), allocatable :: text
    character(len=24) :: buf
    integer :: i
    text = "("
    do i = 1, size(s)
      write(buf, '(i0)') s(i)
      text = text // trim(buf)
      if (i < size(s)) text = text // ","
    end do
    text = text // ")"
  end function shape_text
""")
    for suffix, ftype, dtype in TYPES:
        for rank in range(1, MAX_RANK + 1):
            w(wrapper(suffix, ftype, dtype, rank))
    w("end module gradient")
    return "\n".join(out) + "\n"


def main():
    text = module()
    if "--check" in sys.argv[1:]:
        try:
            with open(OUTPUT) as fh:
                current = fh.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print("fortran/gradient.f90 is stale: run python3 fortran/generate.py and commit it")
            return 1
        print("fortran/gradient.f90 is up to date with include/gradient.h")
        return 0
    with open(OUTPUT, "w") as fh:
        fh.write(text)
    print("wrote %s" % os.path.relpath(OUTPUT, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
