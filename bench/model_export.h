#ifndef LRB_BENCH_MODEL_EXPORT_H_
#define LRB_BENCH_MODEL_EXPORT_H_

// A trained model on disk for Python users: NumPy files in the paper's orientation plus a
// JSON description of how the model was made.
//   W_E.npy   float32 (n_q, n_p)   row i: latent i's encoder row
//   b_E.npy   float32 (n_q,)
//   W_D.npy   float32 (n_r, n_q)   column i: latent i's decoder direction
//   b_D.npy   float32 (n_r,)
//   extra.npy float32 (e,)         family parameters, only when the family has them
//                                  (JumpReLU: n_q log-thresholds; Gated: n_q log-scales then
//                                  n_q magnitude biases)
//   model.json                     format, method spec and family version, shapes, the
//                                  BatchTopK threshold, the run's provenance, the anchoring
//                                  it trained with ("anchored_features": latent i was
//                                  anchored to ground-truth feature anchored_features[i];
//                                  "anchor_lambda"), and the activation as `lrb score` reads
//                                  it (bench/model_import.h; for the families it can describe)

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "leaderboard/store/run_record.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"

namespace lrb::bench {

// The anchoring a run trained with (sdl/anchoring.h, docs/paper.md section 5), as the runner
// gave it to the trainer: latent i was pulled towards the dataset's ground-truth feature
// features[i] (an index into the dataset's features) with weight lambda. Empty without
// +anchor.
struct AnchoredFeatures {
  std::vector<int64_t> features;
  double lambda = 0;
};

// Writes the files into `dir`, creating it (and its parents) if needed. Each file is written
// atomically (util/atomic_file.h) and model.json last, after removing a previous one: a
// directory with model.json holds a complete model. Fails with the path and the reason
// (strerror) when a file cannot be written; no partial or temporary file is left.
// `anchored` must match the method's +anchor(k, lambda): k features and its lambda, or
// none without it (an InvalidArgument error naming both otherwise).
absl::Status ExportModel(const sdl::MethodSpec& method, const sdl::SaeModel& model,
                         const leaderboard::RunRecord& run, const AnchoredFeatures& anchored,
                         const std::string& dir);

}  // namespace lrb::bench

#endif  // LRB_BENCH_MODEL_EXPORT_H_
