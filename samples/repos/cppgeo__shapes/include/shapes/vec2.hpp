#pragma once

#include <cmath>

namespace shapes {

struct Vec2 {
    double x = 0.0;
    double y = 0.0;

    constexpr Vec2 operator+(Vec2 o) const { return {x + o.x, y + o.y}; }
    constexpr Vec2 operator-(Vec2 o) const { return {x - o.x, y - o.y}; }
    constexpr Vec2 operator*(double k) const { return {x * k, y * k}; }

    constexpr double dot(Vec2 o) const { return x * o.x + y * o.y; }
    constexpr double cross(Vec2 o) const { return x * o.y - y * o.x; }
    double length() const { return std::hypot(x, y); }
};

struct Box {
    Vec2 min;
    Vec2 max;

    double width() const { return max.x - min.x; }
    double height() const { return max.y - min.y; }
};

}  // namespace shapes
