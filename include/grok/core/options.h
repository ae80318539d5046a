// options.h — grok-train's command line and INI config files (Boost.Program_options).
//
// Precedence, lowest to highest: built-in defaults < preset < --config file <
// command-line flags. Every Config field is a flag of the same name with
// dashes (--frac-train) and an INI key with dashes or underscores.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grok/core/config.h"

namespace boost::program_options {
class error;
}

namespace grok {

struct TrainArgs {
  enum class Action { Train, Help, ListPresets, Recover };
  Action action = Action::Train;
  std::string preset;          // empty: the default preset
  std::string out;             // run file to create
  std::string resume;          // run file to continue
  std::string recover;         // run file to make readable after its writer was killed
  std::vector<int64_t> seeds;  // --seeds: one model per seed, trained at once (empty: one run)
  bool force = false;
  bool verbose = false;
  bool quiet = false;
  nlohmann::json overrides = nlohmann::json::object();  // config fields given explicitly (typed)
  std::string command_line;                             // argv joined, for the run file
};

// Parses argv (and the --config file it names). Throws InputError with a
// one-line message on unknown options, bad values or an unreadable file.
TrainArgs parse_train_args(int argc, const char* const argv[]);

// "0-63", "0,4,7", "0-3,10": the seeds, in the order given. InputError (naming --seeds) for
// a negative or non-integer seed, a reversed range, a seed given twice or an empty list.
std::vector<int64_t> parse_seed_list(const std::string& spec);
// InputError (naming --seeds) for an empty list or a seed given twice.
void check_seed_list(const std::vector<int64_t>& seeds);
// The longest range a-b parse_seed_list() accepts (b - a).
constexpr int64_t kMaxSeedRange = 100000;

// Resolves the full config of a new run: preset, then overrides; validated.
Config resolve_config(const TrainArgs& args);

// Parses INI text (key = value lines, '#' comments) into typed overrides.
nlohmann::json parse_ini(const std::string& text, const std::string& origin);

// The one-line message of a Boost.Program_options error, as its what() would give it, without
// the endless loop Boost 1.74 falls into when the option or value typed contains a placeholder
// such as "%value%". Every tool reports option errors through this.
std::string option_error_message(const boost::program_options::error& e);

// A config field's command-line spelling: "frac_train" -> "frac-train".
std::string flag_name(std::string field);

std::string train_help();
std::string presets_listing();

}  // namespace grok
