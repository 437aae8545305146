// The SIMD reductions Dot and SumSquares: Highway per target, dispatched at run time, summed
// over fixed blocks of kReduceBlock elements (so the result does not depend on the thread
// count; simd_threading.h).
//
// foreach_target.h re-includes this file once per Highway target; the per-target code lives
// in lrb::sdl::HWY_NAMESPACE and is reached through HWY_DYNAMIC_DISPATCH from the part
// compiled once, under `#if HWY_ONCE`.

#include <cstddef>
#include <cstdint>

#include "sdl/kernels/simd_kernels_internal.h"
#include "sdl/kernels/simd_threading.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sdl/kernels/simd_reductions.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "sdl/kernels/simd_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace lrb::sdl::HWY_NAMESPACE {

// <x, y> over n elements, four accumulators.
float DotRange(const float* HWY_RESTRICT x, const float* HWY_RESTRICT y, size_t n) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    s0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), s0);
    s1 = hn::MulAdd(hn::LoadU(d, x + i + lanes), hn::LoadU(d, y + i + lanes), s1);
    s2 = hn::MulAdd(hn::LoadU(d, x + i + 2 * lanes), hn::LoadU(d, y + i + 2 * lanes), s2);
    s3 = hn::MulAdd(hn::LoadU(d, x + i + 3 * lanes), hn::LoadU(d, y + i + 3 * lanes), s3);
  }
  for (; i + lanes <= n; i += lanes) {
    s0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), s0);
  }
  if (i < n) {
    s1 = hn::MulAdd(LoadTail(d, x + i, n - i), LoadTail(d, y + i, n - i), s1);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
}

}  // namespace lrb::sdl::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

namespace lrb::sdl {

HWY_EXPORT(DotRange);
HWY_EXPORT(SumSquaresRange);  // simd_common-inl.h

namespace simd_internal {

float Dot(int64_t n, const float* x, const float* y, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(DotRange);
  return BlockedSum<float>(n, par,
                           [&](int64_t i0, int64_t i1) { return kernel(x + i0, y + i0, i1 - i0); });
}

double SumSquares(int64_t n, const float* x, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(SumSquaresRange);
  return BlockedSum<double>(n, par,
                            [&](int64_t i0, int64_t i1) { return kernel(x + i0, i1 - i0); });
}

}  // namespace simd_internal
}  // namespace lrb::sdl

#endif  // HWY_ONCE
