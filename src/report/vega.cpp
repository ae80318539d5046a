// vega.cpp — Vega-Lite spec builders (see vega.h).
#include "grok/report/vega.h"

#include <algorithm>
#include <cmath>

namespace grok::vega {

json long_rows(const std::vector<int64_t>& steps, const std::vector<Series>& series, bool positive_only) {
  json rows = json::array();
  for (const auto& [name, values] : series)
    for (size_t i = 0; i < steps.size() && i < values.size(); ++i) {
      if (!std::isfinite(values[i]) || (positive_only && values[i] <= 0)) continue;
      rows.push_back({{"step", std::max<int64_t>(steps[i], 1)}, {"series", name}, {"value", values[i]}});
    }
  return rows;
}

json line_chart(const std::string& title, const json& rows, const std::string& y_title, bool log_y, const json* under,
                bool log_x) {
  const char* x_title = log_x ? "step (optimizer updates, log scale)" : "step (optimizer updates)";
  json line = {
      {"data", {{"values", rows}}},
      {"mark", {{"type", "line"}, {"point", false}}},
      {"encoding",
       {{"x",
         {{"field", "step"},
          {"type", "quantitative"},
          {"title", x_title},
          // A "nice" log domain runs to the next power of ten: 10,000 for a 1,180-step run.
          {"scale", log_x ? json{{"type", "log"}, {"nice", false}} : json{{"type", "linear"}}}}},
        {"y",
         {{"field", "value"},
          {"type", "quantitative"},
          {"title", y_title},
          {"scale", {{"type", log_y ? "log" : "linear"}}}}},
        // Curve names run to 50 characters; Vega-Lite cuts legend labels at 160 px.
        {"strokeDash",
         {{"field", "series"}, {"type", "nominal"}, {"title", "curve"}, {"legend", {{"labelLimit", 400}}}}},
        {"stroke", {{"field", "series"}, {"type", "nominal"}, {"title", "curve"}, {"legend", {{"labelLimit", 400}}}}},
        {"tooltip", json::array({{{"field", "series"}}, {{"field", "step"}}, {{"field", "value"}}})}}}};
  json spec = {{"$schema", kSchema},
               {"title", title},
               {"width", kWidth},
               {"height", kHeight},
               {"resolve", {{"scale", {{"color", "independent"}}}}}};
  spec["layer"] = json::array();
  if (under) spec["layer"].push_back(*under);
  spec["layer"].push_back(line);
  return spec;
}

json heatmap(const std::string& title, const json& rows, const std::string& x, const std::string& x_title,
             const std::string& y, const std::string& y_title, const std::string& color_title) {
  return {
      {"$schema", kSchema},
      {"title", title},
      {"width", kWidth},
      {"height", kHeight},
      {"data", {{"values", rows}}},
      {"mark", "rect"},
      {"encoding",
       {{"x", {{"field", x}, {"type", "ordinal"}, {"title", x_title}, {"axis", {{"labelOverlap", true}}}}},
        {"y",
         {{"field", y},
          {"type", "ordinal"},
          {"title", y_title},
          {"axis", {{"labelOverlap", true}}},
          {"sort", "descending"}}},
        {"color",
         {{"field", "value"}, {"type", "quantitative"}, {"title", color_title}, {"scale", {{"scheme", "viridis"}}}}},
        {"tooltip", json::array({{{"field", x}}, {{"field", y}}, {{"field", "value"}}})}}}};
}

}  // namespace grok::vega
