// Fuzzes the .npy reader (datasets/npy.h) on arbitrary file bytes. Oracles beyond "no crash,
// no sanitizer report": a successful read holds exactly prod(shape) values, and a '<f4'
// array written back by WriteNpy reads back bit for bit.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "datasets/npy.h"
#include "tests/fuzz/fuzz_support.h"

namespace lrb::fuzz {
namespace {

template <typename T>
void CheckSize(const datasets::NpyArray<T>& array) {
  int64_t elements = 1;
  for (const int64_t dim : array.shape) {
    if (dim < 0) FailOracle("a read succeeded with a negative dimension");
    elements *= dim;
  }
  if (static_cast<int64_t>(array.values.size()) != elements) {
    FailOracle("a read succeeded with values.size() != prod(shape)");
  }
}

void CheckRewrite(const datasets::NpyArray<float>& array) {
  const std::string path = ScratchPath("rewritten.npy");
  if (!datasets::WriteNpy(path, array.values, array.shape).ok()) {
    FailOracle("WriteNpy refused an array that ReadNpyFloat returned");
  }
  const absl::StatusOr<datasets::NpyArray<float>> again = datasets::ReadNpyFloat(path);
  if (!again.ok() || again->shape != array.shape || again->values.size() != array.values.size() ||
      (!array.values.empty() &&
       std::memcmp(again->values.data(), array.values.data(),
                  array.values.size() * sizeof(float)) != 0)) {
    FailOracle("an '<f4' array does not survive WriteNpy + ReadNpyFloat");
  }
}

}  // namespace
}  // namespace lrb::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lrb;
  static const std::string path = fuzz::ScratchPath("input.npy");
  fuzz::WriteFileOrDie(path, std::string_view(reinterpret_cast<const char*>(data), size));

  (void)datasets::ReadNpyHeader(path);
  const absl::StatusOr<datasets::NpyArray<float>> floats = datasets::ReadNpyFloat(path);
  if (floats.ok()) {
    fuzz::CheckSize(*floats);
    if (floats->descr == "<f4") fuzz::CheckRewrite(*floats);
  }
  const absl::StatusOr<datasets::NpyArray<int64_t>> ints = datasets::ReadNpyInt(path);
  if (ints.ok()) fuzz::CheckSize(*ints);
  return 0;
}
