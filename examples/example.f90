! example.f90: numpy.gradient from Fortran with the module `gradient`.
!
!   gfortran -c $(pkg-config --variable=includedir gradient)/gradient.f90
!   gfortran example.f90 gradient.o $(pkg-config --libs gradient) -o example_f90
!   ./example_f90
program example
  use, intrinsic :: iso_c_binding, only: c_double
  use gradient
  implicit none
  real(c_double) :: f(6), g(6), a(2, 3), ga(2, 3, 2)
  integer :: status
  character(len=256) :: message

  f = [1.0_c_double, 2.0_c_double, 4.0_c_double, 7.0_c_double, 11.0_c_double, 16.0_c_double]
  call gradient_f64(f, g, dx=2.0_c_double)
  print '(a,6(1x,g0))', "gradient(f, 2.0):", g

  ! a Fortran array: dimension 1 = numpy axis 0, the layout is handled here
  a = reshape([1.0_c_double, 3.0_c_double, 2.0_c_double, 4.0_c_double, 6.0_c_double, &
      5.0_c_double], [2, 3])
  call gradient_f64(a, ga, dx=2.0_c_double, x2=[1.0_c_double, 1.5_c_double, 3.5_c_double])
  print '(a,6(1x,g0))', "d/d(dim 1):", ga(:, :, 1)
  print '(a,6(1x,g0))', "d/d(dim 2):", ga(:, :, 2)

  ! errors come back as a status and the library's message
  call gradient_f64(f, g, edge_order=3, status=status, errmsg=message)
  print '(a,i0,2a)', "edge_order=3: status ", status, ", ", trim(message)
end program example
