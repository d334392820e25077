% list utilities
my_length([], 0).
my_length([_|T], N) :- my_length(T, N0), N is N0 + 1.

my_reverse(L, R) :- my_reverse(L, [], R).
my_reverse([], A, A).
my_reverse([H|T], A, R) :- my_reverse(T, [H|A], R).
