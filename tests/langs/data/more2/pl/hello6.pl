#!/usr/bin/env perl6
my @names = <Alice Bob Carol>;
for @names -> $name {
    say "Hello, $name!";
}
