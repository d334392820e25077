function tests = unit_test
tests = functiontests(localfunctions);
end

function testAdd(testCase)
verifyEqual(testCase, 1 + 1, 2);
end
