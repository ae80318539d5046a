// train_command_line.h — grok-train's command line as the tests write it: the arguments after the
// program name, parsed and resolved exactly as grok-train does.
#pragma once

#include <utility>
#include <vector>

#include "grok/core/config.h"
#include "grok/core/options.h"

namespace grok_test {

inline grok::TrainArgs parse_train_command(std::vector<const char*> argv) {
  argv.insert(argv.begin(), "grok-train");
  return grok::parse_train_args(static_cast<int>(argv.size()), argv.data());
}

// The run's Config: presets, config files and flags resolved, then validated.
inline grok::Config train_config(std::vector<const char*> argv) {
  return grok::resolve_config(parse_train_command(std::move(argv)));
}

}  // namespace grok_test
