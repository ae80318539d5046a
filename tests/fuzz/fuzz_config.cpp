// fuzz_config.cpp — hostile text through the configuration readers. The first byte picks which:
//   0  an INI file (--config, the presets' format): parse_ini, then the typed config, validated
//   1  grok-train's command line, one argument per line (--config FILE names a file holding
//      the text after a "\n--\n" line): parse_train_args, resolve_config
//   2  a run file's config_json: config_from_json, validate
//   3  grok-sweep's axes, one per line (--grid name=spec, or "seeds=" + --seeds spec): parse_axis,
//      parse_seeds, grid_points, random_points
// See fuzz_common.h for what counts as handled.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "grok/core/config.h"
#include "grok/core/options.h"
#include "grok/core/presets.h"
#include "grok/sweep/grid.h"

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

void ini(const std::string& text) {
  grok::Config c = grok::config_from_json(grok::parse_ini(text, "fuzz.ini"), grok::load_preset("demo"));
  grok::validate(c);
  grok::to_json(c).dump();
}

void command_line(const std::string& text) {
  const size_t split = text.find("\n--\n");
  const std::string args_text = text.substr(0, split);
  const std::string ini_text = split == std::string::npos ? "" : text.substr(split + 4);
  const std::string ini_path =
      grok::fuzz::write_temp("config.ini", reinterpret_cast<const uint8_t*>(ini_text.data()), ini_text.size());
  std::vector<std::string> args{"grok-train"};
  for (const std::string& a : lines_of(args_text)) {
    // Only the file we wrote may be read: Boost accepts any unambiguous prefix of --config.
    if (a.size() >= 3 && a.rfind("--c", 0) == 0 && std::string("--config").rfind(a.substr(0, a.find('=')), 0) == 0)
      continue;
    args.push_back(a);
  }
  args.push_back("--config");
  args.push_back(ini_path);
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  grok::TrainArgs parsed = grok::parse_train_args(static_cast<int>(argv.size()), argv.data());
  if (parsed.action == grok::TrainArgs::Action::Train && parsed.resume.empty()) grok::resolve_config(parsed);
}

void config_json(const std::string& text) {
  grok::Config c = grok::config_from_json(nlohmann::json::parse(text));
  grok::validate(c);
}

void sweep_axes(const std::string& text) {
  std::vector<grok::SweepAxis> axes;
  for (const std::string& line : lines_of(text))
    axes.push_back(line.rfind("seeds=", 0) == 0 ? grok::parse_seeds(line.substr(6)) : grok::parse_axis(line));
  for (const auto& point : grok::grid_points(axes)) grok::describe_point(point);
  for (const auto& point : grok::random_points(axes, 3, 7)) grok::describe_point(point);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      grok::fuzz::expect_handled([&] { ini(text); });
      break;
    case 1:
      grok::fuzz::expect_handled([&] { command_line(text); });
      break;
    case 2:
      grok::fuzz::expect_handled([&] { config_json(text); });
      break;
    default:
      grok::fuzz::expect_handled([&] { sweep_axes(text); });
      break;
  }
  return 0;
}
