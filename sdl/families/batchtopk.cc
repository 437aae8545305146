// BatchTopK SAE (Bussmann et al. 2024): in training, the k*B largest pre-activations over
// the whole batch of B samples pass (ties to the lower flat index), so L0 averages k per
// sample but varies between samples. At inference a latent passes when z_i >= the global
// threshold model.threshold, which UpdateInferenceState keeps as a running mean of the
// smallest selected pre-activation (methods.h).

#include <algorithm>
#include <numeric>
#include <vector>

#include "sdl/dense_family.h"

namespace lrb::sdl {
namespace {

class BatchTopk final : public DenseFamily {
 public:
  void Activate(const MethodSpec& spec, const SaeModel& model, const KernelTable&,
                int64_t rows, const float* z, bool training, float* a) const override {
    const int64_t size = rows * model.n_q;
    if (!training) {
      for (int64_t i = 0; i < size; ++i) a[i] = z[i] >= model.threshold ? z[i] : 0.0f;
      return;
    }
    const int64_t keep = std::min(size, spec.k * rows);
    std::vector<int64_t> order(size);
    std::iota(order.begin(), order.end(), 0);
    // Descending value, ties to the lower flat index: the selection depends on values only.
    std::nth_element(order.begin(), order.begin() + (keep - 1), order.end(),
                     [z](int64_t x, int64_t y) { return z[x] > z[y] || (z[x] == z[y] && x < y); });
    std::fill_n(a, size, 0.0f);
    for (int64_t j = 0; j < keep; ++j) a[order[j]] = z[order[j]];
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    PassGradientWhereActive(c.a, c.grad_a, c.rows * c.model.n_q, c.grad_z);
    return {0.0, 0.0};
  }
};

}  // namespace

std::unique_ptr<DenseFamily> Make_batchtopk() { return std::make_unique<BatchTopk>(); }

}  // namespace lrb::sdl
