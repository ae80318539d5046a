// fuzz_sweep_file.cpp — hostile bytes as a sweep's sweep.h5, read the way `grok-probe sweep` and
// `grok-probe report DIR/sweep.h5` read one: read_sweep_file, the view (Liu et al.'s phases,
// cells, medians over seeds), its tables, JSON and headline, and the sweep report page.
// See fuzz_common.h for what counts as handled.
#include <cstdint>

#include "fuzz_common.h"
#include "grok/report/sweep_report.h"
#include "grok/sweep/sweep_file.h"
#include "grok/sweep/sweep_view.h"

namespace {

void view_it(const std::string& path) {
  grok::file_format(path);
  const grok::Sweep sweep = grok::read_sweep_file(path);
  const grok::PhaseRule rule;
  const grok::SweepView view = grok::view_sweep(sweep, grok::recorded_phase_steps(sweep), rule);
  const grok::DiagramAxes axes = grok::diagram_axes(view, "", "");
  grok::sweep_view_json(sweep, view, axes).dump();
  grok::describe_spec(sweep);
  grok::rows_table(view);
  grok::incomplete_table(view);
  grok::cells_table(view);
  grok::phase_grids(view, axes);
  grok::headline(view);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = grok::fuzz::write_temp("sweep.h5", data, size);
  grok::fuzz::expect_handled([&] { view_it(path); });
  grok::fuzz::expect_handled([&] { grok::render_sweep_report(path, {}); });
  return 0;
}
