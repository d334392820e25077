% Draw circles until a key is pressed
var x, y : int
x := maxx div 2
y := maxy div 2
loop
    drawoval (x, y, 50, 50, brightred)
    exit when hasch
end loop
put "done"
