print join(",", map { $_ * 2 } grep { $_ % 2 } 1..10), "\n";
