// TopK SAE on the dense path (used when AuxK is on; plain TopK trains on the sparse path of
// topk_sae.h, and the two are checked against each other): the k largest pre-activations of
// each sample pass.

#include "sdl/dense_family.h"

namespace lrb::sdl {
namespace {

class Topk final : public DenseFamily {
 public:
  void Activate(const MethodSpec& spec, const SaeModel& model, const KernelTable& kernels,
                int64_t rows, const float* z, bool, float* a) const override {
    KeepTopkPerRow(kernels, z, rows, model.n_q, spec.k, a);
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    PassGradientWhereActive(c.a, c.grad_a, c.rows * c.model.n_q, c.grad_z);
    return {0.0, 0.0};
  }
};

}  // namespace

std::unique_ptr<DenseFamily> Make_topk() { return std::make_unique<Topk>(); }

}  // namespace lrb::sdl
