#include "sdl/topk_sae.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "sdl/anchoring.h"
#include "util/status_macros.h"

namespace lrb::sdl {

absl::Status TopkEncode(const MethodSpec& spec, const SaeModel& model, const float* inputs,
                        int64_t rows, const KernelTable& kernels, TopkWorkspace& workspace) {
  const int64_t n_q = model.n_q;
  workspace.pre_activations.resize(rows * n_q);
  workspace.active.resize(rows * spec.k);
  workspace.active_values.resize(rows * spec.k);
  float* z = workspace.pre_activations.data();
  // Bias and finiteness check in the product's store (one pass over the rows x n_q matrix).
  // Top-k selection is undefined on NaN: a diverged model is reported, not selected from.
  if (!kernels.gemm_nt_bias(rows, n_q, model.n_p, inputs, model.n_p, model.w_enc.data(),
                            model.n_p, model.b_enc.data(), z, n_q)) {
    return absl::AbortedError("encoder pre-activations are not finite (NaN or overflow)");
  }
  kernels.topk_rows(z, rows, n_q, n_q, spec.k, workspace.active.data(),
                    workspace.active_values.data());
  return absl::OkStatus();
}

absl::StatusOr<LossTerms> TopkLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                                              const Anchors& anchors, const Batch& batch,
                                              const KernelTable& kernels,
                                              TopkWorkspace& workspace, SaeGradient* gradient) {
  const int64_t rows = batch.rows;
  const int64_t k = spec.k;
  const int64_t n_r = model.n_r;
  LRB_RETURN_IF_ERROR(TopkEncode(spec, model, batch.inputs, rows, kernels, workspace));

  // Residual r = x_hat - x_r, kept in workspace.reconstruction.
  workspace.reconstruction.resize(rows * n_r);
  float* residual = workspace.reconstruction.data();
  kernels.sparse_decode(workspace.active.data(), workspace.active_values.data(), rows, k,
                        model.w_dec.data(), n_r, n_r, model.b_dec.data(), residual, n_r);
  for (int64_t r = 0; r < rows; ++r) {
    kernels.axpy(n_r, -1.0f, batch.targets + r * n_r, residual + r * n_r);
  }
  LossTerms loss;
  loss.reconstruction = kernels.sum_squares(rows * n_r, residual) / static_cast<double>(rows);

  if (gradient != nullptr) {
    // W_E and W_D gradients are written whole by sparse_outer_assign below (no zeroing
    // pass over their 2 x n_q x n rows).
    gradient->w_enc.resize(model.w_enc.size());
    gradient->w_dec.resize(model.w_dec.size());
    gradient->b_enc.assign(model.b_enc.size(), 0.0f);
    gradient->b_dec.assign(model.b_dec.size(), 0.0f);
    gradient->extra.assign(model.extra.size(), 0.0f);
    // dL/dx_hat = (2/B) r; scaled in place, the residual becomes that gradient.
    const float scale = 2.0f / static_cast<float>(rows);
    for (int64_t i = 0; i < rows * n_r; ++i) residual[i] *= scale;
    for (int64_t r = 0; r < rows; ++r) {
      kernels.axpy(n_r, 1.0f, residual + r * n_r, gradient->b_dec.data());
    }
    // Decoder: dL/dW_D[:, i] = sum over samples where i is active of value * dL/dx_hat.
    kernels.sparse_outer_assign(workspace.active.data(), workspace.active_values.data(), rows,
                                k, residual, n_r, n_r, gradient->w_dec.data(), n_r, model.n_q);
    // Active values: dL/dz_i = <W_D[:, i], dL/dx_hat>; TopK passes it through unchanged.
    workspace.value_grads.resize(rows * k);
    kernels.sparse_dots(workspace.active.data(), rows, k, residual, n_r, model.w_dec.data(),
                        n_r, n_r, workspace.value_grads.data());
    for (int64_t i = 0; i < rows * k; ++i) {
      gradient->b_enc[workspace.active[i]] += workspace.value_grads[i];
    }
    kernels.sparse_outer_assign(workspace.active.data(), workspace.value_grads.data(), rows, k,
                                batch.inputs, model.n_p, model.n_p, gradient->w_enc.data(),
                                model.n_p, model.n_q);
  }

  loss.anchor = AddAnchorPenalty(model, anchors, gradient);
  if (!std::isfinite(loss.total())) {
    return absl::AbortedError(absl::StrFormat("loss is not finite: %g", loss.total()));
  }
  return loss;
}

}  // namespace lrb::sdl
