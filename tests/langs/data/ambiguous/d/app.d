module app;

import std.stdio;
import std.algorithm : map;

void main()
{
    auto squares = [1, 2, 3].map!(x => x * x);
    writeln(squares);
}
