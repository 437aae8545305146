#include "sdl/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "absl/strings/str_format.h"
#include "sdl/topk_sae.h"
#include "util/philox.h"
#include "util/status_macros.h"

namespace lrb::sdl {
namespace {

// Random stream of the batch order; epoch e uses stream kBatchOrderStream + e.
constexpr uint64_t kBatchOrderStream = 0x2000;

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
  if (method.k > method.latents) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "k=%d exceeds latents=%d", method.k, method.latents));
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

// One parameter array with its Adam moments.
struct AdamSlot {
  std::vector<float>* param;
  std::vector<float>* grad;
  std::vector<float> m, v;
};

}  // namespace

absl::StatusOr<TrainResult> Train(const MethodSpec& method, const TrainSpec& train,
                                  const Anchors& anchors, const TrainingData& data,
                                  const KernelTable& kernels, uint64_t seed,
                                  const ProgressCallback& progress) {
  LRB_RETURN_IF_ERROR(ValidateInputs(method, train, anchors, data));
  const auto start = std::chrono::steady_clock::now();

  TrainResult result;
  SaeModel& model = result.model;
  model = InitSaeModel(data.n_p, data.n_r, method.latents, seed);
  SaeGradient grad;
  TopkWorkspace workspace;
  std::vector<AdamSlot> slots = {{&model.w_enc, &grad.w_enc, {}, {}},
                                 {&model.b_enc, &grad.b_enc, {}, {}},
                                 {&model.w_dec, &grad.w_dec, {}, {}},
                                 {&model.b_dec, &grad.b_dec, {}, {}}};
  for (AdamSlot& slot : slots) {
    slot.m.assign(slot.param->size(), 0.0f);
    slot.v.assign(slot.param->size(), 0.0f);
  }

  const int64_t batch = train.batch;
  std::vector<float> batch_inputs(batch * data.n_p);
  std::vector<float> batch_targets(batch * data.n_r);
  const bool separate_targets = data.targets != data.inputs;
  std::vector<int64_t> order;
  int64_t epoch = -1;
  int64_t cursor = data.rows;  // forces a new epoch on the first step

  const int64_t dead_window = std::max<int64_t>(1, train.steps / 10);
  std::vector<int64_t> last_active(method.latents, -1);
  const int64_t curve_every = std::max<int64_t>(1, train.steps / 100);
  const int64_t progress_every = std::max<int64_t>(1, train.steps / 100);

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
        TopkLossAndGradient(method, model, anchors, view, kernels, workspace, &grad);
    if (!loss.ok()) {
      return absl::AbortedError(
          absl::StrFormat("training diverged at step %d: %s", step, loss.status().message()));
    }
    for (int32_t latent : workspace.active) last_active[latent] = step;

    // Global-norm clipping.
    double grad_norm_sq = 0;
    for (const AdamSlot& slot : slots) {
      grad_norm_sq += kernels.sum_squares(static_cast<int64_t>(slot.grad->size()),
                                          slot.grad->data());
    }
    if (!std::isfinite(grad_norm_sq)) {
      return absl::AbortedError(absl::StrFormat(
          "training diverged at step %d: gradient norm is not finite (%g)", step,
          std::sqrt(grad_norm_sq)));
    }
    const double grad_norm = std::sqrt(grad_norm_sq);
    if (train.clip_norm > 0 && grad_norm > train.clip_norm) {
      const float shrink = static_cast<float>(train.clip_norm / grad_norm);
      for (AdamSlot& slot : slots) {
        for (float& g : *slot.grad) g *= shrink;
      }
    }

    AdamParams adam;
    adam.learning_rate =
        static_cast<float>(train.learning_rate * LearningRateScale(train, step));
    adam.bias_correction1 = static_cast<float>(1.0 - std::pow(adam.beta1, step + 1));
    adam.bias_correction2 = static_cast<float>(1.0 - std::pow(adam.beta2, step + 1));
    for (AdamSlot& slot : slots) {
      kernels.adam_update(static_cast<int64_t>(slot.param->size()), adam, slot.param->data(),
                          slot.grad->data(), slot.m.data(), slot.v.data());
    }
    if (method.unit_norm_decoder) {
      kernels.normalize_rows(model.w_dec.data(), model.n_q, model.n_r, model.n_r);
    }

    result.log.final_loss = loss->total();
    if (step % curve_every == 0 || step + 1 == train.steps) {
      result.log.loss_curve.emplace_back(step, loss->total());
    }
    if (progress && (step % progress_every == 0 || step + 1 == train.steps)) {
      progress(step + 1, train.steps, loss->total());
    }
  }

  result.log.steps = train.steps;
  const int64_t window_start = train.steps - dead_window;
  result.log.dead_fraction =
      static_cast<double>(std::count_if(last_active.begin(), last_active.end(),
                                        [&](int64_t s) { return s < window_start; })) /
      static_cast<double>(method.latents);
  result.log.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace lrb::sdl
