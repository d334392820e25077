#ifndef TIMER_H
#define TIMER_H
#include <chrono>
struct Timer {
    using clock = std::chrono::steady_clock;
    clock::time_point start = clock::now();
    double elapsed() const {
        return std::chrono::duration<double>(clock::now() - start).count();
    }
};
#endif
