function root = bisection(f, a, b, tol)
%BISECTION Find a root of f in [a, b] by bisection.
if nargin < 4
    tol = 1e-6;
end
if f(a) * f(b) > 0
    error('bisection:sign', 'f(a) and f(b) must have opposite signs');
end
while (b - a) / 2 > tol
    c = (a + b) / 2;
    if f(c) == 0
        break;
    elseif f(a) * f(c) < 0
        b = c;
    else
        a = c;
    end
end
root = (a + b) / 2;
end
