set title "Data"
set grid
plot "data.dat" using 1:2 with linespoints
