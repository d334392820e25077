subroutine swap(a, b)
  real, intent(inout) :: a, b
  real :: t
  t = a; a = b; b = t
end subroutine swap
