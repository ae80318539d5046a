// test_run_file.cpp — run files written by the trainer, read back; exact resume.
#include <zlib.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "grok/core/error.h"
#include "grok/core/presets.h"
#include "grok/model/grid.h"
#include "grok/model/mlp.h"
#include "grok/model/transformer.h"
#include "grok/runfile/run_file.h"
#include "grok/runfile/tensor_io.h"
#include "grok/train/trainer.h"
#include "temp_runs.h"

namespace fs = std::filesystem;

namespace {

using grok_test::temp_path;

// A run small enough to train in well under a second.
grok::Config tiny() {
  grok::Config c = grok::load_preset("demo");
  c.p = 17;
  c.d_model = 16;
  c.n_heads = 2;
  c.d_head = 8;
  c.d_mlp = 32;
  c.steps = 40;
  c.eval_every = 5;
  c.checkpoint_every = 10;
  c.checkpoint_log = 0;
  c.activation_log = 0;
  c.activation_every = 20;
  c.stop_after_grok = -1;
  c.threads = 1;
  return c;
}

void require_same_metrics(const grok::RunReader& a, const grok::RunReader& b) {
  REQUIRE(a.metric_steps() == b.metric_steps());
  for (const auto& name : grok::scalar_metric_names()) {
    if (name == "wall_time_s") continue;
    INFO(name);
    CHECK(a.metric(name) == b.metric(name));  // bitwise
  }
}

void require_same_checkpoints(const grok::RunReader& a, const grok::RunReader& b, const grok::Config& c) {
  REQUIRE(a.checkpoint_steps() == b.checkpoint_steps());
  grok::Transformer shapes(c);
  for (size_t i = 0; i < a.checkpoint_steps().size(); ++i)
    for (const auto& p : shapes.parameters()) {
      INFO(p.name << " at checkpoint " << i);
      CHECK(at::equal(a.checkpoint_param(i, p.name), b.checkpoint_param(i, p.name)));
    }
}

}  // namespace

TEST_CASE("training N then resuming N equals training 2N straight, bitwise", "[run][resume]") {
  grok::Config c = tiny();
  const std::string straight = temp_path("straight.h5"), split = temp_path("split.h5");
  grok::train_new(c, straight, "test");
  grok::Config half = c;
  half.steps = 20;
  grok::train_new(half, split, "test");
  grok::TrainResult r = grok::train_resume(split, {{"steps", 40}});
  CHECK(r.start_step == 20);
  CHECK(r.final_step == 40);
  grok::RunReader a(straight), b(split);
  require_same_metrics(a, b);
  require_same_checkpoints(a, b, c);
  CHECK(a.activation_steps() == b.activation_steps());
  CHECK(at::equal(a.activation(2, "logits"), b.activation(2, "logits")));
  CHECK(b.status() == "complete");
  CHECK(b.config().steps == 40);
  CHECK(a.resume_state().step == 40);
}

TEST_CASE("minibatch training is deterministic and resumes bitwise too", "[run][resume]") {
  grok::Config c = tiny();
  c.batch_size = 50;  // 116 train pairs: batches wrap across epochs
  c.optimizer = "sgd";
  c.momentum = 0.9;
  c.lr = 0.05;
  const std::string a_path = temp_path("mb_a.h5"), b_path = temp_path("mb_b.h5"), split = temp_path("mb_split.h5");
  grok::train_new(c, a_path, "test");
  grok::train_new(c, b_path, "test");
  grok::Config half = c;
  half.steps = 20;
  grok::train_new(half, split, "test");
  grok::train_resume(split, {{"steps", 40}});
  grok::RunReader a(a_path), b(b_path), r(split);
  require_same_metrics(a, b);
  require_same_metrics(a, r);
  require_same_checkpoints(a, r, c);
  // A different data seed draws different batches (and a different split).
  c.data_seed = 1;
  const std::string other = temp_path("mb_other.h5");
  grok::train_new(c, other, "test");
  CHECK(grok::RunReader(other).metric("train_loss") != a.metric("train_loss"));
}

TEST_CASE("a stop request ends the step and checkpoints, and the resumed run equals the straight one",
          "[run][resume]") {
  grok::Config c = tiny();
  const std::string straight = temp_path("straight2.h5"), stopped = temp_path("stopped.h5");
  grok::train_new(c, straight, "test");
  std::atomic<bool> stop{false};
  grok::TrainHooks hooks;
  hooks.stop = &stop;
  // Ask to stop while step 15 is evaluated: training ends at step 16, off the schedule.
  hooks.on_eval = [&](const grok::ProgressEvent& e) { stop = stop || e.step == 15; };
  grok::TrainResult r = grok::train_new(c, stopped, "test", hooks);
  CHECK(r.interrupted);
  CHECK(r.final_step == 16);
  {
    grok::RunReader reader(stopped);
    CHECK(reader.status() == "interrupted");
    CHECK(reader.checkpoint_steps().back() == 16);
    CHECK(reader.resume_state().step == 16);
    CHECK(reader.metric_steps().back() == 16);
  }
  grok::train_resume(stopped, nlohmann::json::object());
  grok::RunReader a(straight), b(stopped);
  // The interruption's off-schedule step-16 rows are gone: the resumed file equals the straight run.
  CHECK(a.metric_steps() == b.metric_steps());
  CHECK(a.metric("test_loss") == b.metric("test_loss"));
  CHECK(a.metric("dist_from_init") == b.metric("dist_from_init"));
  CHECK(a.checkpoint_steps() == b.checkpoint_steps());
  CHECK(at::equal(a.checkpoint_param(a.checkpoint_steps().size() - 1, "unembed.W_U"),
                  b.checkpoint_param(b.checkpoint_steps().size() - 1, "unembed.W_U")));
}

TEST_CASE("the run file holds config, split, labels, metrics, checkpoints and activations", "[run]") {
  grok::Config c = tiny();
  c.task = "div";
  c.hooks = "all";
  const std::string path = temp_path("contents.h5");
  grok::train_new(c, path, "grok-train --task div");
  grok::RunReader r(path);
  CHECK(r.schema_version() == grok::kSchemaVersion);
  // The file records what ran: auto settings resolved (a one-layer transformer without biases
  // in fp32 trains through the factored forward and the written-out backward).
  CHECK(grok::to_json(r.config()) == grok::to_json(grok::with_implied_settings(c)));
  CHECK(r.config().factored_forward == grok::AutoFlag(true));
  CHECK(r.config().backward == "manual");
  CHECK(r.file().root().open_group("config").attr_int("factored_forward") == 1);
  std::vector<int64_t> labels = r.labels();
  CHECK(labels[3 * 17 + 0] == -1);
  CHECK((labels[6 * 17 + 3] * 3) % 17 == 6);
  grok::Split s = r.split();
  CHECK(s.train.size() + s.test.size() == 17 * 16);
  CHECK(r.metric_steps() == std::vector<int64_t>{0, 5, 10, 15, 20, 25, 30, 35, 40});
  CHECK(r.checkpoint_steps() == std::vector<int64_t>{0, 10, 20, 30, 40});
  CHECK(r.activation_steps() == std::vector<int64_t>{0, 20, 40});
  CHECK(r.activation(1, "blocks.0.attn.hook_pattern").sizes().vec() == std::vector<int64_t>{17, 17, 2, 3});
  // dist_from_init starts at zero and grows; norms are positive.
  CHECK(r.metric("dist_from_init")[0] == 0.0);
  CHECK(r.metric("dist_from_init").back() > 0.0);
  CHECK(r.metric("total_sq_norm")[0] > 0.0);
  // The logits recorded at the last snapshot are the model's own on the grid.
  grok::Transformer m(c);
  {
    c10::NoGradGuard no_grad;
    for (auto& p : m.parameters()) p.value.copy_(r.checkpoint_param(4, p.name));
    at::Tensor logits = m.forward(grok::grid_pairs(17));
    CHECK(at::allclose(r.activation(2, "logits").reshape({17 * 17, 17}), logits, 1e-5, 1e-6));
  }
}

// The split --verbose prints: each part is where the loop spends it. A plausible slip (a part
// never accumulated, or training time counted twice) breaks one of these.
TEST_CASE("the time split covers the run: training, evaluation, checkpoints, activations, flushes", "[run]") {
  grok::Config c = tiny();
  c.hooks = "all";
  grok::TrainResult r = grok::train_new(c, temp_path("time_split.h5"), "test");
  const grok::TimeSplit& t = r.time;
  CHECK(t.training > 0);
  CHECK(t.evaluation > 0);
  CHECK(t.checkpoints > 0);
  CHECK(t.activations > 0);
  CHECK(t.flush > 0);  // the final flush at least
  CHECK(t.recording() == t.evaluation + t.checkpoints + t.activations + t.flush);
  CHECK(t.training + t.recording() <= r.seconds);
  CHECK(t.training + t.recording() > 0.5 * r.seconds);  // the loop is all there is
}

// append_tensor filters chunks on several threads (libdeflate) and stores them raw. The planted
// truth is written out here from RFC 1950 and HDF5's shuffle filter: every stored chunk must be a
// zlib stream that zlib itself (not libdeflate) inflates to byte k of every element of the chunk,
// then byte k + 1, ..., the edge chunk padded with zeros, with the header's level field of level 4
// (a wrong byte shuffle, chunk order, edge padding or level fails it). HDF5's own pipeline (rows
// appended through H5Dwrite) must read back the same rows. The item shape {2, 4500001} splits
// into 16 chunks of {2, 281251} along its last axis (the last one partial), written on 3 threads,
// in an SWMR file as runs are.
TEST_CASE("append_tensor's parallel filtering stores chunks any zlib inflates to the shuffled rows", "[run][h5]") {
  const std::string path = temp_path("parallel_chunks.h5");
  std::filesystem::remove(path);
  const int64_t width = 4500001;
  const std::vector<int64_t> item{2, width};
  grok::h5::File file = grok::h5::File::create(path, true);
  grok::h5::Group root = file.root();
  grok::h5::Dataset through_hdf5 = grok::create_rows(root, "hdf5", item, 4),
                    in_parallel = grok::create_rows(root, "ours", item, 4);
  file.start_swmr_write();
  const grok::h5::Shape chunk = in_parallel.chunk_shape();
  REQUIRE(chunk.size() == 3);
  REQUIRE(chunk[1] == 2);
  const int64_t chunk_width = static_cast<int64_t>(chunk[2]);
  const int64_t n_chunks = (width + chunk_width - 1) / chunk_width;
  REQUIRE(n_chunks == 16);
  REQUIRE(width % chunk_width != 0);
  std::vector<at::Tensor> rows;
  for (int r = 0; r < 2; ++r) {
    // Smooth values with repeats, as activations have (ReLU zeros), so deflate has work to do.
    at::Tensor row = at::arange(2 * width, at::kFloat).view({2, width}).div(1000 + r).sin().relu();
    rows.push_back(row);
    grok::append_tensor(through_hdf5, row, -1);
    grok::append_tensor(in_parallel, row, 3);
  }
  file.flush();
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < n_chunks; ++c) {
      // The chunk's floats in C order, [2, chunk_width], zeros past the item's edge, then shuffled.
      std::vector<float> floats(static_cast<size_t>(2 * chunk_width), 0.0f);
      const float* row = rows[static_cast<size_t>(r)].data_ptr<float>();
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t x = 0; x < chunk_width && c * chunk_width + x < width; ++x)
          floats[static_cast<size_t>(i * chunk_width + x)] = row[i * width + c * chunk_width + x];
      const auto* bytes = reinterpret_cast<const unsigned char*>(floats.data());
      std::vector<unsigned char> shuffled(floats.size() * 4);
      for (size_t k = 0; k < 4; ++k)
        for (size_t i = 0; i < floats.size(); ++i) shuffled[k * floats.size() + i] = bytes[i * 4 + k];

      const grok::h5::Shape at{static_cast<hsize_t>(r), 0, static_cast<hsize_t>(c * chunk_width)};
      const std::vector<unsigned char> stored = in_parallel.read_stored_chunk(at);
      REQUIRE(stored.size() > 2);
      CHECK((stored[0] & 0x0f) == 8);      // CM = 8: deflate
      CHECK(((stored[1] >> 6) & 3) == 1);  // FLEVEL = 1: "fast" (levels 2-5, as zlib writes for 4)
      std::vector<unsigned char> inflated(shuffled.size() + 1);
      uLongf size = inflated.size();
      REQUIRE(uncompress(inflated.data(), &size, stored.data(), stored.size()) == Z_OK);
      inflated.resize(size);
      CHECK(inflated == shuffled);
    }
  for (hsize_t r = 0; r < 2; ++r) {
    CHECK(at::equal(grok::read_tensor_row(in_parallel, r), rows[r]));
    CHECK(at::equal(grok::read_tensor_row(through_hdf5, r), rows[r]));
  }
}

TEST_CASE("reading something that is not a run file is an InputError", "[run]") {
  const std::string text = temp_path("not_hdf5.h5");
  std::ofstream(text) << "hello";
  CHECK_THROWS_AS(grok::RunReader(text), grok::InputError);
  CHECK_THROWS_AS(grok::RunReader(temp_path("missing.h5")), grok::InputError);
  const std::string foreign = temp_path("foreign.h5");
  { auto f = grok::h5::File::create(foreign, false); }
  CHECK_THROWS_WITH(grok::RunReader(foreign), Catch::Contains("not a grokscope run file"));
  CHECK_THROWS_AS(grok::train_resume(foreign, nlohmann::json::object()), grok::InputError);
}

TEST_CASE("resume refuses to change the recipe", "[run][resume]") {
  const std::string path = temp_path("norecipe.h5");
  grok::Config c = tiny();
  c.steps = 10;
  grok::train_new(c, path, "test");
  CHECK_THROWS_WITH(grok::train_resume(path, {{"lr", 0.5}}), Catch::Contains("only --steps"));
}

TEST_CASE("an existing output is kept unless overwrite is asked for", "[run]") {
  const std::string path = temp_path("exists.h5");
  std::ofstream(path) << "precious";
  grok::Config c = tiny();
  CHECK_THROWS_WITH(grok::train_new(c, path, "test"), Catch::Contains("exists"));
  std::ifstream in(path);
  std::string content;
  in >> content;
  CHECK(content == "precious");
  c.hooks = "no.such.hook";
  CHECK_THROWS_AS(grok::train_new(c, path, "test", {}, true), grok::InputError);
  std::ifstream again(path);
  again >> content;
  CHECK(content == "precious");  // a bad config never touches the old file
}

// ---- the double-descent options (label_noise, loss, random_features, solver)

namespace {

// A one-hot MLP on add mod 17: 101 train pairs.
grok::Config tiny_mlp() {
  grok::Config c = tiny();
  c.model = "mlp";
  c.mlp_input = "onehot";
  c.d_mlp = 64;
  c.steps = 30;
  c.activation_every = 0;
  return c;
}

// Mean cross-entropy and MSE, and argmax accuracy, written out element by element.
struct HandLoss {
  double ce = 0, mse = 0, acc = 0;
};
HandLoss hand_loss(const at::Tensor& logits_in, const std::vector<int64_t>& labels) {
  const at::Tensor logits = logits_in.to(at::kDouble).contiguous();
  const int64_t n = logits.size(0), k = logits.size(1);
  const double* x = logits.data_ptr<double>();
  HandLoss h;
  for (int64_t i = 0; i < n; ++i) {
    const double* row = x + i * k;
    const int64_t y = labels[static_cast<size_t>(i)];
    double top = row[0], sum_exp = 0;
    int64_t arg = 0;
    for (int64_t j = 0; j < k; ++j)
      if (row[j] > top) top = row[j], arg = j;
    for (int64_t j = 0; j < k; ++j) {
      sum_exp += std::exp(row[j] - top);
      const double d = row[j] - (j == y ? 1.0 : 0.0);
      h.mse += d * d;
    }
    h.ce += top + std::log(sum_exp) - row[y];
    h.acc += arg == y;
  }
  h.ce /= static_cast<double>(n);
  h.mse /= static_cast<double>(n * k);
  h.acc /= static_cast<double>(n);
  return h;
}

std::vector<int64_t> clean_labels(const grok::RunReader& r, const std::vector<int64_t>& rows) {
  std::vector<int64_t> all = r.labels(), out;
  for (int64_t i : rows) out.push_back(all[static_cast<size_t>(i)]);
  return out;
}

// The model of `c` at checkpoint `index` of `r`, evaluated on the grid rows `rows`: [n, p].
at::Tensor logits_at(const grok::Config& c, const grok::RunReader& r, size_t index, const std::vector<int64_t>& rows) {
  c10::NoGradGuard no_grad;
  auto m = grok::make_model(c);
  for (auto& p : m->parameters()) p.value.copy_(r.checkpoint_param(index, p.name));
  return m->forward(grok::pairs_of(at::tensor(rows, at::kLong), c.p));
}

bool same_param(const grok::RunReader& r, size_t i, size_t j, const std::string& name) {
  return at::equal(r.checkpoint_param(i, name), r.checkpoint_param(j, name));
}

}  // namespace

TEST_CASE("label noise: trained on /split/train_labels, train metrics use them, test metrics the clean labels",
          "[run][noise]") {
  grok::Config c = tiny_mlp();
  c.label_noise = 0.3;
  const std::string path = temp_path("noise.h5"), other_seed = temp_path("noise_seed1.h5");
  grok::train_new(c, path, "test");
  grok::RunReader r(path);
  const grok::Split s = r.split();
  const std::vector<int64_t> noisy = r.train_labels(), clean = clean_labels(r, s.train);
  REQUIRE(noisy.size() == 101);
  size_t changed = 0;
  for (size_t i = 0; i < noisy.size(); ++i) changed += noisy[i] != clean[i];
  CHECK(changed == 30);  // round(0.3 * 101) = round(30.3)
  CHECK(r.file().root().open_group("split").attr_double("label_noise") == 0.3);

  // Final step: train loss/accuracy against the noisy labels, test against the task's.
  const size_t last = r.checkpoint_steps().size() - 1;
  const HandLoss train = hand_loss(logits_at(c, r, last, s.train), noisy);
  const HandLoss train_clean = hand_loss(logits_at(c, r, last, s.train), clean);
  const HandLoss test = hand_loss(logits_at(c, r, last, s.test), clean_labels(r, s.test));
  CHECK(r.metric("train_loss").back() == Approx(train.ce).epsilon(1e-9));
  CHECK(r.metric("train_loss").back() != Approx(train_clean.ce).epsilon(1e-6));
  CHECK(r.metric("train_acc").back() == Approx(train.acc).epsilon(1e-12));
  CHECK(r.metric("test_loss").back() == Approx(test.ce).epsilon(1e-9));
  CHECK(r.metric("test_acc").back() == Approx(test.acc).epsilon(1e-12));

  // Another model seed: other initial weights, the same noisy labels.
  c.seed = 1;
  grok::train_new(c, other_seed, "test");
  grok::RunReader r1(other_seed);
  CHECK(r1.train_labels() == noisy);
  CHECK_FALSE(at::equal(r1.checkpoint_param(0, "mlp.W_in"), r.checkpoint_param(0, "mlp.W_in")));
}

TEST_CASE("without label noise /split/train_labels holds the task's labels", "[run][noise]") {
  grok::Config c = tiny_mlp();
  c.steps = 2;
  const std::string path = temp_path("no_noise.h5");
  grok::train_new(c, path, "test");
  grok::RunReader r(path);
  CHECK(r.train_labels() == clean_labels(r, r.split().train));
  CHECK(r.file().root().open_group("split").attr_double("label_noise") == 0.0);
}

// Files written before factored_forward and backward existed lack both keys; they were trained
// through the hooked forward and autograd, and must read so (a resume must not switch paths).
TEST_CASE("a run file without factored_forward and backward reads as the hooked forward and autograd", "[run]") {
  const std::string path = temp_path("before_auto.h5");
  grok::train_new(tiny(), path, "test");
  {
    grok::h5::File file = grok::h5::File::open(path, grok::h5::Mode::ReadWrite);
    nlohmann::json j = nlohmann::json::parse(file.root().attr_string("config_json"));
    REQUIRE(j.at("factored_forward") == true);  // this build's default for the tiny transformer
    j.erase("factored_forward");
    j.erase("backward");
    file.root().set_attr("config_json", j.dump());
  }
  const grok::Config c = grok::RunReader(path).config();
  CHECK(c.factored_forward == grok::AutoFlag(false));
  CHECK(c.backward == "autograd");
}

TEST_CASE("loss = mse trains on, and reports, the mean over pairs and classes of (logit - one_hot)^2", "[run][loss]") {
  grok::Config c = tiny();  // a transformer: the loss is not the MLP's alone
  c.loss = "mse";
  c.steps = 20;
  const std::string path = temp_path("mse.h5");
  grok::train_new(c, path, "test");
  grok::RunReader r(path);
  const grok::Split s = r.split();
  const size_t last = r.checkpoint_steps().size() - 1;
  const HandLoss train = hand_loss(logits_at(c, r, last, s.train), clean_labels(r, s.train));
  const HandLoss test = hand_loss(logits_at(c, r, last, s.test), clean_labels(r, s.test));
  // The train metric comes from the written-out training pass (backward = auto: manual here),
  // whose float32 logits round differently from the forward logits_at reads: 1e-6, not 1e-9
  // (a wrong mean, e.g. over pairs only, is off by a factor p).
  CHECK(r.metric("train_loss").back() == Approx(train.mse).epsilon(1e-6));
  CHECK(r.metric("test_loss").back() == Approx(test.mse).epsilon(1e-9));
  CHECK(r.metric("test_acc").back() == Approx(test.acc).epsilon(1e-12));
  CHECK(r.metric("train_loss").back() < r.metric("train_loss").front());  // it trained on it
  CHECK(r.file().root().open_dataset("metrics/train_loss").attr_string("units") == "1");
}

TEST_CASE("random_features trains only the readout, the first layer stays at its init bit for bit",
          "[run][random_features]") {
  grok::Config c = tiny_mlp();
  c.mlp_input = "embed";
  c.bias = true;
  c.random_features = true;
  c.weight_decay = 1.0;  // AdamW would shrink a frozen layer that it still decayed
  c.lr = 1e-2;
  const std::string path = temp_path("rf.h5");
  grok::train_new(c, path, "test");
  grok::RunReader r(path);
  const size_t last = r.checkpoint_steps().size() - 1;
  REQUIRE(r.checkpoint_steps().back() == 30);
  grok::Mlp init(c);  // theta_0 drawn independently from the model seed
  for (const auto& p : init.parameters()) {
    INFO(p.name);
    CHECK(at::equal(r.checkpoint_param(0, p.name), p.value.detach()));
  }
  for (const char* frozen : {"embed.W_E", "mlp.W_in", "mlp.b_in"}) {
    INFO(frozen);
    CHECK(same_param(r, 0, last, frozen));
  }
  for (const char* trained : {"unembed.W_U", "unembed.b_U"}) {
    INFO(trained);
    CHECK_FALSE(same_param(r, 0, last, trained));
  }
  // The checkpoints hold every parameter (the file looks like any MLP run); the optimizer only the readout's.
  grok::ResumeState state = r.resume_state();
  CHECK(state.params.size() == 5);
  REQUIRE(state.optimizer.size() == 4);  // exp_avg, exp_avg_sq of W_U and b_U
  for (const auto& t : state.optimizer) CHECK(t.name.rfind("unembed.", 0) == 0);
}

TEST_CASE("random_features: training N then resuming N equals training 2N straight", "[run][random_features]") {
  grok::Config c = tiny_mlp();
  c.random_features = true;
  c.steps = 20;
  const std::string straight = temp_path("rf_straight.h5"), split = temp_path("rf_split.h5");
  grok::train_new(c, straight, "test");
  grok::Config half = c;
  half.steps = 10;
  grok::train_new(half, split, "test");
  grok::train_resume(split, {{"steps", 20}});
  grok::RunReader a(straight), b(split);
  require_same_metrics(a, b);
  REQUIRE(a.checkpoint_steps() == b.checkpoint_steps());
  CHECK(at::equal(a.checkpoint_param(2, "unembed.W_U"), b.checkpoint_param(2, "unembed.W_U")));
}

TEST_CASE("min_norm with d_mlp >= n_train interpolates the (noisy) train labels in one step", "[run][min_norm]") {
  grok::Config c = tiny_mlp();
  c.p = 11;
  c.frac_train = 0.5;  // 61 train pairs
  c.d_mlp = 128;
  c.bias = true;
  c.label_noise = 0.2;
  c.random_features = true;
  c.loss = "mse";
  c.solver = "min_norm";
  c.weight_decay = 0.0;
  c.steps = 100;  // min_norm is one step whatever is asked
  const std::string path = temp_path("min_norm.h5");
  grok::TrainResult result = grok::train_new(c, path, "test");
  CHECK(result.final_step == 1);
  grok::RunReader r(path);
  REQUIRE(r.split().train.size() == 61);
  CHECK(r.config().steps == 1);
  CHECK(r.metric_steps() == std::vector<int64_t>{0, 1});
  CHECK(r.checkpoint_steps() == std::vector<int64_t>{0, 1});
  CHECK(r.activation_steps() == std::vector<int64_t>{0, 1});
  // A planted truth: more features than pairs, so the readout can fit any labels exactly.
  CHECK(r.metric("train_loss")[0] > 0.01);
  CHECK(r.metric("train_loss")[1] < 1e-10);
  CHECK(r.metric("train_acc")[1] == 1.0);  // against the noisy labels it was fitted to
  const HandLoss fitted = hand_loss(logits_at(c, r, 1, r.split().train), r.train_labels());
  CHECK(fitted.mse < 1e-10);
  CHECK(fitted.acc == 1.0);
  CHECK(same_param(r, 0, 1, "mlp.W_in"));
  CHECK(same_param(r, 0, 1, "mlp.b_in"));
  CHECK_FALSE(same_param(r, 0, 1, "unembed.W_U"));
  CHECK_FALSE(same_param(r, 0, 1, "unembed.b_U"));
}

TEST_CASE("a min_norm run stopped at step 0 resumes to the straight run's solution", "[run][min_norm][resume]") {
  grok::Config c = tiny_mlp();
  c.random_features = true;
  c.loss = "mse";
  c.solver = "min_norm";
  c.weight_decay = 0.1;  // ridge
  const std::string straight = temp_path("mn_straight.h5"), stopped = temp_path("mn_stopped.h5");
  grok::train_new(c, straight, "test");
  std::atomic<bool> stop{true};
  grok::TrainHooks hooks;
  hooks.stop = &stop;
  grok::TrainResult r0 = grok::train_new(c, stopped, "test", hooks);
  CHECK(r0.interrupted);
  CHECK(r0.final_step == 0);
  grok::TrainResult r1 = grok::train_resume(stopped, nlohmann::json::object());
  CHECK(r1.final_step == 1);
  at::Tensor solved;
  {
    grok::RunReader a(straight), b(stopped);
    require_same_metrics(a, b);
    solved = a.checkpoint_param(1, "unembed.W_U");
    CHECK(at::equal(solved, b.checkpoint_param(1, "unembed.W_U")));
  }
  // Resuming the finished run (even asking for more steps) re-records step 1 and changes nothing.
  grok::TrainResult r2 = grok::train_resume(straight, {{"steps", 50}});
  CHECK(r2.final_step == 1);
  grok::RunReader again(straight);
  CHECK(again.metric_steps() == std::vector<int64_t>{0, 1});
  CHECK(at::equal(again.checkpoint_param(1, "unembed.W_U"), solved));
}

TEST_CASE("random_features and min_norm are refused where they do not apply", "[run][min_norm]") {
  grok::Config c = tiny();  // a transformer
  c.random_features = true;
  CHECK_THROWS_WITH(grok::train_new(c, temp_path("rf_transformer.h5"), "test"),
                    Catch::Contains("random_features needs model = mlp"));
  grok::Config m = tiny_mlp();
  m.solver = "min_norm";
  m.random_features = true;  // loss stays ce
  CHECK_THROWS_WITH(grok::train_new(m, temp_path("mn_ce.h5"), "test"), Catch::Contains("loss = ce"));
}

TEST_CASE("Grokfast, perp-grad, StableMax and fixed_norm runs resume bit for bit", "[run][resume][accelerators]") {
  // Their state (Grokfast's EMA or window) must be in the resume slots, or the halves diverge.
  for (const char* filter : {"ema", "ma"}) {
    grok::Config c = tiny();
    c.grokfast = filter;
    c.grokfast_window = 7;  // fills at update 7, inside the first half
    c.perp_grad = true;
    c.loss = "stablemax";
    c.fixed_norm = true;
    const std::string straight = temp_path(std::string("acc-straight-") + filter + ".h5");
    const std::string split = temp_path(std::string("acc-split-") + filter + ".h5");
    grok::train_new(c, straight, "test");
    grok::Config half = c;
    half.steps = 20;
    grok::train_new(half, split, "test");
    grok::train_resume(split, {{"steps", 40}});
    INFO(filter);
    grok::RunReader a(straight), b(split);
    require_same_metrics(a, b);
    require_same_checkpoints(a, b, c);
    CHECK(a.metric("train_loss").back() < a.metric("train_loss").front());  // it trains
  }
}

TEST_CASE("fixed_norm holds ||theta|| at its initial value, init_scale multiplies theta_0", "[run][omnigrok]") {
  grok::Config c = tiny();
  c.init_scale = 0.5;
  c.fixed_norm = true;
  c.weight_decay = 0.0;  // without the constraint the norm would grow
  const std::string path = temp_path("fixed-norm.h5");
  grok::train_new(c, path, "test");
  grok::RunReader r(path);
  const std::vector<double> sq = r.metric("total_sq_norm");
  REQUIRE(sq.size() == 9);
  for (double v : sq) CHECK(v == Approx(sq.front()).epsilon(1e-5));
  CHECK(r.metric("dist_from_init").back() > 0.1 * std::sqrt(sq.front()));  // it moved, on the sphere
  // theta_0 is the standard init times 0.5, bit for bit (float32 x 0.5 is exact).
  grok::Config standard = c;
  standard.init_scale = 1.0;
  grok::Transformer init(standard);
  for (const auto& p : init.parameters()) {
    INFO(p.name);
    CHECK(at::equal(r.checkpoint_param(0, p.name), p.value.detach() * 0.5));
  }
}

TEST_CASE("backward = manual trains as autograd does, and resumes bit for bit", "[run][resume][manual]") {
  // Both written-out passes against one hooked autograd run: direct, and factored (factored_forward).
  // A loop, not GENERATE, so the autograd baseline is trained once.
  grok::Config c = tiny();
  c.lr = 3e-3;  // tiny()'s 40 steps without a blow-up, so the curves compare step by step
  const std::string autograd = temp_path("manual_autograd.h5");
  grok::train_new(c, autograd, "test");
  const grok::RunReader a(autograd);
  const std::vector<double> want = a.metric("train_loss");
  CHECK(want.back() < 0.85 * want.front());  // measured 3.40 -> 2.69
  for (const bool factored : {false, true}) {
    INFO((factored ? "factored" : "direct") << " pass");
    const std::string tag = factored ? "_factored" : "";
    const std::string manual = temp_path("manual" + tag + ".h5"), split = temp_path("manual_split" + tag + ".h5");
    grok::Config mc = c;
    mc.backward = "manual", mc.factored_forward = factored;
    grok::train_new(mc, manual, "test");
    grok::Config half = mc;
    half.steps = 20;
    grok::train_new(half, split, "test");
    grok::train_resume(split, {{"steps", 40}});
    const grok::RunReader m(manual), r(split);
    require_same_metrics(m, r);
    require_same_checkpoints(m, r, mc);
    // The same maths rounded differently: the curves agree to well under their change. Gradients
    // that never reached the optimizer (or reached the wrong tensors) leave the loss near ln p.
    const std::vector<double> got = m.metric("train_loss");
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      INFO("row " << i << ": autograd " << want[i] << ", manual " << got[i]);
      CHECK(std::abs(got[i] - want[i]) < 1e-4 * want[i]);
    }
    CHECK(m.config().backward == "manual");
    CHECK(m.config().factored_forward == factored);
  }
}
