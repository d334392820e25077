img = imread('peppers.png');
gray = rgb2gray(img);
edges = edge(gray, 'canny');
subplot(1, 2, 1); imshow(gray); title('Gray');
subplot(1, 2, 2); imshow(edges); title('Edges');
