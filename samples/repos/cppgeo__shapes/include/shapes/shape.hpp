#pragma once

#include <memory>
#include <string>

#include "vec2.hpp"

namespace shapes {

class Shape {
public:
    virtual ~Shape() = default;

    virtual double area() const = 0;
    virtual double perimeter() const = 0;
    virtual Box bounds() const = 0;
    virtual std::string name() const = 0;
};

using ShapePtr = std::unique_ptr<Shape>;

}  // namespace shapes
