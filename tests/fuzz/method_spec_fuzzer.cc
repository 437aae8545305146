// Fuzzes ParseMethodSpec (sdl/method_spec.h) with the canonical round trip as oracle, and
// FamilyVersion on every spec that parses.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "sdl/method_spec.h"
#include "tests/fuzz/spec_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  lrb::fuzz::CheckSpecRoundTrip(text, lrb::sdl::ParseMethodSpec);
  const absl::StatusOr<lrb::sdl::MethodSpec> spec = lrb::sdl::ParseMethodSpec(text);
  if (spec.ok()) (void)lrb::sdl::FamilyVersion(*spec);
  return 0;
}
