// curves.h — reading logged curves robustly (private to the story library).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace grok::curves {

// Centred running median over `width` rows (truncated at the ends). A monotone curve
// comes back unchanged; a single spiking row (width >= 3) disappears.
std::vector<double> running_median(const std::vector<double>& v, size_t width);

// First row i >= from such that holds(i), ..., holds(i + rows - 1) all hold (rows < n).
std::optional<size_t> first_persistent(size_t from, size_t n, size_t rows, const std::function<bool(size_t)>& holds);

// Index of the last row whose step is <= step (0 if none).
size_t row_at(const std::vector<int64_t>& steps, int64_t step);
// Index of the first row whose step is >= step (steps.size() if none).
size_t row_from(const std::vector<int64_t>& steps, int64_t step);

// v at the last row whose step is <= step. v must be non-empty.
double value_at(const std::vector<int64_t>& steps, const std::vector<double>& v, int64_t step);

// d ln v / d ln step between rows a < b (both steps > 0, both values > 0).
double log_log_slope(const std::vector<int64_t>& steps, const std::vector<double>& v, size_t a, size_t b);

// "{4, 9}".
std::string join(const std::vector<int64_t>& v);

}  // namespace grok::curves
