// ReLU SAE: sigma = ReLU, + l1 * sum_i x_q,i ||W_D[:, i]|| (decoder-norm weighted L1, as
// practitioners use it: the penalty cannot be dodged by shrinking codes and growing decoders).
// Codes: the positive pre-activations.

#include "sdl/families/decoder_norms.h"
#include "sdl/family.h"

namespace lrb::sdl {
namespace {

FamilyTraits ReluTraits() {
  return {
      .name = "relu",
      .version = 1,
      .description = "ReLU codes + l1 * sum_i a_i ||W_D[:, i]|| (decoder-norm weighted L1)",
      .knobs = {{"l1", KnobType::kReal, 0.1, 0, 1e6, "L1 coefficient"}},
      .example = "sae.relu(latents=24,l1=0.05)",
      .tiny_example = "sae.relu(latents=128,l1=0.1)",
      .score_activation = [](const MethodSpec&, const SaeModel&) -> std::string {
        return "relu";
      },
  };
}

class Relu final : public Family {
 public:
  Relu() : Family(ReluTraits()) {}

  void Activate(const MethodSpec&, const SaeModel& model, const KernelTable&, int64_t rows,
                const float* z, bool, float* a) const override {
    for (int64_t i = 0; i < rows * model.n_q; ++i) a[i] = z[i] > 0.0f ? z[i] : 0.0f;
  }

  bool EmitCodes(const CodesContext& c, int64_t max_width, SparseCodes& codes) const override {
    codes.rows = c.rows;
    codes.levels.resize(1);
    return ScanCodes(
        c.rows, c.model.n_q, c.z, max_width, [](int64_t, int64_t, float z) { return z > 0.0f; },
        [](int64_t, int64_t, float z) { return z; }, codes.levels[0]);
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    const int64_t n_q = c.model.n_q;
    const std::vector<double> block_norms = DecoderBlockNorms(c.model, c.kernels, c.spec.sources);
    const std::vector<double> norms = DecoderNorms(block_norms, c.model.n_q, c.spec.sources);
    const double l1 = c.spec.RealKnob("l1");
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

  std::pair<double, double> SparseBackward(const SparseBackwardContext& c) const override {
    const int64_t n_q = c.model.n_q;
    const CodeList& list = c.codes.levels[0];
    const std::vector<uint8_t> listed = ListedLatents(list, c.rows, n_q);
    const std::vector<double> block_norms =
        DecoderBlockNorms(c.model, c.kernels, c.spec.sources, &listed);
    const std::vector<double> norms = DecoderNorms(block_norms, n_q, c.spec.sources);
    const double l1 = c.spec.RealKnob("l1");
    std::vector<double> column_sums(n_q, 0.0);
    std::vector<float>& grad_z = c.grad_z[0];
    std::fill(grad_z.begin(), grad_z.end(), 0.0f);
    for (int64_t r = 0; r < c.rows; ++r) {
      for (int64_t j = 0; j < list.counts[r]; ++j) {
        const int64_t e = r * list.width + j;
        const int32_t i = list.indices[e];
        grad_z[e] = c.grad_a[0][e] + static_cast<float>(l1 / c.rows * norms[i]);
        column_sums[i] += list.values[e];
      }
    }
    return {DecoderWeightedL1FromSums(c.model, c.kernels, l1, c.rows, column_sums,
                                      c.spec.sources, block_norms, c.gradient),
            0.0};
  }
};

}  // namespace

std::unique_ptr<Family> Make_relu() { return std::make_unique<Relu>(); }

}  // namespace lrb::sdl
