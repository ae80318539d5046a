// report.h — grok-probe's self-contained HTML report (Vega-Lite plots inlined, opens offline).
#pragma once

#include <string>
#include <vector>

#include "grok/probe/run_checkpoints.h"
#include "grok/probe/summary.h"

namespace grok {

struct ReportOptions {
  int64_t max_checkpoints = kSummaryCheckpoints;  // Fourier curves on at most this many checkpoints
  int64_t max_probe_checkpoints = 12;             // representation probes on at most this many
  double tau = kClusterThreshold;
  int64_t key_step = -1;  // as FourierOptions (grok-probe --key-step, --keys)
  std::vector<int64_t> key_frequencies;
  int64_t reload_after_s = 0;  // > 0: the page reloads itself after this many seconds (report --watch)
};

// Runs the analyses once (summary, representations) and returns the whole HTML page.
std::string render_report(RunCheckpoints& run, const std::string& run_path, const ReportOptions& options);

}  // namespace grok
