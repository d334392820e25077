## -*- texinfo -*-
## @deftypefn {} {@var{y} =} normalize_rows (@var{x})
## Scale every row of @var{x} to unit length.
## @end deftypefn
function y = normalize_rows (x)
  n = sqrt (sum (x .^ 2, 2));
  n(n == 0) = 1;
  y = x ./ n;
endfunction

%!assert (normalize_rows ([3 4]), [0.6 0.8])
