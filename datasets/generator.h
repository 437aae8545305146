#ifndef LRB_DATASETS_GENERATOR_H_
#define LRB_DATASETS_GENERATOR_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_spec.h"
#include "datasets/lrb_spec.h"

namespace lrb::datasets {

// Generates the dataset for `spec` with up to `threads` threads. The result (every byte and
// the content hash) depends only on the spec, never on `threads`. Fails with a clear error
// if the interference bound is not reached within the iteration cap.
//
// What is generated, and where each part is specified:
//   features_p    Gaussian unit rows + projected gradient descent (feature_matrix.h);
//                 crosscoder: one such matrix per source, concatenated per feature;
//                 lrb_hier: children mixed towards their parents (dataset_spec.h);
//                 tms: the learned columns of W (tms.h)
//   features_r    transcoder: W_r by the same recipe from its own stream
//   codes         sparse_codes.h (geometric skipping for the paper's lrb)
//   anchor_order  Fisher-Yates permutation of [0, n)
//   num_train     N - llround(eval * N)
//   content_hash  ComputeContentHash (dataset.h)
// The random draws of each are laid out in rng_streams.h. report.pgd_seconds covers every
// feature matrix (Gaussian start, checks and steps). Errors: InvalidArgument for an
// invalid spec or threads < 1; ResourceExhausted when PGD hits `iters`;
// FailedPrecondition for acts(...), which only ImportActivations (activations.h) makes.
absl::StatusOr<Dataset> GenerateDataset(const DatasetSpec& spec, int threads);

// ParseDatasetSpec + GenerateDataset.
absl::StatusOr<Dataset> GenerateDataset(std::string_view spec_text, int threads);

// Fisher-Yates from the front on CounterRng(seed, stream): step i swaps position i with
// position i + Below(i, n - i). anchor_order is SeededPermutation(n, seed, kAnchorStream).
std::vector<int32_t> SeededPermutation(int64_t n, uint64_t seed, uint64_t stream);

// The paper's lrb family alone: GenerateDataset(DatasetSpec{.family = spec}, threads).
absl::StatusOr<Dataset> GenerateLrb(const LrbSpec& spec, int threads);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_GENERATOR_H_
