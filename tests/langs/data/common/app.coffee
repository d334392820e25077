square = (x) -> x * x
