#include "datasets/generator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "datasets/feature_matrix.h"
#include "datasets/rng_streams.h"
#include "datasets/sparse_codes.h"
#include "datasets/tms.h"
#include "util/philox.h"
#include "util/status_macros.h"

namespace lrb::datasets {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<int32_t> AnchorOrder(int64_t n, uint64_t seed) {
  return SeededPermutation(n, seed, kAnchorStream);
}

// Breadth-first numbering: level l holds roots * branching^l nodes; node i of level l has
// the children branching * i + [0, branching) of level l + 1.
HierarchyLayout MakeHierarchy(const HierarchySpec& spec) {
  HierarchyLayout h;
  const int64_t n = NumHierarchyFeatures(spec);
  h.parent.assign(n, -1);
  h.first_child.assign(n, -1);
  h.roots = spec.roots;
  h.branching = spec.branching;
  h.exclusive = spec.exclusive;
  h.child_probability = spec.child_probability;
  int64_t level_start = 0, level_size = spec.roots;
  for (int64_t l = 0; l < spec.depth; ++l) {
    const int64_t next_start = level_start + level_size;
    for (int64_t i = 0; i < level_size; ++i) {
      const int64_t node = level_start + i;
      const int64_t first = next_start + i * spec.branching;
      h.first_child[node] = static_cast<int32_t>(first);
      for (int64_t c = 0; c < spec.branching; ++c) h.parent[first + c] = static_cast<int32_t>(node);
    }
    level_start = next_start;
    level_size *= spec.branching;
  }
  return h;
}

// Top-down (children have larger indices than parents): child c becomes
// sim * w_p + sqrt(1 - sim^2) * u, u = w_c orthogonalised against w_p and normalised, in
// double, then normalised and rounded to float. rows: n x dim.
void MixChildrenTowardsParents(const std::vector<int32_t>& parent, double similarity,
                               int64_t dim, std::vector<float>& rows) {
  if (similarity == 0) return;
  const double complement = std::sqrt(1 - similarity * similarity);
  std::vector<double> u(dim);
  for (size_t c = 0; c < parent.size(); ++c) {
    if (parent[c] < 0) continue;
    const float* w_p = rows.data() + static_cast<int64_t>(parent[c]) * dim;
    float* w_c = rows.data() + static_cast<int64_t>(c) * dim;
    double dot = 0;
    for (int64_t d = 0; d < dim; ++d) dot += static_cast<double>(w_c[d]) * w_p[d];
    double norm_sq = 0;
    for (int64_t d = 0; d < dim; ++d) {
      u[d] = w_c[d] - dot * w_p[d];
      norm_sq += u[d] * u[d];
    }
    const double inv_norm = 1 / std::sqrt(norm_sq);
    double mixed_sq = 0;
    for (int64_t d = 0; d < dim; ++d) {
      u[d] = similarity * w_p[d] + complement * u[d] * inv_norm;
      mixed_sq += u[d] * u[d];
    }
    const double inv_mixed = 1 / std::sqrt(mixed_sq);
    for (int64_t d = 0; d < dim; ++d) w_c[d] = static_cast<float>(u[d] * inv_mixed);
  }
}

struct MatrixOutcome {
  std::vector<float> rows;
  int64_t iterations = 0;
  double max_interference = 0;
};

absl::StatusOr<MatrixOutcome> FeatureRows(const LrbSpec& lrb, int64_t dim, uint64_t stream,
                                          const HierarchyLayout* hierarchy, double similarity,
                                          int threads) {
  LRB_ASSIGN_OR_RETURN(FeatureMatrix m,
                       GenerateFeatureMatrix({.n = lrb.n,
                                              .n_p = dim,
                                              .max_interference = lrb.max_interference,
                                              .eps = lrb.pgd_eps,
                                              .lambda = lrb.pgd_lambda,
                                              .step = lrb.pgd_step,
                                              .max_iterations = lrb.pgd_max_iterations,
                                              .seed = lrb.seed,
                                              .stream = stream},
                                             threads));
  MatrixOutcome out{std::move(m.rows), m.iterations, m.max_interference};
  if (hierarchy != nullptr && similarity != 0) {
    MixChildrenTowardsParents(hierarchy->parent, similarity, dim, out.rows);
    out.max_interference = MaxInterference(out.rows.data(), lrb.n, dim, threads);
  }
  return out;
}

absl::StatusOr<Dataset> GenerateLrbFamily(const DatasetSpec& spec, const LrbSpec& lrb,
                                          const HierarchySpec* hierarchy_spec, int threads) {
  Dataset dataset;
  dataset.spec = ToString(spec);
  dataset.n = lrb.n;
  std::optional<HierarchyLayout> hierarchy;
  if (hierarchy_spec != nullptr) hierarchy = MakeHierarchy(*hierarchy_spec);
  const HierarchyLayout* layout = hierarchy ? &*hierarchy : nullptr;
  const double similarity = hierarchy_spec ? hierarchy_spec->similarity : 0;

  const auto pgd_start = std::chrono::steady_clock::now();
  LRB_ASSIGN_OR_RETURN(MatrixOutcome w_p,
                       FeatureRows(lrb, lrb.n_p, kFeatureStream, layout, similarity, threads));
  dataset.report.pgd_iterations = static_cast<int>(w_p.iterations);
  dataset.report.max_interference = w_p.max_interference;
  if (spec.crosscoder.has_value()) {
    const int64_t m = spec.crosscoder->sources;
    dataset.source_dims.assign(m, lrb.n_p);
    dataset.n_p = m * lrb.n_p;
    dataset.features_p.resize(lrb.n * dataset.n_p);
    for (int64_t source = 0; source < m; ++source) {
      MatrixOutcome block;
      if (source == 0) {
        block = std::move(w_p);
      } else {
        LRB_ASSIGN_OR_RETURN(block, FeatureRows(lrb, lrb.n_p, SourceFeatureStream(source),
                                                layout, similarity, threads));
        dataset.report.pgd_iterations += static_cast<int>(block.iterations);
        dataset.report.max_interference =
            std::max(dataset.report.max_interference, block.max_interference);
      }
      for (int64_t j = 0; j < lrb.n; ++j) {
        std::copy(block.rows.begin() + j * lrb.n_p, block.rows.begin() + (j + 1) * lrb.n_p,
                  dataset.features_p.begin() + j * dataset.n_p + source * lrb.n_p);
      }
    }
    dataset.n_r = dataset.n_p;  // x_r = x_p
  } else {
    dataset.n_p = lrb.n_p;
    dataset.features_p = std::move(w_p.rows);
    dataset.n_r = lrb.n_p;
  }
  if (spec.transcoder.has_value()) {
    LRB_ASSIGN_OR_RETURN(MatrixOutcome w_r, FeatureRows(lrb, spec.transcoder->n_r,
                                                        kTargetFeatureStream, layout,
                                                        similarity, threads));
    dataset.report.pgd_iterations += static_cast<int>(w_r.iterations);
    dataset.features_r = std::move(w_r.rows);
    dataset.n_r = spec.transcoder->n_r;
  }
  dataset.report.pgd_seconds = SecondsSince(pgd_start);

  const auto codes_start = std::chrono::steady_clock::now();
  CodeOptions codes = PaperCodes(lrb.num_samples, lrb.n, lrb.sparsity, lrb.c_min, lrb.beta,
                                 lrb.seed);
  codes.hierarchy = layout;
  const int64_t independent = layout ? layout->roots : lrb.n;
  if (spec.zipf.has_value()) {
    codes.firing_probability =
        ZipfFiringProbabilities(independent, 1 - lrb.sparsity, spec.zipf->alpha);
  }
  if (spec.correlation.has_value()) {
    const int64_t rank = spec.correlation->rank;
    codes.copula_rank = rank;
    codes.copula_rho = spec.correlation->rho;
    codes.copula_loadings.resize(independent * rank);
    const CounterRng rng(lrb.seed, kCopulaLoadingStream);
    for (int64_t j = 0; j < independent; ++j) {
      double* row = codes.copula_loadings.data() + j * rank;
      double norm_sq = 0;
      for (int64_t r = 0; r < rank; ++r) {
        row[r] = rng.Normal(static_cast<uint64_t>(j * rank + r));
        norm_sq += row[r] * row[r];
      }
      const double inv_norm = 1 / std::sqrt(norm_sq);
      for (int64_t r = 0; r < rank; ++r) row[r] *= inv_norm;
    }
  }
  if (spec.scale.has_value()) {
    const double sigma = spec.scale->sigma;
    const CounterRng rng(lrb.seed, kScaleStream);
    codes.scales.resize(lrb.n);
    for (int64_t j = 0; j < lrb.n; ++j) {
      codes.scales[j] = std::exp(sigma * rng.Normal(static_cast<uint64_t>(j)) - sigma * sigma / 2);
    }
  }
  dataset.codes = GenerateSparseCodes(codes, threads);
  dataset.report.codes_seconds = SecondsSince(codes_start);

  if (layout != nullptr) dataset.parent = layout->parent;
  if (spec.noise.has_value() && spec.noise->sigma != 0) {
    dataset.noise_sigma = spec.noise->sigma;
    dataset.noise_seed = lrb.seed;
  }
  dataset.num_train = lrb.num_samples - NumEvalSamples(spec);
  dataset.anchor_order = AnchorOrder(lrb.n, lrb.seed);
  dataset.content_hash = ComputeContentHash(dataset);
  return dataset;
}

absl::StatusOr<Dataset> GenerateTms(const DatasetSpec& spec, const TmsSpec& tms, int threads) {
  Dataset dataset;
  dataset.spec = ToString(spec);
  dataset.n = tms.n;
  dataset.n_p = tms.n_p;
  dataset.n_r = tms.n_p;
  const TmsResult trained = TrainTms(tms);
  dataset.features_p.resize(trained.directions.size());
  for (size_t k = 0; k < trained.directions.size(); ++k) {
    dataset.features_p[k] = static_cast<float>(trained.directions[k]);
  }
  for (int64_t j = 0; j < tms.n; ++j) {
    double norm_sq = 0;
    for (int64_t d = 0; d < tms.n_p; ++d) {
      norm_sq += trained.directions[j * tms.n_p + d] * trained.directions[j * tms.n_p + d];
    }
    dataset.report.tms_represented += norm_sq > 0.25;
  }
  dataset.report.tms_seconds = trained.seconds;
  dataset.report.tms_final_loss = trained.final_loss;
  dataset.report.max_interference =
      MaxInterference(dataset.features_p.data(), tms.n, tms.n_p, threads);

  const auto codes_start = std::chrono::steady_clock::now();
  dataset.codes = GenerateSparseCodes(
      PaperCodes(tms.num_samples, tms.n, tms.sparsity, tms.c_min, tms.beta, tms.seed), threads);
  dataset.report.codes_seconds = SecondsSince(codes_start);
  if (spec.noise.has_value() && spec.noise->sigma != 0) {
    dataset.noise_sigma = spec.noise->sigma;
    dataset.noise_seed = tms.seed;
  }
  dataset.num_train = tms.num_samples - NumEvalSamples(spec);
  dataset.anchor_order = AnchorOrder(tms.n, tms.seed);
  dataset.content_hash = ComputeContentHash(dataset);
  return dataset;
}

}  // namespace

std::vector<int32_t> SeededPermutation(int64_t n, uint64_t seed, uint64_t stream) {
  const CounterRng rng(seed, stream);
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = 0; i + 1 < n; ++i) {
    const int64_t j = i + static_cast<int64_t>(rng.Below(i, static_cast<uint64_t>(n - i)));
    std::swap(order[i], order[j]);
  }
  return order;
}

absl::StatusOr<Dataset> GenerateDataset(const DatasetSpec& spec, int threads) {
  LRB_RETURN_IF_ERROR(ValidateDatasetSpec(spec));
  if (threads < 1) {
    return absl::InvalidArgumentError(absl::StrFormat("GenerateDataset: threads=%d < 1", threads));
  }
  if (const auto* lrb = std::get_if<LrbSpec>(&spec.family)) {
    return GenerateLrbFamily(spec, *lrb, nullptr, threads);
  }
  if (const auto* hier = std::get_if<LrbHierSpec>(&spec.family)) {
    return GenerateLrbFamily(spec, hier->lrb, &hier->hierarchy, threads);
  }
  if (const auto* tms = std::get_if<TmsSpec>(&spec.family)) {
    return GenerateTms(spec, *tms, threads);
  }
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s: user activations are not generated; import them with `lrb import` "
      "(ImportActivations) and load the dataset directory",
      ToString(spec)));
}

absl::StatusOr<Dataset> GenerateDataset(std::string_view spec_text, int threads) {
  LRB_ASSIGN_OR_RETURN(const DatasetSpec spec, ParseDatasetSpec(spec_text));
  return GenerateDataset(spec, threads);
}

absl::StatusOr<Dataset> GenerateLrb(const LrbSpec& spec, int threads) {
  DatasetSpec dataset_spec;
  dataset_spec.family = spec;
  return GenerateDataset(dataset_spec, threads);
}

}  // namespace lrb::datasets
