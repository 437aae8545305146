#include "sdl/train_spec.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "util/spec_parser.h"
#include "util/status_macros.h"

namespace lrb::sdl {

absl::StatusOr<TrainSpec> ParseTrainSpec(std::string_view text) {
  LRB_ASSIGN_OR_RETURN(const std::vector<SpecTerm> terms, ParseSpecTerms(text));
  if (terms.size() != 1 || terms[0].name != "train") {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training spec \"%s\": expected a single term train(...)", text));
  }
  SpecArgReader args(terms[0]);
  TrainSpec spec;
  LRB_RETURN_IF_ERROR(args.Int("steps", spec.steps, 1, 100000000, &spec.steps));
  LRB_RETURN_IF_ERROR(args.Int("batch", spec.batch, 1, 1 << 20, &spec.batch));
  LRB_RETURN_IF_ERROR(args.Double("lr", spec.learning_rate, 1e-12, 10, &spec.learning_rate));
  LRB_RETURN_IF_ERROR(args.Int("warmup", spec.warmup_steps, 0, 100000000, &spec.warmup_steps));
  LRB_RETURN_IF_ERROR(args.Double("decay", spec.decay_fraction, 0, 1, &spec.decay_fraction));
  LRB_RETURN_IF_ERROR(args.Double("clip", spec.clip_norm, 0, 1e9, &spec.clip_norm));
  LRB_RETURN_IF_ERROR(args.Int("eval_every", spec.eval_every, 0, 100000000, &spec.eval_every));
  LRB_RETURN_IF_ERROR(args.Finish());
  if (spec.eval_every > spec.steps) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training spec \"%s\": eval_every=%d exceeds steps=%d; expected 0 (no trajectory) or "
        "a step count in [1, %d]",
        text, spec.eval_every, spec.steps, spec.steps));
  }
  return spec;
}

std::string ToString(const TrainSpec& spec) {
  const std::string trajectory =
      spec.eval_every > 0 ? absl::StrFormat(",eval_every=%d", spec.eval_every) : "";
  return absl::StrFormat("train(steps=%d,batch=%d,lr=%s,warmup=%d,decay=%s,clip=%s%s)",
                         spec.steps, spec.batch, FormatSpecNumber(spec.learning_rate),
                         spec.warmup_steps, FormatSpecNumber(spec.decay_fraction),
                         FormatSpecNumber(spec.clip_norm), trajectory);
}

double LearningRateScale(const TrainSpec& spec, int64_t step) {
  double scale = 1.0;
  if (spec.warmup_steps > 0 && step < spec.warmup_steps) {
    scale = static_cast<double>(step + 1) / static_cast<double>(spec.warmup_steps);
  }
  const double decay_steps = spec.decay_fraction * static_cast<double>(spec.steps);
  const double decay_start = static_cast<double>(spec.steps) - decay_steps;
  if (decay_steps > 0 && static_cast<double>(step) >= decay_start) {
    scale = std::min(scale, (static_cast<double>(spec.steps - step)) / decay_steps);
  }
  return std::clamp(scale, 0.0, 1.0);
}

}  // namespace lrb::sdl
