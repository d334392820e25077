#include "shapes/registry.hpp"

#include <stdexcept>
#include <vector>

#include "shapes/circle.hpp"
#include "shapes/polygon.hpp"

namespace shapes {

Registry& Registry::instance() {
    static Registry registry = [] {
        Registry r;
        r.add("circle", [](std::istringstream& in) -> ShapePtr {
            double x, y, radius;
            in >> x >> y >> radius;
            return std::make_unique<Circle>(Vec2{x, y}, radius);
        });
        r.add("polygon", [](std::istringstream& in) -> ShapePtr {
            std::vector<Vec2> points;
            double x, y;
            while (in >> x >> y) points.push_back({x, y});
            return std::make_unique<Polygon>(std::move(points));
        });
        return r;
    }();
    return registry;
}

void Registry::add(const std::string& kind, Factory factory) {
    factories_[kind] = std::move(factory);
}

ShapePtr Registry::parse(const std::string& line) const {
    std::istringstream in(line);
    std::string kind;
    in >> kind;
    auto it = factories_.find(kind);
    if (it == factories_.end()) {
        throw std::runtime_error("unknown shape kind: " + kind);
    }
    return it->second(in);
}

}  // namespace shapes
