#include <cassert>
#include <cmath>
#include <iostream>

#include "shapes/circle.hpp"
#include "shapes/polygon.hpp"

using shapes::Circle;
using shapes::Polygon;
using shapes::Vec2;

static bool near(double a, double b) { return std::fabs(a - b) < 1e-9; }

int main() {
    Circle unit({0.0, 0.0}, 1.0);
    assert(near(unit.area(), 3.14159265358979323846));
    assert(near(unit.bounds().width(), 2.0));

    Polygon triangle({{0.0, 0.0}, {4.0, 0.0}, {4.0, 3.0}});
    assert(near(triangle.area(), 6.0));
    assert(near(triangle.perimeter(), 12.0));

    std::cout << "all shape tests passed\n";
    return 0;
}
