// Fuzzes opening a results database (leaderboard/store.h): the input is the database file.
// Store::Open checks and may migrate it; LoadRuns and FindFinishedRun then read every table.
// Seeds are real databases written by Store (make_seeds.cc), whose suite is "fuzz@1".

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "leaderboard/store.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lrb;
  static const std::string path = fuzz::ScratchPath("lrb.db");
  // A journal left by the previous input would be replayed into this one.
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix);
  }
  fuzz::WriteFileOrDie(path, std::string_view(reinterpret_cast<const char*>(data), size));

  absl::StatusOr<std::unique_ptr<leaderboard::Store>> store = leaderboard::Store::Open(path);
  if (!store.ok()) return 0;
  (void)(*store)->LoadRuns("fuzz@1");
  (void)(*store)->LoadRuns("");
  (void)(*store)->FindFinishedRun("fuzz-run-ok");
  return 0;
}
