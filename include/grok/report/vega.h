// vega.h — Vega-Lite spec builders shared by the report's charts.
//
// Data go inline as long-form rows ({step, series, value} and the like), so a
// spec is self-contained JSON the page hands to vega-embed.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace grok::vega {

using json = nlohmann::ordered_json;

inline constexpr const char* kSchema = "https://vega.github.io/schema/vega-lite/v6.json";
inline constexpr int kWidth = 560;  // one chart column of the page
inline constexpr int kHeight = 260;

// A named curve over the steps of a chart.
using Series = std::pair<std::string, std::vector<double>>;

// Long-form rows {step, series, value}; non-finite values (and, with
// positive_only, values <= 0, which a log axis cannot show) are dropped; step 0
// is drawn at 1 so that log-step axes can show it.
json long_rows(const std::vector<int64_t>& steps, const std::vector<Series>& series, bool positive_only);

// Curves over steps, one line per series; `under` (e.g. phase bands) is layered beneath when given.
json line_chart(const std::string& title, const json& rows, const std::string& y_title, bool log_y, const json* under,
                bool log_x = true);

// A heat map of rows {x, y, value} with ordinal axes.
json heatmap(const std::string& title, const json& rows, const std::string& x, const std::string& x_title,
             const std::string& y, const std::string& y_title, const std::string& color_title);

}  // namespace grok::vega
