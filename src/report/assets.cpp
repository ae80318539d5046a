// assets.cpp — views of the files grok_embed() linked in (see assets.h).
#include "grok/report/assets.h"

// Each embedded file is SYMBOL[] .. SYMBOL_end[] in .rodata (src/CMakeLists.txt).
#define GROK_EMBEDDED(symbol) extern "C" const char symbol[], symbol##_end[];
GROK_EMBEDDED(grok_asset_vega)
GROK_EMBEDDED(grok_asset_vega_lite)
GROK_EMBEDDED(grok_asset_vega_embed)
GROK_EMBEDDED(grok_asset_page_css)
GROK_EMBEDDED(grok_asset_capture_errors)
GROK_EMBEDDED(grok_asset_render_charts)
#undef GROK_EMBEDDED

namespace grok {
namespace {

std::string_view view(const char* begin, const char* end) { return {begin, static_cast<size_t>(end - begin)}; }

}  // namespace

const ReportAssets& report_assets() {
  static const ReportAssets assets{
      view(grok_asset_vega, grok_asset_vega_end),
      view(grok_asset_vega_lite, grok_asset_vega_lite_end),
      view(grok_asset_vega_embed, grok_asset_vega_embed_end),
      view(grok_asset_page_css, grok_asset_page_css_end),
      view(grok_asset_capture_errors, grok_asset_capture_errors_end),
      view(grok_asset_render_charts, grok_asset_render_charts_end),
  };
  return assets;
}

}  // namespace grok
