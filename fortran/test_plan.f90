! The Fortran plan type (gradient_plan) and the raw plan interfaces, against
! the array procedures: bit for bit the same derivatives, many executes, a
! failed create, destroy twice, and finalisation at the end of a block.
program test_plan
  use, intrinsic :: iso_c_binding
  use gradient
  implicit none
  integer, parameter :: n1 = 7, n2 = 5, n3 = 4
  real(c_double) :: f(n1, n2, n3), g(n1, n2, n3, 3), w(n1, n2, n3, 3)
  type(gradient_plan) :: p
  integer :: i, j, k, step, st, passed, failed
  character(len=256) :: msg
  passed = 0
  failed = 0

  call p%create([n1, n2, n3], dx=[0.5_c_double, 1.0_c_double, 2.0_c_double], edge_order=2)
  do step = 1, 20
    do k = 1, n3
      do j = 1, n2
        do i = 1, n1
          f(i, j, k) = sin(0.3_c_double * i + 0.2_c_double * j * step) + 0.1_c_double * k * k
        end do
      end do
    end do
    call p%execute(f, g)
  end do
  call gradient_f64(f, w, steps=[0.5_c_double, 1.0_c_double, 2.0_c_double], edge_order=2)
  call check(all(g == w), "plan == gradient_f64 along every dimension, bit for bit")
  call p%destroy()
  call p%destroy()
  call check(.true., "destroy twice")

  ! A failed create: status and message, no plan.
  call p%create([1, 5], status=st, errmsg=msg)
  call check(st == GRAD_STATUS_SHAPE_TOO_SMALL, "create refuses a dimension of 1 point")
  call check(len_trim(msg) > 0, "with a message")
  call p%execute(f, g, status=st)
  call check(st == GRAD_STATUS_NULL_POINTER, "execute without a plan")

  block
    type(gradient_plan) :: q
    real(c_double) :: h(6), d(6)
    h = [1, 2, 4, 7, 11, 16]
    call q%create([6])
    call q%execute(h, d)
    call check(all(d == [1.0_c_double, 1.5_c_double, 2.5_c_double, 3.5_c_double, &
        4.5_c_double, 5.0_c_double]), "1-d unit spacing")
  end block  ! q is finalised here

  print '(i0," passed, ",i0," failed")', passed, failed
  if (failed /= 0) error stop 1

contains

  subroutine check(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (ok) then
      passed = passed + 1
    else
      failed = failed + 1
      print '("FAIL: ",a)', what
    end if
  end subroutine check
end program test_plan
