// curve_table.h — analysis results as named curves over checkpoints.
//
// Every grok-probe analysis produces one CurveTable: the checkpoint steps it
// looked at, and named float64 curves whose axis 0 runs over those steps. The
// same table is printed, serialised to JSON and written to the probe file.
#pragma once

#include <ATen/ATen.h>

#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace grok {

// A measure that does not apply at a checkpoint (written as NaN: h5py and xarray read it as missing).
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// [n] float64 from doubles: one curve, or one checkpoint's vector-valued measure.
inline at::Tensor column(const std::vector<double>& v) { return at::tensor(v, at::kDouble); }

struct Curve {
  std::string name;
  at::Tensor values;  // [n_steps, ...] float64 (or int64)
  std::string description;
  std::vector<std::string> axes;  // names of the axes after the step axis
};

struct CurveTable {
  std::string group;           // "fourier", "norms", "probes"
  std::vector<int64_t> steps;  // the checkpoint steps: axis 0 of every curve
  std::vector<Curve> curves;
  nlohmann::ordered_json attrs = nlohmann::ordered_json::object();  // definitions, thresholds, results

  void add(const std::string& name, at::Tensor values, const std::string& description,
           std::vector<std::string> axes = {}) {
    curves.push_back({name, std::move(values), description, std::move(axes)});
  }
  const Curve& curve(const std::string& name) const;
  std::vector<double> scalar_curve(const std::string& name) const;  // a 1-D curve as doubles
};

// A curve from per-checkpoint measures: get(m) a double -> [n] float64,
// or get(m) a tensor -> the tensors stacked, [n, ...].
template <class Measures, class Get>
at::Tensor scalar_curve_of(const std::vector<Measures>& ms, Get get) {
  std::vector<double> v;
  for (const Measures& m : ms) v.push_back(get(m));
  return at::tensor(v, at::kDouble);
}
template <class Measures, class Get>
at::Tensor stacked_curve_of(const std::vector<Measures>& ms, Get get) {
  std::vector<at::Tensor> rows;
  for (const Measures& m : ms) rows.push_back(get(m));
  return at::stack(rows);
}

// {"steps": [...], "attrs": {...}, "curves": {name: nested lists}}
nlohmann::ordered_json to_json(const CurveTable& table);

}  // namespace grok
