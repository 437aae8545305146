// JumpReLU SAE (Rajamanoharan et al. 2024): a = z * H(z - theta_i) with a learned threshold
// theta_i = exp(t_i) > 0 (t in model.extra), + l0 * sum_i H(z_i - theta_i). H has no useful
// derivative, so theta learns through straight-through estimators with the rectangle kernel
// K(u) = 1[|u| < 1/2] of width epsilon = `bandwidth`:
//   d a / d theta    := -(theta / epsilon) K((z - theta) / epsilon)
//   d H / d theta    := -(1 / epsilon) K((z - theta) / epsilon)
// and z receives the gradient of a where the latent is open (no gradient through H).

#include <cmath>

#include "sdl/dense_family.h"

namespace lrb::sdl {
namespace {

class JumpRelu final : public DenseFamily {
 public:
  void InitExtra(const MethodSpec& spec, SaeModel& model) const override {
    model.extra.assign(model.n_q, static_cast<float>(std::log(spec.theta)));
  }

  void Activate(const MethodSpec&, const SaeModel& model, const KernelTable&, int64_t rows,
                const float* z, bool, float* a) const override {
    const int64_t n_q = model.n_q;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n_q; ++i) {
        const float theta = std::exp(model.extra[i]);
        a[r * n_q + i] = z[r * n_q + i] > theta ? z[r * n_q + i] : 0.0f;
      }
    }
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    const int64_t n_q = c.model.n_q;
    const double epsilon = c.spec.bandwidth, l0 = c.spec.l0;
    int64_t open = 0;
    for (int64_t i = 0; i < n_q; ++i) {
      const double theta = std::exp(static_cast<double>(c.model.extra[i]));
      double grad_theta = 0;
      for (int64_t r = 0; r < c.rows; ++r) {
        const int64_t at = r * n_q + i;
        const bool is_open = c.z[at] > theta;
        open += is_open;
        c.grad_z[at] = is_open ? c.grad_a[at] : 0.0f;
        if (std::fabs((c.z[at] - theta) / epsilon) < 0.5) {
          grad_theta += c.grad_a[at] * (-theta / epsilon) + (l0 / c.rows) * (-1.0 / epsilon);
        }
      }
      // t = log(theta): d/dt = theta d/dtheta.
      if (c.gradient != nullptr) c.gradient->extra[i] += static_cast<float>(grad_theta * theta);
    }
    return {l0 * static_cast<double>(open) / c.rows, 0.0};
  }
};

}  // namespace

std::unique_ptr<DenseFamily> Make_jumprelu() { return std::make_unique<JumpRelu>(); }

}  // namespace lrb::sdl
