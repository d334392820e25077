#ifndef LOGGER_H
#define LOGGER_H
#include <string>

struct Logger {
    virtual ~Logger() = default;
    virtual void log(const std::string& message) = 0;
};
#endif
