#pragma once
#include <vector>
#include <cstddef>

namespace linalg {

template <typename T>
class Matrix {
public:
    Matrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols) {}
    T& operator()(std::size_t r, std::size_t c) { return data_[r * cols_ + c]; }
    std::size_t rows() const noexcept { return rows_; }
private:
    std::size_t rows_, cols_;
    std::vector<T> data_;
};

}  // namespace linalg
