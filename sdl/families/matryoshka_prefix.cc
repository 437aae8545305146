// Matryoshka SAE as Bussmann et al. (2025) define it: nested dictionary prefixes. With TopK(k)
// codes, level j reconstructs from latents [0, m_j) only, m_j = latents / 2^(levels-1-j):
//   (1/levels) sum_j ||x_r - sum_{i < m_j} a_i W_D[:, i] - b_D||^2,
// so early latents must carry general features and later ones refine them. (The original uses
// BatchTopK codes; per-sample TopK keeps the family's L0 exact.) On the sparse path level j
// lists the row's top-k entries with latent in [m_{j-1}, m_j). relu=1 clamps the selected
// codes at 0 (family.h TopkReluKnob) before they are split into prefixes.

#include <vector>

#include "absl/strings/str_format.h"

#include "sdl/family.h"

namespace lrb::sdl {
namespace {

FamilyTraits MatryoshkaPrefixTraits() {
  return {
      .name = "matryoshka_prefix",
      .version = 1,
      .description = "nested dictionaries: TopK(k) codes, and each prefix of latents "
                     "latents/2^j reconstructs alone (Bussmann et al. 2025)",
      .knobs = {{"k", KnobType::kInt, 64, 1, kMaxLatents, "active latents per sample"},
                {"levels", KnobType::kInt, 4, 1, 20,
                 "nested prefixes, m_j = latents / 2^(levels-1-j)"},
                TopkReluKnob()},
      .selects_topk = true,
      .l0 = L0Promise::kExactlyKPerSample,
      .l0_of = TopkL0Promise,
      .example = "sae.matryoshka_prefix(latents=24,k=4,levels=3)",
      .tiny_example = "sae.matryoshka_prefix(latents=128,k=4,levels=2)",
      .variant_examples = {"sae.matryoshka_prefix(latents=24,k=4,levels=3,relu=1)"},
  };
}

class MatryoshkaPrefix final : public Family {
 public:
  MatryoshkaPrefix() : Family(MatryoshkaPrefixTraits()) {}

  absl::Status CheckKnobs(const MethodSpec& spec) const override {
    const int64_t k = spec.IntKnob("k"), levels = spec.IntKnob("levels");
    const int64_t smallest = spec.latents >> (levels - 1);
    if (smallest >= k) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrFormat(
        "the smallest prefix latents/2^(levels-1) = %d is below k=%d; expected at least k",
        smallest, k));
  }

  void Activate(const MethodSpec& spec, const SaeModel& model, const KernelTable& kernels,
                int64_t rows, const float* z, bool, float* a) const override {
    KeepTopkPerRow(kernels, z, rows, model.n_q, spec.IntKnob("k"), a);
    ApplyReluAfterSelection(spec, rows * model.n_q, a);
  }

  int Levels(const MethodSpec& spec) const override {
    return static_cast<int>(spec.IntKnob("levels"));
  }

  bool LevelMask(const MethodSpec& spec, const KernelTable&, int level, int64_t rows,
                 int64_t n_q, const float*, float* mask) const override {
    const int64_t levels = spec.IntKnob("levels");
    if (level == levels - 1) return false;
    const int64_t prefix = n_q >> (levels - 1 - level);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n_q; ++i) mask[r * n_q + i] = i < prefix ? 1.0f : 0.0f;
    }
    return true;
  }

  bool EmitCodes(const CodesContext& c, int64_t max_width, SparseCodes& codes) const override {
    const int64_t k = c.spec.IntKnob("k"), levels = c.spec.IntKnob("levels");
    const int64_t rows = c.rows, n_q = c.model.n_q;
    if (k > max_width) return false;
    SparseCodes all;
    TopkCodes(c.kernels, c.z, rows, n_q, k, {k}, all);
    ApplyReluAfterSelection(c.spec, all);
    const CodeList& top = all.levels[0];
    // Level of each entry: the first j with latent < m_j.
    std::vector<int32_t> level_of(rows * k);
    for (int64_t e = 0; e < rows * k; ++e) {
      int32_t j = 0;
      while (top.indices[e] >= (n_q >> (levels - 1 - j))) ++j;
      level_of[e] = j;
    }
    codes.rows = rows;
    codes.levels.resize(levels);
    std::vector<int32_t> counts(rows), indices(rows * k);
    std::vector<float> values(rows * k);
    for (int64_t j = 0; j < levels; ++j) {
      for (int64_t r = 0; r < rows; ++r) {
        int32_t count = 0;
        for (int64_t e = r * k; e < (r + 1) * k; ++e) {
          if (level_of[e] != j) continue;
          indices[r * k + count] = top.indices[e];
          values[r * k + count++] = top.values[e];
        }
        counts[r] = count;
      }
      CompactCodes(rows, k, counts, indices, values, codes.levels[j]);
    }
    return true;
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    PassGradientWhereActive(c.a, c.grad_a, c.rows * c.model.n_q, c.grad_z);
    return {0.0, 0.0};
  }
};

}  // namespace

std::unique_ptr<Family> Make_matryoshka_prefix() {
  return std::make_unique<MatryoshkaPrefix>();
}

}  // namespace lrb::sdl
