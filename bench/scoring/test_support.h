#ifndef LRB_BENCH_SCORING_TEST_SUPPORT_H_
#define LRB_BENCH_SCORING_TEST_SUPPORT_H_

// Controls for the scorer's tests: random unit directions, codes built by hand, and oracle
// dictionaries (the true features, shuffled, sign-flipped, rescaled, duplicated, padded with
// distractors) together with the codes an oracle would produce.

#include <cstdint>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "bench/scoring/codes.h"
#include "bench/scoring/cosines.h"
#include "datasets/dataset.h"
#include "util/philox.h"
#include "util/testing/random_vectors.h"

namespace lrb::scoring::testing {

// A cosine matrix written by hand: features x latents, every latent of norm 1.
inline CosineMatrix HandCosines(int64_t features, int64_t latents, std::vector<float> values) {
  CosineMatrix c;
  c.features = features;
  c.latents = latents;
  c.values = std::move(values);
  c.latent_norms.assign(latents, 1.0f);
  return c;
}

// count x dim rows, each a unit Gaussian direction (lrb::testing::RandomVector, rows scaled
// in double); a function of (seed, stream) only.
inline std::vector<float> RandomUnitRows(int64_t count, int64_t dim, uint64_t seed,
                                         uint64_t stream) {
  std::vector<float> rows = ::lrb::testing::RandomVector((seed << 32) ^ stream, count * dim);
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(
      rows.data(), count, dim);
  for (int64_t i = 0; i < count; ++i) {
    m.row(i) = (m.row(i).cast<double>() / m.row(i).cast<double>().norm()).cast<float>();
  }
  return rows;
}

// CSR codes from one list of (column, value) pairs per row.
inline datasets::SparseCodes MakeCodes(
    int64_t cols, const std::vector<std::vector<std::pair<int32_t, float>>>& rows) {
  datasets::SparseCodes codes;
  codes.rows = static_cast<int64_t>(rows.size());
  codes.cols = cols;
  codes.indptr.push_back(0);
  for (const auto& row : rows) {
    for (const auto& [column, value] : row) {
      codes.indices.push_back(column);
      codes.values.push_back(value);
    }
    codes.indptr.push_back(static_cast<int64_t>(codes.indices.size()));
  }
  return codes;
}

inline CodesView AllRows(const datasets::SparseCodes& codes) {
  return ViewRows(codes, 0, codes.rows);
}

struct OracleOptions {
  bool shuffle = false;     // latents in a seeded random order
  bool flip_signs = false;  // every other feature's latents point the opposite way
  int copies = 1;           // latents per feature; each fires with x_j / copies
  int64_t distractors = 0;  // extra random latents that never fire
  float encoder_scale = 1;  // encoder rows have this norm (decoder rows stay unit)
  uint64_t seed = 1;
};

// A dictionary built from the true features, and the codes it should produce: latent(j, c)
// fires with sign * x_j / copies wherever feature j is active, so with decoder row
// sign * w_j the reconstruction is exactly sum_j x_j w_j (up to float rounding).
struct Oracle {
  int64_t n_q = 0;
  std::vector<float> encoder, decoder;  // n_q x dim
  std::vector<int32_t> latent_of;       // latent_of[j * copies + c]
  std::vector<int32_t> feature_of;      // per latent; -1 for a distractor
  datasets::SparseCodes codes;          // samples x n_q, for the rows of `truth`
};

inline Oracle MakeOracle(const std::vector<float>& features, int64_t n, int64_t dim,
                         const CodesView& truth, const OracleOptions& options) {
  Oracle oracle;
  const int64_t mapped = n * options.copies;
  oracle.n_q = mapped + options.distractors;
  std::vector<int32_t> slot(oracle.n_q);
  for (int64_t i = 0; i < oracle.n_q; ++i) slot[i] = static_cast<int32_t>(i);
  if (options.shuffle) {
    const CounterRng rng(options.seed, 7);
    for (int64_t i = oracle.n_q - 1; i > 0; --i) std::swap(slot[i], slot[rng.Below(i, i + 1)]);
  }
  oracle.latent_of.assign(slot.begin(), slot.begin() + mapped);
  oracle.feature_of.assign(oracle.n_q, -1);
  oracle.encoder = RandomUnitRows(oracle.n_q, dim, options.seed, 8);  // distractors keep these
  oracle.decoder = oracle.encoder;
  std::vector<float> sign(oracle.n_q, 1.0f);
  for (int64_t j = 0; j < n; ++j) {
    for (int c = 0; c < options.copies; ++c) {
      const int32_t latent = oracle.latent_of[j * options.copies + c];
      oracle.feature_of[latent] = static_cast<int32_t>(j);
      sign[latent] = options.flip_signs && j % 2 == 1 ? -1.0f : 1.0f;
      for (int64_t d = 0; d < dim; ++d) {
        oracle.decoder[latent * dim + d] = sign[latent] * features[j * dim + d];
        oracle.encoder[latent * dim + d] = options.encoder_scale * oracle.decoder[latent * dim + d];
      }
    }
  }
  std::vector<std::vector<std::pair<int32_t, float>>> rows(truth.rows);
  for (int64_t s = 0; s < truth.rows; ++s) {
    for (int64_t e = truth.begin(s); e < truth.end(s); ++e) {
      for (int c = 0; c < options.copies; ++c) {
        const int32_t latent = oracle.latent_of[truth.indices[e] * options.copies + c];
        rows[s].emplace_back(latent, sign[latent] * truth.values[e] / options.copies);
      }
    }
  }
  oracle.codes = MakeCodes(oracle.n_q, rows);
  return oracle;
}

// Random codes: each sample fires `k` distinct latents chosen uniformly, with value 1.
inline datasets::SparseCodes RandomCodes(int64_t samples, int64_t n_q, int64_t k, uint64_t seed) {
  const CounterRng rng(seed, 9);
  std::vector<std::vector<std::pair<int32_t, float>>> rows(samples);
  std::vector<int32_t> pool(n_q);
  for (int64_t s = 0; s < samples; ++s) {
    for (int64_t i = 0; i < n_q; ++i) pool[i] = static_cast<int32_t>(i);
    for (int64_t t = 0; t < k; ++t) {  // partial Fisher-Yates
      std::swap(pool[t], pool[t + rng.Below(s * n_q + t, n_q - t)]);
      rows[s].emplace_back(pool[t], 1.0f);
    }
  }
  return MakeCodes(n_q, rows);
}

}  // namespace lrb::scoring::testing

#endif  // LRB_BENCH_SCORING_TEST_SUPPORT_H_
