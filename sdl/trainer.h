#ifndef LRB_SDL_TRAINER_H_
#define LRB_SDL_TRAINER_H_

// The Trainer owns the loop: seeded batch order, Adam with warm-up/decay and global-norm
// clipping, decoder renormalisation, dead-latent bookkeeping and divergence detection.
// Methods supply only their loss and gradient (methods.h). It trains on dense matrices and
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
#include "sdl/methods.h"
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
  int64_t latents_resampled = 0;  // by the resample(...) modifier
  std::vector<std::pair<int64_t, double>> loss_curve;  // (step, total loss), ~100 points
};

struct TrainResult {
  SaeModel model;
  TrainLog log;
};

// Everything one training run carries from step to step: the model, the Adam moments and
// the scratch that every step reuses. Made by InitTrainState, advanced by TrainStep.
struct TrainState {
  SaeModel model;
  SaeGradient adam_m, adam_v;  // Adam's first and second moments, shaped like the model
  SaeGradient gradient;        // the last step's gradient, before clipping
  MethodWorkspace workspace;   // scratch reused by every step
  int64_t steps_done = 0;      // 0-based index of the next step (learning-rate schedule)
  // Per latent, the last step in which it was active (-1: never). Drives AuxK's dead set,
  // resampling and the dead fraction of the log.
  std::vector<int64_t> last_active;
  int64_t latents_resampled = 0;
};

// The initial model (InitMethodModel with `seed`) and zero moments.
TrainState InitTrainState(const MethodSpec& method, int64_t n_p, int64_t n_r, uint64_t seed);

// One optimisation step on `batch`: dead-latent resampling when due, the method's loss and
// gradient, tying and frozen biases, global-norm clipping, Adam at the schedule's learning
// rate for step state.steps_done, decoder renormalisation, inference state (BatchTopK).
// Returns the batch's loss before the update. Fails with Aborted ("training diverged at step
// N: ...") when the loss or the gradient is not finite; the state is then unusable.
// Train() is a loop of these; the training-step benchmark calls it directly.
// `seed` keys the random draws of resampling.
absl::StatusOr<LossTerms> TrainStep(const MethodSpec& method, const TrainSpec& train,
                                    const Anchors& anchors, const Batch& batch,
                                    const KernelTable& kernels, uint64_t seed,
                                    TrainState& state);

// Called every ~1% of the steps with (steps done, total steps, current loss).
using ProgressCallback = std::function<void(int64_t, int64_t, double)>;

// Called when train.eval_every = E > 0, after every E steps and after the last step, with
// the steps done, the model as it is then (inference state included) and the mean batch
// loss over the steps since the previous call. It only reads: what it does cannot change
// the training. An error it returns stops training and is returned by Train.
using CheckpointCallback =
    std::function<absl::Status(int64_t steps_done, const SaeModel& model, double mean_loss)>;

// Trains `method` on `data`. Same arguments and backend -> same bytes. Fails with
// InvalidArgument for inconsistent shapes or anchors, and with Aborted naming the step and
// the value when the loss or the parameters stop being finite (a diverged run is a result,
// never a crash or a NaN score).
absl::StatusOr<TrainResult> Train(const MethodSpec& method, const TrainSpec& train,
                                  const Anchors& anchors, const TrainingData& data,
                                  const KernelTable& kernels, uint64_t seed,
                                  const ProgressCallback& progress = nullptr,
                                  const CheckpointCallback& checkpoint = nullptr);

}  // namespace lrb::sdl

#endif  // LRB_SDL_TRAINER_H_
