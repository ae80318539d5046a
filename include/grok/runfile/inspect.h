// inspect.h — what a run file holds, in human terms, read from attributes and step axes only.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "grok/runfile/run_file.h"

namespace grok {

// Task, model, steps trained, checkpoint steps, hook points recorded, whether
// it grokked. Reads no weights or activations, so it is fast on any file size.
nlohmann::ordered_json inspect_run(const RunReader& reader, const std::string& path);
std::string format_inspection(const nlohmann::ordered_json& facts);

}  // namespace grok
