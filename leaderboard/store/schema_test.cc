// Opening files: new, ours, newer than us, foreign SQLite, not SQLite at all.

#include "leaderboard/store/schema.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/store.h"
#include "leaderboard/store/test_support.h"

namespace lrb::leaderboard {
namespace {

using ::lrb::leaderboard::testing::FreshDbPath;
using ::lrb::leaderboard::testing::RawDb;
using ::lrb::leaderboard::testing::WriteVersion1Database;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(MigrationsTest, VersionsCountUpFromOneWithoutGaps) {
  int expected = 1;
  for (const internal::Migration& migration : internal::Migrations()) {
    EXPECT_EQ(migration.version, expected++);
    EXPECT_NE(migration.sql, nullptr);
  }
  EXPECT_EQ(internal::LatestSchemaVersion(), expected - 1);
}

TEST(MigrationsTest, AVersion1DatabaseUpgradesAndKeepsItsRows) {
  const std::string path = FreshDbPath();
  WriteVersion1Database(path);
  if (::testing::Test::HasFatalFailure()) return;

  LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Store> store, Store::Open(path));
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> runs, store->LoadRuns("smoke@1"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].run_key, "old-run");
  EXPECT_EQ(runs[0].scorer_version, "score@1");
  EXPECT_EQ(runs[0].metrics, (std::vector<std::pair<std::string, double>>{{"m_ip", 0.75}}));
  ASSERT_EQ(runs[0].features.size(), 1u);
  const FeatureRow& row = runs[0].features[0];
  EXPECT_EQ(row.feature, 4);
  EXPECT_EQ(row.best_latent, 9);
  EXPECT_EQ(row.best_cosine, 0.96875);
  EXPECT_FALSE(row.anchored);
  EXPECT_TRUE(row.recovered);
  // Columns added by version 2 read their defaults: not measured by score@1.
  EXPECT_EQ(row.firing_frequency, 0.0);
  EXPECT_EQ(row.latent_firing_frequency, 0.0);
  EXPECT_FALSE(row.absorbed);

  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), absl::StrCat(internal::LatestSchemaVersion()));
  EXPECT_EQ(raw.Query("SELECT strict FROM pragma_table_list WHERE name = 'feature_results'"),
            "1");
  // The new flag keeps its constraint.
  EXPECT_NE(raw.Exec("UPDATE feature_results SET absorbed = 2"), "");
}

// A version-2 database as an lrb from before version 3 left it: an ok run with a metric and a
// feature row, a running one, a failed one, and the AUTOINCREMENT counter past a deleted
// run's id.
void WriteVersion2Database(const std::string& path) {
  RawDb raw(path);
  ASSERT_TRUE(raw.ok());
  for (int v = 0; v < 2; ++v) ASSERT_EQ(raw.Exec(internal::Migrations()[v].sql), "");
  ASSERT_EQ(raw.Exec(absl::StrCat("PRAGMA application_id = ", internal::kApplicationId)), "");
  ASSERT_EQ(raw.Exec("PRAGMA user_version = 2"), "");
  const std::string columns =
      "run_key, suite, dataset_spec, dataset_hash, method_spec, train_spec, backend, "
      "backend_used, seed, scorer_version, status, error, created_at, finished_at, cpu, "
      "simd_target, compiler, build_mode, git_commit, git_dirty, library_versions, hostname, "
      "threads";
  const auto row = [](const std::string& key, const std::string& status,
                      const std::string& error, const std::string& finished) {
    return absl::StrCat("('", key, "', 'smoke@1', 'lrb(...)', 'abc', 'sae.topk(k=4)', ",
                        "'train(...)', 'simd', 'simd:AVX2', 3, 'score@2', '", status, "', '",
                        error, "', '2026-11-25T10:00:00.000Z', ", finished,
                        ", 'cpu', 'AVX2', 'gcc', 'opt', 'e0b', 0, 'libs', 'host', 2)");
  };
  ASSERT_EQ(raw.Exec(absl::StrCat(
                "INSERT INTO runs (", columns, ") VALUES ",
                row("ok-run", "ok", "", "'2026-11-25T10:01:00.000Z'"), ", ",
                row("crashed-run", "running", "", "NULL"), ", ",
                row("failed-run", "failed", "diverged", "'2026-11-25T10:02:00.000Z'"), ", ",
                row("deleted-run", "failed", "x", "'2026-11-25T10:03:00.000Z'"), ";",
                "DELETE FROM runs WHERE run_key = 'deleted-run';"
                "INSERT INTO metrics (run_id, name, value) VALUES (1, 'm_ip', 0.75);"
                "INSERT INTO feature_results (run_id, feature, best_latent, best_cosine, "
                "anchored, recovered, firing_frequency) VALUES (1, 4, 9, 0.96875, 0, 1, 0.5);")),
            "");
}

TEST(MigrationsTest, AVersion2DatabaseUpgradesToVersion3KeepingRowsIdsAndConstraints) {
  const std::string path = FreshDbPath();
  WriteVersion2Database(path);
  if (::testing::Test::HasFatalFailure()) return;

  LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Store> store, Store::Open(path));
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> runs, store->LoadRuns("smoke@1"));
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].run_key, "ok-run");
  EXPECT_EQ(runs[0].status, "ok");
  // Rebuilding `runs` must not cascade to the rows that refer to it.
  EXPECT_EQ(runs[0].metrics, (std::vector<std::pair<std::string, double>>{{"m_ip", 0.75}}));
  ASSERT_EQ(runs[0].features.size(), 1u);
  EXPECT_EQ(runs[0].features[0].firing_frequency, 0.5);
  EXPECT_EQ(runs[0].incomplete, "") << "counts not recorded before v3: some rows suffice";
  // A running row from before owners were recorded has heartbeat 0: abandoned.
  EXPECT_EQ(runs[1].status, "running");
  EXPECT_TRUE(runs[1].owner_gone);
  EXPECT_EQ(runs[2].error, "diverged");

  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), absl::StrCat(internal::LatestSchemaVersion()));
  EXPECT_EQ(raw.Query("PRAGMA foreign_key_check"), "<no row>");
  EXPECT_EQ(raw.Query("SELECT strict FROM pragma_table_list WHERE name = 'runs'"), "1");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM sqlite_schema WHERE name = 'runs_by_suite'"), "1");
  // The new status is allowed, with its message; the old constraints still hold.
  EXPECT_EQ(raw.Exec("UPDATE runs SET status = 'interrupted', error = 'SIGINT', "
                     "finished_at = 'x' WHERE run_key = 'crashed-run'"),
            "");
  EXPECT_NE(raw.Exec("UPDATE runs SET error = '' WHERE run_key = 'crashed-run'"), "");
  EXPECT_NE(raw.Exec("UPDATE runs SET status = 'paused' WHERE run_key = 'crashed-run'"), "");
  // Ids stay unused: the next run comes after the deleted one (id 4).
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store->BeginRun(::lrb::leaderboard::testing::SampleRun("new")));
  EXPECT_EQ(id, 5);
  // Foreign keys are enforced again on the Store's connection: deleting cascades.
  LRB_ASSERT_OK(store->DeleteRun("ok-run"));
  EXPECT_EQ(raw.Query("SELECT count(*) FROM metrics"), "0");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM feature_results"), "0");
}

TEST(MigrationsTest, AVersion3DatabaseUpgradesToTheLatestKeepingEveryRow) {
  const std::string path = FreshDbPath();
  WriteVersion2Database(path);
  if (::testing::Test::HasFatalFailure()) return;
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec(internal::Migrations()[2].sql), "");
    ASSERT_EQ(raw.Exec("PRAGMA user_version = 3"), "");
    ASSERT_EQ(raw.Exec("UPDATE runs SET expected_metrics = 1, expected_features = 1 "
                       "WHERE run_key = 'ok-run'"),
              "");
  }
  LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Store> store, Store::Open(path));
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> runs, store->LoadRuns("smoke@1"));
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].run_key, "ok-run");
  EXPECT_EQ(runs[0].incomplete, "");
  EXPECT_EQ(runs[0].metrics, (std::vector<std::pair<std::string, double>>{{"m_ip", 0.75}}));
  ASSERT_EQ(runs[0].features.size(), 1u);
  for (const RunRecord& run : runs) {
    EXPECT_FALSE(run.external.has_value()) << run.run_key;
    EXPECT_TRUE(run.trajectory.empty()) << run.run_key;
  }

  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), absl::StrCat(internal::LatestSchemaVersion()));
  EXPECT_EQ(raw.Query("PRAGMA foreign_key_check"), "<no row>");
  EXPECT_EQ(raw.Query("SELECT strict FROM pragma_table_list WHERE name = 'external_submissions'"),
            "1");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM runs"), "3");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM metrics"), "1");
  // Provenance goes with its run.
  ASSERT_EQ(raw.Exec("INSERT INTO external_submissions VALUES (1, 'mine', '/m', 'h', 'relu')"), "");
  EXPECT_NE(raw.Exec("INSERT INTO external_submissions VALUES (2, '', '/m', 'h', 'relu')"), "")
      << "an empty name is refused";
  // So does its trajectory (version 5).
  ASSERT_EQ(raw.Exec("INSERT INTO trajectories VALUES (1, 'm_ip', 100, 0.5)"), "");
  EXPECT_NE(raw.Exec("INSERT INTO trajectories VALUES (1, 'm_ip', -1, 0.5)"), "")
      << "a negative step is refused";
  LRB_ASSERT_OK(store->DeleteRun("ok-run"));
  EXPECT_EQ(raw.Query("SELECT count(*) FROM external_submissions"), "0");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM trajectories"), "0");
}

TEST(MigrationsTest, AVersion5DatabaseUpgradesKeepingEveryRowWithPairsNotRecorded) {
  const std::string path = FreshDbPath();
  WriteVersion2Database(path);
  if (::testing::Test::HasFatalFailure()) return;
  {
    RawDb raw(path);
    for (int v = 2; v < 5; ++v) ASSERT_EQ(raw.Exec(internal::Migrations()[v].sql), "");
    ASSERT_EQ(raw.Exec("PRAGMA user_version = 5"), "");
    ASSERT_EQ(raw.Exec("UPDATE runs SET expected_metrics = 1, expected_features = 2 "
                       "WHERE run_key = 'ok-run';"
                       "UPDATE feature_results SET absorbed = 1;"
                       "INSERT INTO feature_results (run_id, feature, best_latent, best_cosine, "
                       "anchored, recovered) VALUES (1, 7, 2, 0.5, 1, 0);"
                       "INSERT INTO trajectories VALUES (1, 'm_ip', 100, 0.5);"),
              "");
  }
  LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Store> store, Store::Open(path));
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> runs, store->LoadRuns("smoke@1"));
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].run_key, "ok-run");
  EXPECT_EQ(runs[0].incomplete, "");
  EXPECT_EQ(runs[0].metrics, (std::vector<std::pair<std::string, double>>{{"m_ip", 0.75}}));
  EXPECT_EQ(runs[0].trajectory.size(), 1u);
  ASSERT_EQ(runs[0].features.size(), 2u);
  EXPECT_EQ(runs[0].features[0].feature, 4);
  EXPECT_EQ(runs[0].features[0].best_cosine, 0.96875);
  EXPECT_EQ(runs[0].features[0].firing_frequency, 0.5);
  EXPECT_TRUE(runs[0].features[0].absorbed);
  EXPECT_EQ(runs[0].features[1].feature, 7);
  for (const FeatureRow& row : runs[0].features) {
    SCOPED_TRACE(row.feature);
    // Columns added by version 6 read "not recorded".
    EXPECT_EQ(row.parent, -1);
    EXPECT_EQ(row.absorption_rate, -1.0);
    EXPECT_EQ(row.absorption_taker, -1);
  }

  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), absl::StrCat(internal::LatestSchemaVersion()));
  EXPECT_EQ(raw.Query("PRAGMA foreign_key_check"), "<no row>");
  EXPECT_EQ(raw.Query("SELECT strict FROM pragma_table_list WHERE name = 'feature_results'"),
            "1");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM feature_results"), "2");
  // The new columns keep their constraints.
  EXPECT_EQ(raw.Exec("UPDATE feature_results SET parent = 3, absorption_rate = 0.25, "
                     "absorption_taker = 5 WHERE feature = 7"),
            "");
  EXPECT_NE(raw.Exec("UPDATE feature_results SET absorption_rate = 1.5"), "");
  EXPECT_NE(raw.Exec("UPDATE feature_results SET absorption_rate = -0.5"), "");
  EXPECT_NE(raw.Exec("UPDATE feature_results SET parent = -2"), "");
  EXPECT_NE(raw.Exec("UPDATE feature_results SET absorption_taker = 'x'"), "") << "STRICT";
}

// Version 7 adds suite membership: every run of a version-6 database, whatever its status
// and suite ("" for runs outside suites), stays on its suite's board and on no other.
TEST(MigrationsTest, AVersion6DatabaseUpgradesKeepingEveryRunInItsSuite) {
  const std::string path = FreshDbPath();
  WriteVersion2Database(path);  // ok-run, crashed-run and failed-run of smoke@1
  if (::testing::Test::HasFatalFailure()) return;
  {
    RawDb raw(path);
    for (int v = 2; v < 6; ++v) ASSERT_EQ(raw.Exec(internal::Migrations()[v].sql), "");
    ASSERT_EQ(raw.Exec("PRAGMA user_version = 6"), "");
    // Two copies of ok-run under other keys: one of another suite, one outside suites.
    const std::string columns =
        "dataset_spec, dataset_hash, method_spec, train_spec, backend, backend_used, seed, "
        "scorer_version, status, created_at, finished_at, cpu, simd_target, compiler, "
        "build_mode, git_commit, git_dirty, library_versions, hostname, threads";
    ASSERT_EQ(raw.Exec(absl::StrCat(
                  "UPDATE runs SET expected_metrics = 1, expected_features = 1 "
                  "WHERE run_key = 'ok-run';"
                  "INSERT INTO runs (run_key, suite, ", columns, ") ",
                  "SELECT copy.key, copy.suite, ", columns, " FROM runs, ",
                  "(SELECT 'paper-run' AS key, 'paper@2' AS suite UNION ALL ",
                  "SELECT 'train-run', '') AS copy WHERE run_key = 'ok-run';")),
              "");
  }
  LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Store> store, Store::Open(path));
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> smoke, store->LoadRuns("smoke@1"));
  ASSERT_EQ(smoke.size(), 3u);
  EXPECT_EQ(smoke[0].run_key, "ok-run");
  EXPECT_EQ(smoke[0].incomplete, "");
  EXPECT_EQ(smoke[0].metrics, (std::vector<std::pair<std::string, double>>{{"m_ip", 0.75}}));
  EXPECT_EQ(smoke[1].status, "running");
  EXPECT_EQ(smoke[2].status, "failed");
  for (const RunRecord& run : smoke) {
    EXPECT_EQ(run.suites, std::vector<std::string>{"smoke@1"}) << run.run_key;
  }
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> paper, store->LoadRuns("paper@2"));
  ASSERT_EQ(paper.size(), 1u);
  EXPECT_EQ(paper[0].run_key, "paper-run");
  EXPECT_EQ(paper[0].suites, std::vector<std::string>{"paper@2"});
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> outside, store->LoadRuns(""));
  ASSERT_EQ(outside.size(), 1u);
  EXPECT_EQ(outside[0].run_key, "train-run");

  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), absl::StrCat(internal::LatestSchemaVersion()));
  EXPECT_EQ(raw.Query("PRAGMA foreign_key_check"), "<no row>");
  EXPECT_EQ(raw.Query("SELECT strict FROM pragma_table_list WHERE name = 'run_suites'"), "1");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM sqlite_schema WHERE name = 'run_suites_by_suite'"),
            "1");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM run_suites"), "5");
  // A run belongs to a suite once, and only an existing run belongs to one.
  EXPECT_NE(raw.Exec("INSERT INTO run_suites SELECT id, 'smoke@1' FROM runs "
                     "WHERE run_key = 'ok-run'"),
            "");
  EXPECT_NE(raw.Exec("PRAGMA foreign_keys = ON; INSERT INTO run_suites VALUES (999, 'x@1')"),
            "");
  EXPECT_NE(raw.Exec("INSERT INTO run_suites VALUES (1, NULL)"), "");
  // Memberships go with their run.
  LRB_ASSERT_OK(store->DeleteRun("ok-run"));
  EXPECT_EQ(raw.Query("SELECT count(*) FROM run_suites"), "4");
}

TEST(OpenTest, CreatesAConfiguredLrbDatabase) {
  const std::string path = FreshDbPath();
  LRB_ASSERT_OK(Store::Open(path));
  RawDb raw(path);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.Query("PRAGMA application_id"), absl::StrCat(internal::kApplicationId));
  EXPECT_EQ(raw.Query("PRAGMA user_version"), absl::StrCat(internal::LatestSchemaVersion()));
  EXPECT_EQ(raw.Query("PRAGMA journal_mode"), "wal");
  for (const char* table : {"runs", "metrics", "feature_results", "trajectories", "run_suites"}) {
    EXPECT_EQ(
        raw.Query(absl::StrCat("SELECT strict FROM pragma_table_list WHERE name = '", table, "'")),
        "1")
        << table << " is missing or not STRICT";
  }
  EXPECT_EQ(raw.Query("SELECT count(*) FROM pragma_foreign_key_list('metrics')"), "1");
}

TEST(OpenTest, ReopensAndAcceptsAnEmptyFile) {
  const std::string path = FreshDbPath();
  LRB_ASSERT_OK(Store::Open(path));
  LRB_EXPECT_OK(Store::Open(path));  // already current: nothing to migrate

  const std::string empty = FreshDbPath("empty.db");
  WriteFile(empty, "");  // e.g. `touch lrb.db`
  LRB_EXPECT_OK(Store::Open(empty));
}

TEST(OpenTest, RefusesANewerSchemaNamingBothVersions) {
  const std::string path = FreshDbPath();
  LRB_ASSERT_OK(Store::Open(path));
  const int newer = internal::LatestSchemaVersion() + 1;
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec(absl::StrCat("PRAGMA user_version = ", newer)), "");
  }
  const auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()),
              AllOf(HasSubstr(path), HasSubstr(absl::StrCat("version ", newer)),
                    HasSubstr(absl::StrCat("version ", internal::LatestSchemaVersion()))));
  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), absl::StrCat(newer)) << "file was modified";
}

TEST(OpenTest, RefusesAFileThatIsNotSqliteAndLeavesItAlone) {
  const std::string path = FreshDbPath("notes.txt");
  std::string garbage;
  for (int i = 0; i < 512; ++i) garbage += "not a database, just some bytes ";
  WriteFile(path, garbage);

  const auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()),
              AllOf(HasSubstr(path), HasSubstr("not an SQLite database")));
  EXPECT_EQ(ReadFile(path), garbage);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(OpenTest, RefusesAShortNonSqliteFile) {
  const std::string path = FreshDbPath("short.txt");
  WriteFile(path, "hello\n");
  const auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
  EXPECT_EQ(ReadFile(path), "hello\n");
}

TEST(OpenTest, RefusesAnotherProgramsSqliteDatabaseAndLeavesItAlone) {
  const std::string path = FreshDbPath("other.db");
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')"), "");
  }
  const std::string before = ReadFile(path);

  const auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()),
              AllOf(HasSubstr(path), HasSubstr("not an LRB database")));
  EXPECT_EQ(ReadFile(path), before);
  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA journal_mode"), "delete");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM sqlite_schema WHERE name = 'runs'"), "0");
}

TEST(OpenTest, RefusesPathsThatCannotHoldADatabase) {
  const std::string directory = FreshDbPath("a_directory");
  std::filesystem::create_directories(directory);
  const auto in_directory = Store::Open(directory);
  ASSERT_FALSE(in_directory.ok());
  EXPECT_THAT(std::string(in_directory.status().message()), HasSubstr(directory));

  const std::string missing_parent = FreshDbPath("no/such/dir/lrb.db");
  const auto missing = Store::Open(missing_parent);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr(missing_parent));

  EXPECT_EQ(Store::Open("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Store::Open(":memory:").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lrb::leaderboard
