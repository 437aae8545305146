// TopK SAE (Gao et al. 2024): the k largest pre-activations of each sample pass, the rest
// are zero, so exactly k latents are active per sample -- negative pre-activations included
// when fewer than k are positive. relu=1 applies a ReLU after the selection (family.h
// TopkReluKnob), as most other tools do: at most k active. Codes: the k entries of each row
// in descending order (with relu=1, the clamped ones listed with value 0).

#include "absl/strings/str_cat.h"
#include "sdl/family.h"

namespace lrb::sdl {
namespace {

FamilyTraits TopkTraits() {
  return {
      .name = "topk",
      .version = 1,
      .description = "the k largest pre-activations of each sample pass (Gao et al. 2024)",
      .knobs = {{"k", KnobType::kInt, 64, 1, kMaxLatents, "active latents per sample"},
                TopkReluKnob()},
      .selects_topk = true,
      .l0 = L0Promise::kExactlyKPerSample,
      .l0_of = TopkL0Promise,
      .example = "sae.topk(latents=24,k=4)",
      .tiny_example = "sae.topk(latents=128,k=4)",
      .variant_examples = {"sae.topk(latents=24,k=4,relu=1)"},
      .score_activation = [](const MethodSpec& spec, const SaeModel&) {
        return absl::StrCat(ReluAfterSelection(spec) ? "topk_relu" : "topk", "(k=",
                            spec.IntKnob("k"), ")");
      },
  };
}

class Topk final : public Family {
 public:
  Topk() : Family(TopkTraits()) {}

  void Activate(const MethodSpec& spec, const SaeModel& model, const KernelTable& kernels,
                int64_t rows, const float* z, bool, float* a) const override {
    KeepTopkPerRow(kernels, z, rows, model.n_q, spec.IntKnob("k"), a);
    ApplyReluAfterSelection(spec, rows * model.n_q, a);
  }

  bool EmitCodes(const CodesContext& c, int64_t max_width, SparseCodes& codes) const override {
    const int64_t k = c.spec.IntKnob("k");
    if (k > max_width) return false;
    TopkCodes(c.kernels, c.z, c.rows, c.model.n_q, k, {k}, codes);
    ApplyReluAfterSelection(c.spec, codes);
    return true;
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    PassGradientWhereActive(c.a, c.grad_a, c.rows * c.model.n_q, c.grad_z);
    return {0.0, 0.0};
  }
};

}  // namespace

std::unique_ptr<Family> Make_topk() { return std::make_unique<Topk>(); }

}  // namespace lrb::sdl
