#ifndef LRB_DATASETS_GENERATOR_H_
#define LRB_DATASETS_GENERATOR_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/lrb_spec.h"

namespace lrb::datasets {

// Generates the dataset for `spec` with up to `threads` threads. The result (every byte and
// the content hash) depends only on the spec, never on `threads`. Fails with a clear error
// if the interference bound is not reached within the iteration cap.
absl::StatusOr<Dataset> GenerateLrb(const LrbSpec& spec, int threads);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_GENERATOR_H_
