#include "config.h"
module kinds
  integer, parameter :: dp = kind(1.0d0)
end module kinds
