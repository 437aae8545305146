// The SIMD element-wise kernels: Axpy, Relu, the Adam update, row normalisation and the
// decoder's fused Adam + renormalisation. Highway per target, dispatched at run time; threads
// take contiguous chunks of elements or rows (simd_threading.h), so every result is a
// function of the inputs and the Highway target alone.
//
// foreach_target.h re-includes this file once per Highway target; the per-target code lives
// in lrb::sdl::HWY_NAMESPACE and is reached through HWY_DYNAMIC_DISPATCH from the part
// compiled once, under `#if HWY_ONCE`.

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "sdl/kernels/kernels.h"
#include "sdl/kernels/simd_kernels_internal.h"
#include "sdl/kernels/simd_threading.h"
#include "util/parallel.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sdl/kernels/simd_elementwise.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "sdl/kernels/simd_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace lrb::sdl::HWY_NAMESPACE {

// Each *Range kernel works on the chunk its caller's thread owns.

void AxpyRange(float a, const float* HWY_RESTRICT x, float* HWY_RESTRICT y, size_t n) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  const auto va = hn::Set(d, a);
  size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto y0 = hn::MulAdd(va, hn::LoadU(d, x + i), hn::LoadU(d, y + i));
    const auto y1 = hn::MulAdd(va, hn::LoadU(d, x + i + lanes), hn::LoadU(d, y + i + lanes));
    hn::StoreU(y0, d, y + i);
    hn::StoreU(y1, d, y + i + lanes);
  }
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(hn::MulAdd(va, hn::LoadU(d, x + i), hn::LoadU(d, y + i)), d, y + i);
  }
  if (i < n) {
    StoreTail(d, hn::MulAdd(va, LoadTail(d, x + i, n - i), LoadTail(d, y + i, n - i)), y + i,
              n - i);
  }
}

// out may equal x. `x > 0 ? x : 0` exactly as the reference: -0 and NaN map to +0.
void ReluRange(const float* x, float* out, size_t n) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    hn::StoreU(hn::IfThenElseZero(hn::Gt(v, zero), v), d, out + i);
  }
  if (i < n) {
    const auto v = LoadTail(d, x + i, n - i);
    StoreTail(d, hn::IfThenElseZero(hn::Gt(v, zero), v), out + i, n - i);
  }
}

void AdamRange(const AdamParams& p, float* HWY_RESTRICT param, const float* HWY_RESTRICT grad,
               float* HWY_RESTRICT m, float* HWY_RESTRICT v, size_t n) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  const auto b1 = hn::Set(d, p.beta1);
  const auto one_minus_b1 = hn::Set(d, 1.0f - p.beta1);
  const auto b2 = hn::Set(d, p.beta2);
  const auto one_minus_b2 = hn::Set(d, 1.0f - p.beta2);
  const auto bc1 = hn::Set(d, p.bias_correction1);
  const auto bc2 = hn::Set(d, p.bias_correction2);
  const auto lr = hn::Set(d, p.learning_rate);
  const auto eps = hn::Set(d, p.epsilon);
  const auto gscale = hn::Set(d, p.gradient_scale);
  const auto step = [&](auto pv, auto gv, auto mv, auto vv, auto store) {
    gv = hn::Mul(gv, gscale);
    mv = hn::MulAdd(b1, mv, hn::Mul(one_minus_b1, gv));
    vv = hn::MulAdd(b2, vv, hn::Mul(hn::Mul(one_minus_b2, gv), gv));
    const auto m_hat = hn::Div(mv, bc1);
    const auto v_hat = hn::Div(vv, bc2);
    pv = hn::Sub(pv, hn::Div(hn::Mul(lr, m_hat), hn::Add(hn::Sqrt(v_hat), eps)));
    store(pv, mv, vv);
  };
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    step(hn::LoadU(d, param + i), hn::LoadU(d, grad + i), hn::LoadU(d, m + i), hn::LoadU(d, v + i),
         [&](auto pv, auto mv, auto vv) {
           hn::StoreU(pv, d, param + i);
           hn::StoreU(mv, d, m + i);
           hn::StoreU(vv, d, v + i);
         });
  }
  if (i < n) {
    const size_t rest = n - i;
    step(LoadTail(d, param + i, rest), LoadTail(d, grad + i, rest), LoadTail(d, m + i, rest),
         LoadTail(d, v + i, rest), [&](auto pv, auto mv, auto vv) {
           StoreTail(d, pv, param + i, rest);
           StoreTail(d, mv, m + i, rest);
           StoreTail(d, vv, v + i, rest);
         });
  }
}

void NormalizeRowsRange(float* w, size_t row_begin, size_t row_end, size_t cols, size_t ld) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  for (size_t r = row_begin; r < row_end; ++r) {
    float* HWY_RESTRICT row = w + r * ld;
    const double norm = std::sqrt(SumSquaresRange(row, cols));
    if (norm < 1e-12) continue;
    const auto scale = hn::Set(d, static_cast<float>(1.0 / norm));
    size_t i = 0;
    for (; i + lanes <= cols; i += lanes) {
      hn::StoreU(hn::Mul(hn::LoadU(d, row + i), scale), d, row + i);
    }
    if (i < cols) StoreTail(d, hn::Mul(LoadTail(d, row + i, cols - i), scale), row + i, cols - i);
  }
}

// Adam on rows [row_begin, row_end) of a rows x cols matrix, each row renormalised right
// after its update (while it is in L1).
void AdamNormalizeRowsRange(const AdamParams& p, float* param, const float* grad, float* m,
                            float* v, size_t row_begin, size_t row_end, size_t cols) {
  for (size_t r = row_begin; r < row_end; ++r) {
    const size_t at = r * cols;
    AdamRange(p, param + at, grad + at, m + at, v + at, cols);
    NormalizeRowsRange(param, r, r + 1, cols, cols);
  }
}

}  // namespace lrb::sdl::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

namespace lrb::sdl {

HWY_EXPORT(AxpyRange);
HWY_EXPORT(ReluRange);
HWY_EXPORT(AdamRange);
HWY_EXPORT(NormalizeRowsRange);
HWY_EXPORT(AdamNormalizeRowsRange);

namespace simd_internal {

void Axpy(int64_t n, float a, const float* x, float* y, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(AxpyRange);
  ForEachChunk(n, par, [&](int64_t i0, int64_t i1) { kernel(a, x + i0, y + i0, i1 - i0); });
}

void AdamUpdate(int64_t n, const AdamParams& params, float* param, const float* grad, float* m,
                float* v, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(AdamRange);
  ForEachChunk(n, par, [&](int64_t i0, int64_t i1) {
    kernel(params, param + i0, grad + i0, m + i0, v + i0, i1 - i0);
  });
}

void NormalizeRows(float* w, int64_t rows, int64_t cols, int64_t ld, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(NormalizeRowsRange);
  ParallelFor(
      0, rows, par.threads, [&](int64_t r0, int64_t r1) { kernel(w, r0, r1, cols, ld); },
      MinChunk(par, cols));
}

void Relu(int64_t n, const float* x, float* out, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(ReluRange);
  ForEachChunk(n, par, [&](int64_t i0, int64_t i1) { kernel(x + i0, out + i0, i1 - i0); });
}

void AdamNormalizeRows(int64_t rows, int64_t cols, const AdamParams& params, float* param,
                       const float* grad, float* m, float* v, const Parallelism& par) {
  if (rows == 0 || cols == 0) return;
  const auto kernel = HWY_DYNAMIC_DISPATCH(AdamNormalizeRowsRange);
  ParallelFor(
      0, rows, par.threads,
      [&](int64_t r0, int64_t r1) { kernel(params, param, grad, m, v, r0, r1, cols); },
      MinChunk(par, cols));
}

}  // namespace simd_internal
}  // namespace lrb::sdl

#endif  // HWY_ONCE
