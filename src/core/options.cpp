// options.cpp — command line and INI parsing for grok-train, generated from visit_fields().
#include "grok/core/options.h"

#include <fmt/core.h>
#include <boost/program_options.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "grok/core/error.h"
#include "grok/core/presets.h"
#include "grok/core/task.h"

namespace po = boost::program_options;

namespace grok {
namespace {

// Option name -> typed value, one per Config field, grouped by section.
std::vector<po::options_description> config_sections() {
  std::vector<po::options_description> sections;
  std::string current;
  Config defaults;
  visit_fields(defaults, [&](const char* section, const char* name, auto& field, const char* help) {
    using T = std::decay_t<decltype(field)>;
    if (sections.empty() || current != section) {
      sections.emplace_back(section, 100, 50);
      current = section;
    }
    std::string text = help;
    sections.back().add_options()(flag_name(name).c_str(), po::value<T>()->value_name("arg"), text.c_str());
  });
  return sections;
}

po::options_description general_options() {
  po::options_description general("General", 100, 50);
  general.add_options()("help,h", "print this help and exit")("list-presets", "list the built-in presets and exit")(
      "preset", po::value<std::string>()->value_name("NAME"),
      (std::string("start from this preset (default: ") + kDefaultPreset + ")").c_str())(
      "out,o", po::value<std::string>()->value_name("FILE.h5"), "run file to write (default: runs/PRESET.h5)")(
      "config", po::value<std::string>()->value_name("FILE.ini"), "read options from an INI file (key = value)")(
      "resume", po::value<std::string>()->value_name("FILE.h5|DIR"),
      "continue this run file from its last checkpoint (--steps may raise the target); also after the "
      "writer was killed. A directory of --seeds: its unfinished members, at once again")(
      "recover", po::value<std::string>()->value_name("FILE.h5"),
      "make a run file whose writer was killed readable by every HDF5 reader, and exit")(
      "seeds", po::value<std::string>()->value_name("LIST"),
      "train one model per seed (e.g. 0-63 or 0,4,7) at once, as one batched model; --out names the "
      "directory of their run files seed-N.h5 (default runs/PRESET-seeds), each bit-identical to that "
      "seed's run alone")("force", "overwrite an existing output file")(
      "verbose,v", "print BLAS, threads and the resolved config at start-up")(
      "quiet,q", "print only errors and the final summary");
  return general;
}

po::options_description all_options() {
  po::options_description all;
  all.add(general_options());
  for (const auto& s : config_sections()) all.add(s);
  return all;
}

// Copies the Config fields present in `vm` into a JSON object, typed.
nlohmann::json overrides_from(const po::variables_map& vm) {
  nlohmann::json j = nlohmann::json::object();
  Config defaults;
  visit_fields(defaults, [&](const char*, const char* name, auto& field, const char*) {
    using T = std::decay_t<decltype(field)>;
    if (vm.count(flag_name(name))) j[name] = vm[flag_name(name)].as<T>();
  });
  return j;
}

// Boost wants option names as registered ("frac-train"); accept "frac_train" too.
std::string normalise_ini(const std::string& text) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    auto hash = line.find('#');
    if (eq != std::string::npos && (hash == std::string::npos || eq < hash))
      std::replace(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(eq), '_', '-');
    out << line << '\n';
  }
  return out.str();
}

template <class F>
auto translate_errors(F&& f, const std::string& origin) {
  try {
    return f();
  } catch (const po::error& e) {
    throw InputError(origin + option_error_message(e));
  }
}

// A copy of an option error whose substituted values (the option as typed, the bad value) hold
// '%' as kPercentStandIn: Boost 1.74's what() replaces each placeholder "%name%" until none is
// left, so a value that contains its own placeholder ("--%canonical_option%", "--steps %value%")
// never stops being replaced. Found by fuzzing (tests/fuzz/crashes/config). E is the most derived
// class that formats its own message (ambiguous_option lists the alternatives).
template <class E>
class PercentFree : public E {
 public:
  static constexpr char kPercentStandIn = '\x1f';

  explicit PercentFree(const E& e) : E(e) {
    for (auto& [placeholder, value] : this->m_substitutions)
      std::replace(value.begin(), value.end(), '%', kPercentStandIn);
  }

  std::string message() const {
    std::string text = this->what();
    std::replace(text.begin(), text.end(), kPercentStandIn, '%');
    return text;
  }
};

}  // namespace

std::string option_error_message(const po::error& e) {
  if (const auto* ambiguous = dynamic_cast<const po::ambiguous_option*>(&e))
    return PercentFree<po::ambiguous_option>(*ambiguous).message();
  if (const auto* named = dynamic_cast<const po::error_with_option_name*>(&e))
    return PercentFree<po::error_with_option_name>(*named).message();
  return e.what();
}

std::string flag_name(std::string field) {
  std::replace(field.begin(), field.end(), '_', '-');
  return field;
}

nlohmann::json parse_ini(const std::string& text, const std::string& origin) {
  po::options_description fields;
  for (const auto& s : config_sections()) fields.add(s);
  return translate_errors(
      [&] {
        std::istringstream in(normalise_ini(text));
        po::variables_map vm;
        po::store(po::parse_config_file(in, fields, false), vm);
        return overrides_from(vm);
      },
      origin + ": ");
}

TrainArgs parse_train_args(int argc, const char* const argv[]) {
  TrainArgs args;
  for (int i = 0; i < argc; ++i) args.command_line += (i ? " " : "") + std::string(argv[i]);
  po::variables_map vm;
  translate_errors(
      [&] {
        po::store(po::command_line_parser(argc, argv).options(all_options()).run(), vm);
        return 0;
      },
      "");
  if (vm.count("help")) args.action = TrainArgs::Action::Help;
  if (vm.count("list-presets")) args.action = TrainArgs::Action::ListPresets;
  if (vm.count("preset")) args.preset = vm["preset"].as<std::string>();
  if (vm.count("out")) args.out = vm["out"].as<std::string>();
  if (vm.count("resume")) args.resume = vm["resume"].as<std::string>();
  if (vm.count("seeds")) args.seeds = parse_seed_list(vm["seeds"].as<std::string>());
  if (vm.count("recover")) {
    args.action = TrainArgs::Action::Recover;
    args.recover = vm["recover"].as<std::string>();
  }
  args.force = vm.count("force") > 0;
  args.verbose = vm.count("verbose") > 0;
  args.quiet = vm.count("quiet") > 0;
  args.overrides = overrides_from(vm);
  if (vm.count("config")) {
    const std::string path = vm["config"].as<std::string>();
    std::ifstream file(path);
    if (!file) throw InputError(fmt::format("cannot read config file {}", path));
    std::stringstream text;
    text << file.rdbuf();
    // The command line wins over the file.
    nlohmann::json from_file = parse_ini(text.str(), path);
    for (const auto& [key, value] : from_file.items())
      if (!args.overrides.contains(key)) args.overrides[key] = value;
  }
  if (!args.resume.empty() && vm.count("preset"))
    throw InputError("--resume continues a run with its own config; drop --preset");
  if (!args.seeds.empty() && !args.resume.empty())
    throw InputError("--resume continues a run file, or an ensemble's directory with its own seeds; drop --seeds");
  if (!args.seeds.empty() && args.overrides.contains("seed")) throw InputError("--seed and --seeds: give one of them");
  if (!args.seeds.empty() && args.out.size() > 3 && args.out.substr(args.out.size() - 3) == ".h5")
    throw InputError(
        fmt::format("--seeds writes a directory of run files (seed-N.h5); --out {} names a file", args.out));
  return args;
}

std::vector<int64_t> parse_seed_list(const std::string& spec) {
  auto seed = [](const std::string& item, const std::string& text) {
    size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (text.empty() || used != text.size() || value < 0)
      throw InputError(fmt::format("--seeds: '{}' is not a seed or a range a-b of seeds >= 0", item));
    return static_cast<int64_t>(value);
  };
  std::vector<int64_t> seeds;
  for (const std::string& item : split_list(spec)) {
    const size_t dash = item.find('-', 1);
    const int64_t lo = seed(item, item.substr(0, dash));
    const int64_t hi = dash == std::string::npos ? lo : seed(item, item.substr(dash + 1));
    if (hi < lo || hi - lo > kMaxSeedRange)
      throw InputError(fmt::format("--seeds: '{}' is not a seed or a range a-b of seeds >= 0", item));
    for (int64_t s = lo; s <= hi; ++s) seeds.push_back(s);
  }
  check_seed_list(seeds);
  return seeds;
}

void check_seed_list(const std::vector<int64_t>& seeds) {
  if (seeds.empty()) throw InputError("--seeds: no seeds");
  std::vector<int64_t> sorted = seeds;
  std::sort(sorted.begin(), sorted.end());
  if (auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end())
    throw InputError(fmt::format("--seeds: seed {} appears twice", *twice));
}

Config resolve_config(const TrainArgs& args) {
  Config c = config_from_json(args.overrides, load_preset(args.preset.empty() ? kDefaultPreset : args.preset));
  c = with_group_order(c, args.overrides.contains("p"));
  validate(c);
  return c;
}

std::string train_help() {
  std::ostringstream s;
  s << "grok-train — train a model on an algorithmic task and record it to an HDF5 run file.\n\n"
    << "Usage:\n"
    << "  grok-train [--preset NAME] [--out FILE.h5] [--FIELD VALUE ...]\n"
    << "  grok-train --seeds 0-63 [--preset NAME] [--out DIR] [--FIELD VALUE ...]\n"
    << "  grok-train --resume FILE.h5|DIR [--steps N]\n\n"
    << "Every config field below can also be set in an INI file given with --config\n"
    << "(one 'field = value' per line). Precedence: preset < config file < flags.\n"
    << "Exit status: 0 done, 1 runtime error (e.g. disk full), 2 bad input, 130 interrupted.\n\n"
    << general_options() << '\n';
  for (const auto& section : config_sections()) s << section << '\n';
  s << "Tasks:\n";
  for (const auto& t : task_catalog()) s << fmt::format("  {:<10} {}\n", t.name, t.formula);
  s << '\n' << presets_listing();
  return s.str();
}

std::string presets_listing() {
  std::string s = "Presets:\n";
  size_t width = 14;
  for (const auto& p : presets()) width = std::max(width, p.name.size());
  for (const auto& p : presets())
    s += fmt::format("  {:<{}} {}{}\n", p.name, width, p.description, p.name == kDefaultPreset ? " (default)" : "");
  return s;
}

}  // namespace grok
