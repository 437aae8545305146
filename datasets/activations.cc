#include "datasets/activations.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datasets/dataset_spec.h"
#include "datasets/generator.h"
#include "datasets/npy.h"
#include "datasets/rng_streams.h"
#include "util/stable_hash.h"
#include "util/status_macros.h"

namespace lrb::datasets {

absl::StatusOr<Dataset> MakeActivationsDataset(ActivationsInput input,
                                               const ImportOptions& options) {
  const int64_t rows = input.num_rows, dim = input.dim;
  int64_t count = 0;
  if (rows < 1 || dim < 1 || __builtin_mul_overflow(rows, dim, &count) ||
      static_cast<int64_t>(input.matrix.size()) != count) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "activations: expected an N x d matrix with N, d >= 1, got %d x %d with %d values", rows,
        dim, input.matrix.size()));
  }
  for (int64_t k = 0; k < rows * dim; ++k) {
    if (!std::isfinite(input.matrix[k])) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "activations: value %g at row %d, column %d is not finite", input.matrix[k], k / dim,
          k % dim));
    }
  }
  int64_t classes = 0;
  if (!input.labels.empty()) {
    if (static_cast<int64_t>(input.labels.size()) != rows) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "activations: %d labels for %d rows", input.labels.size(), rows));
    }
    for (int64_t s = 0; s < rows; ++s) {
      if (input.labels[s] < 0 || input.labels[s] >= 1000000) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "activations: label %d of row %d is outside [0, 1000000)", input.labels[s], s));
      }
      classes = std::max(classes, input.labels[s] + 1);
    }
  }

  StableHasher hasher;
  hasher.UpdateField("lrb.acts.v1");
  hasher.Update(&rows, sizeof(rows));
  hasher.Update(&dim, sizeof(dim));
  hasher.Update(input.matrix.data(), input.matrix.size() * sizeof(float));
  hasher.Update(input.labels.data(), input.labels.size() * sizeof(int64_t));
  DatasetSpec spec;
  spec.family = ActivationsSpec{.data_hash = hasher.HexDigest(),
                                .num_samples = rows,
                                .dim = dim,
                                .classes = classes,
                                .eval_fraction = options.eval_fraction,
                                .seed = options.seed};
  LRB_RETURN_IF_ERROR(ValidateDatasetSpec(spec));

  Dataset d;
  d.spec = ToString(spec);
  d.has_ground_truth = false;
  d.n = classes;
  d.n_p = dim;
  d.n_r = dim;
  d.codes.rows = rows;
  d.codes.cols = classes;
  d.num_train = rows - NumEvalSamples(spec);
  const std::vector<int32_t> order = SeededPermutation(rows, options.seed, kRowOrderStream);
  d.dense_inputs.resize(rows * dim);
  d.source_rows.resize(rows);
  if (classes > 0) d.labels.resize(rows);
  for (int64_t s = 0; s < rows; ++s) {
    const int64_t source = order[s];
    d.source_rows[s] = source;
    std::copy(input.matrix.begin() + source * dim, input.matrix.begin() + (source + 1) * dim,
              d.dense_inputs.begin() + s * dim);
    if (classes > 0) d.labels[s] = input.labels[source];
  }

  // Class means of the training split, in double, then unit-normalised.
  std::vector<double> sums(classes * dim, 0.0);
  std::vector<int64_t> counts(classes, 0);
  for (int64_t s = 0; s < d.num_train && classes > 0; ++s) {
    const int64_t c = d.labels[s];
    ++counts[c];
    const float* row = d.dense_inputs.data() + s * dim;
    for (int64_t k = 0; k < dim; ++k) sums[c * dim + k] += row[k];
  }
  d.features_p.resize(classes * dim);
  for (int64_t c = 0; c < classes; ++c) {
    if (counts[c] == 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "activations: class %d has no training rows (labels must cover 0..%d, and every "
          "class needs rows in the training split)",
          c, classes - 1));
    }
    double norm_sq = 0;
    for (int64_t k = 0; k < dim; ++k) norm_sq += sums[c * dim + k] * sums[c * dim + k];
    if (!(norm_sq > 0)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("activations: the mean of class %d is zero: no direction", c));
    }
    const double inv_norm = 1 / std::sqrt(norm_sq);
    for (int64_t k = 0; k < dim; ++k) {
      d.features_p[c * dim + k] = static_cast<float>(sums[c * dim + k] * inv_norm);
    }
  }
  d.anchor_order = SeededPermutation(classes, options.seed, kAnchorStream);
  d.content_hash = ComputeContentHash(d);
  return d;
}

absl::StatusOr<Dataset> ImportActivations(const std::string& matrix_path,
                                          const std::string& labels_path,
                                          const ImportOptions& options) {
  LRB_ASSIGN_OR_RETURN(NpyArray<float> matrix, ReadNpyFloat(matrix_path));
  if (matrix.shape.size() != 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: expected a 2-D N x d matrix, got %d dimensions", matrix_path, matrix.shape.size()));
  }
  ActivationsInput input{std::move(matrix.values), matrix.shape[0], matrix.shape[1], {}};
  if (!labels_path.empty()) {
    LRB_ASSIGN_OR_RETURN(NpyArray<int64_t> labels, ReadNpyInt(labels_path));
    if (labels.shape.size() != 1 || labels.shape[0] != input.num_rows) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: expected %d labels (shape (%d,)) for %s", labels_path, input.num_rows,
          input.num_rows, matrix_path));
    }
    input.labels = std::move(labels.values);
  }
  absl::StatusOr<Dataset> dataset = MakeActivationsDataset(std::move(input), options);
  if (!dataset.ok()) {
    return absl::Status(dataset.status().code(),
                        absl::StrCat(matrix_path, ": ", dataset.status().message()));
  }
  return dataset;
}

}  // namespace lrb::datasets
