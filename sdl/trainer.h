#ifndef LRB_SDL_TRAINER_H_
#define LRB_SDL_TRAINER_H_

// The Trainer owns the loop: seeded batch order, Adam with warm-up/decay and global-norm
// clipping, decoder renormalisation, dead-latent bookkeeping and divergence detection.
// Methods supply only their loss and gradient (topk_sae.h). It trains on dense matrices and
// knows nothing of datasets.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"
#include "sdl/train_spec.h"

namespace lrb::sdl {

// Training data: rows samples, inputs rows x n_p and targets rows x n_r, row-major.
// For an SAE, targets may equal inputs.
struct TrainingData {
  const float* inputs = nullptr;
  const float* targets = nullptr;
  int64_t rows = 0;
  int64_t n_p = 0;
  int64_t n_r = 0;
};

struct TrainLog {
  int64_t steps = 0;
  double seconds = 0;
  double final_loss = 0;  // total loss of the last step's batch
  // Fraction of latents that were never active in the last max(1, steps/10) steps.
  double dead_fraction = 0;
  std::vector<std::pair<int64_t, double>> loss_curve;  // (step, total loss), ~100 points
};

struct TrainResult {
  SaeModel model;
  TrainLog log;
};

// Called every ~1% of the steps with (steps done, total steps, current loss).
using ProgressCallback = std::function<void(int64_t, int64_t, double)>;

// Trains `method` on `data`. Same arguments and backend -> same bytes. Fails with
// InvalidArgument for inconsistent shapes or anchors, and with Aborted naming the step and
// the value when the loss or the parameters stop being finite (a diverged run is a result,
// never a crash or a NaN score).
absl::StatusOr<TrainResult> Train(const MethodSpec& method, const TrainSpec& train,
                                  const Anchors& anchors, const TrainingData& data,
                                  const KernelTable& kernels, uint64_t seed,
                                  const ProgressCallback& progress = nullptr);

}  // namespace lrb::sdl

#endif  // LRB_SDL_TRAINER_H_
