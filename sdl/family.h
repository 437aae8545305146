#ifndef LRB_SDL_FAMILY_H_
#define LRB_SDL_FAMILY_H_

// What a method family implements; the pipeline (methods.h) owns everything else: the encoder
// product, reconstruction, decoder and encoder gradients, AuxK, anchoring. A family supplies
//   - its activation on dense pre-activations (the dense path and inference),
//   - its codes as sparse per-row lists (SparseCodes, the sparse path) -- optional: a family
//     without them always trains on the dense path,
//   - the backward pass of its activation and penalties on either representation,
//   - reconstruction levels (Matryoshka) and untrained inference state (BatchTopK),
//   - its traits (family_traits.h): knobs, version, promises, examples.
// All dense matrices are row-major: z, a, grad_a are rows x n_q.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

#include "sdl/kernels/kernels.h"
#include "sdl/family_traits.h"
#include "sdl/loss_terms.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"

namespace lrb::sdl {

// One reconstruction level's entries of a batch's codes, `width` per row: row r's entries
// are indices/values[r * width + j] for j < counts[r]; the rest of the row is padding (a real
// index of the row, or 0, with value 0, so that fixed-width sparse kernels may read it and
// add nothing). Values are the codes a = sigma(z) at the entries. A family may list entries
// whose code is 0 (its support: where its backward pass needs dL/da, e.g. JumpReLU's
// threshold band); every entry with a != 0 is listed exactly once over all levels.
struct CodeList {
  int64_t width = 0;
  std::vector<int32_t> indices;  // rows x width
  std::vector<float> values;     // rows x width
  std::vector<int32_t> counts;   // rows
};

// A batch's codes as sparse lists. Level j's reconstruction decodes levels 0..j together
// (x_hat_j = b_D + sum over those entries of a W_D[:, i]); most families have one level.
struct SparseCodes {
  int64_t rows = 0;
  std::vector<CodeList> levels;
};

// What a family's codes are computed from.
struct CodesContext {
  const MethodSpec& spec;
  const SaeModel& model;
  const KernelTable& kernels;
  int64_t rows = 0;
  const float* z = nullptr;  // pre-activations, bias included, rows x n_q
  bool training = false;     // BatchTopK: batch-level selection, else its threshold
};

// What a family's dense backward pass sees and writes.
struct BackwardContext {
  const MethodSpec& spec;
  const SaeModel& model;
  const KernelTable& kernels;
  int64_t rows = 0;
  const float* inputs = nullptr;   // rows x n_p
  const float* targets = nullptr;  // rows x n_r
  const float* z = nullptr;        // pre-activations, bias included
  const float* a = nullptr;        // activations
  // dL/da from the reconstruction terms, for every latent (also inactive ones, which
  // straight-through estimators such as JumpReLU's need).
  const float* grad_a = nullptr;
  float* grad_z = nullptr;         // out: dL/dz for the encoder weights (rows x n_q, zeroed)
  float* grad_z_bias = nullptr;    // out: dL/dz for the encoder bias; null when equal to grad_z
  SaeGradient* gradient = nullptr; // out: add decoder / extra-parameter terms
};

// What a family's sparse backward pass sees and writes: per level, arrays laid out like that
// level's CodeList (rows x width).
struct SparseBackwardContext {
  const MethodSpec& spec;
  const SaeModel& model;
  const KernelTable& kernels;
  int64_t rows = 0;
  const float* targets = nullptr;  // rows x n_r
  const float* z = nullptr;        // pre-activations, bias included, rows x n_q
  const SparseCodes& codes;
  // dL/da from the reconstruction terms at every entry (padding included).
  const std::vector<std::vector<float>>& grad_a;
  // out: dL/dz at every entry for the encoder weights (sized, zero at padding).
  std::vector<std::vector<float>>& grad_z;
  // out: dL/dz for the encoder bias; null unless SeparateBiasGradient().
  std::vector<std::vector<float>>* grad_z_bias = nullptr;
  SaeGradient* gradient = nullptr;  // out: add decoder / extra-parameter terms
};

class Family {
 public:
  explicit Family(FamilyTraits traits) : traits_(std::move(traits)) {}
  virtual ~Family() = default;

  const FamilyTraits& traits() const { return traits_; }

  // Constraints between knobs beyond each knob's range (e.g. Matryoshka's levels against k),
  // on a spec whose knobs are each in range. The message names the values and what is
  // expected; ParseMethodSpec prefixes the method's name.
  virtual absl::Status CheckKnobs(const MethodSpec& /*spec*/) const { return absl::OkStatus(); }

  // Sizes and initialises model.extra (most families have none).
  virtual void InitExtra(const MethodSpec& /*spec*/, SaeModel& /*model*/) const {}

  // a = sigma(z) for `rows` samples. `training` selects BatchTopK's batch-level selection
  // over its inference threshold. Every family keeps sigma(z)_i in {0, z_i} (Gated: its
  // magnitude path in place of z_i).
  virtual void Activate(const MethodSpec& spec, const SaeModel& model,
                        const KernelTable& kernels, int64_t rows, const float* z,
                        bool training, float* a) const = 0;

  // The reconstruction loss is (1/levels) sum_j ||x_r - x_hat(a * mask_j)||^2.
  virtual int Levels(const MethodSpec& /*spec*/) const { return 1; }
  // Writes level j's 0/1 mask over latents (rows x n_q) and returns true, or returns false
  // when level j uses every latent (the default, and the only level of most families).
  virtual bool LevelMask(const MethodSpec& /*spec*/, const KernelTable& /*kernels*/,
                         int /*level*/, int64_t /*rows*/, int64_t /*n_q*/, const float* /*z*/,
                         float* /*mask*/) const {
    return false;
  }

  // Dense path: fills grad_z (and grad_z_bias when separate), adds decoder and
  // extra-parameter gradient terms, and returns {sparsity penalty, auxiliary loss}.
  virtual std::pair<double, double> Backward(const BackwardContext& context) const = 0;

  // Sparse path: fills `codes` with Levels(spec) lists, the same codes as Activate (level j's
  // entries are those mask_j adds to the levels before it), and returns true; returns false
  // (codes unspecified) when the codes are too dense for it -- a row would need more than
  // max_width entries (BatchTopK: the rows would, on average) -- or when the family has no
  // sparse codes (the default).
  virtual bool EmitCodes(const CodesContext& /*context*/, int64_t /*max_width*/,
                         SparseCodes& /*codes*/) const {
    return false;
  }

  // Sparse path: the same as Backward on the codes' entries. The default is the TopK-type
  // backward (dL/dz = dL/da where a != 0, no penalty).
  virtual std::pair<double, double> SparseBackward(const SparseBackwardContext& context) const;

  // Whether the family needs a separate encoder-bias gradient (Gated: the magnitude path
  // does not see b_E).
  virtual bool SeparateBiasGradient() const { return false; }

  // After an optimiser step: state that inference needs but gradients do not train
  // (model.inference_state, laid out as traits().inference_state), from the step's code
  // values (`count` values of a, zeros included).
  virtual void UpdateInferenceState(const MethodSpec& /*spec*/, const float* /*values*/,
                                    int64_t /*count*/, int64_t /*step*/,
                                    SaeModel& /*model*/) const {}

 private:
  const FamilyTraits traits_;
};

// The family called `family` (method_families.inc); never null for a parsed spec (aborts
// for an unknown name).
const Family& FamilyOf(std::string_view family);

// Every family, in list order.
const std::vector<const Family*>& AllFamilies();

// The family's CheckKnobs (method_spec.cc calls it through here).
absl::Status CheckFamilyKnobs(const MethodSpec& spec);

// Per family factories, one per line of method_families.inc, each defined in its own file
// under sdl/families/.
#define LRB_METHOD_FAMILY(name) std::unique_ptr<Family> Make_##name();
#include "sdl/method_families.inc"
#undef LRB_METHOD_FAMILY

// Shared by the TopK-type families: per row, the k largest of z (ties to the lower index)
// pass, the rest are zero.
void KeepTopkPerRow(const KernelTable& kernels, const float* z, int64_t rows, int64_t n_q,
                    int64_t k, float* a);

// The `relu` knob every TopK-type family declares last among its knobs. 0 (the default,
// omitted from canonical specs) passes the selected pre-activations as they are, negative
// ones included; 1 applies a ReLU after the selection, a_i = max(0, z_i) on the selected
// entries (the variant most other tools train): a selected z_i <= 0 becomes a zero code,
// which passes no gradient (PassGradientWhereActive and the default SparseBackward read
// a != 0) and does not count as firing. The selection itself does not change.
KnobTraits TopkReluKnob();

// Whether spec's family applies the ReLU after its selection (relu=1).
bool ReluAfterSelection(const MethodSpec& spec);

// For FamilyTraits::l0_of of the per-sample TopK families: exactly k, at most k with relu=1.
L0Promise TopkL0Promise(const MethodSpec& spec);

// With relu=1, a_i = max(0, a_i) over `size` codes (dense, after the selection); else nothing.
void ApplyReluAfterSelection(const MethodSpec& spec, int64_t size, float* a);
// The same on every level's values. Clamped entries stay listed with value 0 (family.h allows
// listed zero codes), so a level's width and the selection's levels do not change.
void ApplyReluAfterSelection(const MethodSpec& spec, SparseCodes& codes);

// dL/dz = dL/da where a latent is active, 0 elsewhere (TopK-type backward).
void PassGradientWhereActive(const float* a, const float* grad_a, int64_t size, float* grad_z);

// Codes of the TopK-type families: per row, the k largest of z in descending order (ties to
// the lower index), split into levels at the given ends (ascending, the last == k): level j
// holds ranks [ends[j-1], ends[j]) of each row.
void TopkCodes(const KernelTable& kernels, const float* z, int64_t rows, int64_t n_q, int64_t k,
               const std::vector<int64_t>& ends, SparseCodes& codes);

// One level of codes from a scan of z: entry (r, i) is listed when in_support(r, i, z[r, i])
// and carries value_of(r, i, z[r, i]). Returns false when a row has more than max_width
// entries. Rows are scanned in parallel; each row's entries are in ascending latent order.
template <class InSupport, class ValueOf>
bool ScanCodes(int64_t rows, int64_t n_q, const float* z, int64_t max_width,
               const InSupport& in_support, const ValueOf& value_of, CodeList& list);

// Moves per-row staging (rows x max_width, counts) into `list` at the densest row's width.
void CompactCodes(int64_t rows, int64_t max_width, const std::vector<int32_t>& counts,
                  const std::vector<int32_t>& indices, const std::vector<float>& values,
                  CodeList& list);

// Calls fn(begin, end) over contiguous chunks of [0, rows) on the default threads.
void ParallelRows(int64_t rows, int64_t work_per_row,
                  const std::function<void(int64_t, int64_t)>& fn);

template <class InSupport, class ValueOf>
bool ScanCodes(int64_t rows, int64_t n_q, const float* z, int64_t max_width,
               const InSupport& in_support, const ValueOf& value_of, CodeList& list) {
  max_width = std::min(max_width, n_q);
  std::vector<int32_t> counts(rows, 0), indices(rows * max_width);
  std::vector<float> values(rows * max_width);
  std::vector<uint8_t> overflow(rows, 0);
  ParallelRows(rows, n_q, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = z + r * n_q;
      int32_t* idx = &indices[r * max_width];
      float* val = &values[r * max_width];
      int64_t count = 0;
      for (int64_t i = 0; i < n_q; ++i) {
        if (!in_support(r, i, row[i])) continue;
        if (count == max_width) {
          overflow[r] = 1;
          break;
        }
        idx[count] = static_cast<int32_t>(i);
        val[count++] = value_of(r, i, row[i]);
      }
      counts[r] = static_cast<int32_t>(count);
    }
  });
  for (const uint8_t o : overflow) {
    if (o) return false;
  }
  CompactCodes(rows, max_width, counts, indices, values, list);
  return true;
}

}  // namespace lrb::sdl

#endif  // LRB_SDL_FAMILY_H_
