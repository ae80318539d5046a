// report.cpp — one offline HTML page per run: the story on top, Vega-Lite charts below.
//
// Each chart is a Vega-Lite spec with its data inlined; the vega, vega-lite and
// vega-embed UMD bundles (npm, pinned in data/report/package.json) are inlined
// too, so the page needs neither a server nor a network.
#include "grok/report/report.h"

#include <fmt/core.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "grok/core/error.h"
#include "grok/model/grid.h"
#include "grok/probe/fourier_analysis.h"
#include "grok/probe/representation_analysis.h"
#include "grok/story/story.h"

namespace grok {
namespace {

using json = nlohmann::ordered_json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("report assets missing: " + path + " (run .ci/install-deps, or set GROK_REPORT_ASSETS)");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "</script" inside inlined text would end the script element early; "<\/"
// means the same inside JS strings and JSON.
std::string script_safe(std::string s) {
  for (size_t pos = 0; (pos = s.find("</script", pos)) != std::string::npos; pos += 3) s.replace(pos, 2, "<\\/");
  return s;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// Long-form rows {step, series, value} for several curves over the same steps.
json long_rows(const std::vector<int64_t>& steps, const std::vector<std::pair<std::string, std::vector<double>>>& series,
               bool positive_only) {
  json rows = json::array();
  for (const auto& [name, values] : series)
    for (size_t i = 0; i < steps.size() && i < values.size(); ++i) {
      if (!std::isfinite(values[i]) || (positive_only && values[i] <= 0)) continue;
      rows.push_back({{"step", std::max<int64_t>(steps[i], 1)}, {"series", name}, {"value", values[i]}});
    }
  return rows;
}

// Shaded phase bands and rules, as a layer to put under a curve chart.
json phase_layers(const json& phases, int64_t last_step) {
  json bands = json::array();
  auto band = [&](const char* name, const json& from, const json& to) {
    if (from.is_null() || to.is_null()) return;
    bands.push_back({{"phase", name}, {"from", std::max<int64_t>(from.get<int64_t>(), 1)}, {"to", to.get<int64_t>()}});
  };
  // A phase still under way when the run ended is drawn to the last step.
  auto until = [&](const json& end) { return end.is_null() ? json(last_step) : end; };
  band("memorisation", phases["memorisation_start"], phases["memorisation_end"]);
  band("circuit formation", phases["circuit_formation_start"], until(phases["circuit_formation_end"]));
  band("cleanup", phases["cleanup_start"], until(phases["cleanup_end"]));
  return {{"data", {{"values", bands}}},
          {"mark", {{"type", "rect"}, {"opacity", 0.12}}},
          {"encoding",
           {{"x", {{"field", "from"}, {"type", "quantitative"}}},
            {"x2", {{"field", "to"}}},
            {"color", {{"field", "phase"}, {"type", "nominal"}, {"title", "phase"},
                       {"scale", {{"domain", {"memorisation", "circuit formation", "cleanup"}},
                                  {"range", {"#e45756", "#f58518", "#54a24b"}}}}}}}}};
}

json line_chart(const std::string& title, const json& rows, const std::string& y_title, bool log_y, const json* bands,
                bool log_x = true) {
  json line = {{"data", {{"values", rows}}},
               {"mark", {{"type", "line"}, {"point", false}}},
               {"encoding",
                {{"x", {{"field", "step"}, {"type", "quantitative"}, {"title", "step (optimizer updates, log scale)"},
                        {"scale", {{"type", log_x ? "log" : "linear"}}}}},
                 {"y", {{"field", "value"}, {"type", "quantitative"}, {"title", y_title},
                        {"scale", {{"type", log_y ? "log" : "linear"}}}}},
                 {"strokeDash", {{"field", "series"}, {"type", "nominal"}, {"title", "curve"}}},
                 {"stroke", {{"field", "series"}, {"type", "nominal"}, {"title", "curve"}}},
                 {"tooltip", json::array({{{"field", "series"}}, {{"field", "step"}}, {{"field", "value"}}})}}}};
  if (!log_x) line["encoding"]["x"]["title"] = "step (optimizer updates)";
  json spec = {{"$schema", "https://vega.github.io/schema/vega-lite/v6.json"},
               {"title", title},
               {"width", 560},
               {"height", 260},
               {"resolve", {{"scale", {{"color", "independent"}}}}}};
  spec["layer"] = json::array();
  if (bands) spec["layer"].push_back(*bands);
  spec["layer"].push_back(line);
  return spec;
}

json heatmap(const std::string& title, const json& rows, const std::string& x, const std::string& x_title,
             const std::string& y, const std::string& y_title, const std::string& color_title, int width = 560) {
  return {{"$schema", "https://vega.github.io/schema/vega-lite/v6.json"},
          {"title", title},
          {"width", width},
          {"height", 260},
          {"data", {{"values", rows}}},
          {"mark", "rect"},
          {"encoding",
           {{"x", {{"field", x}, {"type", "ordinal"}, {"title", x_title}, {"axis", {{"labelOverlap", true}}}}},
            {"y", {{"field", y}, {"type", "ordinal"}, {"title", y_title}, {"axis", {{"labelOverlap", true}}},
                   {"sort", "descending"}}},
            {"color", {{"field", "value"}, {"type", "quantitative"}, {"title", color_title},
                       {"scale", {{"scheme", "viridis"}}}}},
            {"tooltip", json::array({{{"field", x}}, {{"field", y}}, {{"field", "value"}}})}}}};
}


}  // namespace

std::string default_report_assets() {
  if (const char* env = std::getenv("GROK_REPORT_ASSETS")) return env;
  return GROK_SOURCE_DIR "/data/report/node_modules";
}

std::string render_report(RunCheckpoints& run, const std::string& run_path, const ReportOptions& o) {
  // Read the libraries first: a missing install fails before any analysis.
  const std::string vega = read_file(o.assets_dir + "/vega/build/vega.min.js");
  const std::string vega_lite = read_file(o.assets_dir + "/vega-lite/build/vega-lite.min.js");
  const std::string vega_embed = read_file(o.assets_dir + "/vega-embed/build/vega-embed.min.js");

  const Config& c = run.config();
  const RunReader& r = run.reader();
  const size_t n_ckpt = run.checkpoint_steps().size();
  if (n_ckpt == 0) throw InputError("the run has no checkpoints to report on");
  const std::string fourier_note = fourier_not_applicable(c);
  std::optional<ProbeTable> fourier;
  if (fourier_note.empty()) {
    FourierOptions fo;
    fo.tau = o.tau;
    fo.stride = static_cast<int64_t>(std::max<size_t>(1, (n_ckpt + o.max_checkpoints - 1) / o.max_checkpoints));
    fourier = analyse_fourier(run, fo);
  }
  ProbeOptions po;
  if (fourier) po.key_frequencies = fourier->attrs["key_frequencies"].get<std::vector<int64_t>>();
  po.stride = static_cast<int64_t>(std::max<size_t>(1, (n_ckpt + o.max_probe_checkpoints - 1) / o.max_probe_checkpoints));
  ProbeTable probes = analyse_probes(run, po);

  // Phases and story.
  PhaseInputs in = phase_inputs(r, c.p, fourier ? &*fourier : nullptr, fourier_note);
  json phases = phases_json(in, find_phases(in));
  const int64_t last = in.steps.empty() ? 1 : in.steps.back();
  json bands = phase_layers(phases, last);

  std::vector<std::pair<std::string, json>> charts;  // id, spec
  charts.push_back({"loss", line_chart("Loss", long_rows(in.steps, {{"train loss", r.metric("train_loss")},
                                                                   {"test loss", r.metric("test_loss")}}, true),
                                       "cross-entropy (nats, log scale)", true, &bands)});
  charts.push_back({"accuracy", line_chart("Accuracy", long_rows(in.steps, {{"train accuracy", in.train_acc},
                                                                            {"test accuracy", in.test_acc}}, false),
                                           "accuracy (fraction of pairs)", false, &bands)});
  if (fourier && fourier->attrs["projections_apply"].get<bool>()) {
    charts.push_back({"restricted", line_chart("Restricted and excluded loss (key frequencies " +
                                                   json(po.key_frequencies).dump() + ")",
                                               long_rows(fourier->steps,
                                                         {{"test loss", fourier->scalar_curve("test_loss")},
                                                          {"restricted loss (test)", in.restricted_test},
                                                          {"train loss", fourier->scalar_curve("train_loss")},
                                                          {"excluded loss (train)", in.excluded_train}},
                                                         true),
                                               "cross-entropy (nats, log scale)", true, &bands)});
  }
  std::vector<double> dist = r.metric("dist_from_init");
  charts.push_back({"norms", line_chart("Weight norm", long_rows(in.steps, {{"total weight norm ||θ||", in.total_norm},
                                                                           {"distance from init ||θ − θ₀||", dist}},
                                                                 true),
                                        "L2 norm (all parameters)", false, &bands)});
  if (fourier) {
    json spectrum = json::array(), clusters = json::array();
    at::Tensor norms = fourier->curve("embed_fourier_norm").values;  // [n, n_freq]
    for (int64_t i = 0; i < norms.size(0); ++i) {
      at::Tensor row = norms[i] / norms[i].sum().clamp_min(1e-300);
      for (int64_t k = 0; k < row.size(0); ++k)
        spectrum.push_back({{"step", fourier->steps[static_cast<size_t>(i)]}, {"frequency", k + 1},
                            {"value", row[k].item<double>()}});
    }
    charts.push_back({"spectrum", heatmap("Embedding Fourier spectrum over training", spectrum, "step",
                                          "checkpoint step", "frequency", "frequency k",
                                          "share of ||W_E||² at k")});
    at::Tensor sizes = fourier->curve("cluster_size").values;  // [n, n_freq]
    for (int64_t i = 0; i < sizes.size(0); ++i)
      for (int64_t k = 0; k < sizes.size(1); ++k)
        clusters.push_back({{"step", fourier->steps[static_cast<size_t>(i)]}, {"frequency", k + 1},
                            {"value", sizes[i][k].item<int64_t>()}});
    charts.push_back({"clusters", heatmap(fmt::format("Neuron clusters by frequency (frac_k ≥ {})", o.tau), clusters,
                                          "step", "checkpoint step", "frequency", "frequency k",
                                          "neurons in cluster")});
  }
  // Attention at the last checkpoint: weight from '=' to each key, averaged over b.
  if (c.model == "transformer") {
    run.load_checkpoint(n_ckpt - 1);
    ActivationCache cache;
    grid_logits(run.model(), &cache);
    const std::string name = "blocks." + std::to_string(c.n_layers - 1) + ".attn.hook_pattern";
    at::Tensor pattern = cache.at(name).view({c.p, c.p, c.n_heads, 3}).mean(1);  // [a, head, key]
    json rows = json::array();
    const char* keys[] = {"a", "b", "="};
    for (int64_t a = 0; a < c.p; ++a)
      for (int64_t h = 0; h < c.n_heads; ++h)
        for (int64_t k = 0; k < 3; ++k)
          rows.push_back({{"a", a}, {"key", fmt::format("head {} → {}", h, keys[k])},
                          {"value", pattern[a][h][k].item<double>()}});
    charts.push_back({"attention", heatmap(fmt::format("Attention from '=' at step {} (mean over b)",
                                                       run.checkpoint_steps().back()),
                                           rows, "a", "first operand a", "key", "head → key position",
                                           "attention weight")});
  }
  if (!po.key_frequencies.empty()) {
    charts.push_back({"probes", line_chart("Linear probes on " + probes.attrs["hook"].get<std::string>() +
                                               " (test R²)",
                                           long_rows(probes.steps, {{"cos/sin(w_k a)", probes.scalar_curve("r2_a")},
                                                                    {"cos/sin(w_k b)", probes.scalar_curve("r2_b")},
                                                                    {"cos/sin(w_k (a+b))", probes.scalar_curve("r2_sum")}},
                                                     false),
                                           "R² on test pairs (1 = perfectly linear)", false, &bands)});
  }
  {  // PCA of the final embedding: Fourier features trace circles.
    at::Tensor E = run.model().number_embedding();
    E = E - E.mean(0, true);
    auto [U, S, Vh] = at::linalg_svd(E, false);
    at::Tensor pcs = U.slice(1, 0, 4) * S.slice(0, 0, 4);  // [p, 4]
    json rows = json::array();
    for (int64_t t = 0; t < c.p; ++t)
      for (int pair = 0; pair < 2 && 2 * pair + 1 < pcs.size(1); ++pair)
        rows.push_back({{"token", t}, {"pair", fmt::format("PC{} vs PC{}", 2 * pair + 1, 2 * pair + 2)},
                        {"x", pcs[t][2 * pair].item<double>()}, {"y", pcs[t][2 * pair + 1].item<double>()}});
    json spec = {{"$schema", "https://vega.github.io/schema/vega-lite/v6.json"},
                 {"title", fmt::format("PCA of the number embedding at step {}", run.checkpoint_steps().back())},
                 {"data", {{"values", rows}}},
                 {"facet", {{"field", "pair"}, {"type", "nominal"}, {"title", nullptr}}},
                 {"resolve", {{"scale", {{"x", "independent"}, {"y", "independent"}}}}},
                 {"spec",
                  {{"width", 260},
                   {"height", 260},
                   {"mark", {{"type", "point"}, {"filled", true}}},
                   {"encoding",
                    {{"x", {{"field", "x"}, {"type", "quantitative"}, {"title", "first component (embedding units)"}}},
                     {"y", {{"field", "y"}, {"type", "quantitative"}, {"title", "second component (embedding units)"}}},
                     {"color", {{"field", "token"}, {"type", "quantitative"}, {"title", "token"},
                                {"scale", {{"scheme", "rainbow"}}}}},
                     {"tooltip", json::array({{{"field", "token"}}})}}}}}};
    charts.push_back({"pca", spec});
  }

  // The page.
  std::ostringstream h;
  const bool grokked = !phases["t_grok"].is_null();
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    << "<title>grokscope report: " << html_escape(run_path) << "</title>\n"
    << "<style>body{font-family:system-ui,sans-serif;max-width:1240px;margin:24px auto;padding:0 16px;color:#222}"
       "h1{font-size:1.5em}.story{font-size:1.08em;line-height:1.5;background:#f6f6f6;padding:12px 16px;"
       "border-left:4px solid " << (grokked ? "#54a24b" : "#e45756") << "}"
       ".charts{display:flex;flex-wrap:wrap;gap:16px}.chart{min-width:600px}table{border-collapse:collapse}"
       "td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}pre{white-space:pre-wrap;font-size:.85em}"
       "#errors{color:#b00}</style>\n";
  h << "<script>window.grokErrors=[];window.addEventListener('error',e=>{window.grokErrors.push(String(e.message));"
       "const d=document.getElementById('errors');if(d)d.textContent=window.grokErrors.join('\\n');});"
       "const _ce=console.error;console.error=(...a)=>{window.grokErrors.push(a.join(' '));_ce(...a);};</script>\n";
  for (const std::string* lib : {&vega, &vega_lite, &vega_embed}) h << "<script>" << script_safe(*lib) << "</script>\n";
  h << "</head><body>\n<h1>grokscope report — " << html_escape(run_path) << "</h1>\n";
  h << "<p>" << html_escape(fmt::format("{} mod {}, {} ({} layer{}, d_model {}, d_mlp {}), {} steps, status {}",
                                        c.task, c.p, c.model, c.n_layers, c.n_layers == 1 ? "" : "s", c.d_model,
                                        c.d_mlp, last, r.status()))
    << (grokked ? " — <b>grokked</b>" : " — <b>did not grok</b>") << "</p>\n";
  h << "<p class=\"story\" id=\"story\">" << html_escape(phases["story"].get<std::string>()) << "</p>\n";
  auto cell = [&](const char* key) { return phases[key].is_null() ? std::string("—") : phases[key].dump(); };
  h << "<table id=\"phases\"><tr><th>phase</th><th>from</th><th>to</th></tr>";
  for (const char* phase : {"memorisation", "circuit_formation", "cleanup"})
    h << "<tr><td>" << phase << "</td><td>" << cell((std::string(phase) + "_start").c_str()) << "</td><td>"
      << cell((std::string(phase) + "_end").c_str()) << "</td></tr>";
  h << "<tr><td>key frequencies</td><td colspan=\"2\">"
    << html_escape(fourier ? json(po.key_frequencies).dump() : "n/a: " + fourier_note) << "</td></tr></table>\n";
  h << "<table id=\"milestones\"><tr><th>accuracy milestone</th><th>step</th></tr>";
  for (const char* key : {"t_mem", "t_50", "t_95", "t_grok"})
    h << "<tr><td>" << key << "</td><td>" << cell(key) << "</td></tr>";
  h << "</table>\n";
  h << "<div id=\"errors\"></div>\n<div class=\"charts\">\n";
  for (const auto& [id, spec] : charts) h << "<div class=\"chart\" id=\"chart-" << id << "\"></div>\n";
  h << "</div>\n<h2>How this was made</h2>\n<p>Definitions: grokscope docs/probe-file.md (phases, restricted and "
       "excluded loss, key frequencies with tau = "
    << o.tau << ", probes) and docs/run-file.md. Steps are optimizer updates; losses are natural-log "
                "cross-entropy in nats computed in float64. Fourier curves on "
    << (fourier ? fourier->steps.size() : 0) << " of " << n_ckpt << " checkpoints; probes on " << probes.steps.size()
    << ".</p>\n<details><summary>Run config</summary><pre>" << html_escape(to_json(c).dump(2)) << "</pre></details>\n"
    << "<details><summary>Evidence</summary><pre>" << html_escape(phases["evidence"].dump(2)) << "</pre></details>\n";
  h << "<script>\nconst charts = " << script_safe([&] {
    json all = json::object();
    for (const auto& [id, spec] : charts) all[id] = spec;
    return all.dump();
  }()) << ";\n"
    << "Promise.all(Object.entries(charts).map(([id, spec]) => vegaEmbed('#chart-' + id, spec, {renderer: 'svg', "
       "actions: false})))\n"
       "  .then(() => document.body.setAttribute('data-rendered', Object.keys(charts).length))\n"
       "  .catch(e => window.grokErrors.push(String(e)))\n"
       "  .finally(() => { document.getElementById('errors').textContent = window.grokErrors.join('\\n'); });\n"
       "</script>\n</body></html>\n";
  return h.str();
}

}  // namespace grok
