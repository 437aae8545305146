#include "sdl/methods.h"

#include <algorithm>
#include <limits>

#include "sdl/dense_family.h"
#include "util/status_macros.h"

namespace lrb::sdl {

SaeModel InitMethodModel(const MethodSpec& spec, int64_t n_p, int64_t n_r, uint64_t seed) {
  SaeModel model = InitSaeModel(n_p, n_r, spec.latents, seed);
  MakeDenseFamily(spec.family)->InitExtra(spec, model);
  return model;
}

bool UsesSparseTopkPath(const MethodSpec& spec) {
  return spec.family == "topk" && !spec.auxk.has_value();
}

absl::StatusOr<LossTerms> MethodLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                                                const Anchors& anchors, const Batch& batch,
                                                const KernelTable& kernels,
                                                const std::vector<uint8_t>* dead,
                                                MethodWorkspace& workspace,
                                                SaeGradient* gradient) {
  if (UsesSparseTopkPath(spec)) {
    return TopkLossAndGradient(spec, model, anchors, batch, kernels, workspace.topk, gradient);
  }
  return DenseLossAndGradient(spec, model, anchors, batch, kernels, dead, workspace.dense,
                              gradient);
}

void MarkActiveLatents(const MethodSpec& spec, const MethodWorkspace& workspace,
                       std::vector<uint8_t>& active) {
  if (UsesSparseTopkPath(spec)) {
    for (int32_t latent : workspace.topk.active) active[latent] = 1;
    return;
  }
  const int64_t n_q = static_cast<int64_t>(active.size());
  const std::vector<float>& a = workspace.dense.a;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != 0.0f) active[i % n_q] = 1;
  }
}

void UpdateInferenceState(const MethodSpec& spec, const MethodWorkspace& workspace,
                          int64_t step, SaeModel& model) {
  if (spec.family != "batchtopk") return;
  float smallest = std::numeric_limits<float>::infinity();
  for (float v : workspace.dense.a) {
    if (v != 0.0f) smallest = std::min(smallest, v);
  }
  if (!std::isfinite(smallest)) return;  // nothing selected (cannot happen with k >= 1)
  const double decay = spec.threshold_decay;
  model.threshold = step == 0 ? smallest
                              : static_cast<float>(decay * model.threshold +
                                                   (1.0 - decay) * smallest);
}

absl::StatusOr<SparseRows> Encode(const MethodSpec& spec, const SaeModel& model,
                                  const float* inputs, int64_t rows, const KernelTable& kernels,
                                  MethodWorkspace& workspace) {
  SparseRows codes;
  codes.indptr.reserve(rows + 1);
  codes.indptr.push_back(0);
  const int64_t n_q = model.n_q;
  if (spec.family == "topk") {
    LRB_RETURN_IF_ERROR(TopkEncode(spec, model, inputs, rows, kernels, workspace.topk));
    std::vector<std::pair<int32_t, float>> row(spec.k);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < spec.k; ++j) {
        row[j] = {workspace.topk.active[r * spec.k + j], workspace.topk.active_values[r * spec.k + j]};
      }
      std::sort(row.begin(), row.end());
      for (const auto& [latent, value] : row) {
        if (value == 0.0f) continue;
        codes.indices.push_back(latent);
        codes.values.push_back(value);
      }
      codes.indptr.push_back(static_cast<int64_t>(codes.indices.size()));
    }
    return codes;
  }
  LRB_RETURN_IF_ERROR(
      DenseEncode(spec, model, inputs, rows, kernels, /*training=*/false, workspace.dense));
  const std::vector<float>& a = workspace.dense.a;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < n_q; ++i) {
      if (a[r * n_q + i] == 0.0f) continue;
      codes.indices.push_back(static_cast<int32_t>(i));
      codes.values.push_back(a[r * n_q + i]);
    }
    codes.indptr.push_back(static_cast<int64_t>(codes.indices.size()));
  }
  return codes;
}

}  // namespace lrb::sdl
