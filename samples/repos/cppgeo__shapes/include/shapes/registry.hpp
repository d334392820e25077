#pragma once

#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "shapes/shape.hpp"

namespace shapes {

// Builds shapes from one line of text: "<kind> <numbers...>".
class Registry {
public:
    using Factory = std::function<ShapePtr(std::istringstream&)>;

    static Registry& instance();

    void add(const std::string& kind, Factory factory);
    ShapePtr parse(const std::string& line) const;

private:
    std::map<std::string, Factory> factories_;
};

}  // namespace shapes
