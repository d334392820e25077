set terminal png
set output 'out.png'
set xlabel 'x'
plot sin(x) with lines
