#include "datasets/sparse_codes.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "datasets/rng_streams.h"
#include "util/parallel.h"
#include "util/philox.h"

namespace lrb::datasets {
namespace {

// Samples per block. Blocks, not threads, own the temporary buffers, and they are fixed by
// N alone; concatenating them in order gives the same CSR arrays for any thread count.
constexpr int64_t kSamplesPerBlock = 4096;

struct CodeBlock {
  std::vector<int64_t> row_sizes;
  std::vector<int32_t> indices;
  std::vector<float> values;
};

// What GenerateSparseCodes derives from the options once for all samples.
struct Model {
  const CodeOptions& options;
  int64_t independent;             // features decided by the first stage (roots or all)
  bool dense;                      // per-feature decisions instead of geometric skipping
  std::vector<double> thresholds;  // copula: Phi^-1(1 - p_j)
  double factor_weight = 0;        // sqrt(rho)
  double noise_weight = 1;         // sqrt(1 - rho)
};

float Magnitude(const CodeOptions& o, double exponential, int64_t feature) {
  const double value = o.c_min + o.beta * exponential;
  return static_cast<float>(o.scales.empty() ? value : value * o.scales[feature]);
}

// The paper's geometric skipping over features [0, count).
void GeometricStage(const CodeOptions& o, int64_t count, int64_t sample,
                    std::vector<int32_t>& indices, std::vector<float>& values) {
  const CounterRng rng(o.seed, o.stream);
  // S = 0 (log S = -inf) is spelled out below: every gap is 0. Its gap draws are skipped,
  // not renumbered, so the magnitudes keep their odd indices.
  const double log_s = std::log(o.sparsity);
  const uint64_t base = CodeDrawBase(sample);
  int64_t next = 0;  // first feature not yet decided
  for (uint64_t draw = base;; draw += 2) {
    // Compared before converting: near S = 1 a gap can be far larger than n (up to ~4e7).
    const double gap = o.sparsity == 0 ? 0.0 : std::floor(std::log(rng.Uniform(draw)) / log_s);
    if (gap >= static_cast<double>(count - next)) break;
    const int64_t feature = next + static_cast<int64_t>(gap);
    indices.push_back(static_cast<int32_t>(feature));
    values.push_back(Magnitude(o, rng.Exponential(draw + 1), feature));
    next = feature + 1;
  }
}

void DenseStage(const Model& m, int64_t sample, std::vector<double>& factors,
                std::vector<int32_t>& indices, std::vector<float>& values) {
  const CodeOptions& o = m.options;
  const CounterRng rng(o.seed, kDenseCodeStream);
  const uint64_t base = CodeDrawBase(sample);
  const int64_t rank = o.copula_rank;
  if (rank > 0) {
    const CounterRng factor_rng(o.seed, kCopulaFactorStream);
    for (int64_t r = 0; r < rank; ++r) factors[r] = factor_rng.Normal(base + r);
  }
  for (int64_t j = 0; j < m.independent; ++j) {
    const uint64_t draw = base + 2 * static_cast<uint64_t>(j);
    bool active;
    if (rank > 0) {
      double common = 0;
      const double* loading = o.copula_loadings.data() + j * rank;
      for (int64_t r = 0; r < rank; ++r) common += loading[r] * factors[r];
      const double z = m.factor_weight * common + m.noise_weight * rng.Normal(draw);
      active = z > m.thresholds[j];
    } else {
      const double p =
          o.firing_probability.empty() ? 1.0 - o.sparsity : o.firing_probability[j];
      active = rng.Uniform(draw) < p;
    }
    if (active) {
      indices.push_back(static_cast<int32_t>(j));
      values.push_back(Magnitude(o, rng.Exponential(draw + 1), j));
    }
  }
}

// Appends the children that fire under the active nodes, breadth-first (children of a node
// are decided once the node is known to be active), then sorts the row by feature.
void HierarchyStage(const CodeOptions& o, int64_t sample, size_t row_start,
                    std::vector<int32_t>& indices, std::vector<float>& values,
                    std::vector<std::pair<int32_t, float>>& scratch) {
  const HierarchyLayout& h = *o.hierarchy;
  const CounterRng rng(o.seed, kHierarchyStream);
  const uint64_t base = CodeDrawBase(sample);
  const double p = h.child_probability;
  for (size_t k = row_start; k < indices.size(); ++k) {
    const int32_t node = indices[k];
    const int32_t first = h.first_child[node];
    if (first < 0) continue;
    if (h.exclusive) {
      const double u = rng.Uniform(base + 2 * static_cast<uint64_t>(node));
      if (!(u < p)) continue;
      const int64_t pick =
          std::min<int64_t>(h.branching - 1, static_cast<int64_t>(u / p * h.branching));
      const int32_t child = first + static_cast<int32_t>(pick);
      indices.push_back(child);
      values.push_back(Magnitude(o, rng.Exponential(base + 2 * static_cast<uint64_t>(child) + 1),
                                 child));
    } else {
      for (int32_t child = first; child < first + h.branching; ++child) {
        const uint64_t draw = base + 2 * static_cast<uint64_t>(child);
        if (!(rng.Uniform(draw) < p)) continue;
        indices.push_back(child);
        values.push_back(Magnitude(o, rng.Exponential(draw + 1), child));
      }
    }
  }
  scratch.clear();
  for (size_t k = row_start; k < indices.size(); ++k) scratch.emplace_back(indices[k], values[k]);
  std::sort(scratch.begin(), scratch.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t k = 0; k < scratch.size(); ++k) {
    indices[row_start + k] = scratch[k].first;
    values[row_start + k] = scratch[k].second;
  }
}

void GenerateBlock(const Model& m, int64_t begin, int64_t end, CodeBlock& block) {
  const CodeOptions& o = m.options;
  std::vector<double> factors(o.copula_rank);
  std::vector<std::pair<int32_t, float>> scratch;
  block.row_sizes.reserve(end - begin);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t sample = o.first_sample + r;
    const size_t row_start = block.indices.size();
    if (m.dense) {
      DenseStage(m, sample, factors, block.indices, block.values);
    } else {
      GeometricStage(o, m.independent, sample, block.indices, block.values);
    }
    if (o.hierarchy != nullptr) {
      HierarchyStage(o, sample, row_start, block.indices, block.values, scratch);
    }
    block.row_sizes.push_back(static_cast<int64_t>(block.indices.size() - row_start));
  }
}

}  // namespace

double InverseNormalCdf(double p) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x;
  if (p < kLow) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - kLow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley step on Phi(x) - p.
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

std::vector<double> ZipfFiringProbabilities(int64_t count, double mean, double alpha) {
  std::vector<double> weights(count);
  for (int64_t j = 0; j < count; ++j) weights[j] = std::pow(static_cast<double>(j + 1), -alpha);
  auto mean_at = [&](double c) {
    double sum = 0;
    for (const double w : weights) sum += std::min(1.0, c * w);
    return sum / static_cast<double>(count);
  };
  // mean_at is continuous and non-decreasing in c, 0 at c = 0 and 1 at c = 1 / min weight.
  double lo = 0, hi = 1.0 / weights.back();
  for (int i = 0; i < 200 && lo < hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi) break;
    (mean_at(mid) < mean ? lo : hi) = mid;
  }
  std::vector<double> p(count);
  for (int64_t j = 0; j < count; ++j) p[j] = std::min(1.0, hi * weights[j]);
  return p;
}

SparseCodes GenerateSparseCodes(const CodeOptions& options, int threads) {
  Model model{options, options.hierarchy ? options.hierarchy->roots : options.n,
              !options.firing_probability.empty() || options.copula_rank > 0, {}, 0, 1};
  if (options.copula_rank > 0) {
    model.thresholds.resize(model.independent);
    for (int64_t j = 0; j < model.independent; ++j) {
      const double p =
          options.firing_probability.empty() ? 1.0 - options.sparsity : options.firing_probability[j];
      model.thresholds[j] = InverseNormalCdf(1.0 - p);
    }
    model.factor_weight = std::sqrt(options.copula_rho);
    model.noise_weight = std::sqrt(1.0 - options.copula_rho);
  }

  const int64_t num_samples = options.num_samples;
  const int64_t num_blocks = (num_samples + kSamplesPerBlock - 1) / kSamplesPerBlock;
  std::vector<CodeBlock> blocks(num_blocks);
  ParallelFor(0, num_blocks, threads, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      GenerateBlock(model, b * kSamplesPerBlock,
                    std::min(num_samples, (b + 1) * kSamplesPerBlock), blocks[b]);
    }
  });

  SparseCodes codes;
  codes.rows = num_samples;
  codes.cols = options.n;
  codes.indptr.resize(num_samples + 1);
  codes.indptr[0] = 0;
  std::vector<int64_t> block_start(num_blocks + 1, 0);
  for (int64_t b = 0; b < num_blocks; ++b) {
    int64_t row = b * kSamplesPerBlock;
    for (const int64_t size : blocks[b].row_sizes) {
      codes.indptr[row + 1] = codes.indptr[row] + size;
      ++row;
    }
    block_start[b + 1] = codes.indptr[row];
  }
  codes.indices.resize(codes.indptr[num_samples]);
  codes.values.resize(codes.indptr[num_samples]);
  ParallelFor(0, num_blocks, threads, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      std::copy(blocks[b].indices.begin(), blocks[b].indices.end(),
                codes.indices.begin() + block_start[b]);
      std::copy(blocks[b].values.begin(), blocks[b].values.end(),
                codes.values.begin() + block_start[b]);
      // Release as we go: at S = 0.9 and paper size the blocks hold ~120 MB.
      blocks[b] = CodeBlock();
    }
  });
  return codes;
}

}  // namespace lrb::datasets
