#include "shapes/polygon.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace shapes {

Polygon::Polygon(std::vector<Vec2> vertices) : vertices_(std::move(vertices)) {
    if (vertices_.size() < 3) {
        throw std::invalid_argument("a polygon needs at least 3 vertices");
    }
}

// Shoelace formula; the sign tells the winding, the magnitude the area.
double Polygon::area() const {
    double twice = 0.0;
    for (std::size_t i = 0, n = vertices_.size(); i < n; ++i) {
        twice += vertices_[i].cross(vertices_[(i + 1) % n]);
    }
    return std::abs(twice) / 2.0;
}

double Polygon::perimeter() const {
    double total = 0.0;
    for (std::size_t i = 0, n = vertices_.size(); i < n; ++i) {
        total += (vertices_[(i + 1) % n] - vertices_[i]).length();
    }
    return total;
}

Box Polygon::bounds() const {
    Box box{vertices_.front(), vertices_.front()};
    for (const Vec2& v : vertices_) {
        box.min = {std::min(box.min.x, v.x), std::min(box.min.y, v.y)};
        box.max = {std::max(box.max.x, v.x), std::max(box.max.y, v.y)};
    }
    return box;
}

}  // namespace shapes
