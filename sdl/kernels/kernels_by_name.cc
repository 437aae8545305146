#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "sdl/kernels/kernels.h"

namespace lrb::sdl {

absl::StatusOr<const KernelTable*> KernelsByName(std::string_view name) {
  if (name == "scalar") return &ScalarKernels();
  if (name == "simd") return &SimdKernels();
  return absl::InvalidArgumentError(
      absl::StrFormat("unknown backend \"%s\"; expected one of: scalar, simd", name));
}

}  // namespace lrb::sdl
