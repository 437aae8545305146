// Fuzzes opening a results database (leaderboard/store/store.h): the input is the database file.
// First read-only, as `lrb leaderboard` opens a file it may not own: OpenReadOnly and
// LoadRuns must leave the file byte for byte as it was (their contract). Then read-write:
// Open checks and may migrate it; LoadRuns and FindFinishedRun read every table.
// Seeds are real databases written by Store (make_seeds.cc), whose suite is "fuzz@1".

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "leaderboard/store/store.h"
#include "tests/fuzz/fuzz_support.h"

namespace lrb::fuzz {
namespace {

std::string ReadBack(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void ReadEverything(leaderboard::Store& store) {
  (void)store.LoadRuns("fuzz@1");
  (void)store.LoadRuns("");
  (void)store.FindFinishedRun("fuzz-run-ok");
}

}  // namespace
}  // namespace lrb::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lrb;
  static const std::string path = fuzz::ScratchPath("lrb.db");
  // A journal left by the previous input would be replayed into this one.
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix);
  }
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  fuzz::WriteFileOrDie(path, bytes);

  {
    absl::StatusOr<std::unique_ptr<leaderboard::Store>> reader =
        leaderboard::Store::OpenReadOnly(path);
    if (reader.ok()) fuzz::ReadEverything(**reader);
  }
  if (fuzz::ReadBack(path) != bytes) fuzz::FailOracle("OpenReadOnly modified the database file");

  absl::StatusOr<std::unique_ptr<leaderboard::Store>> store = leaderboard::Store::Open(path);
  if (store.ok()) fuzz::ReadEverything(**store);
  return 0;
}
