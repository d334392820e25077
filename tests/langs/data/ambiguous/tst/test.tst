// unit test
a = [1 2 3];
assert_checkequal(sum(a), 6);
