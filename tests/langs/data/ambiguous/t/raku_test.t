use Test;
plan 2;
is 1 + 1, 2, 'sum';
ok 'abc'.contains('b'), 'contains';
