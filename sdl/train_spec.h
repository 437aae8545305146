#ifndef LRB_SDL_TRAIN_SPEC_H_
#define LRB_SDL_TRAIN_SPEC_H_

// TrainSpec: the training budget and optimiser settings, canonical like MethodSpec:
//   train(steps=2000,batch=256,lr=0.001,warmup=100,decay=0.2,clip=1)
// Learning rate: linear warm-up over `warmup` steps, constant, then linear decay to zero
// over the last `decay` fraction of the steps. `clip` bounds the global gradient L2 norm
// (0 = no clipping). `eval_every` = E > 0 asks for a metric trajectory: the model is scored
// after every E steps and after the last (Train's CheckpointCallback); 0, the default, records
// none and is left out of the canonical text, so specs written before it keep their text.
// Scoring reads the model and changes nothing in training: the trained model is the same
// bytes with or without it.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lrb::sdl {

struct TrainSpec {
  int64_t steps = 2000;
  int64_t batch = 256;
  double learning_rate = 1e-3;
  int64_t warmup_steps = 100;
  double decay_fraction = 0.2;
  double clip_norm = 1.0;
  int64_t eval_every = 0;
  bool operator==(const TrainSpec&) const = default;
};

absl::StatusOr<TrainSpec> ParseTrainSpec(std::string_view text);
std::string ToString(const TrainSpec& spec);

// The learning-rate multiplier in [0, 1] at 0-based step `step`.
double LearningRateScale(const TrainSpec& spec, int64_t step);

}  // namespace lrb::sdl

#endif  // LRB_SDL_TRAIN_SPEC_H_
