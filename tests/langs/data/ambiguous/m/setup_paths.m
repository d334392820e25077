%% Setup paths for the toolbox
root = fileparts(mfilename('fullpath'));
addpath(fullfile(root, 'src'));
addpath(genpath(fullfile(root, 'lib')));
fprintf('Toolbox ready.\n');
