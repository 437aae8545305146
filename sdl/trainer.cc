#include "sdl/trainer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/strings/str_format.h"
#include "util/philox.h"
#include "util/status_macros.h"

namespace lrb::sdl {
namespace {

// Random streams: the batch order of epoch e uses kBatchOrderStream + e; resampling at step
// s uses kResampleStream + s.
constexpr uint64_t kBatchOrderStream = 0x2000;
constexpr uint64_t kResampleStream = uint64_t{1} << 40;

absl::Status ValidateInputs(const MethodSpec& method, const TrainSpec& train,
                            const Anchors& anchors, const TrainingData& data) {
  if (data.rows < 1 || data.n_p < 1 || data.n_r < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training data is empty: %d samples, n_p=%d, n_r=%d", data.rows, data.n_p, data.n_r));
  }
  if (train.batch > data.rows) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "batch=%d exceeds the %d training samples; expected batch <= %d", train.batch,
        data.rows, data.rows));
  }
  if (data.n_p % method.sources != 0 || data.n_r % method.sources != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: n_p=%d and n_r=%d must split into sources=%d equal blocks", method.topology,
        data.n_p, data.n_r, method.sources));
  }
  if (TraitsOf(method).selects_topk && method.IntKnob("k") > method.latents) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "k=%d exceeds latents=%d", method.IntKnob("k"), method.latents));
  }
  if (anchors.k > method.latents || anchors.k < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d anchors for %d latents; expected 0 <= anchors <= latents", anchors.k,
        method.latents));
  }
  if (anchors.k > 0 &&
      (static_cast<int64_t>(anchors.encoder.size()) != anchors.k * data.n_p ||
       static_cast<int64_t>(anchors.decoder.size()) != anchors.k * data.n_r)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "anchor matrices are %d and %d values; expected %d x %d and %d x %d",
        anchors.encoder.size(), anchors.decoder.size(), anchors.k, data.n_p, anchors.k,
        data.n_r));
  }
  return absl::OkStatus();
}

// Sample order for one epoch: a seeded Fisher-Yates permutation.
std::vector<int64_t> EpochOrder(uint64_t seed, int64_t epoch, int64_t rows) {
  std::vector<int64_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  const CounterRng rng(seed, kBatchOrderStream + static_cast<uint64_t>(epoch));
  for (int64_t i = rows - 1; i > 0; --i) {
    std::swap(order[i], order[rng.Below(i, static_cast<uint64_t>(i) + 1)]);
  }
  return order;
}

// One parameter array with its gradient and Adam moments.
struct AdamSlot {
  std::vector<float>* param;
  std::vector<float>* grad;
  std::vector<float>* m;
  std::vector<float>* v;
};

// In the order the global gradient norm sums them.
std::array<AdamSlot, 5> SlotsOf(TrainState& s) {
  return {{{&s.model.w_enc, &s.gradient.w_enc, &s.adam_m.w_enc, &s.adam_v.w_enc},
           {&s.model.b_enc, &s.gradient.b_enc, &s.adam_m.b_enc, &s.adam_v.b_enc},
           {&s.model.w_dec, &s.gradient.w_dec, &s.adam_m.w_dec, &s.adam_v.w_dec},
           {&s.model.b_dec, &s.gradient.b_dec, &s.adam_m.b_dec, &s.adam_v.b_dec},
           {&s.model.extra, &s.gradient.extra, &s.adam_m.extra, &s.adam_v.extra}}};
}

// Latents not active in the last `window` steps before `step`.
std::vector<uint8_t> DeadLatents(const std::vector<int64_t>& last_active, int64_t step,
                                 int64_t window) {
  std::vector<uint8_t> dead(last_active.size());
  for (size_t i = 0; i < dead.size(); ++i) dead[i] = last_active[i] < step - window;
  return dead;
}

// The resample(...) recipe (Anthropic 2023, as the paper uses it): each dead latent gets a
// batch input drawn with probability proportional to its squared reconstruction error; its
// decoder column becomes that input's unit direction and its encoder row the same direction
// scaled to 0.2 x the mean live encoder-row norm; its encoder bias and all its Adam moments
// reset. Draws use a counter RNG keyed by (seed, step), so runs stay reproducible.
absl::Status ResampleDeadLatents(const MethodSpec& method, const Batch& batch,
                                 const KernelTable& kernels, uint64_t seed, TrainState& state) {
  SaeModel& model = state.model;
  const int64_t step = state.steps_done;
  const std::vector<uint8_t> dead =
      DeadLatents(state.last_active, step, method.resample->dead_steps);
  if (std::find(dead.begin(), dead.end(), uint8_t{1}) == dead.end()) return absl::OkStatus();

  // Squared error of each batch sample under the current model.
  LRB_ASSIGN_OR_RETURN(const SparseRows codes, Encode(method, model, batch.inputs, batch.rows,
                                                      kernels, state.workspace));
  std::vector<double> cumulative(batch.rows);
  std::vector<float> reconstruction(model.n_r);
  double total = 0;
  for (int64_t r = 0; r < batch.rows; ++r) {
    reconstruction = model.b_dec;
    for (int64_t j = codes.indptr[r]; j < codes.indptr[r + 1]; ++j) {
      kernels.axpy(model.n_r, codes.values[j], &model.w_dec[codes.indices[j] * model.n_r],
                   reconstruction.data());
    }
    kernels.axpy(model.n_r, -1.0f, batch.targets + r * model.n_r, reconstruction.data());
    total += kernels.sum_squares(model.n_r, reconstruction.data());
    cumulative[r] = total;
  }
  double live_norm = 0;
  int64_t live = 0;
  for (int64_t i = 0; i < model.n_q; ++i) {
    if (dead[i]) continue;
    live_norm += std::sqrt(kernels.sum_squares(model.n_p, &model.w_enc[i * model.n_p]));
    ++live;
  }
  const float encoder_scale = static_cast<float>(0.2 * (live > 0 ? live_norm / live : 1.0));
  const CounterRng rng(seed, kResampleStream + static_cast<uint64_t>(step));
  for (int64_t i = 0; i < model.n_q; ++i) {
    if (!dead[i]) continue;
    const double u = rng.Uniform(static_cast<uint64_t>(i)) * total;
    const int64_t sample =
        std::min<int64_t>(std::lower_bound(cumulative.begin(), cumulative.end(), u) -
                              cumulative.begin(),
                          batch.rows - 1);
    const float* x = batch.inputs + sample * model.n_p;
    const double norm = std::sqrt(kernels.sum_squares(model.n_p, x));
    if (norm < 1e-12) continue;
    for (int64_t d = 0; d < model.n_p; ++d) {
      model.w_enc[i * model.n_p + d] = static_cast<float>(x[d] / norm) * encoder_scale;
    }
    if (model.n_r == model.n_p) {
      for (int64_t d = 0; d < model.n_r; ++d) {
        model.w_dec[i * model.n_r + d] = static_cast<float>(x[d] / norm);
      }
    }
    model.b_enc[i] = 0.0f;
    for (SaeGradient* moments : {&state.adam_m, &state.adam_v}) {
      std::fill_n(&moments->w_enc[i * model.n_p], model.n_p, 0.0f);
      std::fill_n(&moments->w_dec[i * model.n_r], model.n_r, 0.0f);
      moments->b_enc[i] = 0.0f;
    }
    state.last_active[i] = step;  // give it a fresh window before it can be dead again
    ++state.latents_resampled;
  }
  return absl::OkStatus();
}

}  // namespace

TrainState InitTrainState(const MethodSpec& method, int64_t n_p, int64_t n_r, uint64_t seed) {
  TrainState state;
  state.model = InitMethodModel(method, n_p, n_r, seed);
  if (method.tied) state.model.w_dec = state.model.w_enc;
  state.last_active.assign(method.latents, -1);
  for (const AdamSlot& slot : SlotsOf(state)) {
    slot.m->assign(slot.param->size(), 0.0f);
    slot.v->assign(slot.param->size(), 0.0f);
  }
  return state;
}

absl::StatusOr<LossTerms> TrainStep(const MethodSpec& method, const TrainSpec& train,
                                    const Anchors& anchors, const Batch& batch,
                                    const KernelTable& kernels, uint64_t seed,
                                    TrainState& state) {
  const int64_t step = state.steps_done;
  if (method.resample.has_value() && step > 0 && step % method.resample->every == 0 &&
      step <= method.resample->until) {
    LRB_RETURN_IF_ERROR(ResampleDeadLatents(method, batch, kernels, seed, state));
  }
  std::vector<uint8_t> dead;
  if (method.auxk.has_value()) {
    dead = DeadLatents(state.last_active, step, method.auxk->dead_steps);
  }
  const absl::StatusOr<LossTerms> loss =
      MethodLossAndGradient(method, state.model, anchors, batch, kernels,
                            method.auxk.has_value() ? &dead : nullptr, state.workspace,
                            &state.gradient);
  if (!loss.ok()) {
    return absl::AbortedError(
        absl::StrFormat("training diverged at step %d: %s", step, loss.status().message()));
  }
  std::vector<uint8_t> active(state.model.n_q, 0);
  MarkActiveLatents(method, state.workspace, active);
  for (int64_t i = 0; i < state.model.n_q; ++i) {
    if (active[i]) state.last_active[i] = step;
  }
  // Tied weights: W_D = W_E^T is one parameter, so its gradient is the sum of both uses.
  if (method.tied) {
    kernels.axpy(static_cast<int64_t>(state.gradient.w_enc.size()), 1.0f,
                 state.gradient.w_dec.data(), state.gradient.w_enc.data());
    std::fill(state.gradient.w_dec.begin(), state.gradient.w_dec.end(), 0.0f);
  }
  // Without biases they stay at their initial zero: zero gradients leave Adam's update 0.
  if (!method.bias) {
    std::fill(state.gradient.b_enc.begin(), state.gradient.b_enc.end(), 0.0f);
    std::fill(state.gradient.b_dec.begin(), state.gradient.b_dec.end(), 0.0f);
  }
  const std::array<AdamSlot, 5> slots = SlotsOf(state);

  // Global-norm clipping.
  double grad_norm_sq = 0;
  for (const AdamSlot& slot : slots) {
    grad_norm_sq +=
        kernels.sum_squares(static_cast<int64_t>(slot.grad->size()), slot.grad->data());
  }
  if (!std::isfinite(grad_norm_sq)) {
    return absl::AbortedError(absl::StrFormat(
        "training diverged at step %d: gradient norm is not finite (%g)", step,
        std::sqrt(grad_norm_sq)));
  }
  const double grad_norm = std::sqrt(grad_norm_sq);

  AdamParams adam;
  // Clipping scales the gradient inside the Adam kernel (one pass over the parameters
  // instead of two; g * shrink is the same float either way).
  if (train.clip_norm > 0 && grad_norm > train.clip_norm) {
    adam.gradient_scale = static_cast<float>(train.clip_norm / grad_norm);
  }
  adam.learning_rate = static_cast<float>(train.learning_rate * LearningRateScale(train, step));
  adam.bias_correction1 = static_cast<float>(1.0 - std::pow(adam.beta1, step + 1));
  adam.bias_correction2 = static_cast<float>(1.0 - std::pow(adam.beta2, step + 1));
  // Untied unit-norm decoder: Adam and renormalisation in one pass over its rows.
  const bool fused_decoder = !method.tied && method.unit_norm_decoder;
  for (const AdamSlot& slot : slots) {
    if (fused_decoder && slot.param == &state.model.w_dec) {
      kernels.adam_normalize_rows(state.model.n_q, state.model.n_r, adam, slot.param->data(),
                                  slot.grad->data(), slot.m->data(), slot.v->data());
      continue;
    }
    kernels.adam_update(static_cast<int64_t>(slot.param->size()), adam, slot.param->data(),
                        slot.grad->data(), slot.m->data(), slot.v->data());
  }
  if (method.tied) {
    if (method.unit_norm_decoder) {
      kernels.normalize_rows(state.model.w_enc.data(), state.model.n_q, state.model.n_p,
                             state.model.n_p);
    }
    state.model.w_dec = state.model.w_enc;
  }
  UpdateInferenceState(method, state.workspace, step, state.model);
  ++state.steps_done;
  return *loss;
}

absl::StatusOr<TrainResult> Train(const MethodSpec& method, const TrainSpec& train,
                                  const Anchors& anchors, const TrainingData& data,
                                  const KernelTable& kernels, uint64_t seed,
                                  const ProgressCallback& progress,
                                  const CheckpointCallback& checkpoint) {
  LRB_RETURN_IF_ERROR(ValidateInputs(method, train, anchors, data));
  const auto start = std::chrono::steady_clock::now();

  TrainResult result;
  TrainState state = InitTrainState(method, data.n_p, data.n_r, seed);
  const int64_t batch = train.batch;
  std::vector<float> batch_inputs(batch * data.n_p);
  std::vector<float> batch_targets(batch * data.n_r);
  const bool separate_targets = data.targets != data.inputs;
  std::vector<int64_t> order;
  int64_t epoch = -1;
  int64_t cursor = data.rows;  // forces a new epoch on the first step

  const int64_t dead_window = std::max<int64_t>(1, train.steps / 10);
  const int64_t curve_every = std::max<int64_t>(1, train.steps / 100);
  const int64_t progress_every = std::max<int64_t>(1, train.steps / 100);
  double loss_since_checkpoint = 0;
  int64_t steps_since_checkpoint = 0;

  for (int64_t step = 0; step < train.steps; ++step) {
    // Assemble the batch; an epoch ends when fewer than `batch` unseen samples remain.
    if (cursor + batch > data.rows) {
      order = EpochOrder(seed, ++epoch, data.rows);
      cursor = 0;
    }
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t sample = order[cursor + b];
      std::copy_n(data.inputs + sample * data.n_p, data.n_p, batch_inputs.data() + b * data.n_p);
      if (separate_targets) {
        std::copy_n(data.targets + sample * data.n_r, data.n_r,
                    batch_targets.data() + b * data.n_r);
      }
    }
    cursor += batch;
    const Batch view{batch_inputs.data(),
                     separate_targets ? batch_targets.data() : batch_inputs.data(), batch};

    const absl::StatusOr<LossTerms> loss =
        TrainStep(method, train, anchors, view, kernels, seed, state);
    if (!loss.ok()) return loss.status();

    result.log.final_loss = loss->total();
    if (step % curve_every == 0 || step + 1 == train.steps) {
      result.log.loss_curve.emplace_back(step, loss->total());
    }
    if (progress && (step % progress_every == 0 || step + 1 == train.steps)) {
      progress(step + 1, train.steps, loss->total());
    }
    loss_since_checkpoint += loss->total();
    ++steps_since_checkpoint;
    if (checkpoint && train.eval_every > 0 &&
        ((step + 1) % train.eval_every == 0 || step + 1 == train.steps)) {
      LRB_RETURN_IF_ERROR(checkpoint(step + 1, state.model,
                                     loss_since_checkpoint /
                                         static_cast<double>(steps_since_checkpoint)));
      loss_since_checkpoint = 0;
      steps_since_checkpoint = 0;
    }
  }

  result.log.latents_resampled = state.latents_resampled;
  result.model = std::move(state.model);
  result.log.steps = train.steps;
  const int64_t window_start = train.steps - dead_window;
  result.log.dead_fraction =
      static_cast<double>(std::count_if(state.last_active.begin(), state.last_active.end(),
                                        [&](int64_t s) { return s < window_start; })) /
      static_cast<double>(method.latents);
  result.log.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace lrb::sdl
