// `lrb score`, `lrb merge`, `lrb baseline` and `lrb compare` through the real binary: an
// exported LRB model scored as an external submission gets the metrics of its own run, and
// the exit codes a CI gate relies on (0 pass, 1 regression or refusal, 2 bad command line).

#include <sqlite3.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/store.h"
#include "tests/lrb_process.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb {
namespace {

using testing::RunLrb;

using ::testing::HasSubstr;

std::vector<leaderboard::RunRecord> LoadAll(const std::string& db) {
  auto store = leaderboard::Store::OpenReadOnly(db);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return {};
  auto runs = (*store)->LoadAllRuns();
  EXPECT_TRUE(runs.ok()) << runs.status();
  return runs.ok() ? *runs : std::vector<leaderboard::RunRecord>{};
}

// The scorer's metrics of a run (train.* are the trainer's, not the scorer's).
std::map<std::string, double> ScorerMetrics(const leaderboard::RunRecord& run) {
  std::map<std::string, double> metrics;
  for (const auto& [name, value] : run.metrics) {
    if (name.rfind("train.", 0) != 0) metrics[name] = value;
  }
  return metrics;
}

// One tiny suite, trained once for every test: its data, database and exported models.
class ResultsCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::lrb::testing::NewTempDir("tiny"));
    const testing::LrbResult generate = RunLrb(absl::StrCat("generate --suite=tiny --out=", *dir_, "/data"));
    ASSERT_EQ(generate.exit_code, 0) << generate.output();
    const testing::LrbResult run = RunLrb(absl::StrCat("run --suite=tiny --db=", *dir_,
                                                  "/runs.db --export_models=", *dir_, "/models"));
    ASSERT_EQ(run.exit_code, 0) << run.output();
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Path(const std::string& name) { return absl::StrCat(*dir_, "/", name); }
  static std::string* dir_;
};
std::string* ResultsCliTest::dir_ = nullptr;

TEST_F(ResultsCliTest, AnExportedModelScoredByLrbScoreGetsTheMetricsOfItsRun) {
  const std::vector<leaderboard::RunRecord> runs = LoadAll(Path("runs.db"));
  ASSERT_EQ(runs.size(), 4u);
  const std::string db = Path("scores.db");
  for (size_t i = 0; i < runs.size(); ++i) {
    const leaderboard::RunRecord& run = runs[i];
    SCOPED_TRACE(run.method_spec + " " + run.backend_used);
    const testing::LrbResult score =
        RunLrb(absl::StrCat("score --dataset=", Path("data/dataset_00"), " --model=",
                            Path("models/" + run.run_key), " --name=export-", i, " --db=", db));
    ASSERT_EQ(score.exit_code, 0) << score.output();
    EXPECT_THAT(score.output(), HasSubstr(absl::StrCat("external:export-", i)));
  }
  const std::vector<leaderboard::RunRecord> scored = LoadAll(db);
  ASSERT_EQ(scored.size(), runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const leaderboard::RunRecord& external = scored[i];
    ASSERT_TRUE(external.external.has_value());
    EXPECT_EQ(external.external->name, absl::StrCat("export-", i));
    EXPECT_EQ(external.method_spec, absl::StrCat("external:export-", i));
    EXPECT_EQ(external.suite, "");
    EXPECT_EQ(external.dataset_hash, runs[i].dataset_hash);
    // Same model, same scorer, same kernels: the same numbers, to the last bit.
    EXPECT_EQ(ScorerMetrics(external), ScorerMetrics(runs[i])) << runs[i].method_spec;
    ASSERT_EQ(external.features.size(), runs[i].features.size());
    for (size_t f = 0; f < external.features.size(); ++f) {
      EXPECT_EQ(external.features[f].best_cosine, runs[i].features[f].best_cosine);
      EXPECT_EQ(external.features[f].anchored, runs[i].features[f].anchored);
    }
  }
  // The same files again add nothing; the dataset's board lists the submissions.
  const testing::LrbResult again =
      RunLrb(absl::StrCat("score --dataset=", Path("data/dataset_00"), " --model=",
                          Path("models/" + runs[0].run_key), " --name=export-0 --db=", db));
  ASSERT_EQ(again.exit_code, 0) << again.output();
  EXPECT_THAT(again.output(), HasSubstr("already on the board"));
  EXPECT_EQ(LoadAll(db).size(), runs.size());
  const testing::LrbResult board =
      RunLrb(absl::StrCat("leaderboard --dataset=", Path("data/dataset_00"), " --db=", db));
  ASSERT_EQ(board.exit_code, 0) << board.output();
  EXPECT_THAT(board.output(), HasSubstr("external:export-3"));
  EXPECT_THAT(board.output(), HasSubstr("4 external submission(s)"));
}

TEST_F(ResultsCliTest, WithASuiteTheSubmissionJoinsTheSuitesBoard) {
  const std::vector<leaderboard::RunRecord> runs = LoadAll(Path("runs.db"));
  ASSERT_FALSE(runs.empty());
  const std::string db = Path("suite_board.db");
  std::filesystem::copy_file(Path("runs.db"), db);
  const testing::LrbResult score =
      RunLrb(absl::StrCat("score --suite=tiny --dataset=", Path("data/dataset_00"), " --model=",
                          Path("models/" + runs[0].run_key), " --name=mine --db=", db));
  ASSERT_EQ(score.exit_code, 0) << score.output();
  const testing::LrbResult board = RunLrb(absl::StrCat("leaderboard --suite=tiny --db=", db));
  ASSERT_EQ(board.exit_code, 0) << board.output();
  EXPECT_THAT(board.output(), HasSubstr("external:mine"));
  EXPECT_THAT(board.output(), HasSubstr("sae.topk(latents=128"));
}

TEST_F(ResultsCliTest, MergeBaselineAndCompareExitCodes) {
  const std::string merged = Path("merged.db");
  const testing::LrbResult merge = RunLrb(absl::StrCat("merge --db=", merged, " ", Path("runs.db"),
                                                  " --data=", Path("data")));
  ASSERT_EQ(merge.exit_code, 0) << merge.output();
  EXPECT_THAT(merge.output(), HasSubstr("4 added"));
  const testing::LrbResult again = RunLrb(absl::StrCat("merge --db=", merged, " ", Path("runs.db")));
  ASSERT_EQ(again.exit_code, 0) << again.output();
  EXPECT_THAT(again.output(), HasSubstr("0 added, 4 skipped (4 already present"));

  const std::string baseline = Path("tiny.json");
  const testing::LrbResult write =
      RunLrb(absl::StrCat("baseline --suite=tiny --db=", merged, " --out=", baseline));
  ASSERT_EQ(write.exit_code, 0) << write.output();
  const testing::LrbResult same = RunLrb(absl::StrCat("compare ", baseline, " ", Path("runs.db")));
  EXPECT_EQ(same.exit_code, 0) << same.output();
  EXPECT_THAT(same.output(), HasSubstr("4 configuration(s) compared"));

  // A worse model under the same keys: every run's m_ip drops by 0.1.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(merged.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE metrics SET value = value - 0.1 WHERE name = 'm_ip'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const testing::LrbResult worse =
      RunLrb(absl::StrCat("compare ", baseline, " ", merged, " --format=md"));
  EXPECT_EQ(worse.exit_code, 1) << worse.output();
  EXPECT_THAT(worse.output(), HasSubstr("| **regression** | `m_ip` |"));

  EXPECT_EQ(RunLrb(absl::StrCat("compare ", baseline)).exit_code, 2);
  EXPECT_EQ(RunLrb(absl::StrCat("compare ", baseline, " ", merged, " --format=html")).exit_code, 2);
  EXPECT_EQ(RunLrb(absl::StrCat("merge --db=", merged)).exit_code, 2);
  const testing::LrbResult foreign_flag =
      RunLrb(absl::StrCat("merge --db=", merged, " --force ", Path("runs.db")));
  EXPECT_EQ(foreign_flag.exit_code, 2);
  EXPECT_THAT(foreign_flag.output(), HasSubstr("--force is not a flag of `merge`"));
  EXPECT_EQ(RunLrb(absl::StrCat("merge --db=", merged, " ", Path("missing.db"))).exit_code, 1);
}

}  // namespace
}  // namespace lrb
