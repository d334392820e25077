unit class Point;

has Numeric $.x = 0;
has Numeric $.y = 0;

method norm(--> Numeric) { sqrt($!x ** 2 + $!y ** 2) }
