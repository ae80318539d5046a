// summary.cpp — metrics + Fourier analysis -> phases -> story (see summary.h).
#include "grok/probe/summary.h"

#include "grok/probe/series.h"

namespace grok {

PhaseInputs phase_inputs(const RunMetrics& m, const Config& c, const FourierResult* fourier, const std::string& note,
                         const IrrepResult* irreps) {
  PhaseInputs in;
  in.p = c.p;
  in.steps = m.steps;
  in.train_acc = m.train_acc;
  in.test_acc = m.test_acc;
  if (c.loss == "ce") {
    in.test_loss = m.test_loss;
    in.train_loss = m.train_loss;  // memorisation ends when it is near zero
  } else {
    in.loss_note = "the run was trained with loss = " + c.loss +
                   ", and the loss-based boundaries read cross-entropy against chance, ln p";
  }
  in.total_norm = m.total_norm();
  in.fourier_note = note;
  if (fourier) {
    in.checkpoint_steps = fourier->steps;
    in.key_frequencies = fourier->key.frequencies;
    in.checkpoint_train_loss = series(fourier->at, &FourierCheckpoint::train_loss);
    if (fourier->projections_apply()) {
      in.restricted_test = series(fourier->at, &FourierCheckpoint::restricted_test);
      in.excluded_train = series(fourier->at, &FourierCheckpoint::excluded_train);
      if (fourier->null_draws > 0) {
        in.restricted_null_mean = series(fourier->at, &FourierCheckpoint::restricted_null_mean);
        in.restricted_null_sd = series(fourier->at, &FourierCheckpoint::restricted_null_sd);
      }
    }
  }
  if (!fourier && irreps) {
    // A group task: the key irreps stand in for the key frequencies (no null band: the
    // irreps differ in dimension, so a random set of as many is no like-for-like null).
    in.fourier_note.clear();
    in.by_irreps = true;
    in.key_irreps = irreps->key.names;
    in.checkpoint_steps = irreps->steps;
    in.checkpoint_train_loss = series(irreps->at, &IrrepCheckpoint::train_loss);
    if (!irreps->key.indices.empty()) {
      in.restricted_test = series(irreps->at, &IrrepCheckpoint::restricted_test);
      in.excluded_train = series(irreps->at, &IrrepCheckpoint::excluded_train);
    }
  }
  return in;
}

RunSummary summarise(RunCheckpoints& run, FourierOptions options) {
  RunSummary s;
  s.metrics = run.reader().metrics();
  s.fourier_note = fourier_not_applicable(run.config());
  if (options.stride == 0) options.stride = stride_for_at_most(run.checkpoint_steps().size(), kSummaryCheckpoints);
  if (s.fourier_note.empty()) s.fourier = analyse_fourier(run, options);
  if (!s.fourier && is_group_task(run.config().task)) {
    IrrepOptions io;
    io.key_step = options.key_step;
    io.stride = options.stride;
    s.irreps = analyse_irreps(run, io);
  }
  s.inputs = phase_inputs(s.metrics, run.config(), s.fourier ? &*s.fourier : nullptr, s.fourier_note,
                          s.irreps ? &*s.irreps : nullptr);
  s.phases = find_phases(s.inputs);
  return s;
}

nlohmann::ordered_json summary_json(const RunSummary& s) { return phases_json(s.inputs, s.phases); }

}  // namespace grok
