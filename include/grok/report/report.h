// report.h — grok-probe's self-contained HTML report (Vega-Lite plots inlined, opens offline).
#pragma once

#include <string>

#include "grok/probe/run_checkpoints.h"

namespace grok {

struct ReportOptions {
  std::string assets_dir;   // holds vega/, vega-lite/, vega-embed/ (npm packages); see default_report_assets()
  int64_t max_checkpoints = 60;  // Fourier curves on at most this many checkpoints (evenly strided)
  int64_t max_probe_checkpoints = 12;
  double tau = 0.85;
};

// data/report/node_modules of the source tree, or $GROK_REPORT_ASSETS.
std::string default_report_assets();

// Analyses the run and returns the whole HTML page. Throws InputError when
// the plotting libraries are missing.
std::string render_report(RunCheckpoints& run, const std::string& run_path, const ReportOptions& options);

}  // namespace grok
