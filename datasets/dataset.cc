#include "datasets/dataset.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/rng_streams.h"
#include "util/philox.h"
#include "util/stable_hash.h"

namespace lrb::datasets {
namespace {

// out (rows begin..end, dim wide) = codes * features, features: cols x dim row-major.
void Materialize(const SparseCodes& codes, const std::vector<float>& features, int64_t dim,
                 int64_t begin, int64_t end, float* out) {
  for (int64_t s = begin; s < end; ++s) {
    float* row = out + (s - begin) * dim;
    std::fill(row, row + dim, 0.0f);
    for (int64_t k = codes.indptr[s]; k < codes.indptr[s + 1]; ++k) {
      const float value = codes.values[k];
      const float* feature = features.data() + static_cast<int64_t>(codes.indices[k]) * dim;
      for (int64_t d = 0; d < dim; ++d) row[d] += value * feature[d];
    }
  }
}

// rows (begin..end, dim wide) += sigma * Normal(s * dim + d) of `stream`.
void AddNoise(double sigma, uint64_t seed, uint64_t stream, int64_t dim, int64_t begin,
              int64_t end, float* out) {
  if (sigma == 0) return;
  const CounterRng rng(seed, stream);
  for (int64_t s = begin; s < end; ++s) {
    float* row = out + (s - begin) * dim;
    const uint64_t base = static_cast<uint64_t>(s) * static_cast<uint64_t>(dim);
    for (int64_t d = 0; d < dim; ++d) {
      row[d] += static_cast<float>(sigma * rng.Normal(base + static_cast<uint64_t>(d)));
    }
  }
}

bool HasExtensions(const Dataset& d) {
  return !d.has_ground_truth || !d.source_dims.empty() || !d.parent.empty() ||
         d.noise_sigma != 0 || d.noise_seed != 0 || !d.dense_inputs.empty() ||
         !d.labels.empty() || !d.source_rows.empty();
}

// Length-prefixed, so that no two different field sequences hash the same bytes.
template <typename T>
void HashVector(const std::vector<T>& values, StableHasher& hasher) {
  const uint64_t size = values.size();
  hasher.Update(&size, sizeof(size));
  hasher.Update(values.data(), values.size() * sizeof(T));
}

void HashInt(int64_t value, StableHasher& hasher) { hasher.Update(&value, sizeof(value)); }

}  // namespace

void MaterializeInputs(const Dataset& dataset, int64_t begin, int64_t end, float* out) {
  if (!dataset.has_ground_truth) {
    std::copy(dataset.dense_inputs.begin() + begin * dataset.n_p,
              dataset.dense_inputs.begin() + end * dataset.n_p, out);
  } else {
    Materialize(dataset.codes, dataset.features_p, dataset.n_p, begin, end, out);
  }
  AddNoise(dataset.noise_sigma, dataset.noise_seed, kInputNoiseStream, dataset.n_p, begin, end,
           out);
}

void MaterializeTargets(const Dataset& dataset, int64_t begin, int64_t end, float* out) {
  if (dataset.features_r.empty()) {
    MaterializeInputs(dataset, begin, end, out);
    return;
  }
  Materialize(dataset.codes, dataset.features_r, dataset.n_r, begin, end, out);
  AddNoise(dataset.noise_sigma, dataset.noise_seed, kTargetNoiseStream, dataset.n_r, begin, end,
           out);
}

std::string ComputeContentHash(const Dataset& dataset) {
  StableHasher hasher;
  // Bump with any change to what is hashed or how the bytes are generated.
  hasher.UpdateField("lrb.dataset.v1");
  hasher.UpdateField(dataset.spec);
  for (const int64_t v :
       {dataset.n, dataset.n_p, dataset.n_r, dataset.codes.rows, dataset.codes.cols}) {
    HashInt(v, hasher);
  }
  HashVector(dataset.features_p, hasher);
  HashVector(dataset.features_r, hasher);
  HashVector(dataset.codes.indptr, hasher);
  HashVector(dataset.codes.indices, hasher);
  HashVector(dataset.codes.values, hasher);
  HashInt(dataset.num_train, hasher);
  HashVector(dataset.anchor_order, hasher);
  if (HasExtensions(dataset)) {
    hasher.UpdateField("ext.v1");
    HashInt(dataset.has_ground_truth ? 1 : 0, hasher);
    HashVector(dataset.source_dims, hasher);
    HashVector(dataset.parent, hasher);
    hasher.Update(&dataset.noise_sigma, sizeof(dataset.noise_sigma));
    hasher.Update(&dataset.noise_seed, sizeof(dataset.noise_seed));
    HashVector(dataset.dense_inputs, hasher);
    HashVector(dataset.labels, hasher);
    HashVector(dataset.source_rows, hasher);
  }
  return hasher.HexDigest();
}

}  // namespace lrb::datasets
