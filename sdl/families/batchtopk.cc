// BatchTopK SAE (Bussmann et al. 2024): in training, the k*B largest pre-activations over
// the whole batch of B samples pass (ties to the lower flat index), so L0 averages k per
// sample but varies between samples. At inference a latent passes when z_i >= the global
// threshold (inference state "threshold"), the running mean (decay threshold_decay) of the smallest
// pre-activation selected in each training batch; the first batch sets it. relu=1 (family.h
// TopkReluKnob) clamps the selected codes at 0 in training, so the threshold follows the
// smallest positive selected code, and at inference a latent passes when z_i >= threshold
// and z_i > 0.

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <vector>

#include "absl/strings/str_format.h"
#include "sdl/family.h"

namespace lrb::sdl {
namespace {

// Descending value, ties to the lower flat index: the selection depends on values only.
struct Candidate {
  float value;
  int64_t flat;
  bool operator<(const Candidate& other) const {
    return value > other.value || (value == other.value && flat < other.flat);
  }
};

FamilyTraits BatchTopkTraits() {
  return {
      .name = "batchtopk",
      .version = 1,
      .description = "the k*B largest pre-activations of a batch of B in training; a global "
                     "threshold at inference (Bussmann et al. 2024)",
      .knobs = {{"k", KnobType::kInt, 64, 1, kMaxLatents,
                 "active latents per sample, on average over a training batch"},
                {"threshold_decay", KnobType::kReal, 0.99, 0, 0.999999,
                 "decay of the running mean that sets the inference threshold"},
                TopkReluKnob()},
      .selects_topk = true,
      .l0 = L0Promise::kKPerSampleInTraining,
      .l0_of =
          [](const MethodSpec& spec) {
            return ReluAfterSelection(spec) ? L0Promise::kAtMostKPerSampleInTraining
                                            : L0Promise::kKPerSampleInTraining;
          },
      .inference_state = {"threshold"},
      .example = "sae.batchtopk(latents=24,k=4)",
      .tiny_example = "sae.batchtopk(latents=128,k=4)",
      .variant_examples = {"sae.batchtopk(latents=24,k=4,relu=1)"},
      // With relu=1 and a threshold <= 0, "batchtopk(threshold=T)" would pass negative
      // codes: not describable, the exported method spec says it.
      .score_activation = [](const MethodSpec& spec, const SaeModel& model) -> std::string {
        const float threshold = model.inference_state.at(0);
        if (ReluAfterSelection(spec) && !(threshold > 0.0f)) return "";
        return absl::StrFormat("batchtopk(threshold=%.9g)", threshold);
      },
  };
}

// Every value of the rows x n_q matrix z that is >= threshold, row-major.
std::vector<Candidate> CandidatesAtLeast(const float* z, int64_t rows, int64_t n_q,
                                         float threshold) {
  std::vector<std::vector<Candidate>> per_row(rows);
  ParallelRows(rows, n_q, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = z + r * n_q;
      for (int64_t i = 0; i < n_q; ++i) {
        if (row[i] >= threshold) per_row[r].push_back({row[i], r * n_q + i});
      }
    }
  });
  std::vector<Candidate> candidates;
  for (const std::vector<Candidate>& row : per_row) {
    candidates.insert(candidates.end(), row.begin(), row.end());
  }
  return candidates;
}

// A guess at a threshold that about 2 * keep of the `size` values of z reach: the value of
// that rank in a sample of every kStride-th value (deterministic). At the paper's size the
// rows' own bound (RowsThreshold) lets ~6 million of the 16 million values through, because
// a few rows of small norm have small k-th largest values; this lets ~130,000 through.
float SampledThreshold(const float* z, int64_t size, int64_t keep) {
  constexpr int64_t kStride = 61;  // prime: does not align with the rows' length
  std::vector<float> sample;
  sample.reserve(size / kStride + 1);
  for (int64_t i = 0; i < size; i += kStride) sample.push_back(z[i]);
  const int64_t rank =
      std::min<int64_t>(static_cast<int64_t>(sample.size()) - 1, 2 * keep / kStride);
  std::nth_element(sample.begin(), sample.begin() + rank, sample.end(), std::greater<float>());
  return sample[rank];
}

// The smallest of the rows' k-th largest values: the rows' top k are rows * k values, all
// at least this, so at least rows * k values reach it.
float RowsThreshold(const CodesContext& c, int64_t k) {
  const int64_t rows = c.rows, n_q = c.model.n_q;
  k = std::clamp<int64_t>(k, 1, n_q);
  std::vector<int32_t> top_indices(rows * k);
  std::vector<float> top_values(rows * k);
  c.kernels.topk_rows(c.z, rows, n_q, n_q, k, top_indices.data(), top_values.data());
  float threshold = std::numeric_limits<float>::infinity();
  for (int64_t r = 0; r < rows; ++r) threshold = std::min(threshold, top_values[r * k + k - 1]);
  return threshold;
}

// model.inference_state[kThreshold]: the global inference threshold.
constexpr int kThreshold = 0;

class BatchTopk final : public Family {
 public:
  BatchTopk() : Family(BatchTopkTraits()) {}

  void Activate(const MethodSpec& spec, const SaeModel& model, const KernelTable&,
                int64_t rows, const float* z, bool training, float* a) const override {
    const int64_t size = rows * model.n_q;
    if (!training) {
      const float threshold = model.inference_state[kThreshold];
      const float floor = ReluAfterSelection(spec) ? 0.0f : -std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < size; ++i) a[i] = z[i] >= threshold && z[i] > floor ? z[i] : 0.0f;
      return;
    }
    const int64_t keep = std::min(size, spec.IntKnob("k") * rows);
    std::vector<int64_t> order(size);
    std::iota(order.begin(), order.end(), 0);
    std::nth_element(order.begin(), order.begin() + (keep - 1), order.end(),
                     [z](int64_t x, int64_t y) { return z[x] > z[y] || (z[x] == z[y] && x < y); });
    std::fill_n(a, size, 0.0f);
    for (int64_t j = 0; j < keep; ++j) a[order[j]] = z[order[j]];
    ApplyReluAfterSelection(spec, size, a);
  }

  // Training: the selection runs on the values >= a threshold that at least k*B values
  // reach (SampledThreshold, else RowsThreshold), so it is exact and sorts few values.
  // The selection is k per row on average but not per row: at the paper's size (B = 1,024,
  // k = 64, 16,000 latents) the median row holds 3-5 codes and the largest ~1,500 at
  // initialisation, because rows of large norm take most of the batch's top values. So the
  // test for the sparse path is the average, k <= max_width, and the list is as wide as its
  // densest row; the sparse kernels skip each row's padding (kernels.h), so the step costs
  // what TopK's does.
  bool EmitCodes(const CodesContext& c, int64_t max_width, SparseCodes& codes) const override {
    const int64_t rows = c.rows, n_q = c.model.n_q;
    codes.rows = rows;
    codes.levels.resize(1);
    if (!c.training) {
      const float threshold = c.model.inference_state[kThreshold];
      const float floor =
          ReluAfterSelection(c.spec) ? 0.0f : -std::numeric_limits<float>::infinity();
      return ScanCodes(
          rows, n_q, c.z, max_width,
          [threshold, floor](int64_t, int64_t, float z) { return z >= threshold && z > floor; },
          [](int64_t, int64_t, float z) { return z; }, codes.levels[0]);
    }
    const int64_t keep = std::min(rows * n_q, c.spec.IntKnob("k") * rows);
    if (keep > rows * max_width) return false;
    // The keep largest values are among those >= any threshold that at least keep values
    // reach. A strided sample's guess usually passes with about 2 * keep candidates; when it
    // does not, the rows' k-th largest values give a threshold that always does.
    std::vector<Candidate> candidates =
        CandidatesAtLeast(c.z, rows, n_q, SampledThreshold(c.z, rows * n_q, keep));
    if (static_cast<int64_t>(candidates.size()) < keep) {
      candidates = CandidatesAtLeast(c.z, rows, n_q, RowsThreshold(c, keep / rows));
    }
    std::nth_element(candidates.begin(), candidates.begin() + (keep - 1), candidates.end());
    candidates.resize(keep);
    // Row-major order: rows ascending, latents ascending within a row.
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& x, const Candidate& y) { return x.flat < y.flat; });
    std::vector<int32_t> counts(rows, 0);
    for (const Candidate& s : candidates) ++counts[s.flat / n_q];
    int64_t width = 1;
    for (const int32_t count : counts) width = std::max<int64_t>(width, count);
    std::vector<int32_t> indices(rows * width);
    std::vector<float> values(rows * width);
    std::vector<int32_t> filled(rows, 0);
    for (const Candidate& s : candidates) {
      const int64_t r = s.flat / n_q;
      indices[r * width + filled[r]] = static_cast<int32_t>(s.flat % n_q);
      values[r * width + filled[r]++] = s.value;
    }
    CompactCodes(rows, width, counts, indices, values, codes.levels[0]);
    ApplyReluAfterSelection(c.spec, codes);
    return true;
  }

  std::pair<double, double> Backward(const BackwardContext& c) const override {
    PassGradientWhereActive(c.a, c.grad_a, c.rows * c.model.n_q, c.grad_z);
    return {0.0, 0.0};
  }

  // `values` are the step's codes, so with relu=1 the clamped selections (zeros) do not count
  // and the threshold stays positive.
  void UpdateInferenceState(const MethodSpec& spec, const float* values, int64_t count,
                            int64_t step, SaeModel& model) const override {
    float smallest = std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < count; ++i) {
      if (values[i] != 0.0f) smallest = std::min(smallest, values[i]);
    }
    // Nothing selected above 0: only with relu=1, when every selected pre-activation is <= 0
    // (the threshold then keeps its value; at inference z > 0 still applies).
    if (!std::isfinite(smallest)) return;
    const double decay = spec.RealKnob("threshold_decay");
    float& threshold = model.inference_state[kThreshold];
    threshold = step == 0 ? smallest
                          : static_cast<float>(decay * threshold + (1.0 - decay) * smallest);
  }
};

}  // namespace

std::unique_ptr<Family> Make_batchtopk() { return std::make_unique<BatchTopk>(); }

}  // namespace lrb::sdl
