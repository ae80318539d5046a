// grid.cpp — parsing sweep axes and expanding them to points (see grid.h).
#include "grok/sweep/grid.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <type_traits>

#include "grok/core/config.h"
#include "grok/core/error.h"
#include "grok/core/options.h"
#include "grok/core/rng.h"

namespace grok {
namespace {

enum class FieldType { Missing, Int, Double, String, Bool };

FieldType field_type(const std::string& name) {
  Config c;
  FieldType type = FieldType::Missing;
  visit_fields(c, [&](const char*, const char* field_name, auto& field, const char*) {
    using T = std::decay_t<decltype(field)>;
    if (name != field_name) return;
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, AutoFlag>)
      type = FieldType::Bool;
    else if constexpr (std::is_same_v<T, int64_t>)
      type = FieldType::Int;
    else if constexpr (std::is_same_v<T, double>)
      type = FieldType::Double;
    else
      type = FieldType::String;
  });
  return type;
}

double rounded(double v, int digits) { return std::stod(fmt::format("{:.{}g}", v, digits)); }

double parse_number(const std::string& text, const std::string& axis) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v))
    throw InputError(fmt::format("--grid {}: '{}' is not a number", axis, text));
  return v;
}

nlohmann::json typed_value(const std::string& text, FieldType type, const std::string& axis) {
  switch (type) {
    case FieldType::String:
      if (text.empty()) throw InputError(fmt::format("--grid {}: empty value", axis));
      // Each run resolves auto (device, backward) for itself; the sweep's column would say auto
      // where its runs say what they used.
      if (text == "auto") throw InputError(fmt::format("--grid {}: auto is not a value to compare; name them", axis));
      return text;
    case FieldType::Bool:
      if (text == "true" || text == "1") return true;
      if (text == "false" || text == "0") return false;
      throw InputError(fmt::format("--grid {}: '{}' is not true or false", axis, text));
    case FieldType::Int: {
      double v = parse_number(text, axis);
      if (v != std::round(v)) throw InputError(fmt::format("--grid {}: '{}' is not an integer", axis, text));
      return static_cast<int64_t>(v);
    }
    default:
      return parse_number(text, axis);
  }
}

nlohmann::json typed_number(double v, bool integer) {
  if (integer) return static_cast<int64_t>(std::llround(v));
  return v;
}

void parse_linear(SweepAxis& axis, const std::string& spec) {
  auto first = spec.find(':'), second = spec.find(':', first + 1);
  if (second == std::string::npos || spec.find(':', second + 1) != std::string::npos)
    throw InputError(fmt::format("--grid {}: a linear range is low:high:step, got '{}'", axis.name, spec));
  axis.low = parse_number(spec.substr(0, first), axis.name);
  axis.high = parse_number(spec.substr(first + 1, second - first - 1), axis.name);
  const double step = parse_number(spec.substr(second + 1), axis.name);
  if (step <= 0 || axis.high < axis.low)
    throw InputError(fmt::format("--grid {}: a linear range needs low <= high and step > 0", axis.name));
  const auto n = static_cast<int64_t>(std::floor((axis.high - axis.low) / step + 1e-9)) + 1;
  if (n > 100000) throw InputError(fmt::format("--grid {}: {} values is too many", axis.name, n));
  for (int64_t i = 0; i < n; ++i) {
    double v = rounded(axis.low + static_cast<double>(i) * step, 12);
    if (axis.integer && v != std::round(v))
      throw InputError(fmt::format("--grid {}: the range gives non-integer {}", axis.name, v));
    axis.values.push_back(typed_number(v, axis.integer));
  }
}

void parse_log(SweepAxis& axis, const std::string& spec) {
  // low..high:log:n
  auto dots = spec.find(".."), colon = spec.find(':');
  const std::string tail = colon == std::string::npos ? "" : spec.substr(colon);
  if (dots == std::string::npos || colon < dots || tail.rfind(":log:", 0) != 0)
    throw InputError(fmt::format("--grid {}: a log range is low..high:log:n, got '{}'", axis.name, spec));
  axis.low = parse_number(spec.substr(0, dots), axis.name);
  axis.high = parse_number(spec.substr(dots + 2, colon - dots - 2), axis.name);
  const double count = parse_number(tail.substr(5), axis.name);
  if (axis.low <= 0 || axis.high <= axis.low || count < 2 || count != std::round(count) || count > 100000)
    throw InputError(fmt::format("--grid {}: a log range needs 0 < low < high and a whole n >= 2", axis.name));
  const auto n = static_cast<int64_t>(count);
  std::set<int64_t> seen;
  for (int64_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(n - 1);
    double v = rounded(axis.low * std::pow(axis.high / axis.low, t), 6);
    if (axis.integer) {
      if (!seen.insert(std::llround(v)).second) continue;
    }
    axis.values.push_back(typed_number(v, axis.integer));
  }
}

}  // namespace

SweepAxis parse_axis(const std::string& arg) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError(fmt::format("--grid wants name=values (e.g. weight_decay=0,0.3,1), got '{}'", arg));
  SweepAxis axis;
  axis.name = arg.substr(0, eq);
  for (char& ch : axis.name)
    if (ch == '-') ch = '_';
  axis.spec = arg.substr(eq + 1);
  if (axis.name == "threads") throw InputError("--grid threads: a sweep sets the threads of every run (use --threads)");
  const FieldType type = field_type(axis.name);
  if (type == FieldType::Missing)
    throw InputError(fmt::format("--grid {}: not a grok-train option (grok-train --help lists them)", axis.name));
  if (axis.spec.empty()) throw InputError(fmt::format("--grid {}: no values", axis.name));
  axis.integer = type == FieldType::Int;
  const bool numeric = type == FieldType::Int || type == FieldType::Double;
  if (numeric && axis.spec.find(":log:") != std::string::npos) {
    axis.kind = SweepAxis::Kind::Log;
    parse_log(axis, axis.spec);
  } else if (numeric && axis.spec.find(':') != std::string::npos) {
    axis.kind = SweepAxis::Kind::Linear;
    parse_linear(axis, axis.spec);
  } else {
    for (const std::string& item : split_list(axis.spec)) axis.values.push_back(typed_value(item, type, axis.name));
    if (axis.values.empty()) throw InputError(fmt::format("--grid {}: no values", axis.name));
  }
  std::set<std::string> distinct;
  for (const auto& v : axis.values)
    if (!distinct.insert(v.dump()).second)
      throw InputError(fmt::format("--grid {}: {} appears twice", axis.name, format_value(v)));
  return axis;
}

SweepAxis parse_seeds(const std::string& spec) {
  SweepAxis axis;
  axis.name = "seed";
  axis.spec = spec;
  axis.integer = true;
  for (int64_t seed : parse_seed_list(spec)) axis.values.push_back(seed);
  return axis;
}

namespace {

// A sweep is one grok-train process per point: far below this already. Checked before any point
// is built: two 100,000-value axes would otherwise ask for 10^10 points (std::bad_alloc, or the
// machine's memory).
constexpr uint64_t kMaxPoints = 100000;

void check_point_count(const std::vector<SweepAxis>& axes, uint64_t draws) {
  uint64_t n = draws;
  for (const auto& axis : axes) {
    if (n > kMaxPoints) break;  // before multiplying: n * size stays far from overflowing
    n *= std::max<uint64_t>(axis.values.size(), 1);
  }
  if (n > kMaxPoints)
    throw InputError(
        fmt::format("the sweep has more than {} points (--grid axes and --seeds multiply; "
                    "--random N draws N points per seed)",
                    kMaxPoints));
}

}  // namespace

std::vector<SweepPoint> grid_points(const std::vector<SweepAxis>& axes) {
  check_point_count(axes, 1);
  std::vector<SweepPoint> points{SweepPoint::object()};
  for (const auto& axis : axes) {
    std::vector<SweepPoint> next;
    for (const auto& point : points)
      for (const auto& value : axis.values) {
        SweepPoint p = point;
        p[axis.name] = value;
        next.push_back(std::move(p));
      }
    points = std::move(next);
  }
  return points;
}

std::vector<SweepPoint> random_points(const std::vector<SweepAxis>& axes, int64_t n, uint64_t sweep_seed) {
  std::vector<SweepAxis> seed_axes;
  for (const auto& axis : axes)
    if (axis.name == "seed") seed_axes.push_back(axis);
  check_point_count(seed_axes, static_cast<uint64_t>(std::max<int64_t>(n, 0)));
  std::mt19937_64 rng(mix_seed(sweep_seed, kSweepStream));
  // 53 random bits -> [0, 1): the same draws under every standard library.
  auto unit = [](std::mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1.0p-53; };
  std::vector<SweepPoint> draws;
  for (int64_t i = 0; i < n; ++i) {
    SweepPoint p = SweepPoint::object();
    for (const auto& axis : axes) {
      if (axis.name == "seed") continue;
      const double u = unit(rng);
      switch (axis.kind) {
        case SweepAxis::Kind::List: {
          auto k = std::min(axis.values.size() - 1, static_cast<size_t>(u * static_cast<double>(axis.values.size())));
          p[axis.name] = axis.values[k];
          break;
        }
        case SweepAxis::Kind::Linear:
          p[axis.name] = typed_number(rounded(axis.low + u * (axis.high - axis.low), 6), axis.integer);
          break;
        case SweepAxis::Kind::Log:
          p[axis.name] = typed_number(rounded(axis.low * std::pow(axis.high / axis.low, u), 6), axis.integer);
          break;
      }
    }
    draws.push_back(std::move(p));
  }
  std::vector<SweepAxis> seeds;
  for (const auto& axis : axes)
    if (axis.name == "seed") seeds.push_back(axis);
  std::vector<SweepPoint> points;
  for (const auto& draw : draws)
    for (const auto& seed_point : grid_points(seeds)) {
      SweepPoint p = draw;
      for (const auto& [k, v] : seed_point.items()) p[k] = v;
      points.push_back(std::move(p));
    }
  return points;
}

std::string format_value(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  const double v = value.get<double>();
  // The shortest text that reads back as the same double.
  for (int digits = 1; digits < 17; ++digits) {
    std::string s = fmt::format("{:.{}g}", v, digits);
    if (std::stod(s) == v) return s;
  }
  return fmt::format("{:.17g}", v);
}

namespace {

// Plain notation between these magnitudes; outside, scientific (0.0000316 and 3160000 are hard to count).
constexpr double kPlainMin = 1e-3, kPlainMax = 1e5;

// "3.160" -> "3.16", "20.0" -> "20", "100" -> "100".
std::string without_trailing_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::string display_number(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (v == 0) return "0";
  // Round to 3 significant digits first: 99999.7 becomes 1e5 and is then written as such.
  const double r = std::stod(fmt::format("{:.2e}", v)), mag = std::fabs(r);
  if (mag >= kPlainMin && mag < kPlainMax) {
    if (v == std::round(v)) return fmt::format("{:.0f}", v);
    const int decimals = std::max(0, 2 - static_cast<int>(std::floor(std::log10(mag))));
    return without_trailing_zeros(fmt::format("{:.{}f}", r, decimals));
  }
  const std::string sci = fmt::format("{:.2e}", r);  // "3.16e-04"
  const size_t e = sci.find('e');
  const int exponent = std::stoi(sci.substr(e + 1));
  return without_trailing_zeros(sci.substr(0, e)) + "e" + std::to_string(exponent);
}

std::string display_value(const nlohmann::json& value) {
  return value.is_number() ? display_number(value.get<double>()) : format_value(value);
}

std::string describe_point(const SweepPoint& point) {
  std::string s;
  for (const auto& [k, v] : point.items()) s += (s.empty() ? "" : " ") + k + "=" + display_value(v);
  return s;
}

}  // namespace grok
