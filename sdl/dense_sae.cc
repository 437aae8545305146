#include "sdl/dense_sae.h"

#include <algorithm>
#include <limits>

namespace lrb::sdl {
namespace {

// Column sums of a rows x cols matrix added into out (cols).
void AddColumnSums(const KernelTable& kernels, const float* m, int64_t rows, int64_t cols,
                   float* out) {
  for (int64_t r = 0; r < rows; ++r) kernels.axpy(cols, 1.0f, m + r * cols, out);
}

// The reconstruction levels: returns their loss and, with a gradient, adds the decoder terms
// and fills ws.grad_a = dL/da. ws.residual keeps the last level's x_hat - x_r (for AuxK).
double ReconstructLevels(const Family& family, const MethodSpec& spec, const SaeModel& model,
                         const Batch& batch, const KernelTable& kernels, const float* z,
                         DenseWorkspace& ws, SaeGradient* gradient) {
  const int64_t rows = batch.rows, n_q = model.n_q, n_r = model.n_r;
  const int levels = family.Levels(spec);
  ws.grad_a.assign(rows * n_q, 0.0f);
  ws.residual.resize(rows * n_r);
  ws.codes.resize(rows * n_q);
  double loss = 0;
  for (int level = 0; level < levels; ++level) {
    ws.mask.resize(rows * n_q);
    const bool masked = family.LevelMask(spec, kernels, level, rows, n_q, z, ws.mask.data());
    const float* codes = ws.a.data();
    if (masked) {
      for (int64_t i = 0; i < rows * n_q; ++i) ws.codes[i] = ws.a[i] * ws.mask[i];
      codes = ws.codes.data();
    }
    for (int64_t r = 0; r < rows; ++r) std::copy_n(model.b_dec.data(), n_r, &ws.residual[r * n_r]);
    kernels.gemm_nn(rows, n_r, n_q, 1.0f, codes, n_q, model.w_dec.data(), n_r, 1.0f,
                    ws.residual.data(), n_r);
    kernels.axpy(rows * n_r, -1.0f, batch.targets, ws.residual.data());
    loss += kernels.sum_squares(rows * n_r, ws.residual.data()) / rows / levels;
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
  return loss;
}

// AuxK (Gao et al. 2024): the top-k_aux pre-activations among dead latents reconstruct the
// (stop-gradient) residual e = x_r - x_hat: + lambda * mean_b ||e - A_aux W_D||^2. Adds its
// gradient to grad_z (through the dead latents' pre-activations) and to the decoder.
double AuxkLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                           const KernelTable& kernels, int64_t rows, const float* z,
                           const std::vector<uint8_t>& dead, DenseWorkspace& ws,
                           SaeGradient* gradient) {
  const int64_t n_q = model.n_q, n_r = model.n_r;
  const int64_t dead_count = std::count(dead.begin(), dead.end(), uint8_t{1});
  if (dead_count == 0) return 0.0;
  const int64_t k = std::min(spec.auxk->k, dead_count);
  // Pre-activations of live latents are pushed below every dead one before the selection.
  ws.scratch.assign(z, z + rows * n_q);
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

}  // namespace

LossTerms DenseLossAndGradient(const Family& family, const MethodSpec& spec,
                               const SaeModel& model, const Batch& batch,
                               const KernelTable& kernels, const std::vector<uint8_t>* dead,
                               const float* z, DenseWorkspace& ws, SaeGradient* gradient) {
  const int64_t rows = batch.rows, n_q = model.n_q, n_p = model.n_p;
  ws.a.resize(rows * n_q);
  family.Activate(spec, model, kernels, rows, z, /*training=*/true, ws.a.data());
  if (gradient != nullptr) {
    gradient->w_enc.assign(model.w_enc.size(), 0.0f);
    gradient->w_dec.assign(model.w_dec.size(), 0.0f);
    gradient->b_enc.assign(model.b_enc.size(), 0.0f);
    gradient->b_dec.assign(model.b_dec.size(), 0.0f);
    gradient->extra.assign(model.extra.size(), 0.0f);
  }
  LossTerms loss;
  loss.reconstruction = ReconstructLevels(family, spec, model, batch, kernels, z, ws, gradient);

  ws.grad_z.assign(rows * n_q, 0.0f);
  const bool separate_bias = family.SeparateBiasGradient();
  if (separate_bias) ws.grad_z_bias.assign(rows * n_q, 0.0f);
  const BackwardContext context{spec,         model,
                                kernels,      rows,
                                batch.inputs, batch.targets,
                                z,            ws.a.data(),
                                ws.grad_a.data(), ws.grad_z.data(),
                                separate_bias ? ws.grad_z_bias.data() : nullptr,
                                gradient};
  std::tie(loss.sparsity, loss.auxiliary) = family.Backward(context);
  if (spec.auxk.has_value() && dead != nullptr) {
    loss.auxiliary += AuxkLossAndGradient(spec, model, kernels, rows, z, *dead, ws, gradient);
  }
  if (gradient != nullptr) {
    kernels.gemm_tn(n_q, n_p, rows, 1.0f, ws.grad_z.data(), n_q, batch.inputs, n_p, 1.0f,
                    gradient->w_enc.data(), n_p);
    AddColumnSums(kernels, separate_bias ? ws.grad_z_bias.data() : ws.grad_z.data(), rows, n_q,
                  gradient->b_enc.data());
  }
  return loss;
}

}  // namespace lrb::sdl
