// fuzz_probe_file.cpp — hostile bytes as an existing RUN.probe.h5. grok-probe reads a probe file
// only to keep its other groups when it replaces one (write_probe_attrs / write_probe_table build
// PATH.tmp, copy the old file's groups over, rename): that must either succeed, leaving a probe
// file that reads back with the new group, or fail with one line and leave the old file as it was.
// See fuzz_common.h for what counts as handled.
#include <ATen/ATen.h>

#include <cstdint>

#include "fuzz_common.h"
#include "grok/h5/h5.h"
#include "grok/probe/probe_file.h"
#include "grok/sweep/sweep_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = grok::fuzz::write_temp("run.probe.h5", data, size);
  const std::string before(reinterpret_cast<const char*>(data), size);
  bool written = false;
  grok::fuzz::expect_handled([&] {
    grok::file_format(path);
    grok::write_probe_attrs(path, "run.h5", "phases", {{"t_grok", 880}, {"story", "fuzzed"}});
    grok::CurveTable t;
    t.group = "norms";
    t.steps = {0, 10};
    t.curves.push_back({"total_norm", at::tensor({1.0, 2.0}, at::kDouble), "||theta||", {}});
    grok::write_probe_table(path, "run.h5", t);
    written = true;
  });
  if (written) {
    try {
      grok::h5::File f = grok::h5::File::open(path, grok::h5::Mode::ReadOnly);
      grok::h5::Group root = f.root();
      if (root.attr_string("format") != "grokscope.probe" || !root.exists("phases") || !root.exists("norms"))
        grok::fuzz::fail("the rewritten probe file lacks its format or the new groups");
    } catch (const std::exception& e) {
      grok::fuzz::fail(std::string("the rewritten probe file does not read back: ") + e.what());
    }
    grok::fuzz::check_no_open_hdf5_ids();
  } else if (grok::fuzz::read_all(path) != before) {
    grok::fuzz::fail("a failed probe-file write changed the old file");
  }
  return 0;
}
