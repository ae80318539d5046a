// report.cpp — one offline HTML page per run: the analyses once, then the story and the charts.
#include "grok/report/report.h"

#include <fmt/core.h>

#include "grok/core/error.h"
#include "grok/core/task.h"
#include "grok/probe/representation_analysis.h"
#include "grok/report/charts.h"
#include "grok/report/page.h"

namespace grok {
namespace {

std::string step_or_dash(const std::optional<int64_t>& step) { return step ? std::to_string(*step) : "—"; }

std::vector<std::vector<std::string>> phase_rows(const Phases& ph) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, span] : {std::pair<const char*, const PhaseSpan*>{"memorisation", &ph.memorisation},
                                   {"circuit formation", &ph.circuit_formation},
                                   {"cleanup", &ph.cleanup}})
    rows.push_back({name, step_or_dash(span->start), step_or_dash(span->end)});
  return rows;
}

std::vector<std::pair<std::string, std::string>> milestone_rows(const AccuracyMilestones& m) {
  return {{"t_mem", step_or_dash(m.t_mem)},
          {"t_50", step_or_dash(m.t_50)},
          {"t_95", step_or_dash(m.t_95)},
          {"t_grok", step_or_dash(m.t_grok)}};
}

}  // namespace

std::string render_report(RunCheckpoints& run, const std::string& run_path, const ReportOptions& o) {
  const Config& c = run.config();
  const size_t n_ckpt = run.checkpoint_steps().size();
  if (n_ckpt == 0) throw InputError("the run has no checkpoints to report on");

  // The analyses, once.
  FourierOptions fo;
  fo.tau = o.tau;
  fo.key_step = o.key_step;
  fo.key_frequencies = o.key_frequencies;
  fo.stride = stride_for_at_most(n_ckpt, o.max_checkpoints);
  const RunSummary summary = summarise(run, fo);
  const std::optional<FourierResult>& fourier = summary.fourier;
  RepresentationOptions ro;
  if (fourier) ro.key_frequencies = fourier->key.frequencies;
  ro.stride = stride_for_at_most(n_ckpt, o.max_probe_checkpoints);
  const RepresentationResult representations = analyse_representations(run, ro);

  // The charts.
  const RunMetrics& m = summary.metrics;
  const int64_t last = m.steps.empty() ? 1 : m.steps.back();
  const nlohmann::ordered_json bands = phase_bands(summary.phases, last);
  std::vector<Chart> charts{loss_chart(m, bands, run.config().loss), accuracy_chart(m, bands)};
  if (fourier && fourier->projections_apply()) charts.push_back(restricted_chart(*fourier, bands));
  if (summary.irreps) {
    charts.push_back(irrep_similarity_chart(*summary.irreps, bands));
    if (!summary.irreps->key.indices.empty()) charts.push_back(irrep_losses_chart(*summary.irreps, bands));
  }
  charts.push_back(norms_chart(m, bands));
  if (fourier) {
    charts.push_back(spectrum_chart(*fourier));
    charts.push_back(clusters_chart(*fourier));
    charts.push_back(drift_chart(*fourier));
  }
  run.load_checkpoint(n_ckpt - 1);
  const int64_t final_step = run.checkpoint_steps().back();
  if (std::optional<Chart> attention = attention_chart(run.model(), final_step)) charts.push_back(*attention);
  if (!ro.key_frequencies.empty()) charts.push_back(probes_chart(representations, bands));
  if (std::optional<Chart> chart = clock_pizza_chart(representations, bands)) charts.push_back(*chart);
  if (fourier)
    if (std::optional<Chart> chart = gromov_chart(*fourier, bands)) charts.push_back(*chart);
  charts.push_back(pca_chart(run.model(), final_step));

  // The page.
  PageContent page;
  page.title = run_path;
  page.run_line = fmt::format("{}, {}, {} steps, status {}", task_title(c.task, c.p), run.model().describe(), last,
                              run.reader().status());
  const AccuracyMilestones& acc = summary.phases.acc;
  page.grokked = grokked(acc);
  page.verdict = grokked(acc) ? "grokked" : acc.t_grok ? "generalised without memorising first" : "did not grok";
  page.story = tell_story(summary.inputs, summary.phases);
  page.phase_rows = phase_rows(summary.phases);
  page.milestone_rows = milestone_rows(summary.phases.acc);
  page.key_frequencies = fourier ? nlohmann::json(fourier->key.frequencies).dump() : "n/a: " + summary.fourier_note;
  if (summary.irreps) {
    page.key_label = "key irreps";
    page.key_frequencies = nlohmann::json(summary.irreps->key.names).dump();
  }
  page.charts = std::move(charts);
  page.method_note = fmt::format(
      "Definitions: grokscope docs/probe-file.md (phases, restricted and excluded loss, key frequencies with tau = {}, "
      "probes) and docs/run-file.md. Steps are optimizer updates; losses are natural-log cross-entropy in nats "
      "computed in float64. {} curves on {} of {} checkpoints; probes on {}.",
      o.tau, summary.irreps ? "Irrep" : "Fourier",
      fourier          ? fourier->steps.size()
      : summary.irreps ? summary.irreps->steps.size()
                       : 0,
      n_ckpt, representations.steps.size());
  page.config_json = to_json(c).dump(2);
  page.reload_after_s = o.reload_after_s;
  page.evidence_json = nlohmann::ordered_json(summary.phases.evidence).dump(2);
  return render_page(page);
}

}  // namespace grok
