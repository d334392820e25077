% compute running statistics
function [m, s] = running_stats(x)
  n = 0; m = 0; s = 0;
  for k = 1:numel(x)
    n++;
    d = x(k) - m;
    m += d / n;
    s += d * (x(k) - m);
  end
  if n != 0
    s = sqrt(s / n);
  end
end
