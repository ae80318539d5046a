// probe_file.h — grok-probe's HDF5 output, next to the run file (docs/probe-file.md).
//
// The run file is only ever read: analyses go to their own file, so no crash
// of grok-probe can damage training data. Each analysis (fourier, norms,
// probes, phases) is one group; writing a group builds a new file with the
// other groups copied over and renames it into place, so the probe file is
// always either the old one or the new one.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "grok/probe/curve_table.h"

namespace grok {

inline constexpr int64_t kProbeSchemaVersion = 1;

// runs/x.h5 -> runs/x.probe.h5
std::string default_probe_path(const std::string& run_path);

// Replaces group `table.group` in the probe file at `path` (created if missing).
void write_probe_table(const std::string& path, const std::string& run_path, const CurveTable& table);

// Replaces group `group` with attributes only (e.g. the phases and the story).
void write_probe_attrs(const std::string& path, const std::string& run_path, const std::string& group,
                       const nlohmann::ordered_json& attrs);

}  // namespace grok
