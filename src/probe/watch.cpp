// watch.cpp — frames of `grok-probe watch` (see watch.h).
#include "grok/probe/watch.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "grok/core/task.h"
#include "grok/probe/fourier_analysis.h"
#include "grok/probe/irrep_analysis.h"
#include "grok/probe/summary.h"

namespace grok {
namespace {

// The phase the run is in at its last evaluated step.
std::string phase_reached(const Phases& ph) {
  if (ph.acc.t_grok) return "generalised";
  if (ph.cleanup.start) return "cleanup";
  if (ph.memorisation.end) return "past memorisation";
  return "memorisation";
}

std::string step_or_dash(const std::optional<int64_t>& step) { return step ? with_commas(*step) : "—"; }

}  // namespace

WatchFrame read_watch_frame(RunCheckpoints& run) {
  WatchFrame f;
  const Config& c = run.config();
  f.title = fmt::format("{}, {}", task_title(c.task, c.p), run.model().describe());
  f.status = run.reader().status();
  f.total_steps = c.steps;
  f.metrics = run.reader().metrics();
  // Metrics only: the Fourier curves need every checkpoint, which a live view cannot afford.
  const PhaseInputs in = phase_inputs(f.metrics, c, nullptr, "");
  f.phases = find_phases(in);
  f.phase_reached = phase_reached(f.phases);
  if (!run.checkpoint_steps().empty() && fourier_not_applicable(c).empty()) {
    KeyFrequencies key = find_key_frequencies(run, FourierOptions{});
    f.key_frequencies = key.frequencies;
    f.key_step = key.step;
  }
  f.group_task = is_group_task(c.task);
  if (!run.checkpoint_steps().empty() && f.group_task) {
    IrrepOptions o;
    o.stride = static_cast<int64_t>(run.checkpoint_steps().size());  // the first and the newest checkpoint only
    const IrrepResult r = analyse_irreps(run, o);
    f.key_irreps = r.key.names;
    f.key_step = r.key.step;
  }
  return f;
}

std::string sparkline(const std::vector<int64_t>& steps, const std::vector<double>& values, size_t width,
                      bool log_scale) {
  static const char* const kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (steps.empty() || values.size() != steps.size() || width == 0) return "";
  auto transform = [&](double v) { return log_scale ? std::log10(std::max(v, 1e-12)) : v; };
  const double first = std::log(static_cast<double>(std::max<int64_t>(steps.front(), 1)));
  const double last = std::log(static_cast<double>(std::max<int64_t>(steps.back(), 1)));
  std::vector<double> sampled;  // the value at the last row at or before each log-spaced step
  for (size_t i = 0; i < width; ++i) {
    const double t =
        width == 1 ? last : first + (last - first) * static_cast<double>(i) / static_cast<double>(width - 1);
    const double step = std::exp(t) + 1e-9;
    size_t r = 0;
    while (r + 1 < steps.size() && static_cast<double>(std::max<int64_t>(steps[r + 1], 1)) <= step) ++r;
    sampled.push_back(transform(values[r]));
  }
  const auto [lo, hi] = std::minmax_element(sampled.begin(), sampled.end());
  std::string out;
  for (double v : sampled) {
    const double x = *hi > *lo ? (v - *lo) / (*hi - *lo) : 0.0;
    out += kBlocks[std::min<size_t>(7, static_cast<size_t>(x * 8))];
  }
  return out;
}

std::string render_watch_frame(const WatchFrame& f, bool terminal, size_t width) {
  const RunMetrics& m = f.metrics;
  if (m.steps.empty())
    return terminal ? f.title + "\nwaiting for the first evaluated step...\n" : "no metric rows yet\n";
  const size_t last = m.steps.size() - 1;
  std::vector<std::string> key_names = f.key_irreps;
  for (int64_t k : f.key_frequencies) key_names.push_back(std::to_string(k));
  const std::string keys = key_names.empty() ? "none yet" : [&] {
    std::string s;
    for (const std::string& k : key_names) s += (s.empty() ? "" : ", ") + k;
    return "{" + s + "}";
  }();
  if (!terminal)
    return fmt::format(
        "step {} / {}  train loss {:.4g} acc {:.1f}%  test loss {:.4g} acc {:.1f}%  phase {}  keys {}  [{}]\n",
        m.steps[last], f.total_steps, m.train_loss[last], 100 * m.train_acc[last], m.test_loss[last],
        100 * m.test_acc[last], f.phase_reached, keys, f.status);
  std::string s = fmt::format("{}\nstep {} of {} — {}\n\n", f.title, with_commas(m.steps[last]),
                              with_commas(f.total_steps), f.status);
  const std::string axis =
      fmt::format("{:<{}}{:>{}}", std::max<int64_t>(m.steps.front(), 1), width / 2, m.steps[last], width - width / 2);
  s += fmt::format("  {:<16} {}   (log steps)\n", "", axis);
  auto row = [&](const char* name, const std::vector<double>& v, bool log_scale, const std::string& now) {
    s += fmt::format("  {:<16} {}   {}\n", name, sparkline(m.steps, v, width, log_scale), now);
  };
  row("train loss", m.train_loss, true, fmt::format("{:.4g}", m.train_loss[last]));
  row("test loss", m.test_loss, true, fmt::format("{:.4g}", m.test_loss[last]));
  row("train accuracy", m.train_acc, false, fmt::format("{:.1f}%", 100 * m.train_acc[last]));
  row("test accuracy", m.test_acc, false, fmt::format("{:.1f}%", 100 * m.test_acc[last]));
  row("weight norm", m.total_norm(), false, fmt::format("{:.4g}", m.total_norm()[last]));
  const Phases& ph = f.phases;
  s += fmt::format("\n  phase reached    {}   (memorised {}, cleanup from {}, t_grok {})\n", f.phase_reached,
                   step_or_dash(ph.t_train_fitted), step_or_dash(ph.cleanup.start), step_or_dash(ph.acc.t_grok));
  s += fmt::format("  {:<16} {}{}\n", f.group_task ? "key irreps" : "key frequencies", keys,
                   f.key_step ? fmt::format("   (at the checkpoint of step {})", with_commas(*f.key_step)) : "");
  return s;
}

}  // namespace grok
