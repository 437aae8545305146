#include "sdl/sparse_sae.h"

#include <algorithm>

namespace lrb::sdl {
namespace {

// The reconstruction levels: returns their loss; ws.residual holds every R_j. With a
// gradient: ws.grads = S_j, the decoder's gradient (W_D written whole, b_D), and
// ws.grad_a = dL/da at every entry; without, ws.grad_a is zero.
double ReconstructLevels(const SaeModel& model, const Batch& batch, const KernelTable& kernels,
                         SparseWorkspace& ws, SaeGradient* gradient) {
  const int64_t rows = batch.rows, n_r = model.n_r, n_q = model.n_q;
  const std::vector<CodeList>& levels = ws.codes.levels;
  const int64_t count = static_cast<int64_t>(levels.size());
  const int64_t plane = rows * n_r;
  ws.residual.resize(count * plane);
  double loss = 0;
  for (int64_t j = 0; j < count; ++j) {
    const CodeList& list = levels[j];
    float* residual = &ws.residual[j * plane];
    if (j == 0) {
      kernels.sparse_decode(list.indices.data(), list.values.data(), rows, list.width,
                            list.counts.data(), model.w_dec.data(), n_r, n_r, model.b_dec.data(),
                            residual, n_r);
      kernels.axpy(plane, -1.0f, batch.targets, residual);
    } else {
      ws.decoded.resize(plane);
      kernels.sparse_decode(list.indices.data(), list.values.data(), rows, list.width,
                            list.counts.data(), model.w_dec.data(), n_r, n_r, nullptr,
                            ws.decoded.data(), n_r);
      std::copy_n(residual - plane, plane, residual);
      kernels.axpy(plane, 1.0f, ws.decoded.data(), residual);
    }
    loss += kernels.sum_squares(plane, residual) / rows / count;
  }
  ws.grad_a.resize(count);
  if (gradient == nullptr) {
    for (int64_t j = 0; j < count; ++j) ws.grad_a[j].assign(rows * levels[j].width, 0.0f);
    return loss;
  }
  ws.grads.resize(count * plane);
  const float scale = 2.0f / static_cast<float>(rows * count);
  for (int64_t i = 0; i < count * plane; ++i) ws.grads[i] = ws.residual[i] * scale;
  for (int64_t j = count - 2; j >= 0; --j) {
    kernels.axpy(plane, 1.0f, &ws.grads[(j + 1) * plane], &ws.grads[j * plane]);
  }
  for (int64_t r = 0; r < rows; ++r) {
    kernels.axpy(n_r, 1.0f, &ws.grads[r * n_r], gradient->b_dec.data());
  }
  for (int64_t j = 0; j < count; ++j) {
    const CodeList& list = levels[j];
    const float* s = &ws.grads[j * plane];
    if (j == 0) {
      kernels.sparse_outer_assign(list.indices.data(), list.values.data(), rows, list.width,
                                  list.counts.data(), s, n_r, n_r, gradient->w_dec.data(), n_r,
                                  n_q);
    } else {
      kernels.sparse_outer_accumulate(list.indices.data(), list.values.data(), rows, list.width,
                                      list.counts.data(), s, n_r, n_r, gradient->w_dec.data(), n_r);
    }
    ws.grad_a[j].resize(rows * list.width);
    kernels.sparse_dots(list.indices.data(), rows, list.width, list.counts.data(), s, n_r,
                        model.w_dec.data(), n_r, n_r, ws.grad_a[j].data());
  }
  return loss;
}

// AuxK (Gao et al. 2024): the top-k_aux pre-activations among dead latents reconstruct the
// (stop-gradient) residual e = x_r - x_hat of the last level: + lambda * mean_b ||e - A_aux
// W_D||^2. Selects among the dead latents' pre-activations only; with a gradient, adds the
// decoder term and leaves dL/dz at the selected entries in ws.aux_grad_z.
double AuxkLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                           const KernelTable& kernels, int64_t rows, const float* z,
                           const std::vector<uint8_t>& dead, SparseWorkspace& ws,
                           SaeGradient* gradient) {
  const int64_t n_q = model.n_q, n_r = model.n_r;
  ws.dead_latents.clear();
  for (int64_t i = 0; i < n_q; ++i) {
    if (dead[i]) ws.dead_latents.push_back(static_cast<int32_t>(i));
  }
  const int64_t dead_count = static_cast<int64_t>(ws.dead_latents.size());
  ws.aux.width = 0;
  if (dead_count == 0) return 0.0;
  const int64_t k = std::min(spec.auxk->k, dead_count);
  ws.dead_z.resize(rows * dead_count);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = z + r * n_q;
    float* out = &ws.dead_z[r * dead_count];
    for (int64_t t = 0; t < dead_count; ++t) out[t] = row[ws.dead_latents[t]];
  }
  CodeList& aux = ws.aux;
  aux.width = k;
  aux.indices.resize(rows * k);
  aux.values.resize(rows * k);
  aux.counts.assign(rows, static_cast<int32_t>(k));
  kernels.topk_rows(ws.dead_z.data(), rows, dead_count, dead_count, k, aux.indices.data(),
                    aux.values.data());
  for (int32_t& index : aux.indices) index = ws.dead_latents[index];
  // Aux residual: A_aux W_D - e, where the last level's residual is x_hat - x_r = -e.
  const int64_t plane = rows * n_r;
  ws.aux_residual.resize(plane);
  kernels.sparse_decode(aux.indices.data(), aux.values.data(), rows, k, nullptr, model.w_dec.data(),
                        n_r, n_r, nullptr, ws.aux_residual.data(), n_r);
  kernels.axpy(plane, 1.0f, &ws.residual[ws.residual.size() - plane], ws.aux_residual.data());
  const double lambda = spec.auxk->lambda;
  const double loss = lambda * kernels.sum_squares(plane, ws.aux_residual.data()) / rows;
  if (gradient != nullptr) {
    const float scale = static_cast<float>(2.0 * lambda / rows);
    for (float& g : ws.aux_residual) g *= scale;
    kernels.sparse_outer_accumulate(aux.indices.data(), aux.values.data(), rows, k, nullptr,
                                    ws.aux_residual.data(), n_r, n_r, gradient->w_dec.data(), n_r);
    ws.aux_grad_z.resize(rows * k);
    kernels.sparse_dots(aux.indices.data(), rows, k, nullptr, ws.aux_residual.data(), n_r,
                        model.w_dec.data(), n_r, n_r, ws.aux_grad_z.data());
    for (int64_t e = 0; e < rows * k; ++e) {
      if (aux.values[e] == 0.0f) ws.aux_grad_z[e] = 0.0f;
    }
  }
  return loss;
}

}  // namespace

LossTerms SparseLossAndGradient(const Family& family, const MethodSpec& spec,
                                const SaeModel& model, const Batch& batch,
                                const KernelTable& kernels, const std::vector<uint8_t>* dead,
                                const float* z, SparseWorkspace& ws, SaeGradient* gradient) {
  const int64_t rows = batch.rows, n_q = model.n_q, n_p = model.n_p;
  const std::vector<CodeList>& levels = ws.codes.levels;
  if (gradient != nullptr) {
    // W_E and W_D gradients are written whole by sparse_outer_assign.
    gradient->w_enc.resize(model.w_enc.size());
    gradient->w_dec.resize(model.w_dec.size());
    gradient->b_enc.assign(model.b_enc.size(), 0.0f);
    gradient->b_dec.assign(model.b_dec.size(), 0.0f);
    gradient->extra.assign(model.extra.size(), 0.0f);
  }
  LossTerms loss;
  loss.reconstruction = ReconstructLevels(model, batch, kernels, ws, gradient);

  const bool separate_bias = family.SeparateBiasGradient();
  ws.grad_z.resize(levels.size());
  ws.grad_z_bias.resize(separate_bias ? levels.size() : 0);
  for (size_t j = 0; j < levels.size(); ++j) {
    ws.grad_z[j].assign(rows * levels[j].width, 0.0f);
    if (separate_bias) ws.grad_z_bias[j].assign(rows * levels[j].width, 0.0f);
  }
  const SparseBackwardContext context{spec,      model,      kernels,   rows,
                                      batch.targets, z,      ws.codes,  ws.grad_a,
                                      ws.grad_z, separate_bias ? &ws.grad_z_bias : nullptr,
                                      gradient};
  std::tie(loss.sparsity, loss.auxiliary) = family.SparseBackward(context);
  const bool auxk = spec.auxk.has_value() && dead != nullptr;
  if (auxk) {
    loss.auxiliary += AuxkLossAndGradient(spec, model, kernels, rows, z, *dead, ws, gradient);
  }
  if (gradient == nullptr) return loss;

  // dW_E = dZ^T X on the entries; db_E sums each latent's entries in row order.
  for (size_t j = 0; j < levels.size(); ++j) {
    const CodeList& list = levels[j];
    if (j == 0) {
      kernels.sparse_outer_assign(list.indices.data(), ws.grad_z[j].data(), rows, list.width,
                                  list.counts.data(), batch.inputs, n_p, n_p,
                                  gradient->w_enc.data(), n_p, n_q);
    } else {
      kernels.sparse_outer_accumulate(list.indices.data(), ws.grad_z[j].data(), rows, list.width,
                                      list.counts.data(), batch.inputs, n_p, n_p,
                                      gradient->w_enc.data(), n_p);
    }
  }
  const bool with_aux = auxk && ws.aux.width > 0;
  if (with_aux) {
    kernels.sparse_outer_accumulate(ws.aux.indices.data(), ws.aux_grad_z.data(), rows, ws.aux.width,
                                    nullptr, batch.inputs, n_p, n_p, gradient->w_enc.data(), n_p);
  }
  const std::vector<std::vector<float>>& bias_grads = separate_bias ? ws.grad_z_bias : ws.grad_z;
  float* b_enc = gradient->b_enc.data();
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < levels.size(); ++j) {
      const CodeList& list = levels[j];
      for (int64_t e = r * list.width; e < r * list.width + list.counts[r]; ++e) {
        b_enc[list.indices[e]] += bias_grads[j][e];
      }
    }
    if (with_aux) {
      for (int64_t e = r * ws.aux.width; e < (r + 1) * ws.aux.width; ++e) {
        b_enc[ws.aux.indices[e]] += ws.aux_grad_z[e];
      }
    }
  }
  return loss;
}

}  // namespace lrb::sdl
