// Matryoshka SAE as the paper writes it: a multi-k loss
//   (1/levels) sum_j ||x_r - W_D TopK_{k_j}(z) - b_D||^2,   k_j = k / 2^(levels-1-j),
// so the top k_1 latents must reconstruct alone, the top k_2 a little better, and so on.
// Codes are TopK(k) (the last level); on the sparse path level j lists ranks [k_{j-1}, k_j)
// of each row's descending top k, so each level decodes only what it adds. relu=1 clamps the
// selected codes at 0 (family.h TopkReluKnob); the levels keep their ranks, so level j
// decodes the clamped top k_j.

#include <vector>

#include "absl/strings/str_format.h"

#include "sdl/family.h"

namespace lrb::sdl {
namespace {

FamilyTraits MatryoshkaKTraits() {
  return {
      .name = "matryoshka_k",
      .version = 1,
      .description = "the paper's multi-k loss: TopK(k) codes, and the top k/2^j of them "
                     "reconstruct alone at each level j",
      .knobs = {{"k", KnobType::kInt, 64, 1, kMaxLatents, "active latents per sample"},
                {"levels", KnobType::kInt, 4, 1, 20,
                 "reconstruction levels, k_j = k / 2^(levels-1-j)"},
                TopkReluKnob()},
      .selects_topk = true,
      .l0 = L0Promise::kExactlyKPerSample,
      .l0_of = TopkL0Promise,
      .example = "sae.matryoshka_k(latents=24,k=8,levels=3)",
      .tiny_example = "sae.matryoshka_k(latents=128,k=4,levels=2)",
      .variant_examples = {"sae.matryoshka_k(latents=24,k=8,levels=3,relu=1)"},
  };
}

class MatryoshkaK final : public Family {
 public:
  MatryoshkaK() : Family(MatryoshkaKTraits()) {}

  absl::Status CheckKnobs(const MethodSpec& spec) const override {
    const int64_t k = spec.IntKnob("k"), levels = spec.IntKnob("levels");
    if ((k >> (levels - 1)) >= 1) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrFormat("levels=%d halves k=%d below 1; expected k >= 2^(levels-1) = %d",
                        levels, k, int64_t{1} << (levels - 1)));
  }

  void Activate(const MethodSpec& spec, const SaeModel& model, const KernelTable& kernels,
                int64_t rows, const float* z, bool, float* a) const override {
    KeepTopkPerRow(kernels, z, rows, model.n_q, spec.IntKnob("k"), a);
    ApplyReluAfterSelection(spec, rows * model.n_q, a);
  }

  int Levels(const MethodSpec& spec) const override {
    return static_cast<int>(spec.IntKnob("levels"));
  }

  bool LevelMask(const MethodSpec& spec, const KernelTable& kernels, int level, int64_t rows,
                 int64_t n_q, const float* z, float* mask) const override {
    const int64_t levels = spec.IntKnob("levels");
    if (level == levels - 1) return false;
    const int64_t k = spec.IntKnob("k") >> (levels - 1 - level);
    KeepTopkPerRow(kernels, z, rows, n_q, k, mask);
    // Selected entries become 1; the selection is nested in the full TopK(k). (With relu=1
    // a clamped entry is selected here but its code is 0: the mask multiplies codes.)
    for (int64_t i = 0; i < rows * n_q; ++i) mask[i] = mask[i] != 0.0f ? 1.0f : 0.0f;
    return true;
  }

  bool EmitCodes(const CodesContext& c, int64_t max_width, SparseCodes& codes) const override {
    const int64_t k = c.spec.IntKnob("k"), levels = c.spec.IntKnob("levels");
    if (k > max_width) return false;
    std::vector<int64_t> ends;
    for (int64_t j = 0; j < levels; ++j) ends.push_back(k >> (levels - 1 - j));
    TopkCodes(c.kernels, c.z, c.rows, c.model.n_q, k, ends, codes);
    ApplyReluAfterSelection(c.spec, codes);
    return true;
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    PassGradientWhereActive(c.a, c.grad_a, c.rows * c.model.n_q, c.grad_z);
    return {0.0, 0.0};
  }
};

}  // namespace

std::unique_ptr<Family> Make_matryoshka_k() { return std::make_unique<MatryoshkaK>(); }

}  // namespace lrb::sdl
