// The SIMD backend's default parallelism (simd_kernels_internal.h).

#include <cstdint>

#include "sdl/kernels/simd_kernels_internal.h"
#include "util/parallel.h"

namespace lrb::sdl::simd_internal {

Parallelism DefaultParallelism() {
  static const int threads = DefaultThreadCount();
  return Parallelism{.threads = threads, .min_work_per_thread = int64_t{1} << 17};
}

}  // namespace lrb::sdl::simd_internal
