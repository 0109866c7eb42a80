! test_no_copies.f90: the module's array procedures take array sections as
! they are, without copies. Built with -Warray-temporaries -fcheck=array-temps
! (scripts/test-packaging.sh): the compiler must report no temporary for an
! argument, and the run must print no "array temporary" warning. Each result
! is compared bit for bit with the same call on a contiguous copy; also the
! component-first layout grads(3, nx, ny, nz). Ends with "N passed, N failed".
program test_no_copies
  use, intrinsic :: iso_c_binding, only: c_double
  use gradient
  implicit none
  integer, parameter :: nx = 7, ny = 5, nz = 6
  real(c_double), allocatable :: u(:,:,:), uc(:,:,:), g(:,:,:,:), gc(:,:,:,:), gf(:,:,:,:)
  real(c_double), allocatable :: big(:,:,:,:), r(:,:,:), rc(:,:,:), gr(:,:,:,:), grc(:,:,:,:)
  real(c_double) :: x(0:nx+1)
  integer :: bnd(2, 3), i, j, k, st, passed, failed
  character(len=256) :: msg

  passed = 0
  failed = 0
  allocate(u(-1:nx+2, -1:ny+2, -1:nz+2))
  do k = -1, nz + 2
    do j = -1, ny + 2
      do i = -1, nx + 2
        u(i, j, k) = sin(0.3d0 * i) * cos(0.2d0 * j * j) + 0.1d0 * k * i
      end do
    end do
  end do
  do i = 0, nx + 1
    x(i) = 0.1d0 * i + 0.01d0 * i * i
  end do
  bnd = GRAD_BOUNDARY_GHOST

  ! the halo call on a section of a larger array: no copy of u
  allocate(uc(0:nx+1, 0:ny+1, 0:nz+1), g(nx, ny, nz, 3), gc(nx, ny, nz, 3))
  uc = u(0:nx+1, 0:ny+1, 0:nz+1)
  call gradient_f64(u(0:nx+1, 0:ny+1, 0:nz+1), g, dx=0.5d0, x1=x, boundaries=bnd, edge_order=2)
  call gradient_f64(uc, gc, dx=0.5d0, x1=x, boundaries=bnd, edge_order=2)
  call expect(all(g == gc), "halo section u(0:nx+1, 0:ny+1, 0:nz+1) = contiguous copy")

  ! component first: g(3, nx, ny, nz)
  allocate(gf(3, nx, ny, nz))
  call gradient_f64(u(0:nx+1, 0:ny+1, 0:nz+1), gf, dx=0.5d0, x1=x, boundaries=bnd, &
      edge_order=2, component_first=.true.)
  do k = 1, 3
    call expect(all(gf(k, :, :, :) == gc(:, :, :, k)), "component_first: gf(k,:,:,:) = g(:,:,:,k)")
  end do

  ! outputs into a section of a larger array, component last
  allocate(big(nx + 2, ny + 2, nz + 2, 4))
  big = -1d0
  call gradient_f64(u(0:nx+1, 0:ny+1, 0:nz+1), big(2:nx+1, 2:ny+1, 2:nz+1, 2:4), dx=0.5d0, &
      x1=x, boundaries=bnd, edge_order=2)
  call expect(all(big(2:nx+1, 2:ny+1, 2:nz+1, 2:4) == gc), "output section of a larger array")
  call expect(all(big(:, :, :, 1) == -1d0) .and. all(big(1, :, :, :) == -1d0) .and. &
      all(big(nx+2, :, :, :) == -1d0), "nothing written outside the output section")

  ! reversed and strided input section
  allocate(r(nx + 2, (ny + 3) / 2, nz + 2), rc(nx + 2, (ny + 3) / 2, nz + 2))
  allocate(gr(nx + 2, (ny + 3) / 2, nz + 2, 3), grc(nx + 2, (ny + 3) / 2, nz + 2, 3))
  rc = u(nx+1:0:-1, 0:ny+1:2, 0:nz+1)
  call gradient_f64(u(nx+1:0:-1, 0:ny+1:2, 0:nz+1), gr, steps=[1d0, 2d0, 0.25d0])
  call gradient_f64(rc, grc, steps=[1d0, 2d0, 0.25d0])
  call expect(all(gr == grc), "reversed and strided section u(nx+1:0:-1, 0:ny+1:2, :)")

  ! the wrong layout is refused with a hint
  call gradient_f64(uc, gf, dx=0.5d0, x1=x, boundaries=bnd, status=st, errmsg=msg)
  call expect(st == GRAD_STATUS_INVALID_SHAPE .and. index(msg, "component_first") > 0, &
      "component-first grads without component_first=.true. is refused: " // trim(msg))

  write(*, '(i0," passed, ",i0," failed")') passed, failed
  if (failed > 0) error stop 1

contains

  subroutine expect(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (ok) then
      passed = passed + 1
      write(*, '("ok   ",a)') what
    else
      failed = failed + 1
      write(*, '("FAIL ",a)') what
    end if
  end subroutine expect
end program test_no_copies
