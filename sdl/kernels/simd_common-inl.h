// Per-target building blocks shared by the SIMD kernel files (simd_elementwise.cc,
// simd_reductions.cc, simd_sparse.cc, simd_topk.cc): partial-vector loads and stores, and
// the double-precision sum of squares that both SumSquares and NormalizeRows use, so that a
// row's norm is the same number in both.
//
// Highway's "-inl.h" convention: each kernel file re-includes itself once per target
// (foreach_target.h), and this header must be compiled again each time, inside that
// target's namespace. Hence the toggling guard below instead of an ordinary include guard;
// include it after hwy/highway.h, outside any namespace.

#if defined(LRB_SDL_KERNELS_SIMD_COMMON_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LRB_SDL_KERNELS_SIMD_COMMON_INL_H_
#undef LRB_SDL_KERNELS_SIMD_COMMON_INL_H_
#else
#define LRB_SDL_KERNELS_SIMD_COMMON_INL_H_
#endif

#include <cstddef>
#include <cstring>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace lrb::sdl::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;

// Tails. Highway 1.0.3 has no LoadN, and its MaskedLoad / BlendedStore touch the whole
// vector on SSE targets (a read or write past the end of the row), so a partial vector goes
// through an aligned stack buffer: zero-padded on the way in, `count` lanes on the way out.

template <class D>
HWY_INLINE hn::Vec<D> LoadTail(D d, const hn::TFromD<D>* HWY_RESTRICT p, size_t count) {
  HWY_ALIGN hn::TFromD<D> buf[HWY_MAX_BYTES / sizeof(hn::TFromD<D>)] = {};
  std::memcpy(buf, p, count * sizeof(buf[0]));
  return hn::Load(d, buf);
}

template <class D>
HWY_INLINE void StoreTail(D d, hn::Vec<D> v, hn::TFromD<D>* HWY_RESTRICT p, size_t count) {
  HWY_ALIGN hn::TFromD<D> buf[HWY_MAX_BYTES / sizeof(hn::TFromD<D>)];
  hn::Store(v, d, buf);
  std::memcpy(p, buf, count * sizeof(buf[0]));
}

// Sum of x^2 over n elements, in double (floats are promoted half a vector at a time; the
// product of two floats is exact in double). Not inlined into NormalizeRows: one call per
// row is nothing next to the row's pass, and each target keeps one copy of the loop.
inline HWY_NOINLINE double SumSquaresRange(const float* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;  // half-width: as many floats as doubles
  const size_t lanes = hn::Lanes(dd);
  auto s0 = hn::Zero(dd), s1 = hn::Zero(dd), s2 = hn::Zero(dd), s3 = hn::Zero(dd);
  size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    const auto v0 = hn::PromoteTo(dd, hn::LoadU(df, x + i));
    const auto v1 = hn::PromoteTo(dd, hn::LoadU(df, x + i + lanes));
    const auto v2 = hn::PromoteTo(dd, hn::LoadU(df, x + i + 2 * lanes));
    const auto v3 = hn::PromoteTo(dd, hn::LoadU(df, x + i + 3 * lanes));
    s0 = hn::MulAdd(v0, v0, s0);
    s1 = hn::MulAdd(v1, v1, s1);
    s2 = hn::MulAdd(v2, v2, s2);
    s3 = hn::MulAdd(v3, v3, s3);
  }
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::PromoteTo(dd, hn::LoadU(df, x + i));
    s0 = hn::MulAdd(v, v, s0);
  }
  if (i < n) {
    const auto v = hn::PromoteTo(dd, LoadTail(df, x + i, n - i));
    s1 = hn::MulAdd(v, v, s1);
  }
  return hn::GetLane(hn::SumOfLanes(dd, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
}

}  // namespace lrb::sdl::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // LRB_SDL_KERNELS_SIMD_COMMON_INL_H_ toggle
