// Fuzzes LoadDataset (datasets/dataset_io.h) on a whole dataset directory: the input is a
// file bundle (file_bundle.h) of manifest.json and the .npy files, so every file, the
// manifest included, is mutated, and a crashing input reproduces on its own. Seeds are
// real directories written by SaveDataset (make_seeds.cc).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "datasets/dataset_io.h"
#include "tests/fuzz/file_bundle.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lrb;
  const std::string dir = fuzz::FreshScratchDir("dataset");
  for (const auto& [name, content] :
       fuzz::SplitFileBundle(std::string_view(reinterpret_cast<const char*>(data), size))) {
    fuzz::WriteFileOrDie(dir + "/" + name, content);
  }
  (void)datasets::LoadDataset(dir);
  return 0;
}
