// curve_table.cpp — lookup and JSON for analysis curves.
#include "grok/probe/curve_table.h"

#include <stdexcept>

namespace grok {
namespace {

nlohmann::ordered_json tensor_to_json(const at::Tensor& t) {
  if (t.dim() == 0) {
    if (t.scalar_type() == at::kLong) return t.item<int64_t>();
    double v = t.item<double>();
    return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (int64_t i = 0; i < t.size(0); ++i) out.push_back(tensor_to_json(t[i]));
  return out;
}

}  // namespace

const Curve& CurveTable::curve(const std::string& name) const {
  for (const auto& c : curves)
    if (c.name == name) return c;
  throw std::out_of_range("no curve '" + name + "' in " + group);
}

std::vector<double> CurveTable::scalar_curve(const std::string& name) const {
  at::Tensor v = curve(name).values.to(at::kDouble).contiguous();
  return {v.data_ptr<double>(), v.data_ptr<double>() + v.numel()};
}

nlohmann::ordered_json to_json(const CurveTable& table) {
  nlohmann::ordered_json j;
  j["steps"] = table.steps;
  j["attrs"] = table.attrs;
  nlohmann::ordered_json curves = nlohmann::ordered_json::object();
  for (const auto& c : table.curves) curves[c.name] = tensor_to_json(c.values.cpu());
  j["curves"] = curves;
  return j;
}

}  // namespace grok
