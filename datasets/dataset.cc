#include "datasets/dataset.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
  Materialize(dataset.codes, dataset.features_p, dataset.n_p, begin, end, out);
}

void MaterializeTargets(const Dataset& dataset, int64_t begin, int64_t end, float* out) {
  Materialize(dataset.codes, dataset.target_features(), dataset.n_r, begin, end, out);
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
  return hasher.HexDigest();
}

}  // namespace lrb::datasets
