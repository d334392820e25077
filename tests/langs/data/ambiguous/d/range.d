import std.range;

struct Counter {
    int n;
    bool empty() const { return n > 10; }
    int front() const { return n; }
    void popFront() { ++n; }
}
