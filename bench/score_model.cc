#include "bench/score_model.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "bench/scoring/codes.h"
#include "bench/scoring/encode.h"
#include "sdl/kernels/kernels.h"
#include "util/status_macros.h"

namespace lrb::bench {

absl::StatusOr<scoring::RunScores> ScoreModel(const sdl::MethodSpec& method,
                                              const sdl::SaeModel& model,
                                              const datasets::Dataset& d,
                                              const float* eval_inputs, const float* eval_targets,
                                              const std::vector<bool>& anchored) {
  if (static_cast<int64_t>(d.codes.indptr.size()) != d.num_samples() + 1) {
    return absl::FailedPreconditionError(
        "the dataset has no ground-truth codes; the scorer needs them for its eval metrics");
  }
  const sdl::KernelTable& kernels = sdl::SimdKernels();
  const int64_t n_eval = d.num_samples() - d.num_train;
  LRB_ASSIGN_OR_RETURN(const datasets::SparseCodes eval_codes,
                       scoring::EncodeCodes(method, model, eval_inputs, n_eval, kernels));
  scoring::ScoringInputs inputs;
  inputs.n_q = model.n_q;
  inputs.n_p = model.n_p;
  inputs.n_r = model.n_r;
  inputs.encoder_rows = model.w_enc.data();
  inputs.decoder_rows = model.w_dec.data();
  inputs.decoder_bias = model.b_dec.data();
  inputs.n = d.n;
  inputs.features_p = d.features_p.data();
  inputs.features_r = d.target_features().data();
  inputs.excluded = anchored;
  inputs.true_codes = scoring::ViewRows(d.codes, d.num_train, d.num_samples());
  inputs.learned_codes = scoring::ViewRows(eval_codes, 0, n_eval);
  inputs.eval_targets = eval_targets;
  const scoring::Hierarchy hierarchy{d.parent};
  inputs.hierarchy = d.parent.empty() ? nullptr : &hierarchy;
  return scoring::ScoreRun(inputs, kernels);
}

}  // namespace lrb::bench
