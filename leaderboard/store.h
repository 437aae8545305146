#ifndef LRB_LEADERBOARD_STORE_H_
#define LRB_LEADERBOARD_STORE_H_

// The SQLite store: the single home of every run (DESIGN.md section 8).
// STRICT tables, foreign keys, PRAGMA user_version migrations, WAL with a busy timeout,
// one transaction per state change, prepared statements, every return code checked.
// A run is inserted as "running" before training and finished as "ok" or "failed", so
// nothing is silently lost; a second process may read while one writes.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "leaderboard/run_record.h"

struct sqlite3;

namespace lrb::leaderboard {

class Store {
 public:
  // Opens (creating and migrating as needed) the database at `path`. Fails with a message
  // naming the path if it cannot be opened, is not an LRB database, or has a newer schema
  // than this binary knows.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The finished ("ok") run with this key, if any: lets `lrb run` skip work already done.
  absl::StatusOr<std::optional<RunRecord>> FindFinishedRun(std::string_view run_key);

  // Records the start of a run (status "running"); returns its row id. A previous
  // "running" or "failed" row with the same key is replaced; an "ok" one is an error
  // (callers check FindFinishedRun first, or pass --force, which calls DeleteRun).
  absl::StatusOr<int64_t> BeginRun(const RunRecord& run);

  // Marks the run ok and stores its timings, metrics and feature rows, in one transaction.
  absl::Status FinishRun(int64_t run_id, const RunRecord& outcome);

  // Marks the run failed with `error` (the message users see).
  absl::Status FailRun(int64_t run_id, std::string_view error);

  absl::Status DeleteRun(std::string_view run_key);

  // Every run of `suite` (all statuses), oldest first, with metrics and feature rows.
  absl::StatusOr<std::vector<RunRecord>> LoadRuns(std::string_view suite);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_H_
