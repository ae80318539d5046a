// test_probe_device.cpp — grok-probe's analyses with the model on another device than the CPU.
//
// RunCheckpoints(path, device) puts the models, the labels and the row indices on `device`; every
// measure must keep its tensors there (on a GPU a CPU tensor in an op is an error, and data_ptr is
// a device address) and hand back CPU results. Where a GPU is usable the analyses run on it. On a
// CPU-only LibTorch they run on its lazy device with the TorchScript backend, which executes on the
// CPU but, like a GPU, refuses a CPU tensor in most ops (a failed check that aborts the test
// binary) and has no host pointer to give (data_ptr throws): the stand-in that a CPU machine has.
// Either way every curve must match the CPU's run of the same analyses.
#include <catch2/catch.hpp>

#include <optional>
#include <set>
#include <string>

#ifdef GROK_HAVE_LAZY_TS  // tests/CMakeLists.txt: this LibTorch links its lazy TorchScript backend
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/csrc/lazy/ts_backend/ts_backend_impl.h>
#endif

#include "grok/core/presets.h"
#include "grok/probe/curve_table.h"
#include "grok/probe/fourier_analysis.h"
#include "grok/probe/irrep_analysis.h"
#include "grok/probe/representation_analysis.h"
#include "grok/probe/run_checkpoints.h"
#include "grok/probe/summary.h"
#include "grok/report/charts.h"
#include "grok/report/report.h"
#include "grok/runtime/device.h"
#include "temp_runs.h"

namespace {

// The GPU when there is one, else the lazy device (initialised once); nullopt when neither.
std::optional<c10::Device> other_device() {
  if (grok::cuda_usable()) return c10::Device(c10::kCUDA, 0);
#ifdef GROK_HAVE_LAZY_TS
  static const bool ready = [] {
    torch::lazy::InitTorchScriptBackend();
    // Each sync of the lazy device runs its traced graph once: optimising it costs more than it saves.
    torch::jit::setGraphExecutorOptimize(false);
    return true;
  }();
  if (ready) return c10::Device(c10::kLazy, 0);
#endif
  return std::nullopt;
}

// Every analysis grok-probe writes, as its tables.
std::vector<grok::CurveTable> analyse_all(grok::RunCheckpoints& run, bool irreps) {
  grok::FourierOptions fo;
  fo.key_frequencies = {1, 3};  // so the restricted loss, its null baseline and the trig fit are measured
  grok::RepresentationOptions po;
  po.symmetricity_samples = 4;  // (each sample is a forward and backward: slow on the lazy device)
  po.key_frequencies = {1, 3};
  std::vector<grok::CurveTable> tables{grok::fourier_table(grok::analyse_fourier(run, fo)),
                                       grok::representation_table(grok::analyse_representations(run, po))};
  if (irreps) tables.push_back(grok::irrep_table(grok::analyse_irreps(run, {})));
  return tables;
}

// The curves that count or threshold (clusters, key sets, argmaxes, exact float32 collapse): a
// GPU's other reduction order may tip a value that sits on a threshold, so there a difference
// is reported but does not fail. The lazy device computes with the CPU's kernels: all must match.
bool thresholded(const std::string& curve) {
  static const std::set<std::string> names{"cluster_size",
                                           "neuron_best_frequency",
                                           "fraction_clustered",
                                           "key_frequency_now",
                                           "key_set_overlap",
                                           "neuron_logit_alignment",
                                           "restricted_loss_test_current_keys",
                                           "answer_probe_accuracy",
                                           "pca_dominant_frequency",
                                           "rqi",
                                           "rqi_mod",
                                           "softmax_collapse",
                                           "zero_loss_fraction",
                                           "softmax_collapse_float64",
                                           "zero_loss_fraction_float64",
                                           "key_irrep_now"};
  return names.count(curve) > 0;
}

void check_same_curves(const std::vector<grok::CurveTable>& cpu, const std::vector<grok::CurveTable>& other,
                       bool on_gpu) {
  REQUIRE(cpu.size() == other.size());
  for (size_t t = 0; t < cpu.size(); ++t) {
    REQUIRE(cpu[t].curves.size() == other[t].curves.size());
    CHECK(cpu[t].steps == other[t].steps);
    if (on_gpu)
      CHECK_NOFAIL(cpu[t].attrs == other[t].attrs);  // found key sets and rankings: thresholds and ties
    else
      CHECK(cpu[t].attrs == other[t].attrs);  // key frequencies and irreps included
    for (size_t k = 0; k < cpu[t].curves.size(); ++k) {
      const std::string& name = cpu[t].curves[k].name;
      INFO(cpu[t].group << "/" << name);
      const at::Tensor x = cpu[t].curves[k].values, y = other[t].curves[k].values;
      REQUIRE(y.device().is_cpu());
      REQUIRE(x.sizes() == y.sizes());
      // float32 forwards on another backend round differently: the measures agree to float32's
      // last digits (a wrong index or a lost term is off by far more).
      const bool close = at::allclose(x.to(at::kDouble), y.to(at::kDouble), 1e-4, 1e-6, /*equal_nan=*/true);
      if (on_gpu && thresholded(name))
        CHECK_NOFAIL(close);
      else
        CHECK(close);
    }
  }
}

// Two charts' data rows: the same rows, their numbers within float32 rounding.
void check_same_rows(const grok::Chart& cpu, const grok::Chart& other, const std::string& data_path) {
  const nlohmann::ordered_json& x = cpu.spec.at(nlohmann::json::json_pointer(data_path));
  const nlohmann::ordered_json& y = other.spec.at(nlohmann::json::json_pointer(data_path));
  REQUIRE(x.size() == y.size());
  for (size_t i = 0; i < x.size(); ++i)
    for (const auto& [key, value] : x[i].items()) {
      INFO(cpu.id << " row " << i << " " << key);
      if (value.is_number_float())
        CHECK(y[i].at(key).get<double>() == Approx(value.get<double>()).epsilon(1e-4).margin(1e-6));
      else
        CHECK(y[i].at(key) == value);
    }
}

}  // namespace

TEST_CASE("grok-probe's analyses on a GPU (or the lazy device) match the CPU's", "[probes][device]") {
  const std::optional<c10::Device> device = other_device();
  // Debian's LibTorch has the lazy device and the GPU machine's has a GPU: one of them is always here.
  if (!device) FAIL("no GPU, and this LibTorch links no lazy TorchScript backend (tests/CMakeLists.txt)");
  INFO("device " << device->str());
  grok::Config c = grok::load_preset("demo");
  c.p = 13;
  c.d_model = 16;
  c.d_mlp = 32;
  c.steps = 40;
  c.checkpoint_every = 20;
  c.activation_log = 0;
  const std::string transformer = grok_test::train_temp_run(c, "device_probe.h5");
  grok::RunCheckpoints on_cpu(transformer), elsewhere(transformer, *device);
  CHECK(elsewhere.model().device() == *device);
  CHECK(elsewhere.labels().device() == *device);
  const bool on_gpu = device->is_cuda();
  check_same_curves(analyse_all(on_cpu, true), analyse_all(elsewhere, true), on_gpu);

  // The report reads the same analyses (summarise) and the model's anatomy (attention, PCA).
  const grok::RunSummary s = grok::summarise(elsewhere, {});
  REQUIRE(s.fourier.has_value());
  if (!on_gpu) CHECK(s.fourier->key.frequencies == grok::summarise(on_cpu, {}).fourier->key.frequencies);
  const std::optional<grok::Chart> attention_cpu = grok::attention_chart(on_cpu.model(), 40),
                                   attention = grok::attention_chart(elsewhere.model(), 40);
  REQUIRE((attention_cpu && attention));
  check_same_rows(*attention_cpu, *attention, "/data/values");
  check_same_rows(grok::pca_chart(on_cpu.model(), 40), grok::pca_chart(elsewhere.model(), 40), "/data/values");
  // The whole page on a GPU (on the lazy device its 64 gradient samples a checkpoint take minutes).
  if (on_gpu) CHECK_FALSE(grok::render_report(elsewhere, transformer, {}).empty());

  // The one-hot MLP: another forward, and operands entering additively.
  c.model = "mlp";
  c.mlp_input = "onehot";
  c.act = "quadratic";
  c.d_mlp = 24;
  const std::string mlp = grok_test::train_temp_run(c, "device_probe_mlp.h5");
  grok::RunCheckpoints mlp_cpu(mlp), mlp_elsewhere(mlp, *device);
  check_same_curves(analyse_all(mlp_cpu, false), analyse_all(mlp_elsewhere, false), on_gpu);
}
