#ifndef LRB_LEADERBOARD_STORE_TEST_SUPPORT_H_
#define LRB_LEADERBOARD_STORE_TEST_SUPPORT_H_

// Test helpers for leaderboard/: fresh database paths, a fully populated RunRecord, raw SQLite
// access and a version-1 database fixture. Status assertions come from util/testing.

#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "leaderboard/store/run_record.h"
#include "leaderboard/store/schema.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::leaderboard::testing {

// A path that does not exist yet, under the test's private TEST_TMPDIR, unique per test
// and `name`.
inline std::string FreshDbPath(const std::string& name = "lrb.db") {
  const std::string path = ::lrb::testing::FreshTempPath(name);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return path;
}

// A run with every identity and environment field set to a distinct value, so a column
// read into the wrong field shows up.
inline RunRecord SampleRun(const std::string& run_key = "key-0") {
  RunRecord run;
  run.run_key = run_key;
  run.suite = "smoke@1";
  run.dataset_spec = "lrb(n=16,np=8,nr=8,N=100,S=0.9,M=0.1,cmin=0,beta=1,seed=0)";
  run.dataset_hash = "0123456789abcdef";
  run.method_spec = "sae.topk(k=4)+anchor(k=2,lambda=0.1)";
  run.train_spec = "train(steps=100,batch=32,lr=0.001)";
  run.backend = "simd";
  run.backend_used = "simd:AVX2";
  run.seed = 7;
  run.scorer_version = "scorer@1";
  run.environment.cpu = "AMD EPYC 7B13";
  run.environment.simd_target = "AVX2";
  run.environment.compiler = "gcc 12.2.0";
  run.environment.build_mode = "opt";
  run.environment.git_commit = "e0b182a";
  run.environment.git_dirty = false;
  run.environment.library_versions = "sqlite 3.40.1; hwy 1.0.3";
  run.environment.hostname = "bench-host";
  run.environment.threads = 2;
  return run;
}

// Opens `path` with a plain SQLite connection, bypassing Store: for looking at (or
// tampering with) the file the way another program would.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    rc_ = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc_ == SQLITE_OK) rc_ = sqlite3_busy_timeout(db_, 10'000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3* get() const { return db_; }

  // Runs `sql` (no result rows expected); returns "" or SQLite's error message.
  std::string Exec(const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK) return "";
    return sqlite3_errmsg(db_);
  }

  // The first column of the first row of `sql`, as text ("<no row>" / "<error: ...>").
  std::string Query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return absl::StrCat("<error: ", sqlite3_errmsg(db_), ">");
    }
    std::string result;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      result = text != nullptr ? reinterpret_cast<const char*>(text) : "<null>";
    } else if (rc == SQLITE_DONE) {
      result = "<no row>";
    } else {
      result = absl::StrCat("<error: ", sqlite3_errmsg(db_), ">");
    }
    sqlite3_finalize(stmt);
    return result;
  }

 private:
  sqlite3* db_ = nullptr;
  int rc_ = SQLITE_OK;
};

// Writes, at `path`, a database made by the version-1 schema with one finished run
// ("old-run" of suite "smoke@1", one metric, one feature row), as an lrb binary from before
// version 2 would have left it. Fails the calling test (check HasFatalFailure) on error.
inline void WriteVersion1Database(const std::string& path) {
  RawDb raw(path);
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(internal::Migrations()[0].version, 1);
  ASSERT_EQ(raw.Exec(internal::Migrations()[0].sql), "");
  ASSERT_EQ(raw.Exec(absl::StrCat("PRAGMA application_id = ", internal::kApplicationId)), "");
  ASSERT_EQ(raw.Exec("PRAGMA user_version = 1"), "");
  ASSERT_EQ(raw.Exec(R"sql(
    INSERT INTO runs (run_key, suite, dataset_spec, dataset_hash, method_spec, train_spec,
                      backend, backend_used, seed, scorer_version, status, created_at,
                      finished_at, cpu, simd_target, compiler, build_mode, git_commit,
                      git_dirty, library_versions, hostname, threads)
    VALUES ('old-run', 'smoke@1', 'lrb(...)', 'abc', 'sae.topk(k=4)', 'train(...)', 'simd',
            'simd:AVX2', 3, 'score@1', 'ok', '2026-11-25T10:00:00.000Z',
            '2026-11-25T10:01:00.000Z', 'cpu', 'AVX2', 'gcc', 'opt', 'e0b182a', 0, 'libs',
            'host', 2);
    INSERT INTO metrics (run_id, name, value) VALUES (1, 'm_ip', 0.75);
    INSERT INTO feature_results (run_id, feature, best_latent, best_cosine, anchored, recovered)
    VALUES (1, 4, 9, 0.96875, 0, 1);
  )sql"),
            "");
}

}  // namespace lrb::leaderboard::testing

#endif  // LRB_LEADERBOARD_STORE_TEST_SUPPORT_H_
