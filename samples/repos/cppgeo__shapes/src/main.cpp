#include <iostream>
#include <string>

#include "shapes/registry.hpp"

int main() {
    const auto& registry = shapes::Registry::instance();
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty() || line[0] == '#') continue;
        try {
            auto shape = registry.parse(line);
            const auto box = shape->bounds();
            std::cout << shape->name() << ": area=" << shape->area()
                      << " perimeter=" << shape->perimeter()
                      << " bounds=" << box.width() << "x" << box.height() << '\n';
        } catch (const std::exception& error) {
            std::cerr << "shapes_demo: " << error.what() << '\n';
        }
    }
    return 0;
}
