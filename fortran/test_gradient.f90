! test_gradient.f90: exercises the Fortran module `gradient` against the
! installed library. It prints every case (inputs, spacing, options and the
! outputs, as exact bit patterns in hex) for fortran/check_fortran.py, which
! recomputes each with numpy.gradient and compares bit for bit, and it checks
! the module's own behaviour (struct sizes, errors, the raw C interfaces),
! printing "ok <what>" or "FAIL <what>" for each.
!
! Build (see scripts/test-packaging.sh):
!   gfortran -std=f2008 -c <prefix>/include/gradient.f90
!   gfortran -std=f2008 fortran/test_gradient.f90 gradient.o $(pkg-config --libs gradient)
program test_gradient
  use, intrinsic :: iso_c_binding
  use, intrinsic :: iso_fortran_env, only: int32, int64
  use gradient
  implicit none

  integer, parameter :: dp = c_double, sp = c_float

  call test_f64_1d()
  call test_f64_2d()
  call test_f64_3d_4d()
  call test_f32()
  call test_complex()
  call test_sections()
  call test_boundaries()
  call test_accuracy()
  call test_threads_and_empty()
  call test_module_checks()
  call test_raw_interface()
  write(*, '(a)') "done"

contains

  ! ------------------------------------------------------------------ output

  subroutine begin_case(name, dtype, fshape, axes, edge_order)
    character(len=*), intent(in) :: name, dtype
    integer, intent(in) :: fshape(:), axes(:), edge_order
    write(*, '(a,a)') "case ", name
    write(*, '(a,a)') "dtype ", dtype
    write(*, '(a)', advance='no') "shape"
    call put_ints(fshape)
    write(*, '(a)', advance='no') "axes"
    call put_ints(axes)
    write(*, '(a,i0)') "edge_order ", edge_order
  end subroutine begin_case

  subroutine put_ints(v)
    integer, intent(in) :: v(:)
    integer :: i
    do i = 1, size(v)
      write(*, '(1x,i0)', advance='no') v(i)
    end do
    write(*, '(a)') ""
  end subroutine put_ints

  subroutine put_f64(label, v)
    character(len=*), intent(in) :: label
    real(dp), intent(in) :: v(:)
    integer :: i
    write(*, '(a)', advance='no') label
    do i = 1, size(v)
      write(*, '(1x,z16.16)', advance='no') transfer(v(i), 0_int64)
    end do
    write(*, '(a)') ""
  end subroutine put_f64

  subroutine put_f32(label, v)
    character(len=*), intent(in) :: label
    real(sp), intent(in) :: v(:)
    integer :: i
    write(*, '(a)', advance='no') label
    do i = 1, size(v)
      write(*, '(1x,z8.8)', advance='no') transfer(v(i), 0_int32)
    end do
    write(*, '(a)') ""
  end subroutine put_f32

  subroutine put_c128(label, v)
    character(len=*), intent(in) :: label
    complex(dp), intent(in) :: v(:)
    real(dp) :: parts(2 * size(v))
    parts(1::2) = real(v)
    parts(2::2) = aimag(v)
    call put_f64(label, parts)
  end subroutine put_c128

  subroutine put_c64(label, v)
    character(len=*), intent(in) :: label
    complex(sp), intent(in) :: v(:)
    real(sp) :: parts(2 * size(v))
    parts(1::2) = real(v)
    parts(2::2) = aimag(v)
    call put_f32(label, parts)
  end subroutine put_c64

  subroutine put_step(dim, h)
    integer, intent(in) :: dim
    real(dp), intent(in) :: h
    write(*, '(a,i0,a,z16.16)') "spacing ", dim, " step ", transfer(h, 0_int64)
  end subroutine put_step

  subroutine put_coords(dim, x)
    integer, intent(in) :: dim
    real(dp), intent(in) :: x(:)
    character(len=32) :: label
    write(label, '(a,i0,a)') "spacing ", dim, " coords"
    call put_f64(trim(label), x)
  end subroutine put_coords

  subroutine end_case()
    write(*, '(a)') "end"
  end subroutine end_case

  subroutine expect(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (ok) then
      write(*, '(a,a)') "ok ", what
    else
      write(*, '(a,a)') "FAIL ", what
    end if
  end subroutine expect

  ! ------------------------------------------------------------------ data

  ! values that are not simple in any base: sin of a scrambled index
  elemental real(dp) function value(i)
    integer, intent(in) :: i
    value = 10.0_dp * sin(0.7_dp * real(mod(i * 7919, 1009), dp)) + real(mod(i, 5), dp)
  end function value

  subroutine fill1(a, seed)
    real(dp), intent(out) :: a(:)
    integer, intent(in) :: seed
    integer :: i
    a = [(value(seed * 131 + i), i = 1, size(a))]
  end subroutine fill1

  ! strictly increasing, non-uniform coordinates
  subroutine coords(x, seed)
    real(dp), intent(out) :: x(:)
    integer, intent(in) :: seed
    integer :: i
    x(1) = 0.25_dp * seed
    do i = 2, size(x)
      x(i) = x(i - 1) + 0.3_dp + abs(sin(real(i * seed, dp)))
    end do
  end subroutine coords

  ! ------------------------------------------------------------------ cases

  subroutine test_f64_1d()
    real(dp) :: f(9), g(9), x(9)
    call fill1(f, 1)
    call gradient_f64(f, g)
    call begin_case("f64 1-d unit", "f64", [9], [1], 1)
    call put_f64("data", f)
    call put_f64("grad 1", g)
    call end_case()

    call gradient_f64(f, g, dx=0.7_dp, edge_order=2)
    call begin_case("f64 1-d dx e2", "f64", [9], [1], 2)
    call put_step(1, 0.7_dp)
    call put_f64("data", f)
    call put_f64("grad 1", g)
    call end_case()

    call coords(x, 3)
    call gradient_f64(f, g, x1=x, edge_order=2)
    call begin_case("f64 1-d coords e2", "f64", [9], [1], 2)
    call put_coords(1, x)
    call put_f64("data", f)
    call put_f64("grad 1", g)
    call end_case()

    ! decreasing coordinates flip the sign
    call gradient_f64(f, g, x1=-x)
    call begin_case("f64 1-d decreasing coords", "f64", [9], [1], 1)
    call put_coords(1, -x)
    call put_f64("data", f)
    call put_f64("grad 1", g)
    call end_case()
  end subroutine test_f64_1d

  subroutine test_f64_2d()
    real(dp) :: f(5, 7), g(5, 7, 2), g1(5, 7, 1), x2(7)
    integer :: k
    f = reshape([(value(100 + 3 * k), k = 1, size(f))], shape(f))
    call gradient_f64(f, g)
    call begin_case("f64 2-d unit", "f64", [5, 7], [1, 2], 1)
    call put_f64("data", reshape(f, [size(f)]))
    call put_f64("grad 1", reshape(g(:, :, 1), [35]))
    call put_f64("grad 2", reshape(g(:, :, 2), [35]))
    call end_case()

    call gradient_f64(f, g, steps=[0.5_dp, 2.0_dp], edge_order=2)
    call begin_case("f64 2-d steps e2", "f64", [5, 7], [1, 2], 2)
    call put_step(1, 0.5_dp)
    call put_step(2, 2.0_dp)
    call put_f64("data", reshape(f, [size(f)]))
    call put_f64("grad 1", reshape(g(:, :, 1), [35]))
    call put_f64("grad 2", reshape(g(:, :, 2), [35]))
    call end_case()

    ! axes reversed: grads(:,:,1) is along dimension 2
    call coords(x2, 5)
    call gradient_f64(f, g, dx=0.25_dp, x2=x2, axes=[2, 1], edge_order=2)
    call begin_case("f64 2-d axes reversed, coords on dim 2", "f64", [5, 7], [2, 1], 2)
    call put_coords(2, x2)
    call put_step(1, 0.25_dp)
    call put_f64("data", reshape(f, [size(f)]))
    call put_f64("grad 1", reshape(g(:, :, 1), [35]))
    call put_f64("grad 2", reshape(g(:, :, 2), [35]))
    call end_case()

    call gradient_f64(f, g1, axes=[2])
    call begin_case("f64 2-d one axis", "f64", [5, 7], [2], 1)
    call put_f64("data", reshape(f, [size(f)]))
    call put_f64("grad 1", reshape(g1, [35]))
    call end_case()
  end subroutine test_f64_2d

  subroutine test_f64_3d_4d()
    real(dp) :: f(4, 3, 5), g(4, 3, 5, 2), x1(4), x3(5)
    real(dp) :: h(3, 4, 3, 3), gh(3, 4, 3, 3, 4)
    integer :: k
    f = reshape([(value(k + 500), k = 1, size(f))], shape(f))
    call coords(x1, 7)
    call coords(x3, 8)
    call gradient_f64(f, g, dx=0.3_dp, x1=x1, x3=x3, axes=[3, 1], edge_order=2)
    call begin_case("f64 3-d coords on dims 3 and 1", "f64", [4, 3, 5], [3, 1], 2)
    call put_coords(3, x3)
    call put_coords(1, x1)
    call put_f64("data", reshape(f, [size(f)]))
    call put_f64("grad 1", reshape(g(:, :, :, 1), [60]))
    call put_f64("grad 2", reshape(g(:, :, :, 2), [60]))
    call end_case()

    h = reshape([(value(k + 900), k = 1, size(h))], shape(h))
    call gradient_f64(h, gh, steps=[1.0_dp, 0.5_dp, 3.0_dp, -2.0_dp])
    call begin_case("f64 4-d steps", "f64", [3, 4, 3, 3], [1, 2, 3, 4], 1)
    call put_step(1, 1.0_dp)
    call put_step(2, 0.5_dp)
    call put_step(3, 3.0_dp)
    call put_step(4, -2.0_dp)
    call put_f64("data", reshape(h, [size(h)]))
    do k = 1, 4
      call put_f64("grad " // achar(iachar('0') + k), reshape(gh(:, :, :, :, k), [size(h)]))
    end do
    call end_case()
  end subroutine test_f64_3d_4d

  subroutine test_f32()
    real(sp) :: f(6, 4), g(6, 4, 2), v(7), gv(7)
    real(dp) :: x(7)
    integer :: k
    f = reshape([(real(value(k + 40), sp), k = 1, size(f))], shape(f))
    call gradient_f32(f, g, dx=0.3_dp, edge_order=2)
    call begin_case("f32 2-d dx e2", "f32", [6, 4], [1, 2], 2)
    call put_step(1, 0.3_dp)
    call put_step(2, 0.3_dp)
    call put_f32("data", reshape(f, [size(f)]))
    call put_f32("grad 1", reshape(g(:, :, 1), [24]))
    call put_f32("grad 2", reshape(g(:, :, 2), [24]))
    call end_case()

    v = [(real(value(k + 77), sp), k = 1, 7)]
    call coords(x, 2)
    call gradient_f32(v, gv, x1=x, edge_order=2)
    call begin_case("f32 1-d coords e2", "f32", [7], [1], 2)
    call put_coords(1, x)
    call put_f32("data", v)
    call put_f32("grad 1", gv)
    call end_case()
  end subroutine test_f32

  subroutine test_complex()
    complex(dp) :: z(5, 6), gz(5, 6, 2)
    complex(sp) :: w(3, 4, 3), gw(3, 4, 3, 3)
    real(dp) :: x2(6)
    integer :: k
    z = reshape([(cmplx(value(k), value(k + 1000), dp), k = 1, size(z))], shape(z))
    call coords(x2, 4)
    call gradient_c128(z, gz, x2=x2, edge_order=2)
    call begin_case("c128 2-d coords on dim 2", "c128", [5, 6], [1, 2], 2)
    call put_coords(2, x2)
    call put_c128("data", reshape(z, [size(z)]))
    call put_c128("grad 1", reshape(gz(:, :, 1), [30]))
    call put_c128("grad 2", reshape(gz(:, :, 2), [30]))
    call end_case()

    w = reshape([(cmplx(value(k + 3), value(k + 2000), sp), k = 1, size(w))], shape(w))
    call gradient_c64(w, gw, steps=[0.5_dp, 1.5_dp, 0.1_dp])
    call begin_case("c64 3-d steps", "c64", [3, 4, 3], [1, 2, 3], 1)
    call put_step(1, 0.5_dp)
    call put_step(2, 1.5_dp)
    call put_step(3, 0.1_dp)
    call put_c64("data", reshape(w, [size(w)]))
    do k = 1, 3
      call put_c64("grad " // achar(iachar('0') + k), reshape(gw(:, :, :, k), [size(w)]))
    end do
    call end_case()
  end subroutine test_complex

  ! non-contiguous sections in and out (the compiler copies them)
  subroutine test_sections()
    real(dp) :: big(11, 8), gbig(6, 9, 3)
    real(dp) :: f(6, 4)
    integer :: k
    big = reshape([(value(k + 3000), k = 1, size(big))], shape(big))
    gbig = -1.0_dp
    call gradient_f64(big(1:11:2, 8:1:-2), gbig(:, 1:8:2, 1:3:2), dx=0.5_dp)
    f = big(1:11:2, 8:1:-2)
    call begin_case("f64 sections in and out", "f64", [6, 4], [1, 2], 1)
    call put_step(1, 0.5_dp)
    call put_step(2, 0.5_dp)
    call put_f64("data", reshape(f, [size(f)]))
    call put_f64("grad 1", reshape(gbig(:, 1:8:2, 1), [24]))
    call put_f64("grad 2", reshape(gbig(:, 1:8:2, 3), [24]))
    call end_case()
    call expect(all(gbig(:, 2:8:2, :) == -1.0_dp) .and. all(gbig(:, :, 2) == -1.0_dp), &
        "sections: nothing outside the output section is written")
  end subroutine test_sections

  subroutine test_boundaries()
    real(dp) :: f(6, 5), gp(6, 5, 2), gg(4, 4, 2), x1(6)
    integer :: k, b(2, 2)
    f = reshape([(value(k + 4000), k = 1, size(f))], shape(f))
    call coords(x1, 9)
    ! dimension 1 periodic with coordinates (period 20), dimension 2 one-sided
    b(:, 1) = GRAD_BOUNDARY_PERIODIC
    b(:, 2) = GRAD_BOUNDARY_ONE_SIDED
    call gradient_f64(f, gp, x1=x1, dx=0.5_dp, boundaries=b, periods=[20.0_dp, 0.0_dp], &
        edge_order=2)
    call begin_case("f64 periodic dim 1 with coords", "f64", [6, 5], [1, 2], 2)
    call put_coords(1, x1)
    call put_step(2, 0.5_dp)
    write(*, '(a)') "boundary 1 1 1"
    write(*, '(a)') "boundary 2 0 0"
    write(*, '(a,z16.16)') "period 1 ", transfer(20.0_dp, 0_int64)
    call put_f64("data", reshape(f, [size(f)]))
    call put_f64("grad 1", reshape(gp(:, :, 1), [30]))
    call put_f64("grad 2", reshape(gp(:, :, 2), [30]))
    call end_case()

    ! ghosts: dimension 1 both sides, dimension 2 low side: owned 4 x 4
    b(:, 1) = GRAD_BOUNDARY_GHOST
    b(:, 2) = [GRAD_BOUNDARY_GHOST, GRAD_BOUNDARY_ONE_SIDED]
    call gradient_f64(f, gg, steps=[0.5_dp, 0.25_dp], boundaries=b)
    call begin_case("f64 ghost sides", "f64", [6, 5], [1, 2], 1)
    call put_step(1, 0.5_dp)
    call put_step(2, 0.25_dp)
    write(*, '(a)') "boundary 1 2 2"
    write(*, '(a)') "boundary 2 2 0"
    call put_f64("data", reshape(f, [size(f)]))
    call put_f64("grad 1", reshape(gg(:, :, 1), [16]))
    call put_f64("grad 2", reshape(gg(:, :, 2), [16]))
    call end_case()
  end subroutine test_boundaries

  ! accuracy 4, 6, 8: a cubic on a unit grid is differentiated exactly up
  ! to rounding, along either dimension; ghost sides take accuracy / 2 halo
  ! points and reproduce the whole array's result bit for bit
  subroutine test_accuracy()
    real(dp) :: f(9, 11), g(9, 11, 2), gh(9, 7, 2)
    integer :: i, j, p, b(2, 2), st
    character(len=256) :: msg
    do j = 1, 11
      do i = 1, 9
        f(i, j) = real(i - 1, dp)**3 + 2.0_dp * real(j - 1, dp)**3
      end do
    end do
    do p = 4, 8, 2
      call gradient_f64(f, g, accuracy=p, edge_order=p)
      ! exact up to the one rounding of the reciprocal 1/(D h)
      call expect(maxval(abs(g(:, :, 1) - reshape([((3.0_dp * real(i - 1, dp)**2, i = 1, 9), &
          j = 1, 11)], [9, 11]))) <= 1e-12_dp .and. maxval(abs(g(:, :, 2) - &
          reshape([((6.0_dp * real(j - 1, dp)**2, i = 1, 9), j = 1, 11)], [9, 11]))) &
          <= 1e-12_dp, "accuracy " // char(48 + p) // " differentiates a cubic")
    end do
    ! accuracy 4 with two-point halos on both ends of dimension 2
    b(:, 1) = GRAD_BOUNDARY_ONE_SIDED
    b(:, 2) = GRAD_BOUNDARY_GHOST
    call gradient_f64(f, gh, accuracy=4, edge_order=4, boundaries=b)
    call gradient_f64(f, g, accuracy=4, edge_order=4)
    call expect(all(gh(:, :, 2) == g(:, 3:9, 2)), &
        "accuracy 4 ghost: the owned 7 of 11 points, as the whole")
    ! edge_order above the accuracy is refused, nothing written
    g = -1.0_dp
    call gradient_f64(f, g, accuracy=4, edge_order=5, status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_INVALID_EDGE_ORDER .and. all(g == -1.0_dp), &
        "edge_order 5 at accuracy 4 refused")
    call gradient_f64(f, g, accuracy=3, status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_INVALID_OPTIONS .and. all(g == -1.0_dp), &
        "accuracy 3 refused")
  end subroutine test_accuracy

  subroutine test_threads_and_empty()
    real(dp), allocatable :: f(:, :, :), g(:, :, :, :), e(:, :), ge(:, :, :)
    integer :: k, st
    allocate(f(40, 30, 20), g(40, 30, 20, 3))
    f = reshape([(value(k), k = 1, size(f))], shape(f))
    call gradient_f64(f, g, dx=0.1_dp, threads=2, edge_order=2)
    call begin_case("f64 3-d threads=2", "f64", [40, 30, 20], [1, 2, 3], 2)
    call put_step(1, 0.1_dp)
    call put_step(2, 0.1_dp)
    call put_step(3, 0.1_dp)
    call put_f64("data", reshape(f, [size(f)]))
    do k = 1, 3
      call put_f64("grad " // achar(iachar('0') + k), reshape(g(:, :, :, k), [size(f)]))
    end do
    call end_case()

    ! an empty array: valid when the differentiated dimension is long enough
    allocate(e(0, 5), ge(0, 5, 1))
    call gradient_f64(e, ge, axes=[2], status=st)
    call expect(st == GRAD_STATUS_OK, "empty array along a long enough dimension")
  end subroutine test_threads_and_empty

  subroutine test_module_checks()
    type(grad_spacing) :: s
    type(grad_error) :: err
    type(grad_options) :: o
    type(grad_complex64) :: c8
    type(grad_complex128) :: c16
    real(dp) :: f(5, 4), g(5, 4, 2), bad(5, 3, 2), f3(2, 4), g3(2, 4, 1)
    integer :: st
    character(len=256) :: msg
    character(len=:), allocatable :: text

    call expect(c_sizeof(s) == 32, "sizeof(grad_spacing) == 32")
    call expect(c_sizeof(err) == 264, "sizeof(grad_error) == 264")
    call expect(c_sizeof(o) == 32, "sizeof(grad_options) == 32")
    call expect(c_sizeof(c8) == 8 .and. c_sizeof(c16) == 16, "sizeof(grad_complex64/128)")
    call expect(GRAD_MAX_NDIM == 64 .and. GRAD_STATUS_INTERNAL == 99 .and. &
        GRAD_DTYPE_U64 == 11, "constants")

    f = 1.0_dp
    g = 42.0_dp
    call gradient_f64(f, g, edge_order=3, status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_INVALID_EDGE_ORDER, "edge_order=3 gives INVALID_EDGE_ORDER")
    call expect(index(msg, "edge_order") > 0, "the message names edge_order: " // trim(msg))
    call expect(all(g == 42.0_dp), "nothing written on failure")

    call gradient_f64(f, bad, status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_INVALID_SHAPE, "grads of the wrong shape: " // trim(msg))
    call gradient_f64(f, g, axes=[1, 3], status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_INVALID_AXIS, "axes out of range: " // trim(msg))
    call gradient_f64(f, g, axes=[1, 1], status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_INVALID_AXIS, "repeated axes (library): " // trim(msg))
    call gradient_f64(f, g, x1=[0.0_dp, 1.0_dp, 0.5_dp, 2.0_dp, 3.0_dp], status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_INVALID_SPACING, "non-monotonic coordinates: " // trim(msg))
    call gradient_f64(f, g, dx=0.0_dp, status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_INVALID_SPACING, "step 0: " // trim(msg))
    f3 = 1.0_dp
    call gradient_f64(f3, g3, axes=[1], edge_order=2, status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_SHAPE_TOO_SMALL, "shape too small: " // trim(msg))
    call gradient_f64(f, g, boundaries=reshape([1, 0, 0, 0], [2, 2]), status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_INVALID_OPTIONS, "periodic on one side: " // trim(msg))
    call gradient_f64(f, g, status=st, errmsg=msg)
    call expect(st == GRAD_STATUS_OK .and. len_trim(msg) == 0, "success clears status and errmsg")

    text = gradient_status_text(GRAD_STATUS_OVERLAP)
    call expect(len(text) > 0, "grad_status_str: " // text)
    text = gradient_version_text()
    write(*, '(a,a)') "version ", text
  end subroutine test_module_checks

  ! the raw bind(C) interface, as a C programmer would call it
  subroutine test_raw_interface()
    real(dp), target :: f(6), out1(6), want(6)
    integer(c_int64_t), target :: shape(1)
    type(grad_spacing), target :: sp1(1)
    type(c_ptr), target :: outs(1)
    type(grad_error), target :: err
    integer(c_int32_t) :: st
    f = [1.0_dp, 2.0_dp, 4.0_dp, 7.0_dp, 11.0_dp, 16.0_dp]
    shape = 6
    sp1(1)%kind = GRAD_SPACING_UNIFORM
    sp1(1)%delta = 2.0_dp
    outs(1) = c_loc(out1)
    st = grad_gradient_f64(c_loc(f), 1_c_int32_t, c_loc(shape), c_null_ptr, 1_c_int32_t, &
        c_null_ptr, 1_c_int32_t, c_loc(sp1), 1_c_int32_t, c_loc(outs), c_null_ptr, &
        c_null_ptr, c_loc(err))
    want = [0.5_dp, 0.75_dp, 1.25_dp, 1.75_dp, 2.25_dp, 2.5_dp]
    call expect(st == GRAD_STATUS_OK .and. all(out1 == want), "raw grad_gradient_f64 (docs/numerics.md, golden values)")
    st = grad_gradient(GRAD_DTYPE_F64, c_loc(f), 1_c_int32_t, c_loc(shape), c_null_ptr, &
        1_c_int32_t, c_null_ptr, 1_c_int32_t, c_loc(sp1), 7_c_int32_t, c_loc(outs), &
        c_null_ptr, c_null_ptr, c_loc(err))
    call expect(st == GRAD_STATUS_INVALID_EDGE_ORDER .and. err%status == st .and. &
        len(gradient_error_message(err)) > 0, "raw grad_gradient error: " // &
        gradient_error_message(err))
    call expect(grad_version() > 0, "grad_version")
  end subroutine test_raw_interface

end program test_gradient
