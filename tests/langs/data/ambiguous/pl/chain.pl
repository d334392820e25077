my @a = 1..5;
@a.map(* * 2).grep(* > 4).say;
for ^3 { .say }
