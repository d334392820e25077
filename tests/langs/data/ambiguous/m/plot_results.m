% Plot the results of the simulation
clear; close all; clc;

data = load('results.mat');
t = data.t;
figure;
plot(t, data.y, 'LineWidth', 2);
xlabel('Time (s)');
ylabel('Amplitude');
title('Step response');
grid on;
disp(['Max value: ', num2str(max(data.y))]);
