## Solve a simple ODE with lsode
function xdot = f (x, t)
  xdot = -2 * x;
endfunction

t = linspace (0, 5, 50)';
x = lsode ("f", 1, t);
plot (t, x);
printf ("final value: %f\n", x(end));
