#include "shapes/circle.hpp"

#include <stdexcept>

namespace shapes {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

Circle::Circle(Vec2 center, double radius) : center_(center), radius_(radius) {
    if (radius < 0.0) {
        throw std::invalid_argument("circle radius must be >= 0");
    }
}

double Circle::area() const { return kPi * radius_ * radius_; }

double Circle::perimeter() const { return 2.0 * kPi * radius_; }

Box Circle::bounds() const {
    const Vec2 r{radius_, radius_};
    return {center_ - r, center_ + r};
}

}  // namespace shapes
