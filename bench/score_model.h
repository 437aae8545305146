#ifndef LRB_BENCH_SCORE_MODEL_H_
#define LRB_BENCH_SCORE_MODEL_H_

// One model scored on one dataset, the same way for `lrb run` (a model LRB just trained) and
// `lrb score` (a model trained anywhere): encode the dataset's evaluation split with the
// method's inference, then hand dictionary, codes and ground truth to the scorer.

#include <vector>

#include "absl/status/statusor.h"
#include "bench/scoring/scoring.h"
#include "datasets/dataset.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"

namespace lrb::bench {

// eval_inputs: (num_samples - num_train) x n_p, the evaluation split's inputs; eval_targets:
// the same rows x n_r (for an SAE, eval_inputs itself). anchored: d.n flags, features left
// out of the averages. Scoring always runs on the SIMD kernels, whatever backend trained the
// model, so the scores of a scalar-trained and a SIMD-trained model are computed the same way
// (and a paper-size scoring takes seconds, not minutes of scalar GEMM). Fails when the dataset
// has no ground-truth codes, or on shapes the scorer refuses.
absl::StatusOr<scoring::RunScores> ScoreModel(const sdl::MethodSpec& method,
                                              const sdl::SaeModel& model,
                                              const datasets::Dataset& d,
                                              const float* eval_inputs, const float* eval_targets,
                                              const std::vector<bool>& anchored);

}  // namespace lrb::bench

#endif  // LRB_BENCH_SCORE_MODEL_H_
