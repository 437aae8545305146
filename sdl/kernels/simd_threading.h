#ifndef LRB_SDL_KERNELS_SIMD_THREADING_H_
#define LRB_SDL_KERNELS_SIMD_THREADING_H_

// How the SIMD kernels split work over threads (util/parallel.h's fork-join), shared by the
// kernel files of this package. Every split here cuts outputs, never a sum, or cuts a sum
// into fixed blocks: results do not depend on Parallelism (simd_kernels_internal.h).

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sdl/kernels/simd_kernels_internal.h"
#include "util/parallel.h"

namespace lrb::sdl::simd_internal {

// The smallest chunk of items worth a thread, given the work per item.
inline int64_t MinChunk(const Parallelism& par, int64_t work_per_item) {
  const int64_t work = std::max<int64_t>(work_per_item, 1);
  return std::max<int64_t>(1, (par.min_work_per_thread + work - 1) / work);
}

// Element-wise kernels: fn(i0, i1) on contiguous chunks of [0, n).
template <class Fn>
void ForEachChunk(int64_t n, const Parallelism& par, const Fn& fn) {
  ParallelFor(0, n, par.threads, fn, MinChunk(par, 1));
}

// Partial sums block_sum(i0, i1) of fixed blocks of kReduceBlock elements (computed in
// parallel), then added in block order: the result depends on n and the data only.
template <typename T, class BlockSum>
T BlockedSum(int64_t n, const Parallelism& par, const BlockSum& block_sum) {
  constexpr int64_t kBlock = kReduceBlock;
  if (n <= kBlock) return block_sum(0, n);
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<T> partial(blocks);
  ParallelFor(
      0, blocks, par.threads,
      [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          partial[b] = block_sum(b * kBlock, std::min(n, (b + 1) * kBlock));
        }
      },
      MinChunk(par, kBlock));
  T total = 0;
  for (const T p : partial) total += p;
  return total;
}

}  // namespace lrb::sdl::simd_internal

#endif  // LRB_SDL_KERNELS_SIMD_THREADING_H_
