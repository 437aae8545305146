#include "sdl/sae_model.h"

#include <cmath>

#include "util/philox.h"

namespace lrb::sdl {
namespace {

// Random streams of a model's initialisation (part of the reproducibility contract).
constexpr uint64_t kEncoderStream = 0x1001;
constexpr uint64_t kDecoderStream = 0x1002;

void FillUnitGaussianRows(const CounterRng& rng, int64_t rows, int64_t cols,
                          std::vector<float>& out) {
  out.resize(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    double norm_sq = 0;
    for (int64_t c = 0; c < cols; ++c) {
      const double v = rng.Normal(r * cols + c);
      out[r * cols + c] = static_cast<float>(v);
      norm_sq += v * v;
    }
    const float scale = static_cast<float>(1.0 / std::sqrt(norm_sq));
    for (int64_t c = 0; c < cols; ++c) out[r * cols + c] *= scale;
  }
}

}  // namespace

SaeModel InitSaeModel(int64_t n_p, int64_t n_r, int64_t n_q, uint64_t seed) {
  SaeModel model;
  model.n_p = n_p;
  model.n_r = n_r;
  model.n_q = n_q;
  FillUnitGaussianRows(CounterRng(seed, kEncoderStream), n_q, n_p, model.w_enc);
  if (n_r == n_p) {
    model.w_dec = model.w_enc;
  } else {
    FillUnitGaussianRows(CounterRng(seed, kDecoderStream), n_q, n_r, model.w_dec);
  }
  model.b_enc.assign(n_q, 0.0f);
  model.b_dec.assign(n_r, 0.0f);
  return model;
}

}  // namespace lrb::sdl
