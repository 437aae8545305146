#ifndef LRB_SDL_METHODS_H_
#define LRB_SDL_METHODS_H_

// The front door to every method family (method_families.inc): parameter initialisation,
// loss and gradient, and encoding for evaluation. Plain TopK trains on its sparse path
// (topk_sae.h); every other method, and TopK with AuxK, on the dense path (dense_sae.h).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "sdl/dense_sae.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"
#include "sdl/topk_sae.h"

namespace lrb::sdl {

struct MethodWorkspace {
  TopkWorkspace topk;
  DenseWorkspace dense;
};

// The initial model of `spec`: InitSaeModel plus the family's own parameters.
SaeModel InitMethodModel(const MethodSpec& spec, int64_t n_p, int64_t n_r, uint64_t seed);

// Whether `spec` trains on TopK's sparse path.
bool UsesSparseTopkPath(const MethodSpec& spec);

// The loss on `batch` and, when `gradient` is not null, its gradient (resized, overwritten).
// `dead` (n_q flags, may be null) marks latents AuxK may use. Anchoring included.
absl::StatusOr<LossTerms> MethodLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                                                const Anchors& anchors, const Batch& batch,
                                                const KernelTable& kernels,
                                                const std::vector<uint8_t>* dead,
                                                MethodWorkspace& workspace,
                                                SaeGradient* gradient);

// Sets active[i] = 1 for every latent active in the last MethodLossAndGradient call.
void MarkActiveLatents(const MethodSpec& spec, const MethodWorkspace& workspace,
                       std::vector<uint8_t>& active);

// After an optimiser step: state that inference needs but gradients do not train
// (BatchTopK's threshold: the running mean, with decay threshold_decay, of the smallest
// pre-activation selected in each training batch; the first batch sets it).
void UpdateInferenceState(const MethodSpec& spec, const MethodWorkspace& workspace,
                          int64_t step, SaeModel& model);

// Codes of `rows` samples at inference, one sparse row per sample (non-zeros only, latent
// index ascending).
struct SparseRows {
  std::vector<int64_t> indptr;  // rows + 1
  std::vector<int32_t> indices;
  std::vector<float> values;
};
absl::StatusOr<SparseRows> Encode(const MethodSpec& spec, const SaeModel& model,
                                  const float* inputs, int64_t rows, const KernelTable& kernels,
                                  MethodWorkspace& workspace);

}  // namespace lrb::sdl

#endif  // LRB_SDL_METHODS_H_
