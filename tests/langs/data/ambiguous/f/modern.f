program hello
  implicit none
  integer :: i
  do i = 1, 3
    print *, 'step', i   ! progress
  end do
end program hello
