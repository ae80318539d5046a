// sweep_presets.h — named sweeps shipped with grokscope (data/sweeps/*.sweep, compiled in).
//
// A sweep preset is grok-sweep's command line written as `option = value` lines (`grid`
// may repeat; `preset` names the run preset). `grok-sweep --sweep NAME --out DIR` runs it;
// options given on the command line replace the preset's (a --grid replaces the preset's
// axis of the same name), so `--seeds 0-9` or `--steps 20000` adjust a shipped sweep.
#pragma once

#include <string>
#include <vector>

namespace grok {

struct SweepPreset {
  std::string name;
  std::string description;  // the file's first comment line
  std::string text;
};

// Sorted by name.
const std::vector<SweepPreset>& sweep_presets();

// The preset's options as command-line words ("--grid=frac_train=0.2:0.6:0.05"), less those
// `user_args` gives again. InputError (one line) for an unknown preset.
std::vector<std::string> sweep_preset_args(const std::string& name, const std::vector<std::string>& user_args);

// "fraction    Power et al.'s ..." lines for --list-sweeps.
std::string sweep_presets_listing();

}  // namespace grok
