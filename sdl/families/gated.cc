// Gated SAE (Rajamanoharan et al. 2024a). The gate path is the shared encoder,
// z = W_E x + b_E; the magnitude path rescales it per latent and has its own bias:
//   m_i = exp(r_i) (z_i - b_E,i) + b_mag,i      (r, b_mag in model.extra: n_q each)
//   a_i = H(z_i) * ReLU(m_i)                    (so a_i is 0 or m_i)
// Loss terms beside reconstruction:
//   sparsity  (l1/B) sum_b sum_i ReLU(z_bi) ||W_D[:, i]||
//   auxiliary (1/B) sum_b ||ReLU(z_b) W_D + b_D - x_r||^2 with the decoder frozen (no
//             gradient to W_D, b_D), which trains the gate to reconstruct on its own.
// H passes no gradient; b_E receives only the gate path's gradient.

#include <cmath>
#include <vector>

#include "sdl/dense_family.h"
#include "sdl/families/decoder_norms.h"

namespace lrb::sdl {
namespace {

class Gated final : public DenseFamily {
 public:
  void InitExtra(const MethodSpec&, SaeModel& model) const override {
    model.extra.assign(2 * model.n_q, 0.0f);
  }

  void Activate(const MethodSpec&, const SaeModel& model, const KernelTable&, int64_t rows,
                const float* z, bool, float* a) const override {
    const int64_t n_q = model.n_q;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n_q; ++i) {
        const float m = Magnitude(model, i, z[r * n_q + i]);
        a[r * n_q + i] = z[r * n_q + i] > 0.0f && m > 0.0f ? m : 0.0f;
      }
    }
  }

  bool SeparateBiasGradient() const override { return true; }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    const int64_t n_q = c.model.n_q, n_r = c.model.n_r, rows = c.rows;
    const std::vector<double> block_norms = DecoderBlockNorms(c.model, c.kernels, c.spec.sources);
    const std::vector<double> norms = DecoderNorms(block_norms, c.model.n_q, c.spec.sources);
    std::vector<float> gate(rows * n_q);  // ReLU(z)
    for (int64_t i = 0; i < rows * n_q; ++i) gate[i] = c.z[i] > 0.0f ? c.z[i] : 0.0f;
    const double sparsity =
        DecoderWeightedL1(c.model, c.kernels, c.spec.l1, rows, gate.data(), c.spec.sources,
                          block_norms, c.gradient);

    // Auxiliary reconstruction from the gate alone, through the frozen decoder.
    std::vector<float> residual(rows * n_r);
    for (int64_t r = 0; r < rows; ++r) {
      std::copy_n(c.model.b_dec.data(), n_r, &residual[r * n_r]);
    }
    c.kernels.gemm_nn(rows, n_r, n_q, 1.0f, gate.data(), n_q, c.model.w_dec.data(), n_r, 1.0f,
                      residual.data(), n_r);
    c.kernels.axpy(rows * n_r, -1.0f, c.targets, residual.data());
    const double auxiliary = c.kernels.sum_squares(rows * n_r, residual.data()) / rows;
    std::vector<float> grad_gate(rows * n_q);
    for (float& g : residual) g *= 2.0f / static_cast<float>(rows);
    c.kernels.gemm_nt(rows, n_q, n_r, 1.0f, residual.data(), n_r, c.model.w_dec.data(), n_r,
                      0.0f, grad_gate.data(), n_q);

    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n_q; ++i) {
        const int64_t at = r * n_q + i;
        const bool gate_open = c.z[at] > 0.0f;
        const float scale = std::exp(c.model.extra[i]);
        const float m = Magnitude(c.model, i, c.z[at]);
        // Magnitude path (gated by H(z), which passes no gradient).
        const float grad_m = gate_open && m > 0.0f ? c.grad_a[at] : 0.0f;
        // Gate path: the L1 term and the auxiliary reconstruction, through ReLU(z).
        const float grad_gate_z =
            gate_open ? grad_gate[at] + static_cast<float>(c.spec.l1 / rows * norms[i]) : 0.0f;
        c.grad_z[at] = grad_gate_z + scale * grad_m;
        c.grad_z_bias[at] = grad_gate_z;
        if (c.gradient != nullptr) {
          c.gradient->extra[i] += grad_m * scale * (c.z[at] - c.model.b_enc[i]);
          c.gradient->extra[n_q + i] += grad_m;
        }
      }
    }
    return {sparsity, auxiliary};
  }

 private:
  static float Magnitude(const SaeModel& model, int64_t i, float z) {
    return std::exp(model.extra[i]) * (z - model.b_enc[i]) + model.extra[model.n_q + i];
  }
};

}  // namespace

std::unique_ptr<DenseFamily> Make_gated() { return std::make_unique<Gated>(); }

}  // namespace lrb::sdl
