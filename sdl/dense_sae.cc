#include "sdl/dense_sae.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/strings/str_format.h"
#include "sdl/anchoring.h"
#include "sdl/dense_family.h"
#include "util/status_macros.h"

namespace lrb::sdl {
namespace {

// Column sums of a rows x cols matrix added into out (cols).
void AddColumnSums(const KernelTable& kernels, const float* m, int64_t rows, int64_t cols,
                   float* out) {
  for (int64_t r = 0; r < rows; ++r) kernels.axpy(cols, 1.0f, m + r * cols, out);
}

// AuxK (Gao et al. 2024): the top-k_aux pre-activations among dead latents reconstruct the
// (stop-gradient) residual e = x_r - x_hat: + lambda * mean_b ||e - A_aux W_D||^2. Adds its
// gradient to grad_z (through the dead latents' pre-activations) and to the decoder.
double AuxkLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                           const KernelTable& kernels, int64_t rows,
                           const std::vector<uint8_t>& dead, DenseWorkspace& ws,
                           SaeGradient* gradient) {
  const int64_t n_q = model.n_q, n_r = model.n_r;
  const int64_t dead_count = std::count(dead.begin(), dead.end(), uint8_t{1});
  if (dead_count == 0) return 0.0;
  const int64_t k = std::min(spec.auxk->k, dead_count);
  // Pre-activations of live latents are pushed below every dead one before the selection.
  ws.scratch.assign(ws.z.begin(), ws.z.end());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < n_q; ++i) {
      if (!dead[i]) ws.scratch[r * n_q + i] = -std::numeric_limits<float>::max();
    }
  }
  ws.aux_codes.resize(rows * n_q);
  KeepTopkPerRow(kernels, ws.scratch.data(), rows, n_q, k, ws.aux_codes.data());
  for (int64_t i = 0; i < rows * n_q; ++i) {
    // Only dead latents' real pre-activations take part.
    if (!dead[i % n_q]) ws.aux_codes[i] = 0.0f;
  }
  // Aux residual: A_aux W_D - e, where ws.residual holds x_hat - x_r = -e.
  ws.aux_residual.resize(rows * n_r);
  kernels.gemm_nn(rows, n_r, n_q, 1.0f, ws.aux_codes.data(), n_q, model.w_dec.data(), n_r, 0.0f,
                  ws.aux_residual.data(), n_r);
  kernels.axpy(rows * n_r, 1.0f, ws.residual.data(), ws.aux_residual.data());
  const double lambda = spec.auxk->lambda;
  const double loss = lambda * kernels.sum_squares(rows * n_r, ws.aux_residual.data()) / rows;
  if (gradient != nullptr) {
    const float scale = static_cast<float>(2.0 * lambda / rows);
    for (float& g : ws.aux_residual) g *= scale;
    kernels.gemm_tn(n_q, n_r, rows, 1.0f, ws.aux_codes.data(), n_q, ws.aux_residual.data(), n_r,
                    1.0f, gradient->w_dec.data(), n_r);
    // dL/dz for the aux latents: <W_D[:, i], g>; added where the aux code is non-zero.
    ws.scratch.resize(rows * n_q);
    kernels.gemm_nt(rows, n_q, n_r, 1.0f, ws.aux_residual.data(), n_r, model.w_dec.data(), n_r,
                    0.0f, ws.scratch.data(), n_q);
    for (int64_t i = 0; i < rows * n_q; ++i) {
      if (ws.aux_codes[i] != 0.0f) ws.grad_z[i] += ws.scratch[i];
    }
  }
  return loss;
}

// Families whose Backward reads grad_a only where a != 0 and leaves grad_z = 0 where a == 0
// (dense_family.h's PassGradientWhereActive, and ReLU: a != 0 exactly where z > 0). Not
// JumpReLU (its threshold estimator reads dL/da near the threshold, where a = 0), Gated (its
// gate path), Matryoshka (level masks).
bool FamilyAllowsSparsePath(const MethodSpec& spec) {
  return (spec.family == "relu" || spec.family == "topk" || spec.family == "batchtopk") &&
         !spec.auxk.has_value();
}

// Fills the padded view of A (DenseWorkspace::sparse_*) and returns true when its densest
// row has at most n_q / kSparsePathMaxFill non-zeros; returns false (view unspecified)
// otherwise.
bool BuildSparseView(const float* a, int64_t rows, int64_t n_q, DenseWorkspace& ws) {
  const int64_t max_k = n_q / kSparsePathMaxFill;
  ws.sparse_counts.assign(rows, 0);
  int64_t k = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = a + r * n_q;
    int64_t count = 0;
    for (int64_t i = 0; i < n_q; ++i) count += row[i] != 0.0f;
    if (count > max_k) return false;
    ws.sparse_counts[r] = static_cast<int32_t>(count);
    k = std::max(k, count);
  }
  k = std::max<int64_t>(k, 1);
  ws.sparse_k = k;
  ws.sparse_indices.assign(rows * k, 0);
  ws.sparse_values.assign(rows * k, 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = a + r * n_q;
    int32_t* idx = &ws.sparse_indices[r * k];
    float* val = &ws.sparse_values[r * k];
    int64_t j = 0;
    for (int64_t i = 0; i < n_q; ++i) {
      if (row[i] == 0.0f) continue;
      idx[j] = static_cast<int32_t>(i);
      val[j++] = row[i];
    }
    for (; j < k; ++j) idx[j] = j > 0 ? idx[j - 1] : 0;  // value 0: adds nothing
  }
  return true;
}

}  // namespace

absl::Status DenseEncode(const MethodSpec& spec, const SaeModel& model, const float* inputs,
                         int64_t rows, const KernelTable& kernels, bool training,
                         DenseWorkspace& ws) {
  const int64_t n_q = model.n_q;
  ws.z.resize(rows * n_q);
  ws.a.resize(rows * n_q);
  // Bias and finiteness check in the product's store (one pass over z).
  if (!kernels.gemm_nt_bias(rows, n_q, model.n_p, inputs, model.n_p, model.w_enc.data(),
                            model.n_p, model.b_enc.data(), ws.z.data(), n_q)) {
    return absl::AbortedError("encoder pre-activations are not finite (NaN or overflow)");
  }
  MakeDenseFamily(spec.family)
      ->Activate(spec, model, kernels, rows, ws.z.data(), training, ws.a.data());
  return absl::OkStatus();
}

absl::StatusOr<LossTerms> DenseLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                                               const Anchors& anchors, const Batch& batch,
                                               const KernelTable& kernels,
                                               const std::vector<uint8_t>* dead,
                                               DenseWorkspace& ws, SaeGradient* gradient) {
  const std::unique_ptr<DenseFamily> family = MakeDenseFamily(spec.family);
  const int64_t rows = batch.rows, n_q = model.n_q, n_r = model.n_r, n_p = model.n_p;
  LRB_RETURN_IF_ERROR(DenseEncode(spec, model, batch.inputs, rows, kernels, /*training=*/true, ws));
  const int levels = family->Levels(spec);
  const bool sparse = ws.allow_sparse_path && FamilyAllowsSparsePath(spec) && levels == 1 &&
                      BuildSparseView(ws.a.data(), rows, n_q, ws);
  ws.used_sparse_path = sparse;
  if (gradient != nullptr) {
    // On the sparse path, W_E and W_D gradients are written whole by sparse_outer_assign.
    if (sparse) {
      gradient->w_enc.resize(model.w_enc.size());
      gradient->w_dec.resize(model.w_dec.size());
    } else {
      gradient->w_enc.assign(model.w_enc.size(), 0.0f);
      gradient->w_dec.assign(model.w_dec.size(), 0.0f);
    }
    gradient->b_enc.assign(model.b_enc.size(), 0.0f);
    gradient->b_dec.assign(model.b_dec.size(), 0.0f);
    gradient->extra.assign(model.extra.size(), 0.0f);
  }
  ws.grad_a.assign(rows * n_q, 0.0f);
  ws.residual.resize(rows * n_r);

  LossTerms loss;
  if (sparse) {
    const int64_t k = ws.sparse_k;
    kernels.sparse_decode(ws.sparse_indices.data(), ws.sparse_values.data(), rows, k,
                          model.w_dec.data(), n_r, n_r, model.b_dec.data(), ws.residual.data(),
                          n_r);
    kernels.axpy(rows * n_r, -1.0f, batch.targets, ws.residual.data());
    loss.reconstruction = kernels.sum_squares(rows * n_r, ws.residual.data()) / rows;
    if (gradient != nullptr) {
      ws.scratch.assign(ws.residual.begin(), ws.residual.end());
      const float scale = 2.0f / static_cast<float>(rows);
      for (float& g : ws.scratch) g *= scale;
      AddColumnSums(kernels, ws.scratch.data(), rows, n_r, gradient->b_dec.data());
      kernels.sparse_outer_assign(ws.sparse_indices.data(), ws.sparse_values.data(), rows, k,
                                  ws.scratch.data(), n_r, n_r, gradient->w_dec.data(), n_r, n_q);
      // dL/da at the non-zeros of A (the family reads it nowhere else).
      ws.sparse_grads.resize(rows * k);
      kernels.sparse_dots(ws.sparse_indices.data(), rows, k, ws.scratch.data(), n_r,
                          model.w_dec.data(), n_r, n_r, ws.sparse_grads.data());
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t j = 0; j < ws.sparse_counts[r]; ++j) {
          ws.grad_a[r * n_q + ws.sparse_indices[r * k + j]] = ws.sparse_grads[r * k + j];
        }
      }
    }
  }

  // Reconstruction levels (dense path). The last level's residual is kept for AuxK.
  if (!sparse) ws.codes.resize(rows * n_q);
  for (int level = 0; level < (sparse ? 0 : levels); ++level) {
    ws.mask.resize(rows * n_q);
    const bool masked =
        family->LevelMask(spec, kernels, level, rows, n_q, ws.z.data(), ws.mask.data());
    const float* codes = ws.a.data();
    if (masked) {
      for (int64_t i = 0; i < rows * n_q; ++i) ws.codes[i] = ws.a[i] * ws.mask[i];
      codes = ws.codes.data();
    }
    for (int64_t r = 0; r < rows; ++r) std::copy_n(model.b_dec.data(), n_r, &ws.residual[r * n_r]);
    kernels.gemm_nn(rows, n_r, n_q, 1.0f, codes, n_q, model.w_dec.data(), n_r, 1.0f,
                    ws.residual.data(), n_r);
    kernels.axpy(rows * n_r, -1.0f, batch.targets, ws.residual.data());
    loss.reconstruction += kernels.sum_squares(rows * n_r, ws.residual.data()) / rows / levels;
    if (gradient == nullptr) continue;
    // G = dL/dx_hat for this level, in scratch so that `residual` survives for AuxK.
    ws.scratch.assign(ws.residual.begin(), ws.residual.end());
    const float scale = 2.0f / static_cast<float>(rows * levels);
    for (float& g : ws.scratch) g *= scale;
    AddColumnSums(kernels, ws.scratch.data(), rows, n_r, gradient->b_dec.data());
    kernels.gemm_tn(n_q, n_r, rows, 1.0f, codes, n_q, ws.scratch.data(), n_r, 1.0f,
                    gradient->w_dec.data(), n_r);
    // dL/da += (G W_D^T) * mask_j.
    if (!masked) {
      kernels.gemm_nt(rows, n_q, n_r, 1.0f, ws.scratch.data(), n_r, model.w_dec.data(), n_r,
                      1.0f, ws.grad_a.data(), n_q);
      continue;
    }
    ws.grad_z.resize(rows * n_q);  // borrowed as scratch until the backward pass
    kernels.gemm_nt(rows, n_q, n_r, 1.0f, ws.scratch.data(), n_r, model.w_dec.data(), n_r, 0.0f,
                    ws.grad_z.data(), n_q);
    for (int64_t i = 0; i < rows * n_q; ++i) ws.grad_a[i] += ws.grad_z[i] * ws.mask[i];
  }

  ws.grad_z.assign(rows * n_q, 0.0f);
  const bool separate_bias = family->SeparateBiasGradient();
  if (separate_bias) ws.grad_z_bias.assign(rows * n_q, 0.0f);
  BackwardContext context{spec,         model,
                          kernels,      rows,
                          batch.inputs, batch.targets,
                          ws.z.data(),  ws.a.data(),
                          ws.grad_a.data(), ws.grad_z.data(),
                          separate_bias ? ws.grad_z_bias.data() : nullptr,
                          gradient};
  std::tie(loss.sparsity, loss.auxiliary) = family->Backward(context);

  if (spec.auxk.has_value() && dead != nullptr) {
    loss.auxiliary += AuxkLossAndGradient(spec, model, kernels, rows, *dead, ws, gradient);
  }
  if (gradient != nullptr && sparse) {
    // dL/dz is zero off A's non-zeros: gather it there, then dW_E = dZ^T X as sparse outer
    // products and db_E as a scatter (each b_E element still sums its rows in order).
    const int64_t k = ws.sparse_k;
    ws.sparse_grads.assign(rows * k, 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < ws.sparse_counts[r]; ++j) {
        const int32_t i = ws.sparse_indices[r * k + j];
        const float g = ws.grad_z[r * n_q + i];
        ws.sparse_grads[r * k + j] = g;
        gradient->b_enc[i] += g;
      }
    }
    kernels.sparse_outer_assign(ws.sparse_indices.data(), ws.sparse_grads.data(), rows, k,
                                batch.inputs, n_p, n_p, gradient->w_enc.data(), n_p, n_q);
  } else if (gradient != nullptr) {
    kernels.gemm_tn(n_q, n_p, rows, 1.0f, ws.grad_z.data(), n_q, batch.inputs, n_p, 1.0f,
                    gradient->w_enc.data(), n_p);
    AddColumnSums(kernels, separate_bias ? ws.grad_z_bias.data() : ws.grad_z.data(), rows, n_q,
                  gradient->b_enc.data());
  }
  loss.anchor = AddAnchorPenalty(model, anchors, gradient);
  if (!std::isfinite(loss.total())) {
    return absl::AbortedError(absl::StrFormat("loss is not finite: %g", loss.total()));
  }
  return loss;
}

}  // namespace lrb::sdl
