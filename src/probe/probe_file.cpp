// probe_file.cpp — writing analysis groups to the probe file, atomically.
#include "grok/probe/probe_file.h"

#include <fmt/chrono.h>
#include <fmt/core.h>

#include <ctime>
#include <filesystem>
#include <functional>

#include "grok/core/error.h"
#include "grok/h5/h5.h"

namespace fs = std::filesystem;

namespace grok {
namespace {

// Simple JSON values become typed attributes; anything else a JSON string.
void set_json_attr(h5::Object& obj, const std::string& name, const nlohmann::ordered_json& v) {
  if (v.is_string())
    obj.set_attr(name, v.get<std::string>());
  else if (v.is_number_integer())
    obj.set_attr(name, v.get<int64_t>());
  else if (v.is_number())
    obj.set_attr(name, v.get<double>());
  else if (v.is_boolean())
    obj.set_attr(name, static_cast<int64_t>(v.get<bool>()));
  else if (v.is_array() && std::all_of(v.begin(), v.end(), [](const auto& x) { return x.is_number_integer(); }))
    obj.set_attr(name, v.get<std::vector<int64_t>>());
  else if (!v.is_null())
    obj.set_attr(name, v.dump());
}

// A 0..n-1 (or 1..n for "frequency") index dataset that names an axis.
h5::Dataset axis_scale(h5::Group& g, const std::string& name, int64_t n) {
  if (g.exists(name)) return g.open_dataset(name);
  std::vector<int64_t> values(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) values[static_cast<size_t>(i)] = name == "frequency" ? i + 1 : i;
  h5::Dataset d = g.create_dataset<int64_t>(name, {static_cast<hsize_t>(n)});
  d.write(values);
  d.make_scale(name);
  return d;
}

void write_curve(h5::Group& g, h5::Dataset& steps, const Curve& c) {
  at::Tensor v = c.values.contiguous();
  h5::Shape shape(v.sizes().begin(), v.sizes().end());
  h5::Dataset d =
      v.scalar_type() == at::kLong ? g.create_dataset<int64_t>(c.name, shape) : g.create_dataset<double>(c.name, shape);
  if (v.scalar_type() == at::kLong) {
    d.write(v.data_ptr<int64_t>(), static_cast<size_t>(v.numel()));
  } else {
    at::Tensor f = v.to(at::kDouble).contiguous();
    d.write(f.data_ptr<double>(), static_cast<size_t>(f.numel()));
  }
  d.set_attr("description", c.description);
  d.attach_scale(steps, 0);
  for (size_t i = 0; i < c.axes.size(); ++i)
    d.attach_scale(axis_scale(g, c.axes[i], v.size(static_cast<int64_t>(i) + 1)), static_cast<unsigned>(i + 1));
}

// Builds path.tmp with `fill` writing group `group`, copies the other groups
// of an existing probe file, then renames over path.
void replace_group(const std::string& path, const std::string& run_path, const std::string& group,
                   const std::function<void(h5::Group&)>& fill) {
  const std::string tmp = path + ".tmp";
  std::error_code ec;
  fs::remove(tmp, ec);
  {
    h5::File out = [&] {
      try {
        return h5::File::create(tmp, false);
      } catch (const h5::Error&) {
        throw InputError(fmt::format("cannot write {}", tmp));
      }
    }();
    h5::Group root = out.root();
    root.set_attr("format", "grokscope.probe");
    root.set_attr("schema_version", kProbeSchemaVersion);
    root.set_attr("tool", "grokscope grok-probe");
    root.set_attr("tool_version", GROK_VERSION);
    root.set_attr("run_file", fs::path(run_path).filename().string());
    root.set_attr("updated_utc", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr))));
    if (h5::is_hdf5(path)) {
      h5::File old = h5::File::open(path, h5::Mode::ReadOnly);
      h5::Group old_root = old.root();
      if (old_root.has_attr("format") && old_root.attr_string("format") == "grokscope.probe")
        for (const auto& name : old_root.children())
          if (name != group) old_root.copy_child(name, root);
    }
    h5::Group g = root.create_group(group);
    fill(g);
    out.close();
  }
  fs::rename(tmp, path, ec);
  if (ec) throw InputError(fmt::format("cannot write {}: {}", path, ec.message()));
}

}  // namespace

std::string default_probe_path(const std::string& run_path) {
  fs::path p(run_path);
  return (p.parent_path() / (p.stem().string() + ".probe.h5")).string();
}

void write_probe_table(const std::string& path, const std::string& run_path, const CurveTable& table) {
  replace_group(path, run_path, table.group, [&](h5::Group& g) {
    for (const auto& [key, value] : table.attrs.items()) set_json_attr(g, key, value);
    g.set_attr("attrs_json", table.attrs.dump());
    h5::Dataset steps = g.create_dataset<int64_t>("step", {static_cast<hsize_t>(table.steps.size())});
    steps.write(table.steps);
    steps.make_scale(table.group == "norms" ? "step" : "checkpoint");
    for (const auto& c : table.curves) write_curve(g, steps, c);
  });
}

void write_probe_attrs(const std::string& path, const std::string& run_path, const std::string& group,
                       const nlohmann::ordered_json& attrs) {
  replace_group(path, run_path, group, [&](h5::Group& g) {
    for (const auto& [key, value] : attrs.items()) set_json_attr(g, key, value);
    g.set_attr("attrs_json", attrs.dump());
  });
}

}  // namespace grok
