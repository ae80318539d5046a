// page.cpp — assembles the report's HTML (see page.h).
#include "grok/report/page.h"

#include <sstream>

#include "grok/report/assets.h"

namespace grok {

std::string script_safe(std::string s) {
  for (size_t pos = 0; (pos = s.find("</script", pos)) != std::string::npos; pos += 3) s.replace(pos, 2, "<\\/");
  return s;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

namespace {

// <head> with the CSS and the plotting bundles inlined, and the page's first heading.
void write_head(std::ostringstream& h, const std::string& title, int64_t reload_after_s, const char* kind) {
  const ReportAssets& assets = report_assets();
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    << "<title>grokscope " << kind << ": " << html_escape(title) << "</title>\n"
    << (reload_after_s > 0 ? "<meta http-equiv=\"refresh\" content=\"" + std::to_string(reload_after_s) + "\">\n" : "")
    << "<style>\n"
    << assets.css << "</style>\n";
  h << "<script>" << script_safe(std::string(assets.capture_errors)) << "</script>\n";
  for (std::string_view lib : {assets.vega, assets.vega_lite, assets.vega_embed})
    h << "<script>" << script_safe(std::string(lib)) << "</script>\n";
  h << "</head><body>\n<h1>grokscope " << kind << " — " << html_escape(title) << "</h1>\n";
}

// The error line and one empty slot per chart (render-charts.js draws into them).
void write_chart_slots(std::ostringstream& h, const std::vector<Chart>& charts) {
  h << "<div id=\"errors\"></div>\n<div class=\"charts\">\n";
  for (const Chart& chart : charts) h << "<div class=\"chart\" id=\"chart-" << chart.id << "\"></div>\n";
  h << "</div>\n";
}

// The chart specs and the script that draws them, then the end of the page.
void write_tail(std::ostringstream& h, const std::vector<Chart>& charts) {
  nlohmann::ordered_json specs = nlohmann::ordered_json::object();
  for (const Chart& chart : charts) specs[chart.id] = chart.spec;
  h << "<script>window.grokCharts = " << script_safe(specs.dump()) << ";</script>\n"
    << "<script>" << script_safe(std::string(report_assets().render_charts)) << "</script>\n</body></html>\n";
}

void write_table(std::ostringstream& h, const HtmlTable& t) {
  h << "<table id=\"" << t.id << "\"><tr>";
  for (const std::string& name : t.header) h << "<th>" << html_escape(name) << "</th>";
  h << "</tr>\n";
  for (const auto& row : t.rows) {
    h << "<tr>";
    for (const std::string& cell : row) h << "<td>" << html_escape(cell) << "</td>";
    h << "</tr>\n";
  }
  h << "</table>\n";
}

}  // namespace

std::string render_page(const PageContent& c) {
  std::ostringstream h;
  write_head(h, c.title, c.reload_after_s, "report");
  h << "<p>" << html_escape(c.run_line) << " — <b>" << html_escape(c.verdict) << "</b></p>\n";
  h << "<p class=\"story" << (c.grokked ? " grokked" : "") << "\" id=\"story\">" << html_escape(c.story) << "</p>\n";
  h << "<table id=\"phases\"><tr><th>phase</th><th>from</th><th>to</th></tr>";
  for (const auto& row : c.phase_rows) {
    h << "<tr>";
    for (const std::string& cell : row) h << "<td>" << html_escape(cell) << "</td>";
    h << "</tr>";
  }
  h << "<tr><td>" << html_escape(c.key_label) << "</td><td colspan=\"2\">" << html_escape(c.key_frequencies)
    << "</td></tr></table>\n";
  h << "<table id=\"milestones\"><tr><th>accuracy milestone</th><th>step</th></tr>";
  for (const auto& [name, step] : c.milestone_rows) h << "<tr><td>" << name << "</td><td>" << step << "</td></tr>";
  h << "</table>\n";
  write_chart_slots(h, c.charts);
  h << "<h2>How this was made</h2>\n<p>" << html_escape(c.method_note) << "</p>\n"
    << "<details><summary>Run config</summary><pre>" << html_escape(c.config_json) << "</pre></details>\n"
    << "<details><summary>Evidence</summary><pre>" << html_escape(c.evidence_json) << "</pre></details>\n";
  write_tail(h, c.charts);
  return h.str();
}

std::string render_sweep_page(const SweepPageContent& c) {
  std::ostringstream h;
  write_head(h, c.title, 0, "sweep report");
  h << "<p>" << html_escape(c.run_line) << " — <b>" << html_escape(c.verdict) << "</b></p>\n";
  h << "<p class=\"story\" id=\"headline\">" << html_escape(c.headline) << "</p>\n";
  h << "<ul id=\"spec\">";
  for (const std::string& line : c.spec_lines) h << "<li>" << html_escape(line) << "</li>";
  h << "</ul>\n";
  write_chart_slots(h, c.charts);
  h << "<h2>Cells (median over seeds)</h2>\n";
  write_table(h, c.cells);
  h << "<h2>Rows that did not complete</h2>\n";
  if (c.incomplete.rows.empty())
    h << "<p id=\"incomplete\">None: every row completed.</p>\n";
  else
    write_table(h, c.incomplete);
  h << "<h2>How this was made</h2>\n<p>" << html_escape(c.method_note) << "</p>\n"
    << "<details><summary>Every row</summary>";
  write_table(h, c.rows);
  h << "</details>\n<details><summary>Sweep spec</summary><pre>" << html_escape(c.spec_json) << "</pre></details>\n";
  write_tail(h, c.charts);
  return h.str();
}

}  // namespace grok
