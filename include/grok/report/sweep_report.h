// sweep_report.h — one offline HTML page for a sweep (grok-probe report DIR/sweep.h5): the phase
// diagram, t_grok against each axis with the seeds' spread, double descent over a model-size
// axis, the rows that did not complete and the spec in words (docs/sweep-views.md).
#pragma once

#include <string>

#include "grok/sweep/sweep_view.h"

namespace grok {

struct SweepReportOptions {
  PhaseRule rule;
  std::string x, y;  // phase-diagram axes (empty: the first two non-seed axes)
};

// Reads `sweep_path` (and, for the epoch-wise double descent or another --accuracy, the run
// files beside it) and returns the whole HTML page. InputError (one line) for a file that is
// not a sweep, or an unknown --x/--y.
std::string render_sweep_report(const std::string& sweep_path, const SweepReportOptions& options);

}  // namespace grok
