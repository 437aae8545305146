// ReLU SAE: sigma = ReLU, + l1 * sum_i x_q,i ||W_D[:, i]|| (decoder-norm weighted L1, as
// practitioners use it: the penalty cannot be dodged by shrinking codes and growing decoders).

#include "sdl/dense_family.h"
#include "sdl/families/decoder_norms.h"

namespace lrb::sdl {
namespace {

class Relu final : public DenseFamily {
 public:
  void Activate(const MethodSpec&, const SaeModel& model, const KernelTable&, int64_t rows,
                const float* z, bool, float* a) const override {
    for (int64_t i = 0; i < rows * model.n_q; ++i) a[i] = z[i] > 0.0f ? z[i] : 0.0f;
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    const int64_t n_q = c.model.n_q;
    const std::vector<double> block_norms = DecoderBlockNorms(c.model, c.kernels, c.spec.sources);
    const std::vector<double> norms = DecoderNorms(block_norms, c.model.n_q, c.spec.sources);
    const double l1 = c.spec.l1;
    for (int64_t r = 0; r < c.rows; ++r) {
      for (int64_t i = 0; i < n_q; ++i) {
        const int64_t at = r * n_q + i;
        c.grad_z[at] = c.z[at] > 0.0f
                           ? c.grad_a[at] + static_cast<float>(l1 / c.rows * norms[i])
                           : 0.0f;
      }
    }
    return {DecoderWeightedL1(c.model, c.kernels, l1, c.rows, c.a, c.spec.sources, block_norms,
                              c.gradient), 0.0};
  }
};

}  // namespace

std::unique_ptr<DenseFamily> Make_relu() { return std::make_unique<Relu>(); }

}  // namespace lrb::sdl
