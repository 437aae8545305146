#include "sdl/dense_family.h"

#include <algorithm>
#include <vector>

namespace lrb::sdl {

std::unique_ptr<DenseFamily> MakeDenseFamily(std::string_view family) {
#define LRB_METHOD_FAMILY(name, version, example) \
  if (family == #name) return Make_##name();
#include "sdl/method_families.inc"
#undef LRB_METHOD_FAMILY
  return nullptr;
}

void KeepTopkPerRow(const KernelTable& kernels, const float* z, int64_t rows, int64_t n_q,
                    int64_t k, float* a) {
  std::vector<int32_t> indices(rows * k);
  std::vector<float> values(rows * k);
  kernels.topk_rows(z, rows, n_q, n_q, k, indices.data(), values.data());
  std::fill_n(a, rows * n_q, 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < k; ++j) a[r * n_q + indices[r * k + j]] = values[r * k + j];
  }
}

void PassGradientWhereActive(const float* a, const float* grad_a, int64_t size, float* grad_z) {
  for (int64_t i = 0; i < size; ++i) grad_z[i] = a[i] != 0.0f ? grad_a[i] : 0.0f;
}

}  // namespace lrb::sdl
