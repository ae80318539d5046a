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
  std::string key_label = "key frequencies";                        // group tasks: "key irreps"
  std::vector<Chart> charts;
  std::string method_note;  // how the numbers were made
  std::string config_json, evidence_json;
  int64_t reload_after_s = 0;  // > 0: <meta http-equiv="refresh">, for a page that follows a live run
};

std::string render_page(const PageContent& content);

// A plain table: a header row and rows of already-formatted cells (escaped when written).
struct HtmlTable {
  std::string id;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// A sweep's page: what was swept, what each cell did, the charts, what did not complete.
struct SweepPageContent {
  std::string title;                    // the sweep file's path
  std::string run_line;                 // rows and their status
  std::string verdict;                  // "18 of 18 rows complete"
  std::string headline;                 // the cells' phases in one sentence
  std::vector<std::string> spec_lines;  // the sweep's spec in words, one item each
  HtmlTable cells;                      // one row per cell: axes, seeds, median t_grok, phase
  HtmlTable incomplete;                 // rows that did not complete (empty: all did)
  HtmlTable rows;                       // every row, under a <details>
  std::vector<Chart> charts;
  std::string method_note;
  std::string spec_json;
};

std::string render_sweep_page(const SweepPageContent& content);

// "</script" inside inlined text would end the script element early; "<\/"
// means the same inside JS strings and JSON.
std::string script_safe(std::string text);
std::string html_escape(const std::string& text);

}  // namespace grok
