#include "tests/fuzz/fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace lrb::fuzz {
namespace fs = std::filesystem;

std::string ScratchPath(std::string_view name) {
  static const fs::path* const root = [] {
    auto* path = new fs::path(fs::temp_directory_path() /
                              ("lrb_fuzz_" + std::to_string(static_cast<long>(getpid()))));
    fs::create_directories(*path);
    // Not left behind by a fuzzer run by hand (a crash skips this; the test's runner removes
    // its whole TMPDIR).
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(*root, ignored);
    });
    return path;
  }();
  return (*root / name).string();
}

std::string FreshScratchDir(std::string_view name) {
  const std::string dir = ScratchPath(name);
  std::error_code error;
  fs::remove_all(dir, error);
  fs::create_directories(dir, error);
  if (error) FailOracle("cannot create the scratch directory " + dir + ": " + error.message());
  return dir;
}

void WriteFileOrDie(const std::string& path, std::string_view bytes) {
  // A new file rather than a truncated one: ext4 flushes a file truncated and rewritten
  // (auto_da_alloc) when it is closed, which made fuzzing I/O-bound.
  std::error_code ignored;
  fs::remove(path, ignored);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) FailOracle("cannot write the scratch file " + path);
}

void FailOracle(std::string_view what) {
  std::fprintf(stderr, "FUZZ ORACLE FAILED: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace lrb::fuzz
