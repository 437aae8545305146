#ifndef LRB_DATASETS_GENERATOR_H_
#define LRB_DATASETS_GENERATOR_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/lrb_spec.h"

namespace lrb::datasets {

// Generates the dataset for `spec` with up to `threads` threads. The result (every byte and
// the content hash) depends only on the spec, never on `threads`. Fails with a clear error
// if the interference bound is not reached within the iteration cap.
//
// What is generated, and where each part is specified:
//   features_p    Gaussian unit rows + projected gradient descent (feature_matrix.h)
//   codes         geometric-skipping Bernoulli(1 - S) masks, c_min + beta * Exp(1) values
//                 (sparse_codes.h)
//   anchor_order  Fisher-Yates permutation of [0, n)
//   num_train     N - llround(eval * N) (lrb_spec.h)
//   content_hash  ComputeContentHash (dataset.h)
// The random draws of each are laid out in rng_streams.h. report.pgd_seconds covers the
// whole feature matrix (Gaussian start, checks and steps). Errors: InvalidArgument for an
// invalid spec (ValidateLrbSpec) or threads < 1; ResourceExhausted when PGD hits `iters`.
absl::StatusOr<Dataset> GenerateLrb(const LrbSpec& spec, int threads);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_GENERATOR_H_
