#pragma once

#include "shapes/shape.hpp"

namespace shapes {

class Circle final : public Shape {
public:
    Circle(Vec2 center, double radius);

    double area() const override;
    double perimeter() const override;
    Box bounds() const override;
    std::string name() const override { return "circle"; }

    double radius() const { return radius_; }

private:
    Vec2 center_;
    double radius_;
};

}  // namespace shapes
