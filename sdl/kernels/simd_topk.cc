// The SIMD row-wise top-k: Highway per target, dispatched at run time, threads over rows.
//
// Exact, and in three steps per row:
//  1. A lower bound t on the k-th largest value. Split the row's whole vectors into G
//     contiguous groups; lane l of the running Max over group g is one element of the row,
//     so the G * lanes group-lane maxima are distinct elements and the k-th largest of them
//     is <= the k-th largest of the row. (Vertical Max only: one streaming pass.)
//  2. Candidates: the columns with value >= t (compare + CompressStore of column indices).
//     They include every column of the top k, ties at the k-th value included.
//  3. Select among the candidates by a 64-bit key (value descending, column ascending) --
//     the reference's strict order -- with nth_element, then sort the first k.
// With G * lanes ~ 4 * k buckets, an i.i.d. row is expected to give about 1.2 * k
// candidates (cols = 16000, k = 64: ~75), so step 3 is cheap; an adversarial row (e.g.
// sorted ascending) only makes step 3 slower, never wrong.
//
// foreach_target.h re-includes this file once per Highway target; the per-target code lives
// in lrb::sdl::HWY_NAMESPACE and is reached through HWY_DYNAMIC_DISPATCH from the part
// compiled once, under `#if HWY_ONCE`.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "sdl/kernels/simd_kernels_internal.h"
#include "sdl/kernels/simd_threading.h"
#include "util/parallel.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sdl/kernels/simd_topk.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "sdl/kernels/simd_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace lrb::sdl::HWY_NAMESPACE {

struct TopkScratch {
  std::vector<float> maxima;
  std::vector<int32_t> candidates;
  std::vector<uint64_t> keys;
};

// Ascending key order == descending value, then ascending column. -0 and +0 compare equal
// in the reference, so -0 is folded into +0 first.
HWY_INLINE uint64_t TopkKey(float value, int32_t column) {
  if (value == 0.0f) value = 0.0f;
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t ascending = (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
  return (static_cast<uint64_t>(~ascending) << 32) | static_cast<uint32_t>(column);
}

void TopkRow(const float* HWY_RESTRICT row, size_t cols, size_t k, int32_t* indices, float* values,
             TopkScratch& scratch) {
  const DF d;
  const hn::RebindToSigned<DF> di;
  const size_t lanes = hn::Lanes(d);
  const size_t full_vectors = cols / lanes;

  float threshold = -std::numeric_limits<float>::infinity();
  const size_t groups = std::min(full_vectors, (4 * k + lanes - 1) / lanes);
  // Worth it only if the buckets are at least two vectors long (else it is a full select).
  if (groups * lanes >= k && full_vectors >= 2 * groups) {
    scratch.maxima.resize(groups * lanes);
    for (size_t g = 0; g < groups; ++g) {
      const size_t begin = full_vectors * g / groups;
      const size_t end = full_vectors * (g + 1) / groups;
      auto mx = hn::LoadU(d, row + begin * lanes);
      for (size_t v = begin + 1; v < end; ++v) mx = hn::Max(mx, hn::LoadU(d, row + v * lanes));
      hn::StoreU(mx, d, scratch.maxima.data() + g * lanes);
    }
    std::nth_element(scratch.maxima.begin(), scratch.maxima.begin() + (k - 1), scratch.maxima.end(),
                     std::greater<float>());
    threshold = scratch.maxima[k - 1];
  }

  // CompressStore may write a whole vector at the current end: room for one more.
  scratch.candidates.resize(cols + lanes);
  int32_t* candidates = scratch.candidates.data();
  size_t count = 0;
  const auto vt = hn::Set(d, threshold);
  const auto step = hn::Set(di, static_cast<int32_t>(lanes));
  auto column = hn::Iota(di, 0);
  for (size_t v = 0; v < full_vectors; ++v, column = hn::Add(column, step)) {
    const auto pass = hn::Ge(hn::LoadU(d, row + v * lanes), vt);
    if (hn::AllFalse(d, pass)) continue;
    count += hn::CompressStore(column, hn::RebindMask(di, pass), di, candidates + count);
  }
  for (size_t c = full_vectors * lanes; c < cols; ++c) {
    if (row[c] >= threshold) candidates[count++] = static_cast<int32_t>(c);
  }

  scratch.keys.resize(count);
  for (size_t i = 0; i < count; ++i) scratch.keys[i] = TopkKey(row[candidates[i]], candidates[i]);
  const auto keys_k = scratch.keys.begin() + k;
  if (count > k) std::nth_element(scratch.keys.begin(), keys_k - 1, scratch.keys.end());
  std::sort(scratch.keys.begin(), keys_k);
  for (size_t j = 0; j < k; ++j) {
    const auto c = static_cast<int32_t>(static_cast<uint32_t>(scratch.keys[j]));
    indices[j] = c;
    values[j] = row[c];
  }
}

void TopkRowsRange(const float* z, size_t row_begin, size_t row_end, size_t cols, size_t ldz,
                   size_t k, int32_t* indices, float* values) {
  TopkScratch scratch;
  for (size_t r = row_begin; r < row_end; ++r) {
    TopkRow(z + r * ldz, cols, k, indices + r * k, values + r * k, scratch);
  }
}

}  // namespace lrb::sdl::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

namespace lrb::sdl {

HWY_EXPORT(TopkRowsRange);

namespace simd_internal {

void TopkRows(const float* z, int64_t rows, int64_t cols, int64_t ldz, int64_t k, int32_t* indices,
              float* values, const Parallelism& par) {
  if (rows == 0 || k == 0) return;
  const auto kernel = HWY_DYNAMIC_DISPATCH(TopkRowsRange);
  ParallelFor(
      0, rows, par.threads,
      [&](int64_t r0, int64_t r1) {
        kernel(z + r0 * ldz, 0, r1 - r0, cols, ldz, k, indices + r0 * k, values + r0 * k);
      },
      MinChunk(par, cols));
}

}  // namespace simd_internal
}  // namespace lrb::sdl

#endif  // HWY_ONCE
