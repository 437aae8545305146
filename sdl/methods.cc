#include "sdl/methods.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"
#include "sdl/anchoring.h"
#include "sdl/family.h"
#include "util/status_macros.h"

namespace lrb::sdl {
namespace {

// z = inputs W_E^T + b_E (rows x n_q), with the bias and the finiteness check in the
// product's store.
absl::Status EncoderProduct(const SaeModel& model, const float* inputs, int64_t rows,
                            const KernelTable& kernels, std::vector<float>& z) {
  z.resize(rows * model.n_q);
  if (!kernels.gemm_nt_bias(rows, model.n_q, model.n_p, inputs, model.n_p, model.w_enc.data(),
                            model.n_p, model.b_enc.data(), z.data(), model.n_q)) {
    return absl::AbortedError("encoder pre-activations are not finite (NaN or overflow)");
  }
  return absl::OkStatus();
}

// The family's sparse codes of z into workspace.sparse.codes, when the policy allows and
// they are sparse enough; false means the dense path.
bool EmitSparseCodes(const Family& family, const MethodSpec& spec, const SaeModel& model,
                     const KernelTable& kernels, int64_t rows, bool training,
                     MethodWorkspace& ws) {
  if (ws.path == PathPolicy::kDense || !family.traits().sparse_path) return false;
  const int64_t max_width =
      ws.path == PathPolicy::kSparse ? model.n_q : model.n_q / kSparsePathMaxFill;
  if (max_width < 1) return false;
  const CodesContext context{spec, model, kernels, rows, ws.z.data(), training};
  return family.EmitCodes(context, max_width, ws.sparse.codes);
}

}  // namespace

SaeModel InitMethodModel(const MethodSpec& spec, int64_t n_p, int64_t n_r, uint64_t seed) {
  SaeModel model = InitSaeModel(n_p, n_r, spec.latents, seed);
  const Family& family = FamilyOf(spec.family);
  family.InitExtra(spec, model);
  model.inference_state.assign(family.traits().inference_state.size(), 0.0f);
  return model;
}

float InferenceStateValue(const MethodSpec& spec, const SaeModel& model, std::string_view name) {
  const std::vector<std::string_view>& names = TraitsOf(spec).inference_state;
  for (size_t i = 0; i < names.size() && i < model.inference_state.size(); ++i) {
    if (names[i] == name) return model.inference_state[i];
  }
  return 0.0f;
}

bool SetInferenceStateValue(const MethodSpec& spec, std::string_view name, float value,
                            SaeModel& model) {
  const std::vector<std::string_view>& names = TraitsOf(spec).inference_state;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != name) continue;
    model.inference_state.resize(names.size(), 0.0f);
    model.inference_state[i] = value;
    return true;
  }
  return false;
}

absl::StatusOr<LossTerms> MethodLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                                                const Anchors& anchors, const Batch& batch,
                                                const KernelTable& kernels,
                                                const std::vector<uint8_t>* dead,
                                                MethodWorkspace& ws, SaeGradient* gradient) {
  const Family& family = FamilyOf(spec.family);
  LRB_RETURN_IF_ERROR(EncoderProduct(model, batch.inputs, batch.rows, kernels, ws.z));
  ws.used_sparse_path =
      EmitSparseCodes(family, spec, model, kernels, batch.rows, /*training=*/true, ws);
  LossTerms loss =
      ws.used_sparse_path
          ? SparseLossAndGradient(family, spec, model, batch, kernels, dead, ws.z.data(),
                                  ws.sparse, gradient)
          : DenseLossAndGradient(family, spec, model, batch, kernels, dead, ws.z.data(),
                                 ws.dense, gradient);
  loss.anchor = AddAnchorPenalty(model, anchors, gradient);
  if (!std::isfinite(loss.total())) {
    return absl::AbortedError(absl::StrFormat("loss is not finite: %g", loss.total()));
  }
  return loss;
}

void MarkActiveLatents(const MethodSpec& /*spec*/, const MethodWorkspace& ws,
                       std::vector<uint8_t>& active) {
  if (ws.used_sparse_path) {
    for (const CodeList& list : ws.sparse.codes.levels) {
      for (size_t e = 0; e < list.values.size(); ++e) {
        if (list.values[e] != 0.0f) active[list.indices[e]] = 1;
      }
    }
    return;
  }
  const int64_t n_q = static_cast<int64_t>(active.size());
  const std::vector<float>& a = ws.dense.a;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != 0.0f) active[i % n_q] = 1;
  }
}

void UpdateInferenceState(const MethodSpec& spec, const MethodWorkspace& ws, int64_t step,
                          SaeModel& model) {
  const Family& family = FamilyOf(spec.family);
  if (!ws.used_sparse_path) {
    family.UpdateInferenceState(spec, ws.dense.a.data(),
                                static_cast<int64_t>(ws.dense.a.size()), step, model);
    return;
  }
  const std::vector<CodeList>& levels = ws.sparse.codes.levels;
  if (levels.size() == 1) {
    family.UpdateInferenceState(spec, levels[0].values.data(),
                                static_cast<int64_t>(levels[0].values.size()), step, model);
    return;
  }
  std::vector<float> values;
  for (const CodeList& list : levels) {
    values.insert(values.end(), list.values.begin(), list.values.end());
  }
  family.UpdateInferenceState(spec, values.data(), static_cast<int64_t>(values.size()), step,
                              model);
}

absl::Status DenseEncode(const MethodSpec& spec, const SaeModel& model, const float* inputs,
                         int64_t rows, const KernelTable& kernels, bool training,
                         MethodWorkspace& ws) {
  LRB_RETURN_IF_ERROR(EncoderProduct(model, inputs, rows, kernels, ws.z));
  ws.dense.a.resize(rows * model.n_q);
  FamilyOf(spec.family).Activate(spec, model, kernels, rows, ws.z.data(), training,
                                 ws.dense.a.data());
  return absl::OkStatus();
}

absl::StatusOr<SparseRows> Encode(const MethodSpec& spec, const SaeModel& model,
                                  const float* inputs, int64_t rows, const KernelTable& kernels,
                                  MethodWorkspace& ws) {
  SparseRows codes;
  codes.indptr.reserve(rows + 1);
  codes.indptr.push_back(0);
  const int64_t n_q = model.n_q;
  LRB_RETURN_IF_ERROR(EncoderProduct(model, inputs, rows, kernels, ws.z));
  const Family& family = FamilyOf(spec.family);
  if (EmitSparseCodes(family, spec, model, kernels, rows, /*training=*/false, ws)) {
    std::vector<std::pair<int32_t, float>> row;
    for (int64_t r = 0; r < rows; ++r) {
      row.clear();
      for (const CodeList& list : ws.sparse.codes.levels) {
        for (int64_t e = r * list.width; e < r * list.width + list.counts[r]; ++e) {
          if (list.values[e] != 0.0f) row.emplace_back(list.indices[e], list.values[e]);
        }
      }
      std::sort(row.begin(), row.end());
      for (const auto& [latent, value] : row) {
        codes.indices.push_back(latent);
        codes.values.push_back(value);
      }
      codes.indptr.push_back(static_cast<int64_t>(codes.indices.size()));
    }
    return codes;
  }
  ws.dense.a.resize(rows * n_q);
  family.Activate(spec, model, kernels, rows, ws.z.data(), /*training=*/false, ws.dense.a.data());
  const std::vector<float>& a = ws.dense.a;
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
