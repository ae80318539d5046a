// sweep_file.cpp — sweep.h5: writing and reading a sweep's index (see docs/sweep-file.md).
#include "grok/sweep/sweep_file.h"

#include <fmt/chrono.h>
#include <fmt/core.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>

#include "grok/core/config.h"
#include "grok/core/error.h"
#include "grok/h5/h5.h"

namespace grok {
namespace {

const char* kind_name(SweepAxis::Kind k) {
  switch (k) {
    case SweepAxis::Kind::Linear:
      return "linear";
    case SweepAxis::Kind::Log:
      return "log";
    default:
      return "list";
  }
}

SweepAxis::Kind kind_from(const std::string& s) {
  if (s == "linear") return SweepAxis::Kind::Linear;
  if (s == "log") return SweepAxis::Kind::Log;
  return SweepAxis::Kind::List;
}

nlohmann::json spec_json(const SweepSpec& spec) {
  nlohmann::json axes = nlohmann::json::array();
  for (const auto& a : spec.axes)
    axes.push_back({{"name", a.name},
                    {"spec", a.spec},
                    {"kind", kind_name(a.kind)},
                    {"values", a.values},
                    {"low", a.low},
                    {"high", a.high},
                    {"integer", a.integer}});
  return {{"preset", spec.preset}, {"base_overrides", spec.base_overrides}, {"axes", axes},
          {"random", spec.random}, {"sweep_seed", spec.sweep_seed},         {"threads_per_run", spec.threads_per_run}};
}

SweepSpec spec_from(const nlohmann::json& j) {
  SweepSpec spec;
  spec.preset = j.at("preset").get<std::string>();
  spec.base_overrides = j.at("base_overrides");
  for (const auto& a : j.at("axes")) {
    SweepAxis axis;
    axis.name = a.at("name").get<std::string>();
    axis.spec = a.at("spec").get<std::string>();
    axis.kind = kind_from(a.at("kind").get<std::string>());
    for (const auto& v : a.at("values")) axis.values.push_back(v);
    axis.low = a.at("low").get<double>();
    axis.high = a.at("high").get<double>();
    axis.integer = a.at("integer").get<bool>();
    spec.axes.push_back(std::move(axis));
  }
  spec.random = j.at("random").get<int64_t>();
  spec.sweep_seed = j.at("sweep_seed").get<int64_t>();
  spec.threads_per_run = j.at("threads_per_run").get<int64_t>();
  return spec;
}

std::string utc_now() { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr))); }

template <class T>
void column(h5::Group& rows, const std::string& name, const std::vector<T>& values, const char* meaning) {
  h5::Dataset ds = rows.create_dataset<T>(name, {values.size()});
  if (!values.empty()) ds.write(values);
  ds.set_attr("description", meaning);
}

void string_column(h5::Group& rows, const std::string& name, const std::vector<std::string>& values,
                   const char* meaning) {
  rows.create_strings(name, values).set_attr("description", meaning);
}

// An axis column, typed like its config field (booleans as int64 0/1).
void axis_column(h5::Group& rows, const SweepAxis& axis, const std::vector<SweepRow>& all) {
  const std::string meaning = "sweep axis: the grok-train option --" + axis.name + " of each run";
  const nlohmann::json& sample = axis.values.front();
  auto value = [&](const SweepRow& r) -> nlohmann::json {
    if (r.point.contains(axis.name)) return nlohmann::json::parse(r.point.at(axis.name).dump());
    return sample;
  };
  h5::Dataset ds = [&] {
    if (sample.is_string()) {
      std::vector<std::string> v;
      for (const auto& r : all) v.push_back(value(r).get<std::string>());
      return rows.create_strings(axis.name, v);
    }
    if (sample.is_number_float()) {
      std::vector<double> v;
      for (const auto& r : all) v.push_back(value(r).get<double>());
      h5::Dataset d = rows.create_dataset<double>(axis.name, {v.size()});
      if (!v.empty()) d.write(v);
      return d;
    }
    std::vector<int64_t> v;
    for (const auto& r : all) v.push_back(value(r).is_boolean() ? value(r).get<bool>() : value(r).get<int64_t>());
    h5::Dataset d = rows.create_dataset<int64_t>(axis.name, {v.size()});
    if (!v.empty()) d.write(v);
    return d;
  }();
  ds.set_attr("description", meaning);
  ds.set_attr("role", "axis");
}

template <class T, class F>
std::vector<T> gather(const std::vector<SweepRow>& rows, F f) {
  std::vector<T> out;
  for (const auto& r : rows) out.push_back(f(r));
  return out;
}

}  // namespace

std::string run_file_name(int64_t id) { return fmt::format("runs/r{:04d}.h5", id); }

void write_sweep_file(const std::string& path, const Sweep& sweep) {
  const std::string part = path + ".part";
  std::remove(part.c_str());
  {
    h5::File file = h5::File::create(part, false);
    h5::Group root = file.root();
    root.set_attr("format", "grokscope.sweep");
    root.set_attr("schema_version", kSweepSchemaVersion);
    root.set_attr("tool", "grokscope grok-sweep");
    root.set_attr("tool_version", GROK_VERSION);
    root.set_attr("created_utc", sweep.created_utc.empty() ? utc_now() : sweep.created_utc);
    root.set_attr("updated_utc", utc_now());
    root.set_attr("command_line", sweep.command_line);
    root.set_attr("spec_json", spec_json(sweep.spec).dump());
    root.set_attr("n_rows", static_cast<int64_t>(sweep.rows.size()));
    h5::Group rows = root.create_group("rows");
    const auto& all = sweep.rows;
    column(rows, "id", gather<int64_t>(all, [](const SweepRow& r) { return r.id; }), "row number (stable)");
    string_column(rows, "run_file", gather<std::string>(all, [](const SweepRow& r) { return r.run_file; }),
                  "the run file, relative to the sweep directory");
    string_column(rows, "status", gather<std::string>(all, [](const SweepRow& r) { return r.status; }),
                  "pending | running | complete | interrupted | failed");
    string_column(rows, "error", gather<std::string>(all, [](const SweepRow& r) { return r.error; }),
                  "why the run failed (one line), else empty");
    string_column(rows, "point_json", gather<std::string>(all, [](const SweepRow& r) { return r.point.dump(); }),
                  "the row's axis values as one JSON object");
    for (const auto& axis : sweep.spec.axes) axis_column(rows, axis, all);
    auto ints = [&](const char* name, int64_t RowResult::*field, const char* meaning) {
      column(rows, name, gather<int64_t>(all, [&](const SweepRow& r) { return r.result.*field; }), meaning);
    };
    auto reals = [&](const char* name, double RowResult::*field, const char* meaning) {
      column(rows, name, gather<double>(all, [&](const SweepRow& r) { return r.result.*field; }), meaning);
    };
    ints("final_step", &RowResult::final_step, "last step recorded (-1: no run file)");
    ints("t_mem", &RowResult::t_mem, "first evaluated step with train accuracy >= 99% (-1: never)");
    ints("t_grok", &RowResult::t_grok, "first evaluated step with test accuracy >= 99% (-1: never)");
    ints("t_train90", &RowResult::t_train90, "first evaluated step with train accuracy >= 90% (-1: never)");
    ints("t_test90", &RowResult::t_test90, "first evaluated step with test accuracy >= 90% (-1: never)");
    reals("final_train_loss", &RowResult::final_train_loss, "train loss at the final step (NaN: unknown)");
    reals("final_test_loss", &RowResult::final_test_loss, "test loss at the final step (NaN: unknown)");
    reals("final_train_acc", &RowResult::final_train_acc, "train accuracy at the final step (NaN: unknown)");
    reals("final_test_acc", &RowResult::final_test_acc, "test accuracy at the final step (NaN: unknown)");
    reals("min_test_loss", &RowResult::min_test_loss, "lowest test loss over the run (NaN: unknown)");
    reals("wall_s", &RowResult::wall_s, "training wall time in seconds, all processes of the run (NaN: unknown)");
    string_column(rows, "key_frequencies",
                  gather<std::string>(all, [](const SweepRow& r) { return join_list(r.result.key_frequencies); }),
                  "key frequencies at the final checkpoint, comma-separated (empty: none or not applicable)");
  }
  std::error_code ec;
  std::filesystem::rename(part, path, ec);
  if (ec) throw InputError(fmt::format("cannot write {}: {}", path, ec.message()));
}

Sweep read_sweep_file(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError(path + ": no such file");
  if (!h5::is_hdf5(path)) throw InputError(path + " is not an HDF5 file");
  try {
    h5::File file = h5::File::open(path, h5::Mode::ReadOnly);
    h5::Group root = file.root();
    if (!root.has_attr("format") || root.attr_string("format") != "grokscope.sweep")
      throw InputError(path + " is not a grokscope sweep file");
    if (root.attr_int("schema_version") > kSweepSchemaVersion)
      throw InputError(fmt::format("{} has sweep schema {}; this grokscope reads up to {}", path,
                                   root.attr_int("schema_version"), kSweepSchemaVersion));
    Sweep sweep;
    sweep.spec = spec_from(nlohmann::json::parse(root.attr_string("spec_json")));
    sweep.created_utc = root.attr_string("created_utc");
    sweep.command_line = root.attr_string("command_line");
    h5::Group rows = root.open_group("rows");
    auto ints = [&](const char* name) { return rows.open_dataset(name).read<int64_t>(); };
    auto reals = [&](const char* name) { return rows.open_dataset(name).read<double>(); };
    auto strings = [&](const char* name) { return rows.open_dataset(name).read_strings(); };
    const auto id = ints("id");
    const auto run_file = strings("run_file"), status = strings("status"), error = strings("error"),
               point = strings("point_json"), keys = strings("key_frequencies");
    const auto final_step = ints("final_step"), t_mem = ints("t_mem"), t_grok = ints("t_grok"),
               t_train90 = ints("t_train90"), t_test90 = ints("t_test90");
    const auto ftrl = reals("final_train_loss"), ftel = reals("final_test_loss"), ftra = reals("final_train_acc"),
               ftea = reals("final_test_acc"), mtl = reals("min_test_loss"), wall = reals("wall_s");
    for (size_t i = 0; i < id.size(); ++i) {
      SweepRow r;
      r.id = id[i];
      r.point = SweepPoint::parse(point[i]);
      r.run_file = run_file[i];
      r.status = status[i];
      r.error = error[i];
      r.result = {final_step[i],
                  t_mem[i],
                  t_grok[i],
                  t_train90[i],
                  t_test90[i],
                  ftrl[i],
                  ftel[i],
                  ftra[i],
                  ftea[i],
                  mtl[i],
                  parse_int_list(keys[i], "key frequency"),
                  wall[i]};
      sweep.rows.push_back(std::move(r));
    }
    return sweep;
  } catch (const h5::Error& e) {
    throw InputError(fmt::format("{}: not a readable sweep file ({})", path, e.what()));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: damaged sweep spec ({})", path, e.what()));
  }
}

std::string sweep_directory(const std::string& sweep_path) {
  const std::string dir = std::filesystem::path(sweep_path).parent_path().string();
  return dir.empty() ? "." : dir;
}

std::optional<std::string> file_format(const std::string& path) {
  if (!std::filesystem::is_regular_file(path) || !h5::is_hdf5(path)) return std::nullopt;
  // A run file that grok-train is writing opens only as an SWMR reader.
  for (h5::Mode mode : {h5::Mode::ReadOnly, h5::Mode::ReadSwmr}) {
    try {
      h5::File file = h5::File::open(path, mode);
      h5::Group root = file.root();
      return root.has_attr("format") ? root.attr_string("format") : std::string();
    } catch (const h5::Error&) {}
  }
  return std::nullopt;
}

}  // namespace grok
