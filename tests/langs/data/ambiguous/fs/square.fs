\ square and cube words
: square ( n -- n*n ) dup * ;
: cube ( n -- n^3 ) dup square * ;
5 cube .
