// grid.h — the points of a sweep: axes over grok-train's config fields, expanded to rows.
//
// An axis is one `--grid name=spec` (or `--seeds`): a config field and its values, typed
// like the field. Specs:
//   0,0.3,1,3            a list
//   0.2:0.8:0.1          a linear range, both ends included (values rounded to 12 digits)
//   1e-4..1e-1:log:7     7 log-spaced values, both ends included (rounded to 6 digits;
//                        integer fields round to whole numbers, duplicates dropped)
// Grid search takes the Cartesian product, the first axis varying slowest; random search
// draws each axis independently (a list uniformly, a linear range uniformly, a log range
// log-uniformly) from a seeded generator. The seed axis is never drawn: every point is
// trained with every seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace grok {

struct SweepAxis {
  enum class Kind { List, Linear, Log };
  std::string name;  // a Config field, underscores ("weight_decay")
  std::string spec;  // as given
  Kind kind = Kind::List;
  std::vector<nlohmann::json> values;  // typed like the field: int64, double, string or bool
  double low = 0, high = 0;            // a range's ends (random search)
  bool integer = false;                // the field is an integer
};

// "weight_decay=0,0.3,1" -> the axis. InputError (one line) for an unknown field, a field a
// sweep sets itself (out, threads), a value of the wrong type or a malformed range.
SweepAxis parse_axis(const std::string& arg);
// "0-2" or "0,3,7" (or a mix: "0-2,10") -> the axis "seed".
SweepAxis parse_seeds(const std::string& spec);

// One point: axis name -> value, in axis order.
using SweepPoint = nlohmann::ordered_json;

// Every combination of the axes' values, the first axis varying slowest.
std::vector<SweepPoint> grid_points(const std::vector<SweepAxis>& axes);
// `n` random draws of the non-seed axes (seeded by `sweep_seed`), each crossed with every
// value of the "seed" axis if there is one.
std::vector<SweepPoint> random_points(const std::vector<SweepAxis>& axes, int64_t n, uint64_t sweep_seed);

// A value as a command-line argument and in tables: 0.3 -> "0.3", 1e-4 -> "0.0001",
// "relu" -> "relu", true -> "true". Round-trips through grok-train's option parser.
std::string format_value(const nlohmann::json& value);
// A number for people to read (tables, headlines, chart labels), the one rule every view uses:
// 3 significant digits, plain for 1e-3 <= |v| < 1e5 ("0.25", "0.00316", "1600"), compact
// scientific otherwise ("3.16e-4", "2e5": no "+", no trailing zeros). Whole numbers below 1e5
// print whole ("12345"): a width or a seed names a run, rounding it would name another.
// Not for command lines: format_value round-trips, this does not.
std::string display_number(double v);
// display_number for numbers; strings and booleans as format_value writes them.
std::string display_value(const nlohmann::json& value);
// "frac_train=0.3 seed=1" (values by display_value).
std::string describe_point(const SweepPoint& point);

}  // namespace grok
