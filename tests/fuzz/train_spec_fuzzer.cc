// Fuzzes ParseTrainSpec (sdl/train_spec.h) with the canonical round trip as oracle, and the
// learning-rate schedule of every spec that parses: a multiplier in [0, 1] at every step.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sdl/train_spec.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/spec_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  lrb::fuzz::CheckSpecRoundTrip(text, lrb::sdl::ParseTrainSpec);
  const absl::StatusOr<lrb::sdl::TrainSpec> spec = lrb::sdl::ParseTrainSpec(text);
  if (!spec.ok()) return 0;
  for (const int64_t step : {int64_t{0}, int64_t{1}, spec->warmup_steps, spec->steps / 2,
                             spec->steps - 1, spec->steps}) {
    const double scale = lrb::sdl::LearningRateScale(*spec, step);
    if (!(scale >= 0 && scale <= 1)) {
      lrb::fuzz::FailOracle(absl::StrCat("LearningRateScale(", std::string(text), ", ", step, ") = ", scale));
    }
  }
  return 0;
}
