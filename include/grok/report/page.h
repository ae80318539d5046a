// page.h — the report's HTML page: header, story, phase table, chart slots, notes.
//
// Everything is inlined (CSS, the plotting bundles, the chart specs), so the
// one file opens offline in any browser.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "grok/report/charts.h"

namespace grok {

struct PageContent {
  std::string title;     // usually the run file's path
  std::string run_line;  // task, model, steps, status
  bool grokked = false;
  std::string verdict;  // "grokked", "did not grok", ...
  std::string story;
  std::vector<std::vector<std::string>> phase_rows;                 // phase, from, to ("—" where absent)
  std::vector<std::pair<std::string, std::string>> milestone_rows;  // milestone, step
  std::string key_frequencies;                                      // "[7, 11, 54]" or "n/a: why"
  std::vector<Chart> charts;
  std::string method_note;  // how the numbers were made
  std::string config_json, evidence_json;
  int64_t reload_after_s = 0;  // > 0: <meta http-equiv="refresh">, for a page that follows a live run
};

std::string render_page(const PageContent& content);

// "</script" inside inlined text would end the script element early; "<\/"
// means the same inside JS strings and JSON.
std::string script_safe(std::string text);
std::string html_escape(const std::string& text);

}  // namespace grok
