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

std::string render_page(const PageContent& c) {
  const ReportAssets& assets = report_assets();
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    << "<title>grokscope report: " << html_escape(c.title) << "</title>\n"
    << (c.reload_after_s > 0 ? "<meta http-equiv=\"refresh\" content=\"" + std::to_string(c.reload_after_s) + "\">\n"
                             : "")
    << "<style>\n"
    << assets.css << "</style>\n";
  h << "<script>" << script_safe(std::string(assets.capture_errors)) << "</script>\n";
  for (std::string_view lib : {assets.vega, assets.vega_lite, assets.vega_embed})
    h << "<script>" << script_safe(std::string(lib)) << "</script>\n";
  h << "</head><body>\n<h1>grokscope report — " << html_escape(c.title) << "</h1>\n";
  h << "<p>" << html_escape(c.run_line) << " — <b>" << html_escape(c.verdict) << "</b></p>\n";
  h << "<p class=\"story" << (c.grokked ? " grokked" : "") << "\" id=\"story\">" << html_escape(c.story) << "</p>\n";
  h << "<table id=\"phases\"><tr><th>phase</th><th>from</th><th>to</th></tr>";
  for (const auto& row : c.phase_rows) {
    h << "<tr>";
    for (const std::string& cell : row) h << "<td>" << html_escape(cell) << "</td>";
    h << "</tr>";
  }
  h << "<tr><td>key frequencies</td><td colspan=\"2\">" << html_escape(c.key_frequencies) << "</td></tr></table>\n";
  h << "<table id=\"milestones\"><tr><th>accuracy milestone</th><th>step</th></tr>";
  for (const auto& [name, step] : c.milestone_rows) h << "<tr><td>" << name << "</td><td>" << step << "</td></tr>";
  h << "</table>\n";
  h << "<div id=\"errors\"></div>\n<div class=\"charts\">\n";
  for (const Chart& chart : c.charts) h << "<div class=\"chart\" id=\"chart-" << chart.id << "\"></div>\n";
  h << "</div>\n<h2>How this was made</h2>\n<p>" << html_escape(c.method_note) << "</p>\n"
    << "<details><summary>Run config</summary><pre>" << html_escape(c.config_json) << "</pre></details>\n"
    << "<details><summary>Evidence</summary><pre>" << html_escape(c.evidence_json) << "</pre></details>\n";
  nlohmann::ordered_json specs = nlohmann::ordered_json::object();
  for (const Chart& chart : c.charts) specs[chart.id] = chart.spec;
  h << "<script>window.grokCharts = " << script_safe(specs.dump()) << ";</script>\n"
    << "<script>" << script_safe(std::string(assets.render_charts)) << "</script>\n</body></html>\n";
  return h.str();
}

}  // namespace grok
