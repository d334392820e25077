function [x, P] = kalman_filter(x, P, z, A, H, Q, R)
% KALMAN_FILTER  One predict/update step of a linear Kalman filter.
%   x, P : state estimate and covariance
%   z    : measurement

% predict
x = A * x;
P = A * P * A' + Q;

% update
K = P * H' / (H * P * H' + R);
x = x + K * (z - H * x);
P = (eye(size(P)) - K * H) * P;
end
