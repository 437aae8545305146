// Matryoshka SAE as Bussmann et al. (2025) define it: nested dictionary prefixes. With TopK(k)
// codes, level j reconstructs from latents [0, m_j) only, m_j = latents / 2^(levels-1-j):
//   (1/levels) sum_j ||x_r - sum_{i < m_j} a_i W_D[:, i] - b_D||^2,
// so early latents must carry general features and later ones refine them. (The original uses
// BatchTopK codes; per-sample TopK keeps the family's L0 exact.)

#include "sdl/dense_family.h"

namespace lrb::sdl {
namespace {

class MatryoshkaPrefix final : public DenseFamily {
 public:
  void Activate(const MethodSpec& spec, const SaeModel& model, const KernelTable& kernels,
                int64_t rows, const float* z, bool, float* a) const override {
    KeepTopkPerRow(kernels, z, rows, model.n_q, spec.k, a);
  }

  int Levels(const MethodSpec& spec) const override { return static_cast<int>(spec.levels); }

  bool LevelMask(const MethodSpec& spec, const KernelTable&, int level, int64_t rows,
                 int64_t n_q, const float*, float* mask) const override {
    if (level == spec.levels - 1) return false;
    const int64_t prefix = n_q >> (spec.levels - 1 - level);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n_q; ++i) mask[r * n_q + i] = i < prefix ? 1.0f : 0.0f;
    }
    return true;
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    PassGradientWhereActive(c.a, c.grad_a, c.rows * c.model.n_q, c.grad_z);
    return {0.0, 0.0};
  }
};

}  // namespace

std::unique_ptr<DenseFamily> Make_matryoshka_prefix() {
  return std::make_unique<MatryoshkaPrefix>();
}

}  // namespace lrb::sdl
