// Fuzzes ParseDatasetSpec (datasets/dataset_spec.h) with the canonical round trip as oracle.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "datasets/dataset_spec.h"
#include "tests/fuzz/spec_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  lrb::fuzz::CheckSpecRoundTrip(text, lrb::datasets::ParseDatasetSpec);
  return 0;
}
