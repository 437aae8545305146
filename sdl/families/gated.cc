// Gated SAE (Rajamanoharan et al. 2024a). The gate path is the shared encoder,
// z = W_E x + b_E; the magnitude path rescales it per latent and has its own bias:
//   m_i = exp(r_i) (z_i - b_E,i) + b_mag,i      (r, b_mag in model.extra: n_q each)
//   a_i = H(z_i) * ReLU(m_i)                    (so a_i is 0 or m_i)
// Loss terms beside reconstruction:
//   sparsity  (l1/B) sum_b sum_i ReLU(z_bi) ||W_D[:, i]||
//   auxiliary (1/B) sum_b ||ReLU(z_b) W_D + b_D - x_r||^2 with the decoder frozen (no
//             gradient to W_D, b_D), which trains the gate to reconstruct on its own.
// H passes no gradient; b_E receives only the gate path's gradient. Both paths share the
// one encoder product. Codes list the open gates (z > 0): the support of ReLU(z), of a, and
// of every gradient, so the L1 term and the gate reconstruction run on them too.

#include <cmath>
#include <vector>

#include "sdl/families/decoder_norms.h"
#include "sdl/family.h"

namespace lrb::sdl {
namespace {

FamilyTraits GatedTraits() {
  return {
      .name = "gated",
      .version = 1,
      .description = "a ReLU magnitude path gated by H(z) on the shared encoder, + L1 on the "
                     "gate + the gate's own reconstruction (Rajamanoharan et al. 2024a)",
      .knobs = {{"l1", KnobType::kReal, 0.1, 0, 1e6,
                 "coefficient of the decoder-norm weighted L1 on ReLU(gate)"}},
      .example = "sae.gated(latents=24,l1=0.05)",
      // Its L1 acts on the gate pre-activation, whose scale the auxiliary loss ties to the
      // reconstruction: on small data it needs a far larger coefficient than ReLU's to be
      // sparse (measured L0 with true L0 1.6: 15.8 / 5.3 / 2.4 / 1.5 at l1 = 0.02 / 0.3 / 1 / 2).
      .tiny_example = "sae.gated(latents=128,l1=2)",
      .passes_preactivation = false,  // a_i is the magnitude m_i, not z_i
      .auxiliary_freezes_decoder = true,
  };
}

class Gated final : public Family {
 public:
  Gated() : Family(GatedTraits()) {}

  void InitExtra(const MethodSpec&, SaeModel& model) const override {
    model.extra.assign(2 * model.n_q, 0.0f);
  }

  void Activate(const MethodSpec&, const SaeModel& model, const KernelTable&, int64_t rows,
                const float* z, bool, float* a) const override {
    const int64_t n_q = model.n_q;
    const std::vector<float> scale = Scales(model);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n_q; ++i) {
        const float m = Magnitude(model, scale, i, z[r * n_q + i]);
        a[r * n_q + i] = z[r * n_q + i] > 0.0f && m > 0.0f ? m : 0.0f;
      }
    }
  }

  bool EmitCodes(const CodesContext& c, int64_t max_width, SparseCodes& codes) const override {
    const std::vector<float> scale = Scales(c.model);
    codes.rows = c.rows;
    codes.levels.resize(1);
    return ScanCodes(
        c.rows, c.model.n_q, c.z, max_width, [](int64_t, int64_t, float z) { return z > 0.0f; },
        [&](int64_t, int64_t i, float z) {
          const float m = Magnitude(c.model, scale, i, z);
          return m > 0.0f ? m : 0.0f;
        },
        codes.levels[0]);
  }

  bool SeparateBiasGradient() const override { return true; }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    const int64_t n_q = c.model.n_q, n_r = c.model.n_r, rows = c.rows;
    const std::vector<double> block_norms = DecoderBlockNorms(c.model, c.kernels, c.spec.sources);
    const std::vector<double> norms = DecoderNorms(block_norms, c.model.n_q, c.spec.sources);
    const std::vector<float> scales = Scales(c.model);
    std::vector<float> gate(rows * n_q);  // ReLU(z)
    for (int64_t i = 0; i < rows * n_q; ++i) gate[i] = c.z[i] > 0.0f ? c.z[i] : 0.0f;
    const double l1 = c.spec.RealKnob("l1");
    const double sparsity = DecoderWeightedL1(c.model, c.kernels, l1, rows, gate.data(),
                                              c.spec.sources, block_norms, c.gradient);

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
        const float scale = scales[i];
        const float m = Magnitude(c.model, scales, i, c.z[at]);
        // Magnitude path (gated by H(z), which passes no gradient).
        const float grad_m = gate_open && m > 0.0f ? c.grad_a[at] : 0.0f;
        // Gate path: the L1 term and the auxiliary reconstruction, through ReLU(z).
        const float grad_gate_z =
            gate_open ? grad_gate[at] + static_cast<float>(l1 / rows * norms[i]) : 0.0f;
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

  std::pair<double, double> SparseBackward(const SparseBackwardContext& c) const override {
    const int64_t n_q = c.model.n_q, n_r = c.model.n_r, rows = c.rows;
    const CodeList& list = c.codes.levels[0];
    const int64_t width = list.width;
    const std::vector<uint8_t> listed = ListedLatents(list, rows, n_q);
    const std::vector<double> block_norms =
        DecoderBlockNorms(c.model, c.kernels, c.spec.sources, &listed);
    const std::vector<double> norms = DecoderNorms(block_norms, n_q, c.spec.sources);
    const std::vector<float> scales = Scales(c.model);
    // ReLU(z) at the open gates (padding 0), and its column sums for the L1 term.
    std::vector<float> gate(rows * width, 0.0f);
    std::vector<double> column_sums(n_q, 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < list.counts[r]; ++j) {
        const int64_t e = r * width + j;
        gate[e] = c.z[r * n_q + list.indices[e]];
        column_sums[list.indices[e]] += gate[e];
      }
    }
    const double l1 = c.spec.RealKnob("l1");
    const double sparsity = DecoderWeightedL1FromSums(c.model, c.kernels, l1, rows, column_sums,
                                                      c.spec.sources, block_norms, c.gradient);

    // Auxiliary reconstruction from the gate alone, through the frozen decoder.
    std::vector<float> residual(rows * n_r);
    c.kernels.sparse_decode(list.indices.data(), gate.data(), rows, width, list.counts.data(),
                            c.model.w_dec.data(), n_r, n_r, c.model.b_dec.data(), residual.data(),
                            n_r);
    c.kernels.axpy(rows * n_r, -1.0f, c.targets, residual.data());
    const double auxiliary = c.kernels.sum_squares(rows * n_r, residual.data()) / rows;
    for (float& g : residual) g *= 2.0f / static_cast<float>(rows);
    std::vector<float> grad_gate(rows * width);
    c.kernels.sparse_dots(list.indices.data(), rows, width, list.counts.data(), residual.data(),
                          n_r, c.model.w_dec.data(), n_r, n_r, grad_gate.data());

    std::vector<float>& grad_z = c.grad_z[0];
    std::vector<float>& grad_z_bias = (*c.grad_z_bias)[0];
    std::fill(grad_z.begin(), grad_z.end(), 0.0f);
    std::fill(grad_z_bias.begin(), grad_z_bias.end(), 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < list.counts[r]; ++j) {
        const int64_t e = r * width + j;
        const int32_t i = list.indices[e];
        const float z = c.z[r * n_q + i];
        const float scale = scales[i];
        const float m = Magnitude(c.model, scales, i, z);
        const float grad_m = m > 0.0f ? c.grad_a[0][e] : 0.0f;
        const float grad_gate_z = grad_gate[e] + static_cast<float>(l1 / rows * norms[i]);
        grad_z[e] = grad_gate_z + scale * grad_m;
        grad_z_bias[e] = grad_gate_z;
        if (c.gradient != nullptr) {
          c.gradient->extra[i] += grad_m * scale * (z - c.model.b_enc[i]);
          c.gradient->extra[n_q + i] += grad_m;
        }
      }
    }
    return {sparsity, auxiliary};
  }

 private:
  // exp(r_i) per latent.
  static std::vector<float> Scales(const SaeModel& model) {
    std::vector<float> scale(model.n_q);
    for (int64_t i = 0; i < model.n_q; ++i) scale[i] = std::exp(model.extra[i]);
    return scale;
  }
  static float Magnitude(const SaeModel& model, const std::vector<float>& scale, int64_t i,
                         float z) {
    return scale[i] * (z - model.b_enc[i]) + model.extra[model.n_q + i];
  }
};

}  // namespace

std::unique_ptr<Family> Make_gated() { return std::make_unique<Gated>(); }

}  // namespace lrb::sdl
