#pragma once

#include <vector>

#include "shape.hpp"

namespace shapes {

class Polygon final : public Shape {
public:
    explicit Polygon(std::vector<Vec2> vertices);

    double area() const override;
    double perimeter() const override;
    Box bounds() const override;
    std::string name() const override { return "polygon"; }

    const std::vector<Vec2>& vertices() const { return vertices_; }

private:
    std::vector<Vec2> vertices_;
};

}  // namespace shapes
