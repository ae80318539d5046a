// assets.h — the files the report inlines, compiled into the binary at build time
// (grok_embed in CMakeLists.txt), so an installed or moved grok-probe writes reports
// without the source tree: the plotting bundles from npm (pinned by
// data/report/package-lock.json) and the page's own CSS and scripts (data/report/).
#pragma once

#include <string_view>

namespace grok {

struct ReportAssets {
  std::string_view vega, vega_lite, vega_embed;  // UMD bundles, loaded in this order
  std::string_view css;                          // data/report/page.css
  std::string_view capture_errors;               // data/report/capture-errors.js (runs first)
  std::string_view render_charts;                // data/report/render-charts.js (runs last)
};

const ReportAssets& report_assets();

}  // namespace grok
