// fuzz_run_file.cpp — hostile bytes as a run file, read the way grok-probe and grok-train --resume
// read one: RunReader (open, schema, config, task, split, metrics, resume slots), `inspect`,
// RunCheckpoints (the model at the first and last checkpoint), the norms and the summary pipeline
// (Fourier analysis, phases, story). See fuzz_common.h for what counts as handled.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstdint>

#include "fuzz_common.h"
#include "grok/probe/norms.h"
#include "grok/probe/run_checkpoints.h"
#include "grok/probe/summary.h"
#include "grok/runfile/inspect.h"
#include "grok/runfile/run_file.h"
#include "grok/sweep/sweep_file.h"

namespace {

// grok-probe inspect, and what grok-train --resume reads before it trains.
void read_everything(const std::string& path) {
  grok::file_format(path);  // grok-probe asks this first, of any file
  grok::RunReader r(path);
  r.status();
  r.labels();
  r.split();
  r.train_labels();
  grok::norms_table(grok::analyse_norms(r.metrics()));
  grok::format_inspection(grok::inspect_run(r, path));
  grok::validate(r.config());
  r.resume_state();
}

// grok-probe summary: the model at checkpoints, the Fourier analysis, the phases and the story.
void probe_it(const std::string& path) {
  grok::RunCheckpoints run(path);
  const size_t n = run.checkpoint_steps().size();
  if (n > 0) {
    run.load_checkpoint(0);
    run.load_checkpoint(n - 1);
  }
  grok::summary_json(grok::summarise(run, {}));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  at::set_num_threads(1);  // one input at a time, single-threaded ops (as grok-probe's workers)
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = grok::fuzz::write_temp("run.h5", data, size);
  grok::fuzz::expect_handled([&] { read_everything(path); });
  grok::fuzz::expect_handled([&] { probe_it(path); });
  return 0;
}
