#include "datasets/generator.h"

#include <chrono>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "datasets/feature_matrix.h"
#include "datasets/rng_streams.h"
#include "datasets/sparse_codes.h"
#include "util/philox.h"
#include "util/status_macros.h"

namespace lrb::datasets {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Fisher-Yates from the front: step i swaps position i with a uniform one in [i, n).
std::vector<int32_t> AnchorOrder(int64_t n, uint64_t seed) {
  const CounterRng rng(seed, kAnchorStream);
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = 0; i + 1 < n; ++i) {
    const int64_t j = i + static_cast<int64_t>(rng.Below(i, static_cast<uint64_t>(n - i)));
    std::swap(order[i], order[j]);
  }
  return order;
}

}  // namespace

absl::StatusOr<Dataset> GenerateLrb(const LrbSpec& spec, int threads) {
  LRB_RETURN_IF_ERROR(ValidateLrbSpec(spec));
  if (threads < 1) {
    return absl::InvalidArgumentError(absl::StrFormat("GenerateLrb: threads=%d < 1", threads));
  }
  Dataset dataset;
  dataset.spec = ToString(spec);
  dataset.n = spec.n;
  dataset.n_p = spec.n_p;
  dataset.n_r = spec.n_p;  // SAE case: x_r = x_p, features_r stays empty

  const auto pgd_start = std::chrono::steady_clock::now();
  LRB_ASSIGN_OR_RETURN(FeatureMatrix features,
                       GenerateFeatureMatrix({.n = spec.n,
                                              .n_p = spec.n_p,
                                              .max_interference = spec.max_interference,
                                              .eps = spec.pgd_eps,
                                              .lambda = spec.pgd_lambda,
                                              .step = spec.pgd_step,
                                              .max_iterations = spec.pgd_max_iterations,
                                              .seed = spec.seed,
                                              .stream = kFeatureStream},
                                             threads));
  dataset.features_p = std::move(features.rows);
  dataset.report.pgd_iterations = static_cast<int>(features.iterations);
  dataset.report.max_interference = features.max_interference;
  dataset.report.pgd_seconds = SecondsSince(pgd_start);

  const auto codes_start = std::chrono::steady_clock::now();
  dataset.codes = GenerateSparseCodes({.num_samples = spec.num_samples,
                                       .n = spec.n,
                                       .sparsity = spec.sparsity,
                                       .c_min = spec.c_min,
                                       .beta = spec.beta,
                                       .seed = spec.seed},
                                      threads);
  dataset.report.codes_seconds = SecondsSince(codes_start);

  dataset.num_train = NumTrainSamples(spec);
  dataset.anchor_order = AnchorOrder(spec.n, spec.seed);
  dataset.content_hash = ComputeContentHash(dataset);
  return dataset;
}

}  // namespace lrb::datasets
