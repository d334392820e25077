\ greeting words
: hello ( -- ) ." Hello, Forth!" cr ;
: greet ( n -- ) 0 do hello loop ;
3 greet
