use v6;
use Test;
plan 2;
ok 1 + 1 == 2, 'addition';
is-deeply [1, 2], [1, 2], 'lists';
