#ifndef LRB_DATASETS_ACTIVATIONS_H_
#define LRB_DATASETS_ACTIVATIONS_H_

// Real activations supplied by a user: an N x d matrix (.npy, float32 or float16) and
// optional integer class labels (.npy, int32 or int64, N entries, >= 0). There is no
// ground truth; with labels, the paper's real-data recipe (docs/paper.md section 5) gives
// class-mean anchors and a class-mean proxy ground truth.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"

namespace lrb::datasets {

struct ActivationsInput {
  std::vector<float> matrix;   // N x d row-major
  int64_t num_rows = 0;
  int64_t dim = 0;
  std::vector<int64_t> labels;  // N entries, or empty
};

struct ImportOptions {
  double eval_fraction = 0.1;
  uint64_t seed = 0;
};

// The Dataset (has_ground_truth = false):
//   rows        stored in a seeded random order (SeededPermutation(N, seed,
//               kRowOrderStream): stored row s is the user's row source_rows[s]), so the
//               contiguous split [0, num_train) / [num_train, N) is a random split;
//   features_p  one row per class c in [0, classes = max label + 1): the mean of the
//               training rows labelled c, accumulated in double, normalised to unit norm
//               (features_r empty, n = n_r... = classes; n_p = n_r = d);
//   anchor_order  SeededPermutation(classes, seed, kAnchorStream);
//   spec        acts(data=<stable hash of matrix and labels>,N,d,classes,eval,seed).
// Errors (InvalidArgument) name the problem: a non-finite value (row, column), a negative
// label, a label count that differs from N, a class without training rows or with a zero
// mean.
absl::StatusOr<Dataset> MakeActivationsDataset(ActivationsInput input,
                                               const ImportOptions& options);

// Reads the .npy files (labels_path may be empty) and calls MakeActivationsDataset.
absl::StatusOr<Dataset> ImportActivations(const std::string& matrix_path,
                                          const std::string& labels_path,
                                          const ImportOptions& options);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_ACTIVATIONS_H_
