// trainer.cpp — the training loop (see trainer.h for the step convention).
#include "grok/train/trainer.h"

#include <ATen/Parallel.h>
#include <fmt/core.h>

#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "grok/core/error.h"
#include "grok/core/options.h"
#include "grok/core/rng.h"
#include "grok/core/schedule.h"
#include "grok/core/task.h"
#include "grok/h5/h5.h"
#include "grok/model/grid.h"
#include "grok/model/model.h"
#include "grok/runfile/run_file.h"
#include "grok/runfile/writer_lock.h"
#include "grok/runtime/cpu_features.h"
#include "grok/runtime/device.h"
#include "grok/runtime/threads.h"
#include "grok/story/thresholds.h"
#include "grok/train/loss.h"
#include "grok/train/optimizer.h"
#include "grok/train/step_graph.h"

namespace grok {
namespace {

at::Tensor pairs_of(const std::vector<int64_t>& grid_index, int64_t p) {
  return grok::pairs_of(at::tensor(grid_index, at::kLong), p);
}

at::Tensor labels_of(const std::vector<int64_t>& grid_index, const Task& task) {
  std::vector<int64_t> out;
  out.reserve(grid_index.size());
  for (int64_t i : grid_index) out.push_back(task.labels[static_cast<size_t>(i)]);
  return at::tensor(out, at::kLong);
}

// The parameters the optimizer updates: all of them, or with random_features only the
// readout. The others stop requiring gradients, so nothing is computed for them.
std::vector<NamedTensor> trained_parameters(const Model& model, std::vector<NamedTensor>& stacks, const Config& c) {
  if (!c.random_features) return stacks;
  std::optional<Readout> readout = model.readout();
  if (!readout) throw InputError(fmt::format("random_features: model '{}' has no readout layer", c.model));
  std::vector<NamedTensor> trained;
  for (size_t i = 0; i < stacks.size(); ++i) {
    if (i == readout->weight || (readout->bias && i == *readout->bias))
      trained.push_back(stacks[i]);  // the same tensor: updates reach the members
    else
      stacks[i].value.requires_grad_(false);
  }
  return trained;
}

double accuracy(const at::Tensor& logits, const at::Tensor& labels) {
  return logits.argmax(-1).eq(labels).to(at::kDouble).mean().item<double>();
}

struct Dataset {
  at::Tensor pairs;   // [n, 2]
  at::Tensor labels;  // [n]
};

// One model of the run: its config (its seed), its parameters (views of the stacks) and its
// record. A single run has one member; `grok-train --seeds` one per seed.
struct Member {
  Config config;
  std::unique_ptr<Model> model;  // parameters: this member's slices of Trainer::stacks_
  int64_t slot = -1;             // its index in the stacks while it trains; -1 once it has left them
  std::vector<at::Tensor> init;  // theta_0, for dist_from_init
  double init_norm = 0;          // ||theta_0||, the sphere fixed_norm keeps theta on
  std::optional<int64_t> grok_step;
  std::optional<int64_t> final_step;  // set once its record is complete
  bool interrupted = false;           // it ended because a signal asked the run to stop
  bool closed = false;                // its run file is finished (status stamped, closed)
};

// The stacks [K, ...] of the members' parameters, drawn on the CPU from each seed (the same
// weights on every device, and alone or in an ensemble), then moved to `device`.
std::vector<NamedTensor> stacked_parameters(std::vector<Member>& members, const c10::Device& device) {
  std::vector<NamedTensor> stacks;
  const std::vector<NamedTensor>& first = members.front().model->parameters();
  for (size_t i = 0; i < first.size(); ++i) {
    std::vector<at::Tensor> slices;
    for (const Member& m : members) slices.push_back(m.model->parameters()[i].value.detach());
    stacks.push_back({first[i].name, at::stack(slices).to(device).requires_grad_(true), first[i].axes});
  }
  std::vector<at::Tensor> values;
  for (const NamedTensor& t : stacks) values.push_back(t.value);
  for (size_t k = 0; k < members.size(); ++k) {
    members[k].slot = static_cast<int64_t>(k);
    members[k].model->alias_member_of(values, members[k].slot);
  }
  return stacks;
}

std::vector<Member> members_of(const Config& c, const std::vector<int64_t>& seeds) {
  std::vector<Member> members;
  for (int64_t seed : seeds) {
    Member m;
    m.config = c;
    m.config.seed = seed;
    m.model = make_model(m.config);
    members.push_back(std::move(m));
  }
  return members;
}

// The grok step among the metrics a run file keeps from before `step` (RunWriter::reopen drops
// the rest on --resume, and the loop records `step` afresh).
std::optional<int64_t> grok_step_before(const RunReader& reader, int64_t step) {
  std::vector<int64_t> steps = reader.metric_steps();
  std::vector<double> test_acc = reader.metric("test_acc");
  for (size_t i = 0; i < steps.size() && i < test_acc.size() && steps[i] < step; ++i)
    if (test_acc[i] >= kGrokAccuracy) return steps[i];
  return std::nullopt;
}

// Everything one run needs, built from a config (new or resumed): one model per seed, trained
// together as one batched model (model.h forward_members) that computes for each exactly what
// it would compute alone.
class Trainer {
 public:
  Trainer(const Config& config, const std::vector<int64_t>& seeds, const TrainHooks& hooks)
      : c_(run_config(config)),
        hooks_(hooks),
        device_(resolve_device(c_.device)),
        task_(make_task(c_.task, c_.p, static_cast<uint64_t>(c_.data_seed))),
        split_(make_split(task_, c_.frac_train, static_cast<uint64_t>(c_.data_seed))),
        train_labels_(noisy_train_labels(task_, split_, c_.label_noise, static_cast<uint64_t>(c_.data_seed))),
        members_(members_of(c_, seeds)),
        stacks_(stacked_parameters(members_, device_)),
        trained_(trained_parameters(*members_.front().model, stacks_, c_)),
        optimizer_(c_, trained_, /*member_axis=*/true),
        hook_infos_(select_hooks(*members_.front().model, c_.hooks)),
        checkpoints_(c_.steps, c_.checkpoint_every, c_.checkpoint_log, parse_step_list(c_.checkpoint_steps)),
        snapshots_(c_.steps, c_.activation_every, c_.activation_log, parse_step_list(c_.activation_steps)) {
    train_ = {pairs_of(split_.train, c_.p).to(device_), at::tensor(train_labels_, at::kLong).to(device_)};
    test_ = {pairs_of(split_.test, c_.p).to(device_), labels_of(split_.test, task_).to(device_)};
    grid_ = grid_pairs(c_.p).to(device_);
    if (c_.cuda_graph)
      graph_.emplace(device_, hooks_.emulate_graph_capture ? StepGraph::Emulate::capture : StepGraph::Emulate::none);
    for (Member& m : members_) {
      for (const auto& p : m.model->parameters()) m.init.push_back(p.value.detach().clone());
      m.init_norm = m.model->total_norm();
    }
  }

  size_t size() const { return members_.size(); }

  RunHeader header(size_t k, const std::string& command_line) {
    const Member& m = members_[k];
    return {
        m.config,   command_line, task_, split_, train_labels_, m.model->parameters(), optimizer_.member_state(m.slot),
        hook_infos_};
  }

  // Loads a resume slot into member k's model and its part of the optimizer; every member
  // restored must be at the same step.
  void restore(size_t k, const ResumeState& state, const RunReader& reader) {
    c10::NoGradGuard no_grad;
    auto copy_into = [](std::vector<NamedTensor> dst, const std::vector<NamedTensor>& src) {
      if (dst.size() != src.size()) throw InputError("resume state does not match the model (tensor count)");
      for (auto& d : dst) {
        auto it = std::find_if(src.begin(), src.end(), [&](const NamedTensor& s) { return s.name == d.name; });
        if (it == src.end() || !it->value.sizes().equals(d.value.sizes()))
          throw InputError("resume state does not match the model: " + d.name);
        d.value.copy_(it->value);
      }
    };
    Member& m = members_[k];
    copy_into(m.model->parameters(), state.params);
    copy_into(optimizer_.member_state(m.slot), state.optimizer);
    optimizer_.set_step_count(state.optimizer_steps);
    // init keeps theta_0 as the constructor drew it from the model seed: the same bits as the
    // original run's, and there even when a kill came before checkpoint 0 reached the disk.
    step_ = state.step;
    m.grok_step = grok_step_before(reader, state.step);
  }

  // The loop, writing member k's record into writers[k]. Every member runs until its own
  // end (the steps, its grok step + stop_after_grok, or a signal); sets interrupted_ if
  // stopped by a signal.
  void run(std::vector<RunWriter>& writers) {
    using clock = std::chrono::steady_clock;
    start_time_ = clock::now();
    start_step_ = step_;
    const std::string warning = precision_warning(c_.precision, device_);
    if (hooks_.on_warning && !warning.empty()) hooks_.on_warning(warning);
    if (hooks_.on_start)
      for (size_t k = 0; k < size(); ++k)
        hooks_.on_start(writers[k].path(), step_, members_[k].model->parameter_count());
    auto last_flush = clock::now();
    auto flush_open = [&] {
      for (size_t k = 0; k < size(); ++k)
        if (!members_[k].closed) writers[k].flush();
    };
    while (true) {
      stop_ = stop_requested();  // read once a step: every member ends at the same signalled step
      // Forward on the training batch at theta_s: member k's loss drives its update s and,
      // in full-batch mode, is also its train metric at step s. It runs at a member's last
      // step too, where no update follows: alone or beside members that train on, its train
      // metric then comes from the same pass (the written-out pass and the evaluation's
      // forward compute the same function with different rounding).
      // With a CUDA graph (cuda_graph, once the learning rate is constant) the step's forward,
      // backward and update are one captured unit: the metrics of a step that records anything
      // come from a forward of their own at theta_s, before it.
      const bool graphed = graph_ && learning_rate_constant(c_, step_);
      std::vector<at::Tensor> logits, losses;  // per slot of the stacks: [B, P], []
      if (!graphed || recording_due())
        time_.training += timed_seconds([&] { training_pass(logits, losses, /*for_update=*/!graphed); });
      for (size_t k = 0; k < size() && !logits.empty(); ++k) {
        Member& m = members_[k];
        if (m.final_step) continue;
        record(k, writers[k], logits, losses);
        // A member whose run has ended is finished at once: its file is complete, readable by
        // every reader and unlocked, while the others train on.
        if (m.final_step && !m.interrupted) time_.flush += timed_seconds([&] { close(k, writers[k]); });
      }
      forwards_ = StepForwards{};  // free the members' evaluation logits and snapshots
      if (clock::now() - last_flush > std::chrono::seconds(2)) {
        time_.flush += timed_seconds(flush_open);
        last_flush = clock::now();
      }
      if (std::all_of(members_.begin(), members_.end(), [](const Member& m) { return m.final_step.has_value(); })) {
        manual_.reset();  // the last step's pass: no update follows
        manual_d_logits_ = at::Tensor();
        break;
      }
      time_.training += timed_seconds([&] {
        if (graphed)
          graphed_step();
        else
          update(losses);
        if (leave_stacks_if_ended() && graph_) graph_->reset();  // the capture's tensors are gone
      });
      ++step_;
    }
    time_.flush += timed_seconds(flush_open);
  }

  // Stamps member k's run file with how it ended and closes it.
  void close(size_t k, RunWriter& writer) {
    Member& m = members_[k];
    if (m.closed) return;
    m.closed = true;
    writer.finish(m.interrupted ? "interrupted" : "complete", m.final_step.value_or(step_));
  }
  bool closed(size_t k) const { return members_[k].closed; }
  bool interrupted(size_t k) const { return members_[k].interrupted; }
  const TimeSplit& time_split() const { return time_; }
  int64_t start_step() const { return start_step_; }
  int64_t final_step(size_t k) const { return members_[k].final_step.value_or(step_); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time_).count();
  }

 private:
  bool stop_requested() const { return hooks_.stop && hooks_.stop->load(); }
  bool full_batch() const { return c_.batch_size <= 0 || c_.batch_size >= train_.labels.size(0); }
  bool grok_stop_reached(const Member& m) const {
    return c_.stop_after_grok >= 0 && m.grok_step && step_ >= *m.grok_step + c_.stop_after_grok;
  }
  // Member m's record ends at this step.
  bool stopping(const Member& m) const { return step_ >= c_.steps || stop_ || grok_stop_reached(m); }

  std::vector<at::Tensor> stack_values() const {
    std::vector<at::Tensor> values;
    for (const NamedTensor& t : stacks_) values.push_back(t.value);
    return values;
  }

  // Member k's record of step s: metrics, checkpoint, activations, as due; the last of them
  // when its run ends here.
  void record(size_t k, RunWriter& writer, const std::vector<at::Tensor>& logits,
              const std::vector<at::Tensor>& losses) {
    Member& m = members_[k];
    bool ending = stopping(m);
    if (step_ % c_.eval_every == 0 || ending) {
      const bool reuse = full_batch();  // the step's forward covered the whole train set
      time_.evaluation += timed_seconds([&] {
        const size_t slot = static_cast<size_t>(m.slot);
        writer.append_metrics(evaluate(k, reuse ? logits[slot] : at::Tensor(), reuse ? losses[slot] : at::Tensor()));
      });
      ending = ending || grok_stop_reached(m);
    }
    if (checkpoints_.due(step_) || ending) {
      time_.checkpoints += timed_seconds([&] {
        const std::vector<NamedTensor> state = optimizer_.member_state(m.slot);
        writer.append_checkpoint(step_, m.model->parameters(), state);
        writer.write_resume_state(step_, optimizer_.step_count(), m.model->parameters(), state);
      });
    }
    if (snapshots_.due(step_) || ending)
      time_.activations += timed_seconds([&] { writer.append_activations(step_, grid_activations(m.slot)); });
    if (ending) {
      m.final_step = step_;
      m.interrupted = stop_;
    }
  }

  template <class F>
  static double timed_seconds(F&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  // Members whose run ended at this step leave the stacks (parameters and optimizer state), so
  // the batch trains only the models still running. Those compute what they computed before:
  // a member's numbers do not depend on which others share its batch (model.h forward_members).
  // Whether the stacks changed (new tensors).
  bool leave_stacks_if_ended() {
    std::vector<int64_t> kept;  // the old slots of the members still training, in order
    for (Member& m : members_) {
      if (m.slot < 0) continue;
      if (m.final_step) {
        m.slot = -1;
        keep_own_copy(*m.model);
        continue;
      }
      kept.push_back(m.slot);
      m.slot = static_cast<int64_t>(kept.size()) - 1;
    }
    if (static_cast<int64_t>(kept.size()) == slots() || kept.empty()) return false;
    c10::NoGradGuard no_grad;
    const at::Tensor index = at::tensor(kept, at::kLong).to(device_);
    for (NamedTensor& t : stacks_)  // frozen stacks (random_features) stay frozen
      t.value = t.value.detach().index_select(0, index).requires_grad_(t.value.requires_grad());
    trained_ = trained_parameters(*members_.front().model, stacks_, c_);  // the optimizer holds trained_
    optimizer_.keep_members(index);
    const std::vector<at::Tensor> values = stack_values();
    for (Member& m : members_)
      if (m.slot >= 0) m.model->alias_member_of(values, m.slot);
    return true;
  }

  // A member that has left the stacks keeps its final weights as its own tensors: views would hold
  // on to every old stack, O(K^2) memory over an ensemble whose members end one by one.
  static void keep_own_copy(Model& model) {
    c10::NoGradGuard no_grad;
    std::vector<at::Tensor> own = model.one_member_stack();
    for (at::Tensor& t : own) t = t.detach().clone();
    model.alias_member_of(own, 0);
  }

  // How many members the stacks hold: those still training.
  int64_t slots() const { return stacks_.front().value.size(0); }

  // The forward on the training batch at theta_s: logits [B, P] and losses [] per slot. With
  // `for_update` it is the step's own pass (autograd's graph, or the written-out pass's state,
  // kept for update()); without, a pass for the metrics alone.
  void training_pass(std::vector<at::Tensor>& logits, std::vector<at::Tensor>& losses, bool for_update) {
    Dataset batch = batch_at(step_);
    if (for_update && c_.backward == "manual") {
      c10::NoGradGuard no_grad;  // the pass keeps what its written-out backward needs
      manual_ = members_.front().model->manual_pass(stack_values(), batch.pairs);
      if (!manual_) throw InputError("backward = manual: model " + c_.model + " has no written-out backward");
      LossWithGradient lg = loss_with_gradient(c_.loss, manual_->logits(), batch.labels);
      manual_d_logits_ = std::move(lg.gradient);  // [K, B, P]
      logits = manual_->logits().unbind(0);
      losses = lg.loss.unbind(0);
      return;
    }
    std::optional<c10::NoGradGuard> no_grad;
    if (!for_update) no_grad.emplace();
    logits = members_.front().model->logits_members(stack_values(), batch.pairs).unbind(0);
    for (const at::Tensor& member : logits) losses.push_back(loss_value(c_.loss, member, batch.labels));
  }

  // Whether any member records something at this step (record()), or its run ends here.
  bool recording_due() const {
    if (step_ % c_.eval_every == 0 || checkpoints_.due(step_) || snapshots_.due(step_)) return true;
    return std::any_of(members_.begin(), members_.end(), [&](const Member& m) { return !m.final_step && stopping(m); });
  }

  // One step through the CUDA graph (step_graph.h): forward, loss, backward and update, captured
  // once and replayed. A captured step's host code runs once, so the optimizer counts on the
  // device then, and here on the host, once per step. On a CPU the step runs as it is: the same
  // bits as the eager loop's (tests/test_step_graph.cpp).
  void graphed_step() {
    if (graph_->captures() && !optimizer_.counts_on_device()) optimizer_.count_on_device();
    graph_->run(
        [&] {
          std::vector<at::Tensor> logits, losses;
          training_pass(logits, losses, /*for_update=*/true);
          update(losses);
        },
        step_tensors());
    if (optimizer_.counts_on_device()) optimizer_.count_step();
  }

  // What the captured step reads and writes in place: the stacks, their gradients, the
  // optimizer's state and the batch.
  std::vector<at::Tensor> step_tensors() {
    std::vector<at::Tensor> tensors{train_.pairs, train_.labels};
    for (const NamedTensor& t : stacks_) {
      tensors.push_back(t.value);
      tensors.push_back(t.value.grad());
    }
    for (const NamedTensor& t : optimizer_.state()) tensors.push_back(t.value);
    return tensors;
  }

  // Update s of every member: min_norm's closed-form readout, or backward and the optimizer.
  void update(const std::vector<at::Tensor>& losses) {
    if (c_.solver == "min_norm") {
      for (Member& m : members_)
        if (m.slot >= 0) solve_readout(*m.model);  // update 0 (min_norm runs have steps = 1)
      return;
    }
    if (manual_) {
      apply_manual_gradients();
    } else {
      // d(sum of the members' losses) / d(member k's parameters) = d(loss k) / d(them): the
      // members share no parameter, and each loss enters the sum with gradient exactly 1.
      (losses.size() == 1 ? losses.front() : at::stack(losses).sum()).backward();
    }
    optimizer_.step(learning_rate(c_, step_));
    optimizer_.zero_grad();
    if (c_.fixed_norm)
      for (Member& m : members_)
        if (m.slot >= 0) project_to_initial_norm(m);
  }

  // config.backward = manual: the gradients of this step's pass land where autograd's would,
  // in every stack's .grad() (so grokfast and perp-grad filter them as before).
  void apply_manual_gradients() {
    std::vector<at::Tensor> grads = manual_->gradients(manual_d_logits_);  // parameters() order = stacks_ order
    for (size_t i = 0; i < stacks_.size(); ++i) stacks_[i].value.mutable_grad() = std::move(grads[i]);
    manual_.reset();
    manual_d_logits_ = at::Tensor();
  }

  // The training pairs of step s. Minibatches walk through per-epoch
  // permutations drawn from (data_seed, epoch): a pure function of s, so a
  // resumed run draws exactly the batches the uninterrupted run would.
  Dataset batch_at(int64_t s) {
    if (full_batch()) return train_;
    const int64_t n = train_.labels.size(0), bs = c_.batch_size;
    std::vector<int64_t> idx;
    idx.reserve(static_cast<size_t>(bs));
    for (int64_t g = s * bs; g < (s + 1) * bs; ++g) idx.push_back(epoch_order(g / n)[static_cast<size_t>(g % n)]);
    at::Tensor i = at::tensor(idx, at::kLong).to(device_);
    return {train_.pairs.index_select(0, i), train_.labels.index_select(0, i)};
  }

  const std::vector<int64_t>& epoch_order(int64_t epoch) {
    if (epoch != cached_epoch_) {
      cached_order_.resize(static_cast<size_t>(train_.labels.size(0)));
      for (size_t i = 0; i < cached_order_.size(); ++i) cached_order_[i] = static_cast<int64_t>(i);
      std::mt19937_64 rng(
          mix_seed(mix_seed(static_cast<uint64_t>(c_.data_seed), kEpochStream), static_cast<uint64_t>(epoch)));
      shuffle_in_place(cached_order_, rng);
      cached_epoch_ = epoch;
    }
    return cached_order_;
  }

  // Metrics of member m at theta_s. `train_logits` reuses the training forward when it
  // covered the whole train set; `train_loss` is that forward's loss.
  MetricsRow evaluate(size_t k, const at::Tensor& train_logits, const at::Tensor& train_loss) {
    c10::NoGradGuard no_grad;
    Member& m = members_[k];
    const Model& model = *m.model;
    MetricsRow row;
    row.step = step_;
    at::Tensor tl = train_logits.defined() ? train_logits : logits_on(forwards_.train, train_.pairs, m.slot);
    const double train_loss_value = train_logits.defined() ? train_loss.item<double>() : train_metric(tl);
    at::Tensor test_logits = logits_on(forwards_.test, test_.pairs, m.slot);
    double total_sq = 0, dist_sq = 0;
    const auto& params = model.parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      at::Tensor w = params[i].value.to(at::kDouble);
      double sq = w.pow(2).sum().item<double>();
      row.param_sq_norm.push_back(sq);
      total_sq += sq;
      dist_sq += (w - m.init[i].to(at::kDouble)).pow(2).sum().item<double>();
    }
    ProgressEvent ev;
    ev.member = static_cast<int64_t>(k);
    ev.step = step_;
    ev.total_steps = c_.steps;
    ev.train_loss = train_loss_value;
    ev.test_loss = member_loss(test_logits, test_.labels);
    ev.train_acc = accuracy(tl, train_.labels);
    ev.test_acc = accuracy(test_logits, test_.labels);
    ev.elapsed_s = seconds();
    ev.steps_per_second = ev.elapsed_s > 0 ? static_cast<double>(step_ - start_step_) / ev.elapsed_s : 0;
    row.scalars = {ev.train_loss, ev.test_loss,       ev.train_acc, ev.test_acc, learning_rate(c_, step_),
                   total_sq,      std::sqrt(dist_sq), ev.elapsed_s};
    if (!m.grok_step && ev.test_acc >= kGrokAccuracy) m.grok_step = step_;
    if (hooks_.on_eval) hooks_.on_eval(ev);
    return row;
  }

  // The loss of one member's logits [n, P] on labels [n] (loss_values: one pass for ce).
  double member_loss(const at::Tensor& logits, const at::Tensor& labels) const {
    return loss_values(c_.loss, logits.unsqueeze(0), labels)[0].item<double>();
  }
  // The train loss of train logits [n_train, P] computed as the step computes it (autograd:
  // loss_value, which it differentiates; written out: loss_values), so a member's train_loss has
  // the same bits whether or not a step's forward covered it (its last step in an ensemble whose
  // other members train on, or alone).
  double train_metric(const at::Tensor& logits) const {
    if (c_.backward == "manual") return member_loss(logits, train_.labels);
    return loss_value(c_.loss, logits, train_.labels).item<double>();
  }

  // solver = min_norm: sets the readout to min_norm_readout(Phi, Y, weight_decay), Phi [n_train, d]
  // the readout's input features on the train pairs (the rows of the grid forward that
  // /activations records, plus a ones column for the bias), Y [n_train, p] the one-hot labels
  // trained on; solved in float64, stored as float32.
  void solve_readout(Model& model) {
    c10::NoGradGuard no_grad;
    const Readout r = *model.readout();  // validate() allows min_norm only for the mlp
    ActivationCache cache;
    model.forward(grid_, &cache);
    at::Tensor phi =
        cache.at(r.features_hook).index_select(0, at::tensor(split_.train, at::kLong).to(device_));  // [n, d]
    const int64_t d = phi.size(1);
    phi = phi.to(at::kDouble);
    if (r.bias) phi = at::cat({phi, at::ones({phi.size(0), 1}, phi.options())}, 1);           // [n, d + 1]
    at::Tensor w = min_norm_readout(phi, at::one_hot(train_.labels, c_.p), c_.weight_decay);  // [d (+1), p]
    model.parameters()[r.weight].value.copy_(w.slice(0, 0, d));
    if (r.bias) model.parameters()[*r.bias].value.copy_(w.select(0, d));
  }

  // fixed_norm (Omnigrok): every weight rescaled by ||theta_0|| / ||theta||, so the update
  // lands back on the sphere of the initial norm (norms in float64, the scaling in float32).
  void project_to_initial_norm(Member& m) {
    c10::NoGradGuard no_grad;
    const double ratio = m.init_norm / m.model->total_norm();
    for (NamedTensor& p : m.model->parameters()) p.value.mul_(ratio);
  }

  // The members' forwards for the record of one step, done for many members at once: one
  // forward_members over a chunk of members is one set of kernel launches instead of one per
  // member, and member k's numbers equal its forward() alone (model.h), so the record is the
  // same. Chunks bound the memory of hundreds of members' activations.
  static constexpr int64_t kMembersPerEvaluation = 64, kMembersPerSnapshot = 8;
  template <class T>
  struct Chunk {
    int64_t first = -1;   // its members: first, first + 1, ...
    std::vector<T> each;  // what the forward gave each of them
  };
  struct StepForwards {             // reset after every step's record
    Chunk<at::Tensor> test, train;  // logits, [n, P]
    Chunk<ActivationCache> grid;    // every hook on the grid
  };

  // The stacks of slots first .. first + count - 1, [count, ...].
  std::vector<at::Tensor> member_stacks(int64_t first, int64_t count) const {
    std::vector<at::Tensor> values;
    for (const NamedTensor& t : stacks_) values.push_back(t.value.narrow(0, first, count));
    return values;
  }

  // Slot `slot`'s part of `chunk`, made first by compute(first, count) for the slots slot ..
  // slot + per_chunk - 1 when the chunk does not hold it (members are recorded in slot order).
  template <class T, class F>
  const T& member_of(Chunk<T>& chunk, int64_t slot, int64_t per_chunk, F&& compute) {
    if (chunk.first < 0 || slot < chunk.first || slot >= chunk.first + static_cast<int64_t>(chunk.each.size())) {
      c10::NoGradGuard no_grad;
      chunk.each = compute(slot, std::min(per_chunk, slots() - slot));
      chunk.first = slot;
    }
    return chunk.each[static_cast<size_t>(slot - chunk.first)];
  }

  // The logits on `pairs` at this step of the member in `slot`.
  at::Tensor logits_on(Chunk<at::Tensor>& chunk, const at::Tensor& pairs, int64_t slot) {
    return member_of(chunk, slot, kMembersPerEvaluation, [&](int64_t first, int64_t count) {
      return members_.front().model->logits_members(member_stacks(first, count), pairs).unbind(0);
    });
  }

  // Every hook on the full p x p grid of the member in `slot`, as [p*p, ...] float32.
  ActivationCache grid_activations(int64_t slot) {
    return member_of(forwards_.grid, slot, kMembersPerSnapshot, [&](int64_t first, int64_t count) {
      ActivationCache together;  // [count, p*p, ...]
      members_.front().model->forward_members(member_stacks(first, count), grid_, &together);
      std::vector<ActivationCache> each(static_cast<size_t>(count));
      for (auto& [hook, value] : together)
        for (int64_t i = 0; i < count; ++i) each[static_cast<size_t>(i)][hook] = value.select(0, i);
      return each;
    });
  }

  Config c_;
  TrainHooks hooks_;
  c10::Device device_;  // where the models, the data and the optimizer state live
  Task task_;
  Split split_;
  std::vector<int64_t> train_labels_;  // [n_train], aligned with split_.train; noisy under label_noise
  std::vector<Member> members_;
  std::vector<NamedTensor> stacks_;   // every parameter of the members training, [K, ...]: what autograd sees
  std::vector<NamedTensor> trained_;  // the stacks the optimizer updates (aliases stacks_)
  Optimizer optimizer_;
  std::optional<StepGraph> graph_;  // config.cuda_graph
  std::vector<HookInfo> hook_infos_;
  Schedule checkpoints_, snapshots_;
  Dataset train_, test_;
  at::Tensor grid_;  // [p*p, 2]
  int64_t step_ = 0, start_step_ = 0;
  bool stop_ = false;                   // a signal asked the run to stop (read at the top of each step)
  std::unique_ptr<ManualPass> manual_;  // config.backward = manual: this step's forward, until update()
  at::Tensor manual_d_logits_;          // d(its members' losses) / d(its logits) [K, B, P]
  TimeSplit time_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> cached_order_;
  StepForwards forwards_;
  std::chrono::steady_clock::time_point start_time_ = std::chrono::steady_clock::now();
};

// Runs the loop and closes every member's record; member k's result.
std::vector<TrainResult> finish(Trainer& trainer, std::vector<RunWriter>& writers) {
  try {
    trainer.run(writers);
  } catch (...) {
    // Disk full or similar: what was flushed stays readable; say so in the files if we still can.
    for (size_t k = 0; k < writers.size(); ++k) {
      try {
        if (!trainer.closed(k)) writers[k].finish("failed", -1);
      } catch (...) {}
    }
    throw;
  }
  std::vector<TrainResult> results;
  for (size_t k = 0; k < writers.size(); ++k) {
    trainer.close(k, writers[k]);
    TrainResult result;
    result.path = writers[k].path();
    result.start_step = trainer.start_step();
    result.final_step = trainer.final_step(k);
    result.interrupted = trainer.interrupted(k);
    result.seconds = trainer.seconds();
    result.time = trainer.time_split();
    RunReader reader(result.path);
    result.milestones =
        accuracy_milestones(reader.metric_steps(), reader.metric("train_acc"), reader.metric("test_acc"));
    results.push_back(std::move(result));
  }
  return results;
}

// Every member keeps its run file and its writer lock open: two descriptors each. Raises the
// soft limit on open files as far as the hard limit allows, or says what is needed in one line.
void allow_open_files_for(size_t members) {
  const rlim_t needed = static_cast<rlim_t>(2 * members + 64);
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed) return;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed)
    throw InputError(fmt::format("{} members need about {} open files; this process may open {} (ulimit -Hn)", members,
                                 needed, limit.rlim_max));
  limit.rlim_cur = needed;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
    throw InputError(fmt::format("{} members need about {} open files: raise ulimit -n", members, needed));
}

// InputError unless `out` may be written (checked before anything is touched).
void check_output(const std::string& out, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(out, ec) && !overwrite) throw InputError(out + " exists (use --force to overwrite)");
  if (fs::is_directory(out, ec)) throw InputError(out + " is a directory");
}

void create_parent_directory(const std::string& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // A bare file name has no parent to create.
  if (fs::path parent = fs::path(out).parent_path(); !parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) throw InputError(fmt::format("cannot create directory {}: {}", parent.string(), ec.message()));
  }
}

RunWriter create_writer(const std::string& out, const RunHeader& header) {
  // With --force the old file stays until the new one is renamed over it (RunWriter::create).
  try {
    return RunWriter::create(out, header);
  } catch (const h5::Error& e) {
    throw InputError(fmt::format("cannot write {} ({})", out, e.what()));
  }
}

}  // namespace

Config run_config(const Config& config) {
  return with_implied_settings(config, resolve_device(config.device).is_cuda());
}

std::string member_file_name(int64_t seed) { return fmt::format("seed-{}.h5", seed); }

std::vector<TrainResult> train_ensemble(const Config& config, const std::vector<int64_t>& seeds, const std::string& dir,
                                        const std::string& command_line, const TrainHooks& hooks, bool overwrite) {
  validate(config);
  check_seed_list(seeds);
  if (config.solver == "min_norm" && seeds.size() > 1)
    throw InputError("solver = min_norm solves each model in closed form: train its seeds one at a time");
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw InputError(dir + " exists and is not a directory");
  std::vector<std::string> paths;
  for (int64_t seed : seeds) paths.push_back((fs::path(dir) / member_file_name(seed)).string());
  allow_open_files_for(seeds.size());
  for (const std::string& path : paths) check_output(path, overwrite);
  apply_threads(config.threads);
  Trainer trainer(config, seeds, hooks);  // throws on bad hooks etc. before anything is touched
  create_parent_directory(paths.front());
  std::vector<RunWriter> writers;
  for (size_t k = 0; k < paths.size(); ++k) writers.push_back(create_writer(paths[k], trainer.header(k, command_line)));
  return finish(trainer, writers);
}

TrainResult train_new(const Config& config, const std::string& out, const std::string& command_line,
                      const TrainHooks& hooks, bool overwrite) {
  validate(config);
  check_output(out, overwrite);
  apply_threads(config.threads);
  Trainer trainer(config, {config.seed}, hooks);  // throws on bad hooks etc. before anything is touched
  create_parent_directory(out);
  std::vector<RunWriter> writers;
  writers.push_back(create_writer(out, trainer.header(0, command_line)));
  return finish(trainer, writers).front();
}

namespace {

void check_resume_overrides(const nlohmann::json& overrides) {
  for (const auto& [key, value] : overrides.items())
    if (key != "steps" && key != "threads" && key != "device" && key != "stop_after_grok")
      throw InputError(
          fmt::format("--resume keeps the run's config; only --steps, --threads, --device and "
                      "--stop-after-grok may change (got --{})",
                      key));
}

// A run file opened to be continued: its writer lock held, a stale "open for write" flag
// cleared, its config with the overrides applied.
struct ResumableRun {
  std::string path;
  WriterLock lock;
  std::unique_ptr<RunReader> reader;
  Config config;
};

ResumableRun open_for_resume(const std::string& path, const nlohmann::json& overrides) {
  // No writer may be alive from here on; one killed earlier left the file flagged "open
  // for write", which only now, under the lock, is safe to clear.
  if (!std::filesystem::exists(path)) throw InputError(path + ": no such file");
  if (!h5::is_hdf5(path)) throw InputError(path + " is not an HDF5 file");
  WriterLock lock = WriterLock::acquire(path);
  clear_stale_write_flag(path);
  check_hdf5_in_child(path);
  auto reader = std::make_unique<RunReader>(path);
  Config config = config_from_json(overrides, reader->config());
  validate(config);
  // Every group the writer will append to must be there before anything is written.
  reader->metric_steps(), reader->checkpoint_steps(), reader->activation_steps();
  return {path, std::move(lock), std::move(reader), config};
}

// The member files of an ensemble's directory, seed-N.h5, by seed.
std::vector<std::pair<int64_t, std::string>> member_files(const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    int64_t seed = -1;
    try {
      if (name.rfind("seed-", 0) == 0 && name.size() > 8 && name.substr(name.size() - 3) == ".h5")
        seed = std::stoll(name.substr(5, name.size() - 8));
    } catch (const std::exception&) {
      continue;
    }
    if (seed >= 0 && name == member_file_name(seed)) out.emplace_back(seed, entry.path().string());
  }
  if (ec) throw InputError(fmt::format("cannot read directory {}: {}", dir, ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TrainResult train_resume(const std::string& path, const nlohmann::json& overrides, const TrainHooks& hooks) {
  check_resume_overrides(overrides);
  ResumableRun run = open_for_resume(path, overrides);
  const ResumeState state = run.reader->resume_state();
  apply_threads(run.config.threads);
  Trainer trainer(run.config, {run.config.seed}, hooks);
  // Killed before the first resume slot was complete: start again from step 0, which is
  // a pure function of the config (the file keeps it), so the run still ends bit-identical.
  if (state.step >= 0) trainer.restore(0, state, *run.reader);
  run.reader.reset();  // close before reopening for writing
  std::vector<RunWriter> writers;
  writers.push_back(
      RunWriter::reopen(path, trainer.header(0, ""), std::max<int64_t>(state.step, 0), std::move(run.lock)));
  return finish(trainer, writers).front();
}

EnsembleResume train_resume_ensemble(const std::string& dir, const nlohmann::json& overrides, const TrainHooks& hooks) {
  check_resume_overrides(overrides);
  const auto files = member_files(dir);
  if (files.empty()) throw InputError(dir + " holds no member run files (seed-N.h5)");
  allow_open_files_for(files.size());
  EnsembleResume out;
  std::optional<nlohmann::json> first_config;  // every member's must equal it but for the seed
  std::vector<ResumableRun> runs;
  std::vector<int64_t> seeds, newest;
  for (const auto& [seed, path] : files) {
    ResumableRun run = open_for_resume(path, overrides);
    const nlohmann::json mine = to_json(run.config);
    if (!first_config) first_config = mine;
    for (const auto& [key, value] : first_config->items())
      if (key != "seed" && mine.value(key, nlohmann::json()) != value)
        throw InputError(fmt::format("{}: its {} ({}) differs from the other members' ({}); resume it alone", path, key,
                                     mine.value(key, nlohmann::json()).dump(), value.dump()));
    // A member whose run has ended stays as it is: resumed, it would end again at once.
    const int64_t slot = run.reader->resume_state().step, step = std::max<int64_t>(slot, 0);
    const std::optional<int64_t> grok = grok_step_before(*run.reader, step + 1);  // stop_after_grok 0: at `step`
    const Config& c = run.config;
    if (step >= c.steps || (c.stop_after_grok >= 0 && grok && step >= *grok + c.stop_after_grok)) {
      out.ended.push_back(path);
      continue;
    }
    seeds.push_back(seed);
    newest.push_back(slot);
    runs.push_back(std::move(run));
  }
  if (runs.empty()) return out;
  // A kill between two members' checkpoints leaves some one checkpoint ahead: each member keeps
  // two resume slots, so all continue from the newest step they all hold.
  const size_t behind = static_cast<size_t>(std::min_element(newest.begin(), newest.end()) - newest.begin());
  const int64_t common = newest[behind];
  // A member killed before its first checkpoint has no slot (common < 0): then every member
  // starts again from step 0, a pure function of its config, and still ends as its run alone
  // (the others lose at most the one checkpoint interval they are ahead).
  std::vector<ResumeState> states;
  for (const ResumableRun& run : runs) {
    states.push_back(run.reader->resume_state(common));
    if (common >= 0 && states.back().step != common)
      throw InputError(
          fmt::format("{} has no resume slot at step {}, where {} is: resume the members one at a time "
                      "(grok-train --resume DIR/seed-N.h5)",
                      run.path, common, runs[behind].path));
  }
  apply_threads(runs.front().config.threads);
  Trainer trainer(runs.front().config, seeds, hooks);
  std::vector<RunWriter> writers;
  for (size_t k = 0; k < runs.size(); ++k) {
    if (common >= 0) trainer.restore(k, states[k], *runs[k].reader);
    runs[k].reader.reset();  // close before reopening for writing
    writers.push_back(
        RunWriter::reopen(runs[k].path, trainer.header(k, ""), std::max<int64_t>(common, 0), std::move(runs[k].lock)));
  }
  out.resumed = finish(trainer, writers);
  return out;
}

}  // namespace grok
