// presets.h — named, documented configurations (data/presets/*.ini, compiled in).
#pragma once

#include <string>
#include <vector>

#include "grok/core/config.h"

namespace grok {

struct Preset {
  std::string name;
  std::string description;  // the INI file's first comment line
  std::string ini;          // the INI text itself
};

// The presets embedded at build time, sorted by name.
const std::vector<Preset>& presets();
// The preset grok-train uses when --preset is not given.
inline const char* kDefaultPreset = "demo";
// Defaults overlaid with the preset's values. Throws InputError if unknown.
Config load_preset(const std::string& name);

}  // namespace grok
