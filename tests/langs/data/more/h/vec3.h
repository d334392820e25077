#ifndef VEC3_H
#define VEC3_H
#include <cmath>

struct vec3 {
    float x, y, z;
    vec3 operator+(const vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
    float length() const { return std::sqrt(x * x + y * y + z * z); }
};
#endif
